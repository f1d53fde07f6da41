"""The digest counts approvals as the protect rule does: with `dismiss_stale: false` an
approval of an earlier commit of the branch still counts (so the work is not listed as
awaiting review), with `dismiss_stale: true` only approvals of the tip count."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from gitannot.commands import notify
from gitannot.main import build_parser
from tests.access.helpers import assert_accepted
from tests.events.helpers import person
from tests.gitenv import Client, ServerRepo
from tests.workflow.helpers import WORKFLOW, gitannot, seed_files, set_state, start_from, task

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _awaiting(server: ServerRepo, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    args = build_parser("notify").parse_args(
        ["notify", "digest", "--repo", str(server.path), "--json"]
    )
    capsys.readouterr()
    assert notify.run(args, now=NOW) == 0
    awaiting: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["awaiting_review"]
    return awaiting


def _approved_then_moved(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], workflow: str
) -> None:
    """carol submits t4, erin approves it, then carol pushes one more commit."""
    alice = make_client(server, "alice")
    files = seed_files(workflow)
    files["labels/fish/a.txt"] = "fish 1\n"
    files["tasks/t4.yaml"] = task("t4", "[labels/fish/*.txt]", "[carol]", "[erin]")
    alice.commit(files, "seed")
    assert_accepted(alice.push("HEAD:refs/heads/main"))
    text = str(files["tasks/t4.yaml"])
    carol = person(make_client, server, "carol", {})
    start_from(carol)
    carol.commit({"tasks/t4.yaml": set_state(text, "in progress")}, "start")
    carol.commit({"labels/fish/a.txt": "fish 1 done\n"}, "label")
    carol.commit({"tasks/t4.yaml": set_state(text, "completed")}, "submit")
    assert_accepted(carol.push("HEAD:refs/heads/annotate/carol/t4"))
    erin = person(make_client, server, "erin", {})
    approved = gitannot(erin, "review", "approve", "annotate/carol/t4", "-m", "ok")
    assert approved.accepted, approved.output
    carol.commit({"labels/fish/a.txt": "fish 1 done, tail fixed\n"}, "fix after approval")
    assert_accepted(carol.push("HEAD:refs/heads/annotate/carol/t4"))


@pytest.mark.parametrize(("dismiss", "waiting"), [("true", ["t4"]), ("false", [])])
def test_an_approval_of_an_earlier_commit_counts_only_without_dismiss_stale(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    capsys: pytest.CaptureFixture[str],
    dismiss: str,
    waiting: list[str],
) -> None:
    server.configure(hook_timeout_seconds=60)
    workflow = WORKFLOW.replace("dismiss_stale: true", f"dismiss_stale: {dismiss}")
    _approved_then_moved(server, make_client, workflow)
    awaiting = _awaiting(server, capsys)
    assert [a["task"] for a in awaiting] == waiting
    if waiting:
        assert awaiting[0]["approvals"] == []
        assert awaiting[0]["approvals_required"] == 1
