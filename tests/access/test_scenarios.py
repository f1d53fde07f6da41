"""The issue's named scenarios, each a real push into a server holding the scaffold policy.

Rows that do not change main or the policy share one server (distinct refs); the
others get a fresh server each.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.access.helpers import (
    assert_accepted,
    assert_denied,
    line_of,
    policy_text,
    sync,
)
from tests.gitenv import Client, ServerRepo

POLICY = policy_text()
PROTECTED = f"configs/access.yaml:{line_of(POLICY, '- deny: [force, delete]')}"
ANNOTATOR = f"configs/access.yaml:{line_of(POLICY, 'refs: refs/heads/annotate/{user}/**') - 2}"

ClientFactory = Callable[[str], Client]


def test_revert_trick_is_caught(shared_client: ClientFactory, shared_seeded: ServerRepo) -> None:
    bob = shared_client("bob")
    sync(bob)
    bad = bob.commit({"schema/CHANGELOG.md": "bob was here\n"}, "sneak")
    bob.git("revert", "--no-edit", "HEAD")
    revert = bob.git("rev-parse", "HEAD").stdout.strip()
    result = bob.push("HEAD:refs/heads/annotate/bob/revert")
    assert_denied(
        result,
        f"refs/heads/annotate/bob/revert {bad[:12]} schema/CHANGELOG.md: DENIED",
        f"refs/heads/annotate/bob/revert {revert[:12]} schema/CHANGELOG.md: DENIED",
    )
    assert shared_seeded.rev("refs/heads/annotate/bob/revert") is None


def test_new_branch_of_existing_commits_brings_no_paths(
    shared_client: ClientFactory, shared_seeded: ServerRepo
) -> None:
    """main's history touches every folder, yet bob may branch from it: nothing is new."""
    bob = shared_client("bob")
    sync(bob)
    result = bob.push("origin/main:refs/heads/annotate/bob/copy")
    assert_accepted(result, "push by bob accepted")
    assert "DENIED" not in result.output
    assert shared_seeded.rev("refs/heads/annotate/bob/copy") == shared_seeded.rev("main")


def test_tags_create_move_delete(shared_client: ClientFactory, shared_seeded: ServerRepo) -> None:
    alice, dave, bob = shared_client("alice"), shared_client("dave"), shared_client("bob")
    for client in (alice, dave, bob):
        sync(client)
    assert_accepted(alice.push("HEAD:refs/tags/v1"), "push by alice accepted")  # lightweight
    alice.git("tag", "-a", "-m", "release 2", "v2", "HEAD")
    assert_accepted(alice.push("refs/tags/v2"), "push by alice accepted")  # annotated
    assert shared_seeded.git("cat-file", "-t", "refs/tags/v2").stdout.strip() == "tag"

    assert_denied(
        dave.push("HEAD:refs/tags/d1"),
        "[access.ref-denied] refs/tags/d1: DENIED: dave may not create tag d1 "
        "(no rule allows it: deny by default)",
        "hint: allowed for alice",
    )
    assert shared_seeded.rev("refs/tags/d1") is None  # the denied create left no tag
    v1 = shared_seeded.rev("refs/tags/v1")
    dave.commit({"labels/notes/t.txt": "x\n"}, "elsewhere")
    dave.git("reset", "-q", "--hard", "HEAD~1")
    dave.git("commit", "-q", "--allow-empty", "-m", "diverge")
    assert dave.git("rev-parse", "HEAD").stdout.strip() != v1  # a real move is attempted
    result = dave.push("+HEAD:refs/tags/v1")
    assert_denied(
        result,
        "DENIED: dave may not update tag v1 (no rule allows it",
    )
    assert shared_seeded.rev("refs/tags/v1") == v1  # the tag did not move
    result = bob.push(":refs/tags/v2")
    assert_denied(
        result,
        "DENIED: bob may not delete tag v2 (rule: deny force,delete on refs/heads/main "
        "refs/tags/** for *: main and release tags are protected)",
        f"decided by {PROTECTED}",
    )
    alice.commit({"labels/notes/v3.txt": "v3\n"}, "next")
    assert_accepted(alice.push("HEAD:refs/tags/v1", force=True), "push by alice accepted")
    assert shared_seeded.rev("refs/tags/v1") == alice.git("rev-parse", "HEAD").stdout.strip()
    assert_accepted(alice.push(":refs/tags/v2"), "push by alice accepted")
    assert shared_seeded.rev("refs/tags/v2") is None


