"""The task gate takes the server clock as a parameter: only time is replaced, the
repository, the commits and the policy are real."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from gitannot.constants import ZERO_OID
from gitannot.hook.startup import build_context
from gitannot.workflow.gate_tasks import check_tasks
from tests.gitenv import Client, ServerRepo
from tests.workflow.helpers import start_from, task


def test_expiry_is_decided_by_the_clock_given_not_the_commit_date(
    wf: ServerRepo, user: Callable[[str], Client]
) -> None:
    due = "2030-06-30T12:00:00Z"
    alice = user("alice")
    start_from(alice)
    alice.commit({"tasks/t1.yaml": task("t1", "[labels/cats/*.txt]", "[bob]", due=due)}, "due")
    assert alice.push("HEAD:refs/heads/main", options=["gitannot.bypass=set a due date"]).accepted
    bob = user("bob")
    start_from(bob)
    bob.extra_env.update(GIT_COMMITTER_DATE="2030-01-01T00:00:00Z")  # well before `due`
    commit = bob.commit({"labels/cats/a.txt": "cat 1 again\n"}, "label")
    # The objects reach the server without a ref, as a push's quarantine would hold them.
    wf.git("fetch", "-q", str(bob.path), commit)
    env = {**os.environ, "GITANNOT_USER": "bob"}
    stdin = f"{ZERO_OID} {commit} refs/heads/annotate/bob/t1\n"
    deadline = datetime(2030, 6, 30, 12, 0, tzinfo=UTC)

    before = check_tasks(build_context(wf.path, stdin, env), now=deadline - timedelta(seconds=1))
    assert [f for f in before if f.blocks] == []
    after = check_tasks(build_context(wf.path, stdin, env), now=deadline)
    assert [(f.rule, f.path) for f in after if f.blocks] == [("task.expired", "labels/cats/a.txt")]
    assert "expired at 2030-06-30T12:00:00Z (server time 2030-06-30T12:00:00Z)" in after[0].message
