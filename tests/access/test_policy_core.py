"""The pure core: glob matching, loader errors with file:line, evaluation order."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pygit2
import pytest

from gitannot.access import globs
from gitannot.access import limits as lim
from gitannot.access.evaluate import decide, who_may
from gitannot.access.loader import PolicyError, parse_policy
from gitannot.core.refupdate import Action
from gitannot.gitio.changes import ChangeReader
from tests.access.helpers import policy_text
from tests.gitenv import git

GLOBS = [
    ("refs/heads/annotate/{user}/*", "refs/heads/annotate/bob/x", "bob", True),
    ("refs/heads/annotate/{user}/*", "refs/heads/annotate/bob/x/y", "bob", False),
    ("refs/heads/annotate/{user}/**", "refs/heads/annotate/bob/x/y", "bob", True),
    ("refs/heads/annotate/{user}/**", "refs/heads/annotate/bobby/x", "bob", False),
    ("refs/heads/annotate/{user}/*", "refs/heads/annotate/carol/x", "bob", False),
    ("labels/**", "labels/a/b/c.json", "bob", True),
    ("labels/**", "labelsx/a.json", "bob", False),
    ("labels/**/*.zip", "labels/a.zip", "bob", True),
    ("labels/**/*.zip", "labels/a/b.zip", "bob", True),
    ("labels/*.json", "labels/a/b.json", "bob", False),
    ("data/[ab].txt", "data/a.txt", "bob", False),  # no character classes: literal
    ("tasks/{user}/**", "tasks/a.b+c/x", "a.b+c", True),  # user names taken literally
    ("tasks/{user}/**", "tasks/aXb+c/x", "a.b+c", False),
    ("labels/", "labels/a/b.json", "bob", True),  # trailing slash: everything below
    ("labels/", "labels", "bob", False),
]


@pytest.mark.parametrize(("pattern", "text", "user", "expected"), GLOBS)
def test_globs(pattern: str, text: str, user: str, expected: bool) -> None:
    assert globs.matches(pattern, text, user) is expected


def _policy(rules: str, extra: str = "") -> str:
    return (
        "version: 1\nusers:\n  alice: {roles: [admin]}\n  bob: [annotator]\n"
        "groups:\n  team: [bob]\n"
        + extra
        + "rules:"
        + (textwrap.dedent("\n" + rules) if rules else " []\n")
    )


BAD = [
    ("version: 2\nusers: {a: []}\nrules: []\n", 1, "`version: 1` is required"),
    (_policy("  - allow: [create]\n    who: bob\n    refs: '*'\n  - alow: all\n"), 11, "alow"),
    (
        _policy("  - allow: [push]\n    who: bob\n    refs: '*'\n"),
        8,
        "unknown action(s) ['push']",
    ),
    (_policy("  - allow: all\n    who: role:anotator\n    refs: '*'\n"), 8, "no user has role"),
    (_policy("  - allow: all\n    who: '@nope'\n    refs: '*'\n"), 8, "unknown group '@nope'"),
    (_policy("  - allow: all\n    who: zed\n    refs: '*'\n"), 8, "unknown user 'zed'"),
    (_policy("  - allow: all\n    deny: all\n    who: bob\n    refs: '*'\n"), 8, "exactly one"),
    (_policy("  - allow: all\n    who: bob\n    refs: 'a/{usr}'\n"), 8, "unknown placeholder"),
    (_policy("  - allow: all\n    who: bob\n    refs: '*'\n    mode: warn\n"), 8, "mode must be"),
    (_policy("  - allow: all\n    who: bob\n    refs: main\n"), 8, "'main' is not a full ref name"),
    ("version: 1\nusers:\n  bob: []\n  bob: [admin]\nrules: []\n", 4, "duplicate key 'bob'"),
    ("version: 1\nusers: [\n", 3, "invalid YAML"),
    ("version: 1\nusers:\n  bob: {role: [admin]}\nrules: []\n", 3, "unknown key(s) in user bob"),
    (_policy("", "limits:\n  - max_blob_bytes: -1\n"), 8, "non-negative integer"),
    (_policy("", "limits:\n  - forbid_paths: x\n    max_blob_bytes: 1\n"), 8, "exactly one of"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD)
def test_loader_errors_name_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "configs/access.yaml")
    assert info.value.source == f"configs/access.yaml:{line}", info.value.message
    assert message in info.value.message


def test_scaffold_policy_parses() -> None:
    policy = parse_policy(policy_text(), "configs/access.yaml")
    assert policy.known_users() == ["alice", "bob", "carol", "dave"]
    assert policy.users["dave"] == {"reviewer", "schema-owner"}
    assert policy.break_glass == ("role:admin",)


ORDER = _policy(
    """\
    - deny: [update]
      who: '@team'
      refs: refs/heads/main
      paths: schema/**
    - allow: [update]
      who: '*'
      refs: refs/heads/main
    - deny: [update]
      who: bob
      refs: refs/heads/main
    - deny: [update]
      who: alice
      refs: refs/heads/dev
      mode: evaluate
    - allow: [update]
      who: alice
      refs: refs/heads/dev
    """
)


def test_first_matching_rule_decides() -> None:
    policy = parse_policy(ORDER, "p.yaml")
    main = "refs/heads/main"
    # Path deny first: bob may update main but not touch schema/ there.
    assert decide(policy, "bob", main, Action.UPDATE).allowed
    denied = decide(policy, "bob", main, Action.UPDATE, "schema/x")
    assert not denied.allowed and denied.source == "p.yaml:8"
    # The later deny for bob never decides: the allow above matched first.
    assert decide(policy, "bob", main, Action.UPDATE, "labels/x").source == "p.yaml:12"
    # No rule for force: deny by default.
    forced = decide(policy, "bob", main, Action.FORCE)
    assert not forced.allowed and forced.rule is None
    # Unknown users match nothing, not even "*".
    assert not decide(policy, "zed", main, Action.UPDATE).allowed


def test_evaluate_rule_reports_but_does_not_decide() -> None:
    policy = parse_policy(ORDER, "p.yaml")
    decision = decide(policy, "alice", "refs/heads/dev", Action.UPDATE)
    assert decision.allowed
    assert decision.rule is not None and decision.rule.source == "p.yaml:22"
    assert decision.would_decide is not None and decision.would_decide.source == "p.yaml:18"


def test_who_may_lists_users_the_policy_allows() -> None:
    policy = parse_policy(policy_text(), "configs/access.yaml")
    assert who_may(policy, "refs/heads/main", Action.UPDATE, "schema/x") == ["alice", "dave"]
    assert who_may(policy, "refs/heads/annotate/bob/x", Action.CREATE, "labels/a") == [
        "alice",
        "bob",
    ]
    assert who_may(policy, "refs/heads/main", Action.FORCE) == ["alice"]


def test_hints_say_what_the_pusher_may_do_instead() -> None:
    from gitannot.access.hints import Hints

    policy = parse_policy(policy_text(), "configs/access.yaml")

    def hint(user: str, ref: str, action: Action, path: str | None = None) -> str:
        decision = decide(policy, user, ref, action, path)
        assert not decision.allowed
        return Hints(policy, user).hint(ref, action, path, decision)

    assert "bob may update: refs/heads/annotate/bob/**" in hint(
        "bob", "refs/heads/main", Action.UPDATE
    )
    assert "on this ref bob may change: labels/**" in hint(
        "bob", "refs/heads/annotate/bob/x", Action.CREATE, "schema/a"
    )
    assert "carol may create: refs/heads/annotate/carol/**" in hint(
        "carol", "refs/heads/annotate/bob/x", Action.CREATE
    )


def test_unreadable_blob_breaks_max_blob_bytes(tmp_path: Path) -> None:
    """A blob whose size cannot be read (missing from a partial clone) is never let
    through a size limit; a submodule has no size and is left to forbid_submodules."""
    git("init", "-q", "--bare", str(tmp_path / "r.git"))
    git_dir = ["--git-dir", str(tmp_path / "r.git")]
    missing, gitlink = "1" * 40, "2" * 40
    tree = git(
        *git_dir, "mktree", "--missing",
        input=f"100644 blob {missing}\ta.json\n160000 commit {gitlink}\tsub\n",
    ).stdout.strip()  # fmt: skip
    commit = git(*git_dir, "commit-tree", "-m", "x", tree).stdout.strip()
    repo = pygit2.Repository(str(tmp_path / "r.git"))
    changes = ChangeReader(repo).changes(repo[commit].peel(pygit2.Commit))
    assert [(c.path, c.size) for c in changes] == [("a.json", None), ("sub", None)]
    policy = parse_policy(_policy("", "limits:\n  - max_blob_bytes: 10\n"), "configs/access.yaml")
    limits = lim.applicable(policy, "refs/heads/main", "alice")
    hits = [h for c in changes for h in lim.check_change(limits, c, "alice")]
    assert [(h.path, h.message) for h in hits] == [
        ("a.json", "its size cannot be read, so the limit of 10 bytes is not met")
    ]
