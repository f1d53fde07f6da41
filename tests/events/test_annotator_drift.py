"""Per-annotator drift on push: two annotators label the same real images (sahi's
evaluation set); each one's label mix is compared with their peers' on the task.
Expected statistics are worked out here by hand from the counts, not by the code."""

import json
import math
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitannot.commands import notify
from gitannot.errors import ConfigError
from gitannot.events import types as T
from gitannot.main import build_parser
from gitannot.project.config import DriftThresholds, load_project
from tests.access.helpers import assert_accepted, assert_denied
from tests.events.helpers import events
from tests.gitenv import Client, PushResult, ServerRepo
from tests.workflow.helpers import seed_files, start_from, task

FRAME = "labels/street/frame.json"
# Label counts of the real exports, checked against the files in `exports` below.
GROUND_TRUTH = {"car": 131, "person": 99, "truck": 8, "motorcycle": 7, "bus": 2, "bicycle": 2}
PRE_LABELS = {"car": 54, "person": 30, "truck": 4, "bus": 1}  # sahi's detections
NO_PERSONS = {k: v for k, v in GROUND_TRUTH.items() if k != "person"}


@pytest.fixture
def exports(realdata: Path) -> dict[str, Any]:
    folder = realdata / "sahi/coco_evaluate"
    truth = json.loads((folder / "dataset.json").read_bytes())
    detections = json.loads((folder / "result.json").read_bytes())
    names = {c["id"]: c["name"] for c in truth["categories"]}
    assert Counter(names[a["category_id"]] for a in truth["annotations"]) == GROUND_TRUTH
    assert Counter(names[d["category_id"]] for d in detections) == PRE_LABELS
    keys = ("image_id", "category_id", "bbox", "area")
    return {
        "empty": {**truth, "annotations": []},
        "truth": truth,
        # An annotator who accepted the model's pre-labels as they came.
        "pre_labels": {
            **truth,
            "annotations": [
                {"id": i + 1, "iscrowd": 0, **{k: d[k] for k in keys}}
                for i, d in enumerate(detections)
            ],
        },
        # An annotator who skipped every person.
        "no_persons": {
            **truth,
            "annotations": [a for a in truth["annotations"] if names[a["category_id"]] != "person"],
        },
    }


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1) + "\n"


def seed(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    exports: dict[str, Any],
    project: str | None = None,
) -> None:
    server.configure(hook_timeout_seconds=60)
    alice = make_client(server, "alice")
    files = seed_files()
    files["tasks/t5.yaml"] = task("t5", f"[{FRAME}]", "[bob, carol]").replace(
        "overlap: 1", "overlap: 2"
    )
    files[FRAME] = dumps(exports["empty"])
    if project is not None:
        files["configs/project.yaml"] = project
    alice.commit(files, "seed: street frames for two annotators")
    assert_accepted(alice.push("HEAD:refs/heads/main"))


def label(
    make_client: Callable[[ServerRepo, str], Client], server: ServerRepo, who: str, doc: Any
) -> PushResult:
    client = make_client(server, who)
    start_from(client)
    client.commit({FRAME: dumps(doc)}, f"{who} labels the frames")
    return client.push(f"HEAD:refs/heads/annotate/{who}/t5", force=True)


def chi_squared(table: list[tuple[int, int]]) -> float:
    """Pearson's statistic of a 2 x k table given column by column."""
    n1, n2 = sum(a for a, _ in table), sum(b for _, b in table)
    total = n1 + n2
    stat = 0.0
    for a, b in table:
        for observed, row in ((a, n1), (b, n2)):
            expected = (a + b) * row / total
            stat += (observed - expected) ** 2 / expected
    return stat


def test_an_annotator_whose_mix_departs_from_their_peers_gets_a_warning_and_an_event(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], exports: dict[str, Any]
) -> None:
    seed(server, make_client, exports)
    first = label(make_client, server, "bob", exports["truth"])
    assert_accepted(first)
    assert "drift.annotator" not in first.output  # no peer has labelled yet

    # Pre-labels against bob's ground truth: columns car, person, and the rest pooled
    # (truck, motorcycle, bus and bicycle each expect under 5 in carol's row of 89).
    pooled = [(54, 131), (30, 99), (4 + 1, 8 + 7 + 2 + 2)]
    stat = chi_squared(pooled)
    assert round(stat, 2) == 1.78 and math.exp(-stat / 2) > 0.001  # 2 dof: p = e^(-x/2)
    result = label(make_client, server, "carol", exports["pre_labels"])
    assert_accepted(result)
    assert "drift.annotator" not in result.output

    # Skipping every person: car, person, truck and motorcycle keep their columns (their
    # expected counts in carol's row of 150 are 98.5, 37.2, 6.0, 5.3); bus and bicycle
    # are pooled. 4 dof: p = e^(-x/2) (1 + x/2).
    table = [(131, 131), (0, 99), (8, 8), (7, 7), (2 + 2, 2 + 2)]
    stat = chi_squared(table)
    p = math.exp(-stat / 2) * (1 + stat / 2)
    result = label(make_client, server, "carol", exports["no_persons"])
    assert_accepted(result, "[drift.annotator]")
    expected = (
        f"label mix of 150 annotations by carol on task t5 differs from their peers' "
        f"(bob: 249 annotations) (chi-squared {stat:.2f}, 4 dof, p={p:.2g} < 0.001); "
        f"person 40% -> 0%"
    )
    assert expected in result.output
    warned = [
        (e.subject, w["severity"], w["message"])
        for e in events(server)
        if e.type == T.VALIDATION_WARNINGS
        for w in e.data["warnings"]
        if w["rule"] == "drift.annotator"
    ]
    assert len(warned) == 1
    assert warned[0][:2] == ("refs/heads/annotate/carol/t5", "warning")
    assert expected in warned[0][2]
    assert [e.subject for e in events(server) if e.type == T.DRIFT] == [
        "refs/heads/annotate/carol/t5"
    ]


