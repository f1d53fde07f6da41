"""Issue 19: GitOps for Label Studio, against a real Label Studio server on loopback and
real pushes into a bare repository with the gitannot hooks installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitannot.schema.export import export
from gitannot.schema.loader import load_ontology
from gitannot.sync.reconcile import canonical_config
from tests.gitenv import Client, ServerRepo
from tests.sync import helpers as h
from tests.sync.labelstudio import LabelStudioServer

pytestmark = pytest.mark.labelstudio

Repo = tuple[ServerRepo, Client]


@pytest.fixture
def title(request: pytest.FixtureRequest, project_repo: Repo) -> str:
    """A project per test: the seeded repository names this title in configs/sync.yaml."""
    _server, alice = project_repo
    name = h.title_for(request)
    alice.commit({"configs/sync.yaml": h.files(name)["configs/sync.yaml"]}, "name the project")
    assert alice.push("HEAD:refs/heads/main").accepted
    return name


def test_schema_and_manifest_become_config_and_tasks(
    labelstudio: LabelStudioServer,
    project_repo: Repo,
    title: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, _alice = project_repo
    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 0, out
    pid = h.project_id(labelstudio, title)
    config = labelstudio.sdk().projects.get(id=pid).label_config
    want = export(load_ontology(h.SCHEMA.encode()), "labelstudio")
    assert canonical_config(config) == canonical_config(want)
    tasks = h.tool_tasks(labelstudio, pid)
    assert sorted(t["data"]["gitannot_item"] for t in tasks) == ["img1", "img2"]
    assert {t["data"]["image"] for t in tasks} == {"s3://street/img1.jpg", "s3://street/img2.jpg"}
    assert "tasks: created 2" in out