@pytest.mark.usefixtures("shared_seeded")
def test_tag_rewind_is_force_and_protected(shared_client: ClientFactory) -> None:
    alice, dave = shared_client("alice"), shared_client("dave")
    sync(alice)
    alice.commit({"labels/notes/r.txt": "r\n"}, "for tag")
    assert_accepted(alice.push("HEAD:refs/tags/rw"))
    sync(dave)
    result = dave.push("origin/main:refs/tags/rw", force=True)  # an ancestor: a rewind
    assert_denied(result, "DENIED: dave may not force tag rw", f"decided by {PROTECTED}")


def test_force_push_and_delete(shared_client: ClientFactory, shared_seeded: ServerRepo) -> None:
    bob, dave = shared_client("bob"), shared_client("dave")
    sync(bob)
    bob.commit({"labels/notes/f1.txt": "1\n"}, "one")
    assert_accepted(bob.push("HEAD:refs/heads/annotate/bob/f"))
    bob.git("commit", "-q", "--amend", "-m", "one, amended")
    assert_accepted(bob.push("HEAD:refs/heads/annotate/bob/f", force=True), "bob accepted")
    assert_accepted(bob.push(":refs/heads/annotate/bob/f"), "push by bob accepted")
    assert shared_seeded.rev("refs/heads/annotate/bob/f") is None

    sync(dave)
    dave.git("commit", "-q", "--amend", "-m", "rewrite main")
    assert_denied(
        dave.push("HEAD:refs/heads/main", force=True),
        "[access.ref-denied] refs/heads/main: DENIED: dave may not force branch main",
        "main and release tags are protected",
        f"decided by {PROTECTED}",
    )
    assert_denied(
        dave.push(":refs/heads/main"),
        "DENIED: dave may not delete branch main",
        f"decided by {PROTECTED}",
    )
    assert shared_seeded.rev("refs/heads/main") is not None


def test_push_to_notes_refs_denied(shared_client: ClientFactory, shared_seeded: ServerRepo) -> None:
    alice = shared_client("alice")
    sync(alice)
    # The audit ref is hidden (receive.hideRefs): git itself refuses before any hook.
    result = alice.push("HEAD:refs/notes/audit")
    assert not result.accepted
    assert "deny updating a hidden ref" in result.output
    # Any other notes ref reaches gitannot, which refuses it even for an admin.
    result = alice.push("HEAD:refs/notes/mine")
    assert_denied(result, "[refs.notes-server-only] refs/notes/mine")
    assert shared_seeded.rev("refs/notes/mine") is None


def test_atomic_push_with_one_bad_ref(
    shared_client: ClientFactory, shared_seeded: ServerRepo
) -> None:
    bob = shared_client("bob")
    sync(bob)
    main_before = shared_seeded.rev("main")
    bob.commit({"labels/notes/atomic.txt": "a\n"}, "good")
    result = bob.push("HEAD:refs/heads/annotate/bob/atomic", "HEAD:refs/heads/main", atomic=True)
    assert_denied(result, "[access.ref-denied] refs/heads/main: DENIED: bob may not update")
    assert "refs/heads/annotate/bob/atomic:" not in result.output  # the good ref is fine...
    assert shared_seeded.rev("refs/heads/annotate/bob/atomic") is None  # ...but not applied
    assert shared_seeded.rev("main") == main_before


