"""Server-side state next to the log: the lock, the high-water mark, the key history.

All of it lives in <repo.git>/gitannot/, outside refs, so no client can touch it.
"""

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gitannot.audit.errors import AuditWriteError
from gitannot.server.config import server_dir

LOCK_FILE = "audit.lock"
HIGH_WATER_FILE = "audit-head"  # "<seq> <sha256:digest> <commit>" of the newest entry
KEYS_FILE = "audit-keys"  # every public key the log has been signed with, oldest first
DEFAULT_LOCK_TIMEOUT = 3.0


@dataclass(frozen=True)
class HighWater:
    seq: int
    digest: str
    commit: str


@contextmanager
def locked(git_dir: Path, timeout: float) -> Iterator[None]:
    """flock on audit.lock: released by the kernel if the holder dies, so never stale."""
    path = server_dir(git_dir) / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise AuditWriteError(
                        f"audit log lock {path} not acquired within {timeout:g}s",
                        "another writer holds it; raise audit_lock_timeout_seconds in "
                        "server.yaml if pushes are this busy",
                    ) from None
                time.sleep(0.002)
        yield
    finally:
        os.close(fd)


def read_high_water(git_dir: Path) -> HighWater | None:
    path = server_dir(git_dir) / HIGH_WATER_FILE
    try:
        seq, digest, commit = path.read_text(encoding="utf-8").split()
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise AuditWriteError(f"{path} is malformed", "restore it from a checkpoint") from exc
    return HighWater(int(seq), digest, commit)


def write_high_water(git_dir: Path, mark: HighWater) -> None:
    path = server_dir(git_dir) / HIGH_WATER_FILE
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(f"{mark.seq} {mark.digest} {mark.commit}\n", encoding="utf-8")
    os.replace(tmp, path)


def known_keys(git_dir: Path) -> list[str]:
    path = server_dir(git_dir) / KEYS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [" ".join(line.split()[:2]) for line in text.splitlines() if line.strip()]


def remember_key(git_dir: Path, public_key: str) -> None:
    if public_key in known_keys(git_dir):
        return
    with open(server_dir(git_dir) / KEYS_FILE, "a", encoding="utf-8") as handle:
        handle.write(public_key + "\n")
