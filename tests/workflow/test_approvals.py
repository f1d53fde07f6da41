"""Real pushes: main moves only onto commits approved by reviewers who pushed none of them."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.access.helpers import assert_accepted, assert_denied
from tests.gitenv import Client, ServerRepo
from tests.workflow.helpers import audit_show, gitannot, seed_files, set_state, start_from

WORK = "annotate/bob/t1"
ONTO_MAIN = f"refs/remotes/origin/{WORK}:refs/heads/main"


def bob_works(user: Callable[[str], Client], text: str = "cat 1 done\n") -> tuple[Client, str]:
    bob = user("bob")
    start_from(bob)
    t1 = seed_files()["tasks/t1.yaml"]
    assert isinstance(t1, str)
    bob.commit({"tasks/t1.yaml": set_state(t1, "in progress")}, "start")
    tip = bob.commit({"labels/cats/a.txt": text}, "label")
    assert_accepted(bob.push(f"HEAD:refs/heads/{WORK}"))
    return bob, tip


def fetched(client: Client) -> Client:
    client.git("fetch", "-q", "origin")
    return client


def test_merge_without_approvals_is_refused_naming_who_may_approve(
    user: Callable[[str], Client],
) -> None:
    _bob, tip = bob_works(user)
    dave = fetched(user("dave"))
    result = dave.push(ONTO_MAIN)
    assert_denied(
        result,
        "workflow.approvals-missing",
        f"refs/heads/main may move onto {tip[:12]} only with 1 approval(s)",
        "from role:reviewer",
        "counted: none",
        "missing 1 more from: dave, erin",
        "configs/workflow.yaml:",
    )


def test_self_approval_does_not_count(user: Callable[[str], Client]) -> None:
    dave = fetched(user("dave"))
    start_from(dave)
    tip = dave.commit({"labels/cats/b.txt": "cat 2 by dave\n"}, "reviewer edits labels")
    assert_accepted(dave.push("HEAD:refs/heads/review/dave/fix"))
    approved = gitannot(dave, "review", "approve", "review/dave/fix", "-m", "mine, fine")
    assert approved.accepted, approved.output
    assert "review.approve" in approved.output
    result = dave.push("refs/remotes/origin/review/dave/fix:refs/heads/main")
    assert_denied(
        result,
        "workflow.approvals-missing",
        f"onto {tip[:12]}",
        "not counted, self-approval: dave",
        "missing 1 more from: erin",
    )


@pytest.mark.slow
def test_stale_approval_is_refused_then_fresh_one_accepted_and_logged(
    wf: ServerRepo, user: Callable[[str], Client]
) -> None:
    bob, first = bob_works(user)
    erin = fetched(user("erin"))
    assert gitannot(erin, "review", "approve", WORK, "-m", "looks good").accepted
    second = bob.commit({"labels/cats/b.txt": "cat 2 late change\n"}, "after approval")
    assert_accepted(bob.push(f"HEAD:refs/heads/{WORK}"))
    dave = fetched(user("dave"))
    assert_denied(
        dave.push(ONTO_MAIN),
        "workflow.approvals-missing",
        f"onto {second[:12]}",
        f"stale, the branch moved after them: erin ({first[:12]})",
        "missing 1 more from: dave, erin",
    )
    fetched(erin)
    assert gitannot(erin, "review", "approve", WORK, "-m", "still good").accepted
    fetched(dave)
    result = dave.push(ONTO_MAIN)
    assert_accepted(result, "workflow.approved", f"moves onto {second[:12]} approved by erin")
    assert wf.rev("refs/heads/main") == second
    log = audit_show(wf, second)
    assert f"workflow.approved: refs/heads/main moves onto {second[:12]} approved by erin" in log
    # The verdict's own entry is found by the reviewed commit too.
    assert f"review.approve: erin approve {second[:12]} on refs/heads/{WORK}: still good" in log
    assert "pushed by erin via forced-command" in log
    everything = gitannot(dave, "audit", "--repo", str(wf.path), "show", "--since", "2000")
    assert f"review.approve: erin approve {first[:12]} on refs/heads/{WORK}: looks good" in (
        everything.output
    )
    assert f"erin approve {second[:12]} on refs/heads/{WORK}: still good" in everything.output


def test_requested_changes_block_until_a_new_commit(user: Callable[[str], Client]) -> None:
    _bob, tip = bob_works(user)
    dave = fetched(user("dave"))
    erin = fetched(user("erin"))
    asked = gitannot(dave, "review", "request-changes", WORK, "-m", "box too loose")
    assert asked.accepted, asked.output
    assert gitannot(erin, "review", "approve", WORK).accepted
    fetched(dave)
    assert_denied(
        dave.push(ONTO_MAIN), f"onto {tip[:12]}", "changes requested by dave", "counted: erin"
    )
    # Review pass rate per annotator: two verdicts on bob's branch, one approval.
    figures = gitannot(dave, "qa", "--json")
    assert figures.accepted, figures.output
    rates = json.loads(figures.output)["pass_rates"]
    assert rates == {"bob": {"reviews": 2, "approved": 1, "pass_rate": 0.5}}


def test_admin_break_glass_moves_main_without_approvals_and_is_logged(
    wf: ServerRepo, user: Callable[[str], Client]
) -> None:
    _bob, tip = bob_works(user)
    alice = fetched(user("alice"))
    result = alice.push(ONTO_MAIN, options=["gitannot.bypass=label fix for the release"])
    assert_accepted(result, "workflow.approvals-bypassed", "BREAK-GLASS by alice")
    log = audit_show(wf, tip)
    assert "break-glass bypass: label fix for the release" in log
    assert "workflow.approvals-bypassed" in log


def test_review_records_are_the_pushers_own(user: Callable[[str], Client]) -> None:
    _bob, tip = bob_works(user)
    bob = fetched(user("bob"))
    forged = gitannot(bob, "review", "approve", WORK, "--user", "dave")
    assert not forged.accepted
    assert "review.not-yours" in forged.output
    assert "bob may not write dave's review record" in forged.output
    # A record on bob's own ref that names dave inside.
    record = {"v": 1, "kind": "verdict", "commit": tip, "user": "dave", "verdict": "approve"}
    body = f"gitannot review: approve x by dave\n\n{json.dumps(record)}\n"
    tree = bob.git("rev-parse", f"{tip}^{{tree}}").stdout.strip()
    oid = bob.git("commit-tree", tree, "-p", tip, "-m", body).stdout.strip()
    result = bob.push(f"{oid}:refs/reviews/{tip}/bob")
    assert_denied(result, "review.not-yours", "the record names dave")
    # A record that carries file changes.
    record["user"] = "bob"
    body = f"gitannot review: approve x by bob\n\n{json.dumps(record)}\n"
    older = bob.git("rev-parse", f"{tip}^^{{tree}}").stdout.strip()  # before the label edit
    oid = bob.git("commit-tree", older, "-p", tip, "-m", body).stdout.strip()
    assert_denied(bob.push(f"{oid}:refs/reviews/{tip}/bob"), "review.changes-files")


def test_a_record_cannot_bring_commits_the_server_lacks(user: Callable[[str], Client]) -> None:
    bob, _tip = bob_works(user)
    local = bob.commit({"labels/dogs/a.txt": "not my task, never pushed\n"}, "smuggle")
    record = {"v": 1, "kind": "verdict", "commit": local, "user": "bob", "verdict": "approve"}
    body = f"gitannot review: approve x by bob\n\n{json.dumps(record)}\n"
    tree = bob.git("rev-parse", f"{local}^{{tree}}").stdout.strip()
    oid = bob.git("commit-tree", tree, "-p", local, "-m", body).stdout.strip()
    assert_denied(
        bob.push(f"{oid}:refs/reviews/{local}/bob"),
        "review.unknown-commit",
        f"{local[:12]} is not on any branch of the server",
    )
