"""Attacks through review records (refs/reviews/*), which every user may push: the
record's `branch` is the pusher's word, and pass rates read it. An annotator approved
their own branch over and over; a reviewer filed verdicts on one annotator's commit
under another annotator's branch."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.access.helpers import assert_accepted, assert_denied
from tests.gitenv import Client
from tests.workflow.helpers import gitannot, seed_files, set_state, start_from

WORK = "annotate/bob/t1"


def _bob_works(user: Callable[[str], Client]) -> tuple[Client, str]:
    bob = user("bob")
    start_from(bob)
    t1 = seed_files()["tasks/t1.yaml"]
    assert isinstance(t1, str)
    bob.commit({"tasks/t1.yaml": set_state(t1, "in progress")}, "start")
    tip = bob.commit({"labels/cats/a.txt": "cat 1 done\n"}, "label")
    assert_accepted(bob.push(f"HEAD:refs/heads/{WORK}"))
    return bob, tip


def _record(client: Client, commit: str, parent: str, **fields: str) -> str:
    record = {"v": 1, "kind": "verdict", "commit": commit, "user": client.user, **fields}
    body = f"gitannot review: x\n\n{json.dumps(record)}\n"
    tree = client.git("rev-parse", f"{commit}^{{tree}}").stdout.strip()
    return client.git("commit-tree", tree, "-p", parent, "-m", body).stdout.strip()


def test_a_record_names_only_a_branch_that_holds_the_reviewed_commit(
    user: Callable[[str], Client],
) -> None:
    _bob, tip = _bob_works(user)
    dave = user("dave")
    dave.git("fetch", "-q", "origin")
    forged = _record(
        dave,
        tip,
        tip,
        verdict="request-changes",
        text="sloppy",
        branch="refs/heads/annotate/carol/t2",
    )
    assert_denied(
        dave.push(f"{forged}:refs/reviews/{tip}/dave"),
        "[review.bad-branch]",
        f"the record names refs/heads/annotate/carol/t2, which does not hold {tip[:12]}",
    )
    honest = _record(dave, tip, tip, verdict="approve", branch=f"refs/heads/{WORK}")
    assert_accepted(dave.push(f"{honest}:refs/reviews/{tip}/dave"), "review.approve")


def test_pass_rates_count_each_reviewers_latest_verdict_never_the_annotators_own(
    user: Callable[[str], Client],
) -> None:
    bob, tip = _bob_works(user)
    parent = tip
    for _ in range(3):  # bob approves his own work, three records deep
        parent = _record(bob, tip, parent, verdict="approve", branch=f"refs/heads/{WORK}")
        ref = f"refs/reviews/{tip}/bob"
        assert_accepted(bob.push(f"{parent}:{ref}"))
    dave = user("dave")
    asked = gitannot(dave, "review", "request-changes", WORK, "-m", "box too loose")
    assert asked.accepted, asked.output
    dave.git("fetch", "-q", "origin")
    assert gitannot(dave, "review", "approve", WORK, "-m", "fixed after all").accepted
    dave.git("fetch", "-q", "origin", "+refs/reviews/*:refs/reviews/*")
    figures = gitannot(dave, "qa", "--json")
    assert figures.accepted, figures.output
    rates = json.loads(figures.output)["pass_rates"]
    assert rates == {"bob": {"reviews": 1, "approved": 1, "pass_rate": 1.0}}


def test_a_comment_on_the_default_head_names_the_servers_branch(
    user: Callable[[str], Client],
) -> None:
    """`review comment` defaults to HEAD; its record must name a real server branch."""
    dave = user("dave")
    said = gitannot(
        dave, "review", "comment", "labels/cats/a.txt", "--annotation", "line:1", "-m", "ok?"
    )
    assert said.accepted, said.output
    main = dave.git("rev-parse", "origin/main").stdout.strip()
    assert f"dave comment {main[:12]} on refs/heads/main at labels/cats/a.txt" in said.output


def test_an_approval_is_of_the_commit_not_of_its_tree(user: Callable[[str], Client]) -> None:
    """The same tree under another commit (an amended message, a rebase onto the same
    base) is not the approved commit: main may not move onto it on that approval."""
    bob, tip = _bob_works(user)
    erin = user("erin")
    assert gitannot(erin, "review", "approve", WORK).accepted
    bob.git("commit", "-q", "--amend", "-m", "label (same files, new commit)")
    twin = bob.git("rev-parse", "HEAD").stdout.strip()
    assert (
        bob.git("rev-parse", f"{twin}^{{tree}}").stdout
        == bob.git("rev-parse", f"{tip}^{{tree}}").stdout
    )
    assert_accepted(bob.push(f"+HEAD:refs/heads/{WORK}"))
    dave = user("dave")
    assert_denied(
        dave.push(f"refs/remotes/origin/{WORK}:refs/heads/main"),
        "workflow.approvals-missing",
        f"onto {twin[:12]}",
        "counted: none",
    )


def test_a_peers_verdicts_do_not_count_in_pass_rates(user: Callable[[str], Client]) -> None:
    """carol is an annotator, not a reviewer of t1: her request-changes on bob's branch
    is accepted as her record, but it is not a review of bob's work."""
    _bob, _tip = _bob_works(user)
    carol = user("carol")
    asked = gitannot(carol, "review", "request-changes", WORK, "-m", "I would do it otherwise")
    assert asked.accepted, asked.output
    erin = user("erin")
    assert gitannot(erin, "review", "approve", WORK).accepted
    figures = gitannot(erin, "qa", "--json")
    assert figures.accepted, figures.output
    rates = json.loads(figures.output)["pass_rates"]
    assert rates == {"bob": {"reviews": 1, "approved": 1, "pass_rate": 1.0}}
