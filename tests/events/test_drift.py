"""Label drift on push: real exports, warning by default, error when the project says."""

from collections.abc import Callable
from pathlib import Path

import orjson
import pygit2
import pytest

from gitannot.events import drift
from gitannot.events import types as T
from gitannot.events.annotations import TreeReader
from gitannot.events.config import Drift
from tests.events.helpers import bootstrap, events
from tests.gitenv import Client, ServerRepo


def base_with_sahi(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    realdata: Path,
    automation: str,
    project: str = "dataset: {name: street}\n",
) -> Client:
    data = (realdata / "sahi/coco_evaluate/dataset.json").read_bytes()
    return bootstrap(
        server,
        make_client,
        automation,
        {"labels/street/dataset.json": data, "configs/project.yaml": project},
    )


def push_terrain(alice: Client, realdata: Path) -> tuple[bool, str]:
    data = (realdata / "sahi/coco_utils/terrain_all_coco.json").read_bytes()
    alice.commit({"labels/terrain/all.json": data}, "terrain labels")
    result = alice.push("HEAD:refs/heads/main")
    return result.accepted, result.output


def test_chi_squared_drift_is_a_warning_and_an_event(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], realdata: Path
) -> None:
    alice = base_with_sahi(server, make_client, realdata, "drift: {min_annotations: 20}\n")
    accepted, output = push_terrain(alice, realdata)
    assert accepted, output
    assert "[drift.label-distribution]" in output
    drift = [e for e in events(server) if e.type == T.DRIFT]
    assert len(drift) == 1
    finding = drift[0].data["findings"][0]
    assert (finding["rule"], finding["severity"]) == ("drift.label-distribution", "warning")
    assert "chi-squared 86.15, 2 dof, p=2e-19 < 0.001" in finding["message"]
    assert "human 0% -> 77%" in finding["message"]


def test_js_above_the_chi_squared_range(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], realdata: Path
) -> None:
    alice = base_with_sahi(server, make_client, realdata, "drift: {chi2_max_count: 10}\n")
    accepted, output = push_terrain(alice, realdata)
    assert accepted, output
    drift = [e for e in events(server) if e.type == T.DRIFT]
    assert "Jensen-Shannon 0.667 bits > 0.1" in drift[0].data["findings"][0]["message"]


def test_below_min_annotations_is_not_judged(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], realdata: Path
) -> None:
    alice = base_with_sahi(server, make_client, realdata, "drift: {min_annotations: 23}\n")
    accepted, output = push_terrain(alice, realdata)  # 22 annotations
    assert accepted, output
    assert "drift." not in output


def test_project_can_make_drift_an_error(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], realdata: Path
) -> None:
    project = "checks:\n  severity:\n    drift.label-distribution: error\n"
    alice = base_with_sahi(server, make_client, realdata, "protected: [main]\n", project)
    accepted, output = push_terrain(alice, realdata)
    assert not accepted
    assert "[drift.label-distribution]" in output


def test_base_counts_are_bounded_per_push_and_cached_per_file(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    realdata: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base_with_sahi(server, make_client, realdata, "protected: [main]\n")
    repo = pygit2.Repository(str(server.path))
    head = server.rev("refs/heads/main")
    assert head is not None
    reader = TreeReader(repo, repo.revparse_single(head).peel(pygit2.Commit).tree)
    monkeypatch.setattr(drift, "BUDGET_SECONDS", -1.0)  # out of time before the first file
    assert drift.base_counts(server.path, head, reader, Drift()) is None
    monkeypatch.setattr(drift, "BUDGET_SECONDS", 60.0)
    counts = drift.base_counts(server.path, head, reader, Drift())
    assert counts == {"car": 131, "person": 99, "truck": 8, "motorcycle": 7, "bus": 2, "bicycle": 2}
    cached = orjson.loads((server.path / "gitannot/cache/drift/files.json").read_bytes())
    assert [key.split(":")[-2] for key in cached] == ["labels/street/dataset.json"]
    # once complete, the base commit's counts are read back without parsing anything
    monkeypatch.setattr(drift, "BUDGET_SECONDS", -1.0)
    assert drift.base_counts(server.path, head, reader, Drift()) == counts
