"""Merges that take an old commit as a parent: every parent and the ref's net change count.

Each test is a real push through the installed hook into a server holding the scaffold
policy, where the reviewer (dave) may change only labels/, reviews/ and tasks/ on main.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.access.helpers import assert_accepted, assert_denied, policy_text, seed, sync
from tests.gitenv import Client, ServerRepo
from tests.validation.helpers import PROJECT, SCHEMA_V1, coco

MakeClient = Callable[[ServerRepo, str], Client]

# The admin's later policy: carol loses her annotator role.
TIGHTER_POLICY = policy_text().replace("  carol: {roles: [annotator]}\n", "")


def crafted_merge(client: Client, tree_of: str, parents: list[str], files: dict[str, str]) -> str:
    """A commit with `tree_of`'s tree plus `files`, and these parents in this order."""
    client.git("checkout", "-q", "-B", "craft", tree_of)
    client.write(dict(files))
    client.git("add", "-A")
    tree = client.git("write-tree").stdout.strip()
    args = ["commit-tree", tree]
    for parent in parents:
        args += ["-p", parent]
    return client.git(*args, "-m", "merge").stdout.strip()


def _policy_moved_on(server: ServerRepo, make_client: MakeClient) -> tuple[str, str, Client]:
    """main at O (scaffold policy), then the admin tightens the policy: main at T."""
    alice = make_client(server, "alice")
    old = seed(server, alice)
    tip = alice.commit({"configs/access.yaml": TIGHTER_POLICY}, "remove carol")
    assert_accepted(alice.push("HEAD:refs/heads/main"))
    return old, tip, alice


def test_reviewer_merge_with_old_first_parent_cannot_roll_back_the_policy(
    server: ServerRepo, make_client: MakeClient
) -> None:
    old, tip, _alice = _policy_moved_on(server, make_client)
    dave = make_client(server, "dave")
    sync(dave)
    merge = crafted_merge(dave, old, [old, tip], {"labels/notes/img1.txt": "relabeled\n"})
    result = dave.push(f"{merge}:refs/heads/main")
    assert_denied(
        result,
        f"[access.path-denied] refs/heads/main {merge[:12]} configs/access.yaml: DENIED: "
        "dave may not update branch main with a change to configs/access.yaml",
    )
    assert server.rev("refs/heads/main") == tip
    assert server.git("show", "main:configs/access.yaml").stdout == TIGHTER_POLICY


def test_annotator_branch_then_fast_forward_cannot_roll_back_the_policy(
    server: ServerRepo, make_client: MakeClient
) -> None:
    old, tip, alice = _policy_moved_on(server, make_client)
    bob = make_client(server, "bob")
    sync(bob)
    merge = crafted_merge(bob, old, [old, tip], {"labels/notes/img1.txt": "relabeled\n"})
    assert_denied(
        bob.push(f"{merge}:refs/heads/annotate/bob/rollback"),
        f"refs/heads/annotate/bob/rollback {merge[:12]} configs/access.yaml: DENIED",
    )
    assert server.rev("refs/heads/annotate/bob/rollback") is None
    # The same commit on a branch the admin may write: moving main onto it is the
    # reviewer's change and is judged as his, parents and net change alike.
    bob.git("branch", "rollback", merge)
    alice.git("fetch", "-q", str(bob.path), "rollback")
    assert_accepted(alice.push(f"{merge}:refs/heads/staging"))
    dave = make_client(server, "dave")
    sync(dave, "staging")
    result = dave.push("HEAD:refs/heads/main")
    assert_denied(result, f"refs/heads/main {merge[:12]} configs/access.yaml: DENIED")
    assert server.rev("refs/heads/main") == tip


