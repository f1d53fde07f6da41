"""Issue 9 item 3: a change to a context file re-checks the files that depend on it.

YOLO rows take class names from the nearest data.yaml / classes.txt, Label Studio
exports are checked against the labeling config. Real pushes that change only the
context file, so that untouched label files on main become invalid, are rejected with
the dependent file named; `gitannot validate` on the same tree agrees.
"""

from collections.abc import Callable
from pathlib import Path

import pytest

from gitannot.main import main as gitannot_main
from tests.gitenv import Client, ServerRepo
from tests.validation.helpers import LS_CONFIG, ls_export

MakeClient = Callable[[ServerRepo, str], Client]
TEMPLATES = Path(__file__).resolve().parents[2] / "gitannot" / "scaffold" / "templates"
PROJECT = (TEMPLATES / "configs" / "project.yaml").read_text(encoding="utf-8")
SCHEMA = (TEMPLATES / "schema" / "labels.yaml").read_text(encoding="utf-8")
CAR_ROW = "1 0.5 0.5 0.2 0.2\n"  # class 1 = car
# A label the labeling config does not have is a warning by default; this project
# makes it an error, so a stranded export blocks.
LS_STRICT = PROJECT.replace(
    "    coco.area-mismatch: warning\n",
    "    coco.area-mismatch: warning\n    labelstudio.unknown-label: error\n",
)


def _seed(
    server: ServerRepo, make_client: MakeClient, files: dict[str, str], project: str = PROJECT
) -> Client:
    alice = make_client(server, "alice")
    alice.commit({"configs/project.yaml": project, "schema/labels.yaml": SCHEMA, **files}, "seed")
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    return alice


def _assert_rejected_for(
    server: ServerRepo, alice: Client, change: dict[str, str | bytes | None], rule: str, path: str
) -> None:
    before = server.rev("refs/heads/main")
    alice.commit(change)
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted, result.output
    assert f"ERROR [{rule}] refs/heads/main" in result.output
    assert path in result.output
    assert server.rev("refs/heads/main") == before


def _assert_local_check_agrees(
    alice: Client, rule: str, path: str, run: pytest.MonkeyPatch, out: pytest.CaptureFixture[str]
) -> None:
    """`gitannot validate` on the same tree reports the same rule for the same file."""
    run.chdir(alice.path)
    out.readouterr()
    assert gitannot_main(["validate"]) == 1
    assert f"ERROR [{rule}] {path}" in out.readouterr().out


CASES = {
    # names file -> (seed files, the change, dependent row file)
    "data.yaml": (
        {
            "labels/yolo/train/data.yaml": "names: [person, car]\n",
            "labels/yolo/train/sub/img1.txt": CAR_ROW,
        },
        {"labels/yolo/train/data.yaml": "names: [person]\n"},
        "labels/yolo/train/sub/img1.txt",
    ),
    "classes.txt": (
        {"labels/yolo/val/classes.txt": "person\ncar\n", "labels/yolo/val/img1.txt": CAR_ROW},
        {"labels/yolo/val/classes.txt": "person\n"},
        "labels/yolo/val/img1.txt",
    ),
    "new-nearer-names-file": (
        {
            "labels/yolo/train/data.yaml": "names: [person, car]\n",
            "labels/yolo/train/a/i.txt": CAR_ROW,
        },
        {"labels/yolo/train/a/classes.txt": "person\n"},
        "labels/yolo/train/a/i.txt",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_shrinking_names_rejects_rows_it_strands(
    server: ServerRepo,
    make_client: MakeClient,
    case: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed, change, dependent = CASES[case]
    alice = _seed(server, make_client, seed)
    _assert_rejected_for(server, alice, dict(change), "yolo.class-out-of-range", dependent)
    _assert_local_check_agrees(alice, "yolo.class-out-of-range", dependent, monkeypatch, capsys)


def test_appending_a_name_is_accepted(server: ServerRepo, make_client: MakeClient) -> None:
    seed, _, _ = CASES["data.yaml"]
    alice = _seed(server, make_client, seed)
    commit = alice.commit({"labels/yolo/train/data.yaml": "names: [person, car, bicycle]\n"})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert server.rev("refs/heads/main") == commit


def test_labelstudio_config_change_rechecks_exports(
    server: ServerRepo,
    make_client: MakeClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    alice = _seed(
        server,
        make_client,
        {"configs/labelstudio.xml": LS_CONFIG, "labels/labelstudio/a.json": ls_export()},
        LS_STRICT,
    )
    assert LS_STRICT != PROJECT
    without_car = LS_CONFIG.replace('    <Label value="car"/>\n', "")
    assert without_car != LS_CONFIG
    _assert_rejected_for(
        server,
        alice,
        {"configs/labelstudio.xml": without_car},
        "labelstudio.unknown-label",
        "labels/labelstudio/a.json",
    )
    _assert_local_check_agrees(
        alice, "labelstudio.unknown-label", "labels/labelstudio/a.json", monkeypatch, capsys
    )


def test_pointing_the_project_at_another_labelstudio_config_rechecks_exports(
    server: ServerRepo, make_client: MakeClient
) -> None:
    alice = _seed(
        server,
        make_client,
        {"configs/labelstudio.xml": LS_CONFIG, "labels/labelstudio/a.json": ls_export()},
        LS_STRICT,
    )
    other = LS_CONFIG.replace('    <Label value="car"/>\n', "")
    project = LS_STRICT.replace(
        "# labelstudio_config: configs/labelstudio.xml",
        "labelstudio_config: configs/other.xml",
    )
    assert project != LS_STRICT
    _assert_rejected_for(
        server,
        alice,
        {"configs/other.xml": other, "configs/project.yaml": project},
        "labelstudio.unknown-label",
        "labels/labelstudio/a.json",
    )
