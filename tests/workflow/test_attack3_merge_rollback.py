"""Attack: a merge whose parent is an old commit of main brings that commit's version of a
file back. The merge's tree equals that parent's at the path, so "the change came from
the parent" looked true, but the parent's version is a rollback of what main holds now:
an annotator re-accepted a reopened task and rewrote another annotator's labels."""

from __future__ import annotations

from collections.abc import Callable

from tests.access.helpers import assert_accepted, assert_denied
from tests.gitenv import Client
from tests.workflow.helpers import seed_files, set_state, start_from

BYPASS = ["gitannot.bypass=manager edits main"]


def _t1() -> str:
    text = seed_files()["tasks/t1.yaml"]
    assert isinstance(text, str)
    return text


def _rollback_merge(client: Client, old: str, path: str) -> str:
    """A merge of main's tip and `old` (an ancestor) whose tree is main's with `path`
    as `old` has it: what `git merge -s ours` plus a checkout of the old file makes."""
    client.git("checkout", "-q", old, "--", path)
    client.git("add", "-A")
    tree = client.git("write-tree").stdout.strip()
    merge = client.git(
        "commit-tree", tree, "-p", "HEAD", "-p", old, "-m", "merge old main"
    ).stdout.strip()
    client.git("reset", "-q", "--hard", merge)
    return merge


def test_merge_of_an_old_main_commit_cannot_reaccept_a_reopened_task(
    user: Callable[[str], Client],
) -> None:
    alice = user("alice")
    start_from(alice)
    accepted = alice.commit({"tasks/t1.yaml": set_state(_t1(), "completed", "acceptance")})
    alice.commit({"tasks/t1.yaml": set_state(_t1(), "rejected")}, "reopen t1")
    assert_accepted(alice.push("HEAD:refs/heads/main", options=BYPASS))
    bob = user("bob")
    start_from(bob)
    merge = _rollback_merge(bob, accepted, "tasks/t1.yaml")
    assert_denied(
        bob.push("HEAD:refs/heads/annotate/bob/t1"),
        "task.transition-denied",
        "bob may not annotation/rejected -> acceptance/completed task t1",
        "tasks/t1.yaml",
        merge[:12],
    )


def test_merge_of_an_old_main_commit_cannot_roll_back_another_annotators_labels(
    user: Callable[[str], Client],
) -> None:
    alice = user("alice")
    start_from(alice)
    old = alice.git("rev-parse", "HEAD").stdout.strip()
    alice.commit({"labels/dogs/a.txt": "dog 1 reviewed\n"}, "carol's labels fixed")
    assert_accepted(alice.push("HEAD:refs/heads/main", options=BYPASS))
    bob = user("bob")
    start_from(bob)
    _rollback_merge(bob, old, "labels/dogs/a.txt")
    assert_denied(
        bob.push("HEAD:refs/heads/annotate/bob/t1"),
        "task.not-assigned",
        "bob may change labels/dogs/a.txt only while an open task",
        "task t2 assigns it to carol",
    )


def test_a_real_merge_of_main_into_the_branch_is_not_the_mergers_change(
    user: Callable[[str], Client],
) -> None:
    """The other side of the rule: files main changed come from main, not from bob."""
    bob = user("bob")
    start_from(bob)
    bob.commit({"labels/cats/a.txt": "cat 1 by bob\n"}, "bob labels")
    assert_accepted(bob.push("HEAD:refs/heads/annotate/bob/t1"))
    alice = user("alice")
    start_from(alice)
    alice.commit({"labels/dogs/a.txt": "dog 1 reviewed\n"}, "main moves on")
    assert_accepted(alice.push("HEAD:refs/heads/main", options=BYPASS))
    bob.git("fetch", "-q", "origin")
    bob.git("merge", "-q", "--no-edit", "origin/main")
    assert_accepted(bob.push("HEAD:refs/heads/annotate/bob/t1"))
