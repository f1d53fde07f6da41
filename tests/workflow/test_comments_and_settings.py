"""Real pushes: per-annotation comments and their resolution; stale approvals configurable."""

from __future__ import annotations

from collections.abc import Callable

from tests.access.helpers import assert_accepted, assert_denied
from tests.gitenv import Client, ServerRepo
from tests.workflow.helpers import WORKFLOW, gitannot, seed, start_from

WORK = "annotate/bob/t1"


def bob_pushes(bob: Client, text: str) -> str:
    tip = bob.commit({"labels/cats/a.txt": text}, "label")
    assert_accepted(bob.push(f"HEAD:refs/heads/{WORK}"))
    return tip


def test_comment_on_an_annotation_is_listed_then_resolved(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    seed(make_client(server, "alice"))
    bob = make_client(server, "bob")
    start_from(bob)
    tip = bob_pushes(bob, "cat 1 done\n")
    dave = make_client(server, "dave")
    said = gitannot(
        dave, "review", "comment", "labels/cats/a.txt", "--annotation", "line:1",
        "--branch", WORK, "-m", "tail is cut off",
    )  # fmt: skip
    assert said.accepted, said.output
    assert f"dave comment {tip[:12]} on refs/heads/{WORK} at labels/cats/a.txt#line:1" in (
        said.output
    )
    comment_id = said.output.split("[comment ")[1].split("]")[0]
    listed = gitannot(bob, "review", "list", WORK)
    assert f"comment {comment_id} (open) labels/cats/a.txt#line:1: tail is cut off" in (
        listed.output
    )
    done = gitannot(bob, "review", "resolve", comment_id, "-m", "fixed")
    assert done.accepted, done.output
    assert f"bob resolve {tip[:12]} [comment {comment_id}]: fixed" in done.output
    assert f"comment {comment_id} (resolved)" in gitannot(dave, "review", "list").output


def test_stale_approvals_count_when_dismiss_stale_is_off(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    seed(
        make_client(server, "alice"),
        WORKFLOW.replace("dismiss_stale: true", "dismiss_stale: false"),
    )
    bob = make_client(server, "bob")
    start_from(bob)
    first = bob_pushes(bob, "cat 1 v1\n")
    erin = make_client(server, "erin")
    assert gitannot(erin, "review", "approve", WORK).accepted
    second = bob_pushes(bob, "cat 1 v2\n")
    dave = make_client(server, "dave")
    dave.git("fetch", "-q", "origin")
    result = dave.push(f"refs/remotes/origin/{WORK}:refs/heads/main")
    assert_accepted(result, f"moves onto {second[:12]} approved by erin")
    assert first != second


def test_approval_by_someone_outside_the_reviewers_does_not_count(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    seed(make_client(server, "alice"))
    bob = make_client(server, "bob")
    start_from(bob)
    bob_pushes(bob, "cat 1 done\n")
    carol = make_client(server, "carol")
    assert gitannot(carol, "review", "approve", WORK, "-m", "lgtm").accepted
    dave = make_client(server, "dave")
    dave.git("fetch", "-q", "origin")
    assert_denied(
        dave.push(f"refs/remotes/origin/{WORK}:refs/heads/main"),
        "not counted, not a required reviewer: carol",
        "missing 1 more from: dave, erin",
    )
