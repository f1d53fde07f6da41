"""Git objects of the log: notes trees in git's fanout layout and SSH-signed commits.

Only the log's own blobs, trees and commits are created; a note names the pushed commit
by its id as a *path*, so no log object ever references a pushed (possibly quarantined)
object and fsck / connectivity checks never reach into the push.
"""

from collections.abc import Mapping

import pygit2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gitannot.audit import sshsig
from gitannot.audit.entry import GIT_NAMESPACE

TREE_MODE = pygit2.enums.FileMode.TREE
BLOB_MODE = pygit2.enums.FileMode.BLOB


def note_path(commit_id: str) -> str:
    """git's one-level fanout (`ab/cdef...`), what `git notes` itself writes once a log
    holds a few hundred notes; git reads any fanout, so using it from the start is safe."""
    return f"{commit_id[:2]}/{commit_id[2:]}"


def read_blob(repo: pygit2.Repository, tree: pygit2.Tree | None, path: str) -> bytes | None:
    if tree is None:
        return None
    try:
        entry = tree[path]
    except KeyError:
        return None
    obj = repo.get(entry.id)
    return obj.data if isinstance(obj, pygit2.Blob) else None


def update_tree(
    repo: pygit2.Repository, tree: pygit2.Tree | None, blobs: Mapping[str, pygit2.Oid]
) -> pygit2.Oid:
    """A new tree = `tree` with each path set to its blob. Only the subtrees on the
    changed paths are rewritten (cost grows with depth, not with the number of notes)."""
    here: dict[str, pygit2.Oid] = {}
    below: dict[str, dict[str, pygit2.Oid]] = {}
    for path, oid in blobs.items():
        head, sep, rest = path.partition("/")
        if sep:
            below.setdefault(head, {})[rest] = oid
        else:
            here[head] = oid
    builder = repo.TreeBuilder(tree) if tree is not None else repo.TreeBuilder()
    for name, oid in here.items():
        builder.insert(name, oid, BLOB_MODE)
    for name, sub in below.items():
        existing = None
        if tree is not None and name in tree:
            obj = repo.get(tree[name].id)
            existing = obj if isinstance(obj, pygit2.Tree) else None
        builder.insert(name, update_tree(repo, existing, sub), TREE_MODE)
    return builder.write()


def create_signed_commit(
    repo: pygit2.Repository,
    key: Ed25519PrivateKey,
    *,
    tree: pygit2.Oid,
    parents: list[str | pygit2.Oid],
    message: str,
    when: int,
) -> pygit2.Oid:
    """A commit with a `gpgsig` header in SSHSIG armor (namespace "git"), so
    `git log --show-signature` verifies it with gpg.ssh.allowedSignersFile."""
    person = pygit2.Signature("gitannot audit", "audit@gitannot.invalid", when, 0)
    # pygit2's stubs say Oid; it returns the raw commit text.
    content = str(repo.create_commit_string(person, person, message, tree, parents))
    signature = sshsig.sign(key, content.encode("utf-8"), GIT_NAMESPACE)
    return repo.create_commit_with_signature(content, signature.rstrip("\n"), "gpgsig")
