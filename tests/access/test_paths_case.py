"""Deny lists (forbid_paths limits, deny rules' paths) match without regard to case:
`labels/x.JPG` is the same picture as `labels/x.jpg` to every tool that reads it."""

from __future__ import annotations

from collections.abc import Callable

from gitannot.access.globs import matches, matches_any_case
from tests.access.helpers import assert_accepted, assert_denied, policy_text, seed, sync
from tests.gitenv import Client, ServerRepo

ClientFactory = Callable[[str], Client]
MakeClient = Callable[[ServerRepo, str], Client]


def test_forbid_paths_catch_upper_case_extensions(
    shared_client: ClientFactory, shared_seeded: ServerRepo
) -> None:
    bob = shared_client("bob")
    sync(bob)
    commit = bob.commit({"labels/x.JPG": "jpeg bytes\n", "labels/sub/a.ZIP": "zip bytes\n"})
    result = bob.push("HEAD:refs/heads/annotate/bob/case")
    assert_denied(
        result,
        f"[access.limit.forbid_paths] refs/heads/annotate/bob/case {commit[:12]} labels/x.JPG",
        f"[access.limit.forbid_paths] refs/heads/annotate/bob/case {commit[:12]} labels/sub/a.ZIP",
    )
    assert shared_seeded.rev("refs/heads/annotate/bob/case") is None


def test_deny_rule_paths_match_any_case(server: ServerRepo, make_client: MakeClient) -> None:
    policy = policy_text().replace(
        "  # Annotators: personal branches",
        "  - deny: all\n"
        "    who: role:annotator\n"
        '    refs: ["refs/heads/**"]\n'
        '    paths: ["labels/**/*.exe"]\n'
        "    why: no executables\n"
        "  # Annotators: personal branches",
    )
    seed(server, make_client(server, "alice"), policy)
    bob = make_client(server, "bob")
    sync(bob)
    commit = bob.commit({"labels/tool.Exe": "MZ\n"})
    assert_denied(
        bob.push("HEAD:refs/heads/annotate/bob/exe"),
        f"[access.path-denied] refs/heads/annotate/bob/exe {commit[:12]} labels/tool.Exe: "
        "DENIED: bob may not create branch annotate/bob/exe with a change to labels/tool.Exe",
        "no executables",
    )
    sync(bob)
    bob.commit({"labels/tool.txt": "fine\n"})
    assert_accepted(bob.push("HEAD:refs/heads/annotate/bob/exe"), "push by bob accepted")


def test_allow_patterns_stay_exact() -> None:
    """Only deny lists fold case: an allow on labels/** must not cover LABELS/."""
    assert not matches("labels/**", "LABELS/a.json", "bob")
    assert matches_any_case("labels/**/*.jpg", "Labels/X.JPG", "bob")
