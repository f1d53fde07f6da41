"""Attack: move a protected ref that is not the default branch onto commits nobody
approved. The gate counted the commits a ref gains below the trusted base as judged, so
a protected ref created on main's tip (moved there under break-glass), or rewound onto
an older commit, gained "no commits" and needed no approval."""

from __future__ import annotations

from collections.abc import Callable

from tests.access.helpers import assert_accepted, assert_denied
from tests.gitenv import Client, ServerRepo
from tests.workflow.helpers import ACCESS, WORKFLOW, gitannot, seed_files

STABLE_ACCESS = (
    ACCESS
    + """\
  - allow: [create, update, force]
    who: role:reviewer
    refs: refs/heads/stable/**
"""
)
STABLE_WORKFLOW = WORKFLOW.replace(
    "refs: [refs/heads/main]", "refs: [refs/heads/main, refs/heads/stable/**]"
)


def _project(server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]) -> Client:
    alice = make_client(server, "alice")
    files = seed_files(STABLE_WORKFLOW)
    files["configs/access.yaml"] = STABLE_ACCESS
    alice.commit(files, "seed")
    assert_accepted(alice.push("HEAD:refs/heads/main"))
    return alice


def test_protected_ref_created_on_the_default_branch_tip_needs_approvals(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = _project(server, make_client)
    hotfix = alice.commit({"labels/cats/a.txt": "cat 1 hotfix\n"}, "hotfix")
    assert_accepted(alice.push("HEAD:refs/heads/main", options=["gitannot.bypass=outage"]))
    dave = make_client(server, "dave")
    assert_denied(
        dave.push(f"{hotfix}:refs/heads/stable/1"),
        "workflow.approvals-missing",
        f"refs/heads/stable/1 may move onto {hotfix[:12]} only with 1 approval(s)",
        "configs/workflow.yaml:",
    )
    erin = make_client(server, "erin")
    assert gitannot(erin, "review", "approve", "main").accepted
    assert_accepted(dave.push(f"{hotfix}:refs/heads/stable/1"), "workflow.approved")


def test_protected_ref_rewound_onto_an_unapproved_commit_needs_approvals(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = _project(server, make_client)
    first = alice.commit({"labels/cats/a.txt": "cat 1 v2\n"}, "v2")
    second = alice.commit({"labels/cats/a.txt": "cat 1 v3\n"}, "v3")
    assert_accepted(alice.push("HEAD:refs/heads/review/alice/x"))
    erin = make_client(server, "erin")
    assert gitannot(erin, "review", "approve", "review/alice/x").accepted
    dave = make_client(server, "dave")
    assert_accepted(dave.push(f"{second}:refs/heads/stable/1"), "workflow.approved")
    assert_denied(
        dave.push(f"{first}:refs/heads/stable/1", force=True),
        "workflow.approvals-missing",
        f"refs/heads/stable/1 may move onto {first[:12]} only with 1 approval(s)",
    )
    assert server.rev("refs/heads/stable/1") == second


def test_a_branch_that_differs_from_main_only_in_case_is_refused(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    """refs/heads/MAIN is no protected ref to the server, yet the same file as
    refs/heads/main in a case-insensitive clone: unreviewed work would pose as main."""
    alice = _project(server, make_client)
    alice.commit({"labels/cats/a.txt": "cat 1 unreviewed\n"}, "unreviewed")
    assert_denied(
        alice.push("HEAD:refs/heads/MAIN"),
        "[refs.case-collision] refs/heads/MAIN",
        "differs from refs/heads/main only in letter case",
    )
    assert_denied(
        alice.push("HEAD:refs/heads/topic", "HEAD:refs/heads/Topic"),
        "[refs.case-collision] refs/heads/Topic",
        "differs from refs/heads/topic only in letter case",
    )
    assert server.rev("refs/heads/MAIN") is None
    assert server.rev("refs/heads/topic") is None
