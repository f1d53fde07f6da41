"""Append one entry: build and sign its objects, then under the lock compare-and-swap
the ref (rebuilding on the new head if another writer got there first).

Safe to call from pre-receive: it opens its own pygit2 repository (no quarantine
alternate, so it cannot even see pushed objects, let alone reference them), so every
object lands in the main store; the ref moves by compare-and-swap through libgit2,
which ignores the quarantine variables that make git's own ref updates fail there.
"""

import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pygit2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gitannot.audit import budget, gitobjects, reader, sshsig, state
from gitannot.audit import entry as E
from gitannot.audit.errors import AuditWriteError
from gitannot.constants import AUDIT_REF, ZERO_OID
from gitannot.metrics import probe
from gitannot.settings.keys import load_private_key
from gitannot.settings.server import audit_key_path


@dataclass(frozen=True)
class Appended:
    seq: int
    digest: str
    commit: str
    entry: dict[str, Any]


@dataclass(frozen=True)
class _Built:
    """A signed entry commit, ready to become the head if the head is still `base`."""

    base: str  # the head commit it extends (ZERO_OID for the first entry)
    seq: int
    digest: str
    commit: pygit2.Oid
    entry: dict[str, Any]


# Optimistic rounds (build outside the lock, compare under it) before building under
# the lock, so a writer always makes progress even while small pushes keep winning.
OPTIMISTIC_ROUNDS = 3


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append(
    git_dir: Path,
    fields: dict[str, Any],
    *,
    lock_timeout: float = state.DEFAULT_LOCK_TIMEOUT,
    key: Ed25519PrivateKey | None = None,
    time_limit: float | None = None,
) -> Appended:
    """Append `fields` (type, actor, updates, ...) as the next entry. Raises
    AuditWriteError (or ConfigError for a missing key) when nothing was written.

    Every object is built and signed before the lock is taken; under the lock only the
    head is compared and the ref moved. If another writer moved the head meanwhile, the
    entry is rebuilt on the new head (cheap: one stored copy, one shared note blob).
    Building runs under `time_limit` seconds (the hook's own limit); waiting for the
    lock is bounded by `lock_timeout`."""
    started = time.perf_counter()
    appended = _append(git_dir, fields, lock_timeout, key, time_limit)
    probe.observe("audit_append", time.perf_counter() - started)
    return appended


def _append(
    git_dir: Path,
    fields: dict[str, Any],
    lock_timeout: float,
    key: Ed25519PrivateKey | None,
    time_limit: float | None,
) -> Appended:
    key = key or load_private_key(audit_key_path(git_dir))
    fields = {**fields, "time": fields.get("time") or utc_now()}
    repo = pygit2.Repository(str(git_dir))
    for _ in range(OPTIMISTIC_ROUNDS):
        with budget.time_limit(time_limit, "writing the audit entry"):
            built = _build(repo, _head_entry(repo), fields, key)
        with state.locked(git_dir, lock_timeout):
            head = _checked_head(git_dir, repo)
            if _head_id(head) == built.base:
                return _publish(git_dir, repo, built, key)
    with state.locked(git_dir, lock_timeout):
        with budget.time_limit(time_limit, "writing the audit entry"):
            built = _build(repo, _checked_head(git_dir, repo), fields, key)
        return _publish(git_dir, repo, built, key)


def append_locked(
    git_dir: Path,
    fields: dict[str, Any],
    key: Ed25519PrivateKey,
) -> Appended:
    """Build and publish in one go; the caller holds the lock (rotate-key does)."""
    repo = pygit2.Repository(str(git_dir))
    fields = {**fields, "time": fields.get("time") or utc_now()}
    return _publish(git_dir, repo, _build(repo, _checked_head(git_dir, repo), fields, key), key)


def _head_id(head: reader.LogEntry | None) -> str:
    return str(head.commit.id) if head else ZERO_OID


def _head_entry(repo: pygit2.Repository) -> reader.LogEntry | None:
    """The head as it is now, without the high-water check (that needs the lock: the
    mark and the ref move together under it); a head that is no entry is left for
    the check under the lock to report."""
    commit = reader.head_commit(repo)
    if commit is None:
        return None
    try:
        return reader.parse_commit(commit)
    except E.EntryFormatError:
        return None


def _build(
    repo: pygit2.Repository,
    head: reader.LogEntry | None,
    fields: dict[str, Any],
    key: Ed25519PrivateKey,
) -> _Built:
    entry = {
        **fields,
        "v": E.FORMAT_VERSION,
        "seq": head.seq + 1 if head else 1,
        "prev": head.digest if head else E.GENESIS_PREV,
    }
    data = E.canonical_bytes(entry)
    digest = E.entry_hash(data)
    message = E.compose_message(data, sshsig.sign(key, data, E.NAMESPACE))
    old_tree = head.commit.tree if head else None
    tree = gitobjects.update_tree(repo, old_tree, entry_blobs(repo, old_tree, entry, digest))
    commit = gitobjects.create_signed_commit(
        repo,
        key,
        tree=tree,
        parents=[head.commit.id] if head else [],
        message=message,
        when=int(time.time()),
    )
    return _Built(_head_id(head), entry["seq"], digest, commit, entry)


