"""refs/releases/<tag>: the server-written release records, and reading them back.

Writing follows the audit writer's quarantine rule: a fresh repository without the
quarantine alternate, so only the server's own objects (blobs, trees, a commit) are
created, none pointing at pushed objects; the tagged commit is named as text only.
"""

import json
import time
from pathlib import Path

import pygit2

from gitannot.release.freeze import Frozen
from gitannot.release.record import FROZEN
from gitannot.release.refs import LINK_REFS, RELEASE_REFS, record_ref

__all__ = ["LINK_REFS", "RELEASE_REFS", "record_ref"]

SERVER_NAME = "gitannot server"
SERVER_EMAIL = "gitannot@server"


class RecordError(Exception):
    """A release record is missing or cannot be written."""


def write(git_dir: Path, tag: str, files: dict[str, bytes], message: str) -> str:
    """Create or extend the record (one commit per change); returns the commit id."""
    repo = pygit2.Repository(str(git_dir))
    ref = record_ref(tag)
    current = repo.references.get(ref)
    parent = repo.get(current.target) if current is not None else None
    base = parent.tree if isinstance(parent, pygit2.Commit) else None
    existing = _paths(repo, base)
    taken = sorted(p for p in files if p in existing)
    if taken:  # append-only: a record's files are never replaced
        raise RecordError(f"{ref} already holds {', '.join(taken)}")
    tree = _tree(repo, base, files)
    sig = pygit2.Signature(SERVER_NAME, SERVER_EMAIL, int(time.time()), 0)
    parents: list[pygit2.Oid] = [parent.id] if isinstance(parent, pygit2.Commit) else []
    commit = repo.create_commit(None, sig, sig, message, tree, parents)
    try:
        if current is None:
            repo.create_reference_direct(ref, commit, False, message="gitannot release")
        else:  # compare-and-swap under libgit2's ref lock
            current.set_target(commit, "gitannot release")
    except (pygit2.GitError, ValueError) as exc:
        raise RecordError(f"{ref} could not be written: {exc}") from exc
    return str(commit)


def _tree(repo: pygit2.Repository, base: pygit2.Tree | None, files: dict[str, bytes]) -> pygit2.Oid:
    """Files may sit one folder deep (models/0001.dsse.json)."""
    root = repo.TreeBuilder(base) if base is not None else repo.TreeBuilder()
    folders: dict[str, dict[str, bytes]] = {}
    for path, data in files.items():
        folder, _, name = path.rpartition("/")
        if folder:
            folders.setdefault(folder, {})[name] = data
        else:
            root.insert(name, repo.create_blob(data), pygit2.enums.FileMode.BLOB)
    for folder, members in folders.items():
        old = base[folder] if base is not None and folder in base else None
        sub_tree = repo.get(old.id) if old is not None else None
        sub = (
            repo.TreeBuilder(sub_tree) if isinstance(sub_tree, pygit2.Tree) else repo.TreeBuilder()
        )
        for name, data in members.items():
            sub.insert(name, repo.create_blob(data), pygit2.enums.FileMode.BLOB)
        root.insert(folder, sub.write(), pygit2.enums.FileMode.TREE)
    return root.write()


def _paths(repo: pygit2.Repository, tree: pygit2.Tree | None) -> set[str]:
    out: dict[str, bytes] = {}
    if tree is not None:
        _collect(repo, tree, "", out)
    return set(out)


def tags(repo: pygit2.Repository) -> list[str]:
    return sorted(
        r.removeprefix(RELEASE_REFS) for r in repo.references if r.startswith(RELEASE_REFS)
    )


def read(repo: pygit2.Repository, tag: str) -> dict[str, bytes] | None:
    """Every file of the record (models/ included), or None when there is none."""
    ref = repo.references.get(record_ref(tag))
    if ref is None:
        return None
    commit = repo.get(ref.target)
    if not isinstance(commit, pygit2.Commit):
        raise RecordError(f"{record_ref(tag)} does not point at a commit")
    out: dict[str, bytes] = {}
    _collect(repo, commit.tree, "", out)
    return out


def _collect(
    repo: pygit2.Repository, tree: pygit2.Tree, prefix: str, out: dict[str, bytes]
) -> None:
    for entry in tree:
        obj = repo.get(entry.id)
        if isinstance(obj, pygit2.Tree):
            _collect(repo, obj, f"{prefix}{entry.name}/", out)
        elif isinstance(obj, pygit2.Blob):
            out[f"{prefix}{entry.name}"] = bytes(obj.data)


def frozen(repo: pygit2.Repository, exclude: str = "") -> Frozen:
    """Items every earlier release froze, oldest release first (by record time)."""
    out = Frozen()
    records: list[tuple[int, str, pygit2.Commit]] = []
    for tag in tags(repo):
        if tag == exclude:
            continue
        ref = repo.references.get(record_ref(tag))
        head = repo.get(ref.target) if ref is not None else None
        if not isinstance(head, pygit2.Commit):
            continue
        root = head
        while root.parents:
            root = root.parents[0]
        records.append((root.commit_time, tag, head))
    for _when, tag, record in sorted(records, key=lambda r: (r[0], r[1])):
        try:
            blob = repo.get(record.tree[FROZEN].id)
            if not isinstance(blob, pygit2.Blob):
                raise ValueError("not a file")
            doc = json.loads(bytes(blob.data))
        except (KeyError, ValueError) as exc:
            raise RecordError(f"release record {tag} has no readable {FROZEN}: {exc}") from exc
        out.add(tag, [r for r in doc.get("items", []) if isinstance(r, dict)])
    return out