@pytest.mark.usefixtures("shared_seeded")
def test_merge_commit_of_reviewed_branch_into_main(shared_client: ClientFactory) -> None:
    bob, dave = shared_client("bob"), shared_client("dave")
    sync(bob)
    bob.commit({"labels/notes/merge-me.txt": "bob's labels\n"}, "labels")
    assert_accepted(bob.push("HEAD:refs/heads/annotate/bob/merge"))
    sync(dave)
    dave.commit({"reviews/merge.yaml": "ok\n"}, "review")
    dave.git("fetch", "-q", "origin", "refs/heads/annotate/bob/merge:refs/remotes/origin/bm")
    dave.git("merge", "-q", "--no-ff", "-m", "merge bob", "origin/bm")
    assert_accepted(dave.push("HEAD:refs/heads/main"), "push by dave accepted")


@pytest.mark.usefixtures("shared_seeded")
def test_merge_commit_is_checked_against_every_parent(
    shared_client: ClientFactory,
) -> None:
    """bob brings main (with dave's schema edit) into his branch: taking main's version
    as it is brings nothing new; changing it inside the merge is bob's change."""
    bob, dave = shared_client("bob"), shared_client("dave")
    sync(bob)
    bob.commit({"labels/notes/mine.txt": "bob\n"}, "mine")
    assert_accepted(bob.push("HEAD:refs/heads/annotate/bob/sync"))
    sync(dave)
    dave.commit({"schema/CHANGELOG.md": "v2: add bird\n"}, "schema v2")
    assert_accepted(dave.push("HEAD:refs/heads/main"))
    bob.git("fetch", "-q", "origin", "+refs/heads/main:refs/remotes/origin/main")
    bob.git("merge", "-q", "--no-commit", "origin/main")
    bob.write({"schema/CHANGELOG.md": "v2: add bird and bob's wish\n"})
    merge = bob.commit({}, "merge main, with a schema edit of my own")
    result = bob.push("HEAD:refs/heads/annotate/bob/sync")
    assert_denied(result, f"refs/heads/annotate/bob/sync {merge[:12]} schema/CHANGELOG.md")
    bob.git("reset", "-q", "--hard", "HEAD^1")
    bob.git("merge", "-q", "--no-edit", "origin/main")
    assert_accepted(bob.push("HEAD:refs/heads/annotate/bob/sync"), "push by bob accepted")


@pytest.mark.usefixtures("shared_seeded")
def test_rename_across_folders_is_delete_plus_add(shared_client: ClientFactory) -> None:
    bob = shared_client("bob")
    sync(bob)
    bob.git("mv", "schema/CHANGELOG.md", "labels/notes/changelog.txt")
    bob.git("commit", "-q", "-m", "move schema notes into labels")
    commit = bob.git("rev-parse", "HEAD").stdout.strip()
    result = bob.push("HEAD:refs/heads/annotate/bob/mv")
    assert_denied(result, f"refs/heads/annotate/bob/mv {commit[:12]} schema/CHANGELOG.md: DENIED")
    assert "labels/notes/changelog.txt: DENIED" not in result.output  # the add side is fine


@pytest.mark.usefixtures("shared_seeded")
def test_admin_author_pushed_by_annotator(shared_client: ClientFactory) -> None:
    bob = shared_client("bob")
    sync(bob)
    bob.git("config", "user.name", "alice")
    env = {"GIT_AUTHOR_NAME": "alice", "GIT_COMMITTER_NAME": "alice"}
    bob.write({"schema/CHANGELOG.md": "by 'alice'\n"})
    bob.git("commit", "-q", "-am", "looks like alice", env=env)
    assert bob.git("log", "-1", "--format=%an").stdout.strip() == "alice"
    result = bob.push("HEAD:refs/heads/main")
    assert_denied(result, "push by bob REJECTED", "DENIED: bob may not update branch main")


def test_unknown_user_denied(shared_client: ClientFactory, shared_seeded: ServerRepo) -> None:
    mallory = shared_client("mallory")
    sync(mallory)
    mallory.commit({"labels/notes/m.txt": "m\n"}, "hello")
    for via in ("file", "ssh") if shared_seeded.sshd else ("file",):
        result = mallory.push("HEAD:refs/heads/annotate/mallory/x", via=via)
        assert_denied(
            result,
            "[access.unknown-user] refs/heads/annotate/mallory/x: "
            "user 'mallory' is not in the access policy: denied",
            "decided by configs/access.yaml",
        )