def test_above_chi2_max_count_js_judges_and_the_project_may_make_it_an_error(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], exports: dict[str, Any]
) -> None:
    project = (
        "checks:\n  severity:\n    drift.annotator: error\n"
        "  annotator_drift: {chi2_max_count: 100, js_threshold: 0.2}\n"
    )
    seed(server, make_client, exports, project)
    label(make_client, server, "bob", exports["truth"])
    # Jensen-Shannon in bits of carol's 150 against bob's 249, label by label.
    mine, peers = NO_PERSONS, GROUND_TRUTH
    js = 0.0
    for name in peers:
        p, q = mine.get(name, 0) / 150, peers[name] / 249
        m = (p + q) / 2
        js += 0.5 * (p * math.log2(p / m) if p else 0.0) + 0.5 * q * math.log2(q / m)
    assert 0.2 < js < 0.3
    assert_denied(
        label(make_client, server, "carol", exports["no_persons"]),
        "[drift.annotator]",
        f"(Jensen-Shannon {js:.3f} bits > 0.2); person 40% -> 0%",
    )


def test_the_digest_lists_each_drifting_annotator_of_a_shared_task(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    exports: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed(server, make_client, exports)
    label(make_client, server, "bob", exports["truth"])
    carol = label(make_client, server, "carol", exports["no_persons"])
    assert_accepted(carol)
    args = build_parser("notify").parse_args(
        ["notify", "digest", "--repo", str(server.path), "--json"]
    )
    capsys.readouterr()
    assert notify.run(args, now=datetime(2027, 1, 1, tzinfo=UTC)) == 0
    found = json.loads(capsys.readouterr().out)["annotator_drift"]
    # The table is symmetric: bob against carol gives carol's statistic.
    stat = chi_squared([(131, 131), (99, 0), (8, 8), (7, 7), (4, 4)])
    p = math.exp(-stat / 2) * (1 + stat / 2)
    figures = f"(chi-squared {stat:.2f}, 4 dof, p={p:.2g} < 0.001)"
    assert [(f["user"], f["peers"], f["commit"], f["message"]) for f in found] == [
        (
            "bob",
            ["carol"],
            server.rev("refs/heads/annotate/bob/t5"),
            "label mix of 249 annotations by bob on task t5 differs from their peers' "
            f"(carol: 150 annotations) {figures}; person 0% -> 40%, car 87% -> 53%, "
            "truck 5% -> 3%",
        ),
        (
            "carol",
            ["bob"],
            server.rev("refs/heads/annotate/carol/t5"),
            "label mix of 150 annotations by carol on task t5 differs from their peers' "
            f"(bob: 249 annotations) {figures}; person 40% -> 0%, car 53% -> 87%, "
            "truck 3% -> 5%",
        ),
    ]
    assert found[1]["counts"] == NO_PERSONS and found[1]["peer_counts"] == GROUND_TRUTH


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "checks:\n  annotator_drift: {alpha: -1}\n",
            "configs/project.yaml:2: `alpha` must be a number >= 0",
        ),
        (
            "checks:\n  annotator_drift:\n    jsthreshold: 0.2\n",
            "configs/project.yaml:3: unknown key 'jsthreshold'",
        ),
        ("checks:\n  annotator_drift: 3\n", "configs/project.yaml:2: `annotator_drift` must be"),
    ],
)
def test_annotator_drift_settings_errors_name_file_and_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_project(text.encode())
    assert caught.value.message.startswith(message)


def test_annotator_drift_settings_default_and_override() -> None:
    assert load_project(b"dataset: {name: x}\n").annotator_drift == DriftThresholds()
    custom = load_project(b"checks:\n  annotator_drift: {min_annotations: 5, alpha: 0.01}\n")
    assert custom.annotator_drift == DriftThresholds(min_annotations=5, alpha=0.01)