def test_reviewer_merge_of_an_annotator_branch_after_a_policy_change_is_accepted(
    server: ServerRepo, make_client: MakeClient
) -> None:
    """The ordinary merge: main moved on in configs/ after bob branched. The merge takes
    main's policy unchanged, so it changes only what bob's commits changed."""
    alice = make_client(server, "alice")
    seed(server, alice)
    bob = make_client(server, "bob")
    sync(bob)
    bob.commit({"labels/notes/img2.txt": "bob's label\n"}, "label")
    assert_accepted(bob.push("HEAD:refs/heads/annotate/bob/work"))
    alice.commit({"configs/access.yaml": TIGHTER_POLICY}, "remove carol")
    assert_accepted(alice.push("HEAD:refs/heads/main"))
    dave = make_client(server, "dave")
    sync(dave)
    dave.git("fetch", "-q", "origin", "refs/heads/annotate/bob/work")
    dave.git("merge", "-q", "--no-ff", "-m", "merge bob's work", "FETCH_HEAD")
    result = dave.push("HEAD:refs/heads/main")
    assert_accepted(result, "push by dave accepted")
    assert "DENIED" not in result.output
    assert server.git("show", "main:configs/access.yaml").stdout == TIGHTER_POLICY
    # And the other way round: bob brings main's new policy into his branch.
    sync(bob, "annotate/bob/work")
    bob.git("fetch", "-q", "origin", "main")
    bob.git("merge", "-q", "--no-ff", "-m", "catch up", "FETCH_HEAD")
    assert_accepted(bob.push("HEAD:refs/heads/annotate/bob/work"), "push by bob accepted")


def test_invalid_label_file_cannot_land_through_an_intermediate_first_parent(
    server: ServerRepo, make_client: MakeClient
) -> None:
    """add a bad COCO file + remove it (only the tip is validated), then a merge whose
    first parent is the intermediate commit: the file is on main and must be validated."""
    alice = make_client(server, "alice")
    alice.commit({"schema/labels.yaml": SCHEMA_V1, "configs/project.yaml": PROJECT}, "rules")
    seed(server, alice)
    dave = make_client(server, "dave")
    sync(dave)
    added = dave.commit({"labels/coco/bad.json": coco(["truck"])}, "add")
    removed = dave.commit({"labels/coco/bad.json": None}, "remove")
    assert_accepted(dave.push("HEAD:refs/heads/main"))
    merge = crafted_merge(dave, added, [added, removed], {})
    result = dave.push(f"{merge}:refs/heads/main")
    assert_denied(result, "ERROR [schema.unknown-label] refs/heads/main", "labels/coco/bad.json")
    assert server.rev("refs/heads/main") == removed


def _with_force_for_dave(policy: str) -> str:
    """dave may also rewind main, for label changes only."""
    return policy.replace(
        "  # Protected: nobody else rewinds",
        "  - allow: [force]\n"
        "    who: dave\n"
        "    refs: refs/heads/main\n"
        "    paths: [labels/**]\n"
        "  # Protected: nobody else rewinds",
    )


def test_rewind_onto_an_old_commit_is_judged_by_its_net_change(
    server: ServerRepo, make_client: MakeClient
) -> None:
    """A rewind brings no new commits at all: only the net change shows that main's
    policy would go back."""
    alice = make_client(server, "alice")
    old = seed(server, alice, _with_force_for_dave(policy_text()))
    tip = alice.commit({"configs/access.yaml": _with_force_for_dave(TIGHTER_POLICY)}, "tighten")
    assert_accepted(alice.push("HEAD:refs/heads/main"))
    dave = make_client(server, "dave")
    sync(dave)
    result = dave.push(f"+{old}:refs/heads/main")
    assert_denied(
        result,
        f"[access.path-denied] refs/heads/main {old[:12]} configs/access.yaml: DENIED: "
        "dave may not force branch main with a change to configs/access.yaml",
    )
    assert server.rev("refs/heads/main") == tip


def test_rewind_onto_a_commit_holding_an_invalid_label_file_is_validated(
    server: ServerRepo, make_client: MakeClient
) -> None:
    """The invalid file came in under break-glass and was removed; rewinding main onto
    that commit brings it back without a single new commit."""
    alice = make_client(server, "alice")
    alice.commit({"schema/labels.yaml": SCHEMA_V1, "configs/project.yaml": PROJECT}, "rules")
    seed(server, alice, _with_force_for_dave(policy_text()))
    outage = alice.commit({"labels/coco/bad.json": coco(["truck"])}, "outage")
    assert_accepted(alice.push("HEAD:refs/heads/main", options=["gitannot.bypass=outage"]))
    tip = alice.commit({"labels/coco/bad.json": None}, "clean up")
    assert_accepted(alice.push("HEAD:refs/heads/main"))
    dave = make_client(server, "dave")
    sync(dave)
    result = dave.push(f"+{outage}:refs/heads/main")
    assert_denied(result, "ERROR [schema.unknown-label] refs/heads/main", "labels/coco/bad.json")
    assert server.rev("refs/heads/main") == tip
