"""Server-side state next to the log: the lock, the high-water mark, the key history.

All of it lives in <repo.git>/gitannot/, outside refs, so no client can touch it.
"""

import fcntl
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gitannot.audit.errors import AuditWriteError
from gitannot.settings.server import server_dir

LOCK_FILE = "audit.lock"
HIGH_WATER_FILE = "audit-head"  # "<seq> <sha256:digest> <commit>" of the newest entry
KEYS_FILE = "audit-keys"  # every public key the log has been signed with, oldest first
# Generous: a busy log should slow a push down, not reject it (plain git has no hook
# time limit); server.yaml audit_lock_timeout_seconds overrides it.
DEFAULT_LOCK_TIMEOUT = 10.0


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
        if not _acquire(fd, timeout):
            raise AuditWriteError(
                f"audit log lock {path} not acquired within {timeout:g}s",
                "another writer holds it; raise audit_lock_timeout_seconds in "
                "server.yaml if pushes are this busy",
            )
        yield
    finally:
        os.close(fd)


def _acquire(fd: int, timeout: float) -> bool:
    """Block in the kernel (no polling: 50 waiting hooks must not eat the CPU the holder
    needs), bounded by SIGALRM; threads other than the main one fall back to polling."""
    if threading.current_thread() is not threading.main_thread():
        return _acquire_polling(fd, timeout)

    def on_alarm(signum: int, frame: object) -> None:  # noqa: ARG001 — a signal handler's signature
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return True
    except TimeoutError:
        return False
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _acquire_polling(fd: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.05)


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
    """Overwrite in place with one fixed-width write: a rename over the old file would
    make ext4 flush data first (auto_da_alloc), which costs more than the whole append."""
    path = server_dir(git_dir) / HIGH_WATER_FILE
    record = f"{mark.seq:012d} {mark.digest:<71} {mark.commit:<64}\n".encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.pwrite(fd, record, 0)
        os.ftruncate(fd, len(record))
    finally:
        os.close(fd)


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