def _publish(
    git_dir: Path, repo: pygit2.Repository, built: _Built, key: Ed25519PrivateKey
) -> Appended:
    """Under the lock: move the ref, then the high-water mark."""
    _compare_and_swap(repo, built.commit, built.base)
    # The entry is committed from here on: failing now would reject a push the log
    # already records as accepted. A stale mark is harmless (the writer accepts a head
    # ahead of it; verify re-checks everything), so these are best effort.
    try:
        state.write_high_water(git_dir, state.HighWater(built.seq, built.digest, str(built.commit)))
        state.remember_key(git_dir, sshsig.public_key_line(key.public_key()))
    except OSError as exc:
        sys.stderr.write(f"gitannot: audit high-water mark not updated: {exc}\n")
    return Appended(built.seq, built.digest, str(built.commit), built.entry)


def head_problem(git_dir: Path) -> AuditWriteError | None:
    """Why the next append would be refused (for `server doctor`), or None."""
    try:
        _checked_head(git_dir, pygit2.Repository(str(git_dir)))
    except AuditWriteError as exc:
        return exc
    return None


def _checked_head(git_dir: Path, repo: pygit2.Repository) -> reader.LogEntry | None:
    """Refuse to extend a log whose ref went backwards or whose head is not an entry."""
    commit = reader.head_commit(repo)
    head = None
    if commit is not None:
        try:
            head = reader.parse_commit(commit)
        except E.EntryFormatError as exc:
            raise AuditWriteError(
                f"{AUDIT_REF} head {commit.id} is not a gitannot entry: {exc}",
                "someone wrote the ref outside gitannot; run `gitannot audit verify`",
            ) from exc
    mark = state.read_high_water(git_dir)
    if mark is None:
        return head
    if head is None or head.seq < mark.seq or (head.seq == mark.seq and head.digest != mark.digest):
        where = f"#{head.seq}" if head else "missing"
        raise AuditWriteError(
            f"{AUDIT_REF} was rewound or rewritten: head is {where}, the server's "
            f"high-water mark is #{mark.seq} {mark.digest}",
            f"run `gitannot audit verify`; restore the ref to the high-water commit {mark.commit}",
        )
    return head


def entry_blobs(
    repo: pygit2.Repository, tree: pygit2.Tree | None, entry: dict[str, Any], digest: str
) -> dict[str, pygit2.Oid]:
    """The blobs an entry adds (E.note_layout). Tips with no note yet share one blob,
    so a push of n refs writes O(1) blobs plus one per tip that already had a note."""
    layout = E.note_layout(entry, digest)
    blobs = {}
    if layout.stored is not None:
        blobs[E.seq_path(entry["seq"])] = repo.create_blob(layout.stored)
    shared: pygit2.Oid | None = None
    for tip in layout.tips:
        path = gitobjects.note_path(tip)
        old = gitobjects.read_blob(repo, tree, path)
        if old:
            blobs[path] = repo.create_blob(old + b"\n" + layout.tip_block)
        else:
            shared = shared or repo.create_blob(layout.tip_block)
            blobs[path] = shared
    return blobs


def _compare_and_swap(repo: pygit2.Repository, new: pygit2.Oid, old: str) -> None:
    """Move the ref only if it still points where this entry was built on.

    gitannot writers are serialized by the flock; this catches anything else that wrote
    the ref meanwhile. Done in-process through libgit2 (which takes git's own
    refs/notes/audit.lock): git itself refuses ref updates under the quarantine
    environment, libgit2 does not look at it, and no fork/exec happens under the lock.
    """
    waited, pause = 0.0, 0.001
    while True:
        reference = repo.references.get(AUDIT_REF)
        current = str(reference.target) if reference is not None else ZERO_OID
        if current != old:
            raise AuditWriteError(
                f"{AUDIT_REF} moved under the writer (expected {old[:12]}, found {current[:12]})",
                "another process wrote the log without gitannot's lock",
            )
        try:
            if reference is None:  # fails if someone created it meanwhile
                repo.create_reference_direct(AUDIT_REF, new, False, message="gitannot audit")
            else:  # libgit2 checks the old value under the ref lock: a true compare-and-swap
                reference.set_target(new, "gitannot audit")
            return
        except OSError as exc:
            # git itself holds refs/notes/audit.lock for a moment while `git gc --auto`
            # (run by receive-pack after pushes) packs refs. git retries its ref locks
            # (core.filesRefLockTimeout); libgit2 does not, so retry here, bounded.
            if waited >= REF_LOCK_WAIT_SECONDS:
                raise AuditWriteError(
                    f"{AUDIT_REF} could not be updated: {exc}",
                    f"another git process held {AUDIT_REF}.lock for over "
                    f"{REF_LOCK_WAIT_SECONDS:g}s; if no git process is running, remove the "
                    "stale lock file",
                ) from exc
            time.sleep(pause)
            waited, pause = waited + pause, min(pause * 2, 0.05)
        except (pygit2.GitError, ValueError) as exc:
            raise AuditWriteError(f"{AUDIT_REF} could not be updated: {exc}") from exc


REF_LOCK_WAIT_SECONDS = 5.0  # git's own ref lock wait is 0.1 s; a loaded server needs more