@pytest.mark.usefixtures("shared_seeded")
def test_missing_identity_denied(shared_client: ClientFactory) -> None:
    alice = shared_client("alice")
    sync(alice)
    alice.commit({"labels/notes/anon.txt": "?\n"}, "anon")
    result = alice.push("HEAD:refs/heads/main", identity_env={})
    assert_denied(result, "[identity.missing]", "push by (no identity) REJECTED")
    assert "[access." not in result.output  # nothing else runs without a pusher


@pytest.mark.usefixtures("shared_seeded")
def test_many_denials_are_summarised(shared_client: ClientFactory) -> None:
    bob = shared_client("bob")
    sync(bob)
    for i in range(14):
        bob.commit({"schema/CHANGELOG.md": f"edit {i}\n", f"data/d{i}.txt": "x\n"}, f"c{i}")
    result = bob.push("HEAD:refs/heads/annotate/bob/many")
    assert_denied(result, "... and 18 more (access.path-denied x18)")
    assert sum("[access.path-denied]" in line for line in result.remote_lines()) == 10


def test_break_glass(shared_client: ClientFactory, shared_seeded: ServerRepo) -> None:
    alice, bob = shared_client("alice"), shared_client("bob")
    sync(alice)
    alice.commit({"labels/raw/img.zip": b"PK\x03\x04zip"}, "raw data by mistake")
    assert_denied(
        alice.push("HEAD:refs/heads/main"),
        "[access.limit.forbid_paths]",
        "labels/raw/img.zip: DENIED by limit forbid_paths",
    )
    assert_denied(
        alice.push("HEAD:refs/heads/main", options=["gitannot.bypass="]),
        "[access.bypass-no-reason]",
    )
    result = alice.push("HEAD:refs/heads/main", options=["gitannot.bypass=restore INC-42"])
    assert_accepted(
        result,
        "gitannot: BREAK-GLASS by alice: content rules (limits, validation) skipped; "
        "reason: 'restore INC-42'",
    )
    # The reason reaches the audit entry for the pushed commit.
    note = shared_seeded.git("notes", "--ref=audit", "show", "main").stdout
    assert "restore INC-42" in note, note
    sync(bob)
    bob.commit({"labels/raw/b.zip": b"PK"}, "bob too")
    result = bob.push("HEAD:refs/heads/annotate/bob/bg", options=["gitannot.bypass=me too"])
    assert_denied(
        result,
        "[access.bypass-denied]",
        "user 'bob' may not use break-glass (-o gitannot.bypass); allowed: role:admin",
    )
    # Break-glass never lifts the access rules themselves.
    result = bob.push("HEAD:refs/heads/main", options=["gitannot.bypass=me too"])
    assert_denied(result, "[access.ref-denied]")


def test_policy_self_escalation(user_client: ClientFactory, seeded: ServerRepo) -> None:
    escalated = POLICY.replace("bob: {roles: [annotator]}", "bob: {roles: [admin]}")
    assert escalated != POLICY
    bob, dave = user_client("bob"), user_client("dave")
    sync(bob)
    bob.commit({"configs/access.yaml": escalated}, "make me admin")
    assert_denied(
        bob.push("HEAD:refs/heads/annotate/bob/esc"),
        "with a change to configs/access.yaml",
        "allowed for alice",
    )
    assert_denied(bob.push("HEAD:refs/heads/main"), "DENIED: bob may not update branch main")
    sync(dave)
    dave.commit(
        {"configs/access.yaml": escalated, "schema/CHANGELOG.md": "v9\n"}, "schema + policy"
    )
    result = dave.push("HEAD:refs/heads/main")
    assert_denied(result, "dave may not update branch main with a change to configs/access.yaml")
    assert "schema/CHANGELOG.md: DENIED" not in result.output
    # The policy on main is unchanged, so bob is still only an annotator.
    assert seeded.git("show", "main:configs/access.yaml").stdout == POLICY


