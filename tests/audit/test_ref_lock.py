"""git holds refs/notes/audit.lock for a moment when `git gc --auto` packs refs after a
push; a concurrent audit append must wait for it (as git's own ref updates do), not
fail the push. Seen as a rejected push in 50 concurrent pushes under load."""

import threading
from pathlib import Path

import pygit2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gitannot.audit import reader, writer
from gitannot.audit.errors import AuditWriteError
from tests.gitenv import ServerRepo


def _fields(n: int) -> dict[str, object]:
    return {"type": "push", "decision": "accepted", "updates": [], "reasons": [], "n": n}


def _lock(server: ServerRepo) -> Path:
    """Take the ref lock the way git does: create `<ref>.lock` exclusively."""
    lock = server.path / "refs" / "notes" / "audit.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "x", encoding="utf-8") as handle:
        handle.write("held by another git process\n")
    return lock


def test_append_waits_for_a_ref_lock_git_holds_briefly(server: ServerRepo) -> None:
    key = Ed25519PrivateKey.generate()
    first = writer.append(server.path, _fields(1), key=key)
    lock = _lock(server)
    # Released once the writer is (most likely) already waiting; it must not give up.
    release = threading.Timer(0.3, lock.unlink)
    release.start()
    try:
        second = writer.append(server.path, _fields(2), key=key)
    finally:
        release.join()
    assert second.seq == first.seq + 1
    head = reader.head_commit(pygit2_repo(server))
    assert head is not None and str(head.id) == second.commit


def test_a_ref_lock_held_too_long_is_a_clear_refusal(
    server: ServerRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Ed25519PrivateKey.generate()
    writer.append(server.path, _fields(1), key=key)
    monkeypatch.setattr(writer, "REF_LOCK_WAIT_SECONDS", 0.05)
    _lock(server)
    with pytest.raises(AuditWriteError, match=r"refs/notes/audit could not be updated") as err:
        writer.append(server.path, _fields(2), key=key)
    assert "held refs/notes/audit.lock for over 0.05s" in err.value.hint


def pygit2_repo(server: ServerRepo) -> pygit2.Repository:
    return pygit2.Repository(str(server.path))
