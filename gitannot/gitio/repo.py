"""Open repositories with pygit2, seeing quarantined objects during pre-receive."""

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pygit2

from gitannot.constants import ZERO_OID
from gitannot.errors import UsageError


def open_repository(path: Path | str, env: Mapping[str, str] | None = None) -> pygit2.Repository:
    """A pygit2 repository that also sees objects git holds in quarantine.

    libgit2 ignores GIT_OBJECT_DIRECTORY / GIT_ALTERNATE_OBJECT_DIRECTORIES, so during
    pre-receive the pushed objects are invisible unless the quarantine directory is
    added as an alternate. New objects written through it still go to the main store.
    """
    env = os.environ if env is None else env
    repo = pygit2.Repository(str(path))
    quarantine = env.get("GIT_QUARANTINE_PATH")
    if quarantine:
        repo.odb.add_disk_alternate(quarantine)
    return repo


def discover(path: Path | str, hint: str = "pass --repo DIR") -> pygit2.Repository:
    """The repository containing `path` (a work tree, a folder inside it, or a bare repo)."""
    found = pygit2.discover_repository(str(path))
    if found is None:
        raise UsageError(f"{path} is not inside a git repository", hint)
    return open_repository(found)


def default_branch(repo: pygit2.Repository) -> str:
    """The ref HEAD points at (e.g. refs/heads/main), even when it has no commits yet."""
    head = repo.references.get("HEAD")
    if head is not None and head.type == pygit2.enums.ReferenceType.SYMBOLIC:
        return str(head.target)
    return "refs/heads/main"


def ref_target(repo: pygit2.Repository, ref: str) -> str | None:
    reference = repo.references.get(ref)
    if reference is None:
        return None
    return str(reference.resolve().target)


def peel_to_commit(repo: pygit2.Repository, oid: str) -> pygit2.Commit | None:
    """The commit an object id (commit or annotated tag) points at; None for other objects."""
    obj = repo.get(oid)
    while isinstance(obj, pygit2.Tag):
        obj = repo.get(obj.target)
    return obj if isinstance(obj, pygit2.Commit) else None


def new_commits(repo: pygit2.Repository, tip: str, exclude: list[str]) -> Iterator[pygit2.Commit]:
    """Commits reachable from `tip` but from none of `exclude` (git's `tip --not --all`)."""
    commit = peel_to_commit(repo, tip)
    if commit is None:
        return
    walker = repo.walk(commit.id, pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE)
    for oid in exclude:
        excluded = peel_to_commit(repo, oid)
        if excluded is not None:
            walker.hide(excluded.id)
    yield from walker


def is_fast_forward(repo: pygit2.Repository, old: str, new: str) -> bool:
    """True when `new` descends from `old` (old's commit is an ancestor of new's)."""
    if old == ZERO_OID or new == ZERO_OID:
        return True
    old_commit = peel_to_commit(repo, old)
    new_commit = peel_to_commit(repo, new)
    if old_commit is None or new_commit is None:
        return old == new
    if old_commit.id == new_commit.id:
        return True
    return bool(repo.descendant_of(new_commit.id, old_commit.id))


def changed_paths(commit: pygit2.Commit) -> list[str]:
    """Paths a commit adds, modifies or deletes against its first parent.

    Renames count as delete + add (no rename detection), so moving a file out of a
    protected folder touches that folder. A root commit changes every path it holds.
    """
    if commit.parents:
        diff = commit.parents[0].tree.diff_to_tree(commit.tree)
    else:
        diff = commit.tree.diff_to_tree(swap=True)
    paths = set()
    for delta in diff.deltas:
        paths.add(delta.old_file.path)
        paths.add(delta.new_file.path)
    return sorted(paths)


def read_blob(repo: pygit2.Repository, commit_oid: str | None, path: str) -> bytes | None:
    """The bytes of `path` in a commit's tree, or None when absent (or not a blob)."""
    if not commit_oid:
        return None
    commit = peel_to_commit(repo, commit_oid)
    if commit is None:
        return None
    try:
        entry = commit.tree[path]
    except KeyError:
        return None
    obj = repo.get(entry.id)
    return blob_bytes(obj) if isinstance(obj, pygit2.Blob) else None


def blob_bytes(blob: pygit2.Blob) -> bytes:
    """A blob's content. `Blob.data` is `read_raw()`, which inflates the object from the
    object store a second time (seconds for a 400 MB label file); the buffer of the
    looked-up object is what lookup already inflated."""
    return bytes(memoryview(blob))


HOOK_BLOB_CACHE_BYTES = 2 << 30


def cache_blobs(limit: int = HOOK_BLOB_CACHE_BYTES) -> None:
    """Keep looked-up blobs in libgit2's object cache (for this process): a hook reads a
    big pushed file for validation, limits, the secret scan and the label diff; each
    lookup would inflate it again. Only hooks turn this on: they live for one push."""
    global _cached_blobs
    if _cached_blobs == limit:
        return
    pygit2.settings.cache_max_size(limit)
    pygit2.settings.cache_object_limit(pygit2.enums.ObjectType.BLOB, limit)
    # libgit2 re-hashes every object it reads (0.7 s for a 400 MB blob). git does not:
    # receive-pack named each pushed object by hashing it as it arrived (and fscks it).
    pygit2.option(pygit2.enums.Option.ENABLE_STRICT_HASH_VERIFICATION, False)
    _cached_blobs = limit


_cached_blobs = 0  # the limit in force (0: libgit2's defaults)


def blob_id(repo: pygit2.Repository, commit_oid: str | None, path: str) -> str | None:
    if not commit_oid:
        return None
    commit = peel_to_commit(repo, commit_oid)
    if commit is None:
        return None
    try:
        return str(commit.tree[path].id)
    except KeyError:
        return None


def hook_environment_without_quarantine(env: Mapping[str, str]) -> dict[str, str]:
    """Environment for a writer that must put objects in the main store from pre-receive.

    All three variables must go: dropping only GIT_QUARANTINE_PATH corrupts the repo.
    """
    cleaned = dict(env)
    for key in ("GIT_QUARANTINE_PATH", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES"):
        cleaned.pop(key, None)
    return cleaned
