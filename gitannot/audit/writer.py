"""Append one entry: lock, read the head, sign, write objects, compare-and-swap the ref.

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

from gitannot.audit import entry as E
from gitannot.audit import gitobjects, reader, sshsig, state
from gitannot.audit.errors import AuditWriteError
from gitannot.constants import AUDIT_REF, ZERO_OID
from gitannot.metrics import probe
from gitannot.server.config import audit_key_path
from gitannot.server.keys import load_private_key


@dataclass(frozen=True)
class Appended:
    seq: int
    digest: str
    commit: str
    entry: dict[str, Any]


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append(
    git_dir: Path,
    fields: dict[str, Any],
    *,
    lock_timeout: float = state.DEFAULT_LOCK_TIMEOUT,
    key: Ed25519PrivateKey | None = None,
) -> Appended:
    """Append `fields` (type, actor, updates, ...) as the next entry. Raises
    AuditWriteError (or ConfigError for a missing key) when nothing was written."""
    key = key or load_private_key(audit_key_path(git_dir))
    started = time.perf_counter()
    with state.locked(git_dir, lock_timeout):
        appended = append_locked(git_dir, fields, key)
    probe.observe("audit_append", time.perf_counter() - started)
    return appended


def append_locked(
    git_dir: Path,
    fields: dict[str, Any],
    key: Ed25519PrivateKey,
) -> Appended:
    """The body of `append`; the caller holds the lock (rotate-key does)."""
    repo = pygit2.Repository(str(git_dir))
    head = _checked_head(git_dir, repo)
    entry = {
        **fields,
        "v": E.FORMAT_VERSION,
        "seq": head.seq + 1 if head else 1,
        "prev": head.digest if head else E.GENESIS_PREV,
        "time": fields.get("time") or utc_now(),
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
    old = str(head.commit.id) if head else ZERO_OID
    _compare_and_swap(repo, commit, old)
    # The entry is committed from here on: failing now would reject a push the log
    # already records as accepted. A stale mark is harmless (the writer accepts a head
    # ahead of it; verify re-checks everything), so these are best effort.
    try:
        state.write_high_water(git_dir, state.HighWater(entry["seq"], digest, str(commit)))
        state.remember_key(git_dir, sshsig.public_key_line(key.public_key()))
    except OSError as exc:
        sys.stderr.write(f"gitannot: audit high-water mark not updated: {exc}\n")
    return Appended(entry["seq"], digest, str(commit), entry)


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
    block = E.note_block(entry, digest).encode("utf-8")
    tips = E.note_tips(entry)
    if not tips:
        return {E.seq_path(entry["seq"]): repo.create_blob(block)}
    blobs = {}
    for tip in tips:
        path = gitobjects.note_path(tip)
        old = gitobjects.read_blob(repo, tree, path)
        blobs[path] = repo.create_blob((old + b"\n" if old else b"") + block)
    return blobs


def _compare_and_swap(repo: pygit2.Repository, new: pygit2.Oid, old: str) -> None:
    """Move the ref only if it still points where this entry was built on.

    gitannot writers are serialized by the flock; this catches anything else that wrote
    the ref meanwhile. Done in-process through libgit2 (which takes git's own
    refs/notes/audit.lock): git itself refuses ref updates under the quarantine
    environment, libgit2 does not look at it, and no fork/exec happens under the lock.
    """
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
    except (pygit2.GitError, ValueError) as exc:
        raise AuditWriteError(f"{AUDIT_REF} could not be updated: {exc}") from exc