@pytest.mark.usefixtures("seeded")
def test_policy_edit_is_judged_by_the_policy_before_the_push(user_client: ClientFactory) -> None:
    """alice removes her own admin role: allowed (she is admin *before*), then in force."""
    alice = user_client("alice")
    sync(alice)
    demoted = POLICY.replace("alice: {roles: [admin]}", "alice: {roles: [annotator]}")
    demoted = demoted.replace("carol: {roles: [annotator]}", "carol: {roles: [admin]}")
    alice.commit({"configs/access.yaml": demoted, "data/more.txt": "m\n"}, "step down")
    assert_accepted(alice.push("HEAD:refs/heads/main"), "push by alice accepted")
    alice.commit({"data/again.txt": "a\n"}, "again")
    assert_denied(alice.push("HEAD:refs/heads/main"), "DENIED: alice may not update branch main")


def test_invalid_policy_fails_closed_and_admin_can_fix_it(
    user_client: ClientFactory, seeded: ServerRepo
) -> None:
    alice, bob = user_client("alice"), user_client("bob")
    sync(alice)
    broken = POLICY.replace("  - allow: all\n", "  - alow: all\n")
    line = line_of(broken, "- alow: all")
    alice.commit({"configs/access.yaml": broken}, "typo")
    # A push of a policy that does not load is rejected; one can still reach main
    # behind the hook's back (an older gitannot, a server admin's shell).
    assert_denied(alice.push("HEAD:refs/heads/main"), "[access.pushed-policy-invalid]")
    seeded.git("fetch", "-q", str(alice.path), "HEAD:refs/heads/main")
    sync(bob)
    bob.commit({"labels/notes/x.txt": "x\n"}, "work")
    result = bob.push("HEAD:refs/heads/annotate/bob/x")
    assert_denied(
        result,
        "[access.policy-invalid]",
        f"configs/access.yaml:{line}: unknown key(s) in a rule: alow",
        f"decided by configs/access.yaml:{line}",
        "a bootstrap admin (alice) must push a fixed configs/access.yaml",
    )
    alice.commit({"configs/access.yaml": POLICY}, "fix")
    result = alice.push("HEAD:refs/heads/main")
    assert_accepted(result, "the access policy in force is unusable", "pushes as a bootstrap admin")
    assert_accepted(bob.push("HEAD:refs/heads/annotate/bob/x"), "push by bob accepted")


LIMITS_POLICY = POLICY.split("\nlimits:\n")[0] + (
    "\nlimits:\n"
    "  - max_blob_bytes: 100\n"
    "    paths: labels/**\n"
    "  - forbid_symlinks: labels/**\n"
    "  - forbid_submodules: labels/**\n"
    "  - max_changed_files: 3\n"
    "    refs: refs/heads/annotate/**\n"
    "  - forbid_paths: '**/*.tmp'\n"
    "    mode: evaluate\n"
)


