"""Annotations back into Git without a tool server: the merge on the sync state, real
`git merge` with the gitannot driver and real pushes through the hooks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gitannot.sync.pull import PullOutcome, pull
from gitannot.sync.workclone import Identity, WorkClone
from tests.gitenv import Client, ServerRepo
from tests.sync import helpers as h

WHO = Identity("labelstudio-sync", "sync@example.com")


def _doc(x: float) -> bytes:
    task = {
        "id": 1,
        "data": {"image": "s3://street/img1.jpg", "gitannot_item": "img1"},
        "annotations": [
            {"id": 4, "completed_by": h.BOB, "updated_at": "t", "result": [h.box("car", x)]}
        ],
    }
    return (json.dumps([task], indent=2) + "\n").encode()


def _pull(clone: WorkClone, data: bytes) -> PullOutcome:
    default = clone.fetch()
    tip = clone.tip(default)
    assert tip is not None
    clone.attributes([h.LS_FILE])
    return pull(
        clone,
        state_key="1",
        branch=default,
        start=tip,
        rendered={h.LS_FILE: data},
        who=WHO,
        options=[],
        commit_message="sync\n",
        ledger=b"{}\n",
    )


def test_without_sync_state_a_differing_annotation_is_a_conflict_not_overwritten(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = make_client(server, "alice")
    h.seed(alice)
    alice.commit({h.LS_FILE: _doc(50).decode()}, "alice's box")
    assert alice.push("HEAD:refs/heads/main").accepted
    monkeypatch.setenv("GITANNOT_USER", h.SYNC_USER)
    clone = WorkClone.open(tmp_path / "clone", server.file_url())
    tip = h.main_tip(server)

    out = _pull(clone, _doc(70))  # a lost working clone: the tool differs from Git
    assert out.conflict and f"conflicted: {h.LS_FILE}" in out.conflict
    assert h.main_tip(server) == tip and clone.state("1") is None

    out = _pull(clone, _doc(50))  # the tool agrees with Git: nothing to push
    assert out.unchanged and out.pushed is None and h.main_tip(server) == tip
    assert clone.state("1") is not None  # ... and the base is known again

    out = _pull(clone, _doc(70))  # now the tool's change is a change, and it is pushed
    assert out.pushed is not None and h.main_tip(server) == out.pushed
    value = h.server_file(server, h.LS_FILE)[0]["annotations"][0]["result"][0]["value"]
    assert value["x"] == 70
