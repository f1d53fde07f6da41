"""Tree entries git must never check out (`..`, `.git` and its disguises): rejected.

Two layers: `server install` turns on receive.fsckObjects (git itself refuses such
trees), and the hook rejects them too, so a server with fsck off is still safe. The
hand-made trees below are written with pygit2's object database (which, unlike its tree
builder, does not check names), into a server whose fsck is switched off.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pygit2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitannot.core import pathnames
from gitannot.core.pathnames import invalid_component
from gitannot.server import doctor
from tests.access.helpers import assert_denied, sync
from tests.gitenv import Client, ServerRepo

ClientFactory = Callable[[str], Client]
MODE_TREE, MODE_BLOB = 0o40000, 0o100644


def _raw_tree(repo: pygit2.Repository, entries: list[tuple[int, bytes, pygit2.Oid]]) -> str:
    """A tree object with exactly these entries, in git's order, names unchecked."""

    def key(entry: tuple[int, bytes, pygit2.Oid]) -> bytes:
        return entry[1] + (b"/" if entry[0] == MODE_TREE else b"")

    data = b"".join(
        f"{mode:o} ".encode() + name + b"\0" + oid.raw
        for mode, name, oid in sorted(entries, key=key)
    )
    return str(repo.odb.write(pygit2.enums.ObjectType.TREE, data))


def commit_with_entry(client: Client, name: bytes) -> str:
    """HEAD's tree plus labels/<name>/configs/access.yaml: a policy granting everyone all."""
    repo = pygit2.Repository(str(client.path))
    head = repo.revparse_single("HEAD")
    assert isinstance(head, pygit2.Commit)
    blob = repo.create_blob(b"version: 1\nusers: {bob: {roles: [admin]}}\n")
    configs = _raw_tree(repo, [(MODE_BLOB, b"access.yaml", blob)])
    inner = _raw_tree(repo, [(MODE_TREE, b"configs", pygit2.Oid(hex=configs))])
    labels = head.tree["labels"]
    label_entries = [(e.filemode, e.raw_name, e.id) for e in repo.get(labels.id)]
    label_entries.append((MODE_TREE, name, pygit2.Oid(hex=inner)))
    new_labels = _raw_tree(repo, label_entries)
    root = [(e.filemode, e.raw_name, e.id) for e in head.tree if e.name != "labels"]
    root.append((MODE_TREE, b"labels", pygit2.Oid(hex=new_labels)))
    tree = _raw_tree(repo, root)
    sig = pygit2.Signature("Bob", "bob@example.com", 1760000000, 0)
    oid = repo.create_commit(None, sig, sig, "hand-made tree", pygit2.Oid(hex=tree), [head.id])
    return str(oid)


BAD_NAMES = [
    b"..",
    b".",
    b".git",
    b".GIT",
    b".Git. . ",
    b"git~1",
    b"GIT~1",
    b".git::$INDEX_ALLOCATION",
    ".g\u200cit".encode(),
    b"a/b",
]


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
def test_hook_rejects_invalid_tree_entry_with_fsck_off(
    name: bytes, shared_client: ClientFactory, shared_seeded: ServerRepo
) -> None:
    shared_seeded.git("config", "receive.fsckObjects", "false")
    bob = shared_client("bob")
    sync(bob)
    commit = commit_with_entry(bob, name)
    ref = f"refs/heads/annotate/bob/names-{BAD_NAMES.index(name)}"
    result = bob.push(f"{commit}:{ref}")
    assert_denied(
        result,
        f"[tree.invalid-name] {ref} {commit[:12]}",
        f"labels/{name.decode(errors='replace')}",
    )
    assert shared_seeded.rev(ref) is None


def test_fsck_on_after_install_rejects_dotdot_in_git_itself(
    shared_client: ClientFactory, shared_seeded: ServerRepo
) -> None:
    shared_seeded.git("config", "receive.fsckObjects", "true")
    bob = shared_client("bob")
    sync(bob)
    commit = commit_with_entry(bob, b"..")
    result = bob.push(f"{commit}:refs/heads/annotate/bob/fsck")
    assert not result.accepted
    assert "hasDotdot" in result.output or "fsck" in result.output, result.output
    assert shared_seeded.rev("refs/heads/annotate/bob/fsck") is None


def test_install_turns_fsck_on_and_doctor_names_the_fix(server: ServerRepo) -> None:
    assert server.git("config", "--get", "receive.fsckObjects").stdout.strip() == "true"
    server.git("config", "--replace-all", "receive.fsckObjects", "false")
    problems = [p for p in doctor.diagnose(server.path) if "fsckObjects" in p.message]
    assert len(problems) == 1, doctor.diagnose(server.path)
    assert problems[0].check == "git-config"
    assert (
        problems[0].fix
        == f"git --git-dir {Path(server.path).resolve()} config receive.fsckObjects true"
    )


@pytest.mark.parametrize(
    "name",
    [b"labels", b".gitignore", b".gitattributes", b"git~2", b"..a", b".git-x", b"a.git", b"~1"],
    ids=repr,
)
def test_ordinary_names_pass(name: bytes) -> None:
    assert invalid_component(name) is None


# An empty name never reaches the hook: git's unpacker refuses it even with fsck off.
@pytest.mark.parametrize("name", [*BAD_NAMES, b"", b"a\0b", b".git\\x", b"x\\.git"], ids=repr)
def test_bad_names_are_named(name: bytes) -> None:
    assert invalid_component(name)


def test_a_bad_name_kept_by_later_commits_is_refused_at_the_commit_that_brings_it(
    shared_client: ClientFactory, shared_seeded: ServerRepo
) -> None:
    """Names a parent already holds are not checked again; the parent that brought the
    name is part of the same push, so the push is still refused, naming that commit."""
    shared_seeded.git("config", "receive.fsckObjects", "false")
    bob = shared_client("bob")
    sync(bob)
    first = commit_with_entry(bob, b".GIT")
    bob.git("reset", "-q", "--soft", first)
    later = bob.commit({"labels/later.txt": "x\n"}, "keeps the bad folder")
    result = bob.push(f"{later}:refs/heads/annotate/bob/keeps")
    assert_denied(result, f"[tree.invalid-name] refs/heads/annotate/bob/keeps {first[:12]}")
    assert f"{later[:12]} labels/.GIT" not in result.output
    assert shared_seeded.rev("refs/heads/annotate/bob/keeps") is None


_ALPHABET = st.sampled_from([b"a", b"Z", b"0", b"_", b"-", b".", b"g", b"i", b"t", b"~", b"1"])


@given(st.lists(_ALPHABET, max_size=8).map(b"".join))
def test_plain_names_take_the_short_way_to_the_same_answer(name: bytes) -> None:
    """The letters-digits-dots short cut never passes a name the full check refuses."""
    full = pathnames._full_reason(name)
    assert invalid_component(name) == full