@pytest.fixture
def limits_server(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> ServerRepo:
    from tests.access.helpers import seed

    seed(server, make_client(server, "alice"), LIMITS_POLICY)
    return server


def test_limits(
    limits_server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    bob = make_client(limits_server, "bob")
    sync(bob)
    ref = "HEAD:refs/heads/annotate/bob/lim"
    src = "configs/access.yaml:{}"
    blob_line = line_of(LIMITS_POLICY, "max_blob_bytes: 100")
    bob.commit({"labels/notes/big.txt": "x" * 101}, "big")
    assert_denied(
        bob.push(ref),
        "labels/notes/big.txt: DENIED by limit max_blob_bytes: file is 101 bytes, "
        "over the limit of 100 bytes",
        f"decided by {src.format(blob_line)}",
    )
    bob.git("reset", "-q", "--hard", "origin/main")
    (bob.path / "labels" / "link.txt").symlink_to("../configs/access.yaml")
    bob.git("add", "-A")
    bob.git("commit", "-q", "-m", "symlink")
    assert_denied(bob.push(ref), "labels/link.txt: DENIED by limit forbid_symlinks")
    bob.git("reset", "-q", "--hard", "origin/main")
    head = bob.git("rev-parse", "HEAD").stdout.strip()
    bob.git("update-index", "--add", "--cacheinfo", f"160000,{head},labels/sub")
    bob.git("commit", "-q", "-m", "submodule")
    assert_denied(bob.push(ref), "labels/sub: DENIED by limit forbid_submodules")
    bob.git("reset", "-q", "--hard", "origin/main")
    bob.commit({f"labels/notes/n{i}.txt": f"{i}\n" for i in range(4)}, "four files")
    assert_denied(bob.push(ref), "DENIED by limit max_changed_files: 4 files changed")
    bob.git("reset", "-q", "--hard", "origin/main")
    bob.commit({"labels/notes/scratch.tmp": "t\n"}, "evaluate-only limit")
    assert_accepted(
        bob.push(ref),
        "EVALUATE (error, not enforced) [access.limit.forbid_paths]",
        "labels/notes/scratch.tmp",
    )


@pytest.mark.usefixtures("shared_seeded")
def test_policy_on_another_branch_never_counts(shared_client: ClientFactory) -> None:
    alice, bob = shared_client("alice"), shared_client("bob")
    sync(alice)
    escalated = POLICY.replace("bob: {roles: [annotator]}", "bob: {roles: [admin]}")
    alice.commit({"configs/access.yaml": escalated}, "draft: bob as admin")
    assert_accepted(alice.push("HEAD:refs/heads/policy-draft"), "push by alice accepted")
    sync(bob, "policy-draft")
    bob.commit({"labels/notes/draft.txt": "x\n"}, "as if admin")
    assert_denied(bob.push("HEAD:refs/heads/main"), "DENIED: bob may not update branch main")
    assert_denied(bob.push("HEAD:refs/heads/policy-draft"), "DENIED: bob may not update")


def test_same_new_commit_on_two_refs_is_judged_per_ref(
    shared_client: ClientFactory, shared_seeded: ServerRepo
) -> None:
    dave = shared_client("dave")
    sync(dave)
    commit = dave.commit({"schema/CHANGELOG.md": "v3: two refs\n"}, "schema on two refs")
    result = dave.push("HEAD:refs/heads/schema/two", "HEAD:refs/heads/review/dave/two")
    assert_denied(result, f"refs/heads/review/dave/two {commit[:12]} schema/CHANGELOG.md: DENIED")
    assert "refs/heads/schema/two " not in result.output  # allowed there
    assert shared_seeded.rev("refs/heads/schema/two") is None  # all or nothing


def test_fast_forward_to_commits_already_on_another_branch_is_checked(
    user_client: ClientFactory, seeded: ServerRepo
) -> None:
    """Commits already on the server were checked against *their* ref's rights only.

    alice (admin) parks a policy draft on a side branch; dave may fast-forward main for
    labels/reviews/tasks but not configs/: moving main onto the draft brings no
    brand-new commit, yet it changes configs/ on main and must be judged as such.
    """
    alice, dave = user_client("alice"), user_client("dave")
    sync(alice)
    escalated = POLICY.replace(
        "dave: {roles: [reviewer, schema-owner]}", "dave: {roles: [reviewer, schema-owner, admin]}"
    )
    assert escalated != POLICY
    draft = alice.commit({"configs/access.yaml": escalated}, "draft: dave as admin")
    assert_accepted(alice.push("HEAD:refs/heads/policy-draft"), "push by alice accepted")
    sync(dave, "policy-draft")
    result = dave.push("HEAD:refs/heads/main")
    assert_denied(
        result,
        f"refs/heads/main {draft[:12]} configs/access.yaml: DENIED: dave may not update "
        "branch main with a change to configs/access.yaml",
    )
    assert seeded.git("show", "main:configs/access.yaml").stdout == POLICY
    # The same laundering through a branch dave may create (schema/**, schema paths only).
    result = dave.push("HEAD:refs/heads/schema/draft")
    assert_denied(result, f"refs/heads/schema/draft {draft[:12]} configs/access.yaml: DENIED")
    # A new branch of main's own (trusted) history still brings no paths.
    sync(dave)
    assert_accepted(dave.push("HEAD:refs/heads/schema/fresh"), "push by dave accepted")
