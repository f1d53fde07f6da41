"""The outbox: <repo.git>/gitannot/events/outbox.jsonl, append-only, one event a line.

Written under an exclusive lock, flushed and fsynced before `emit` returns, so an event
exists on disk before anything tries to deliver it. Sequence numbers are assigned under
the lock from the last line, so they are gap-free and give the repository's order.
"""

import fcntl
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from gitannot.constants import SERVER_DIR
from gitannot.errors import ConfigError
from gitannot.events.types import ALL_TYPES, Event, short

OUTBOX_FILE = "outbox.jsonl"
LOCK_FILE = "lock"
REPO_ID_FILE = "repo-id"


def events_dir(git_dir: Path) -> Path:
    return git_dir / SERVER_DIR / "events"


@contextmanager
def locked(git_dir: Path) -> Iterator[Path]:
    """The events folder, held exclusively (outbox appends and delivery state writes)."""
    folder = events_dir(git_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield folder
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def emit(git_dir: Path, event_type: str, subject: str, data: dict[str, Any]) -> Event:
    """Append one event; returns it once it is on disk. The API other packages call."""
    return emit_many(git_dir, [(event_type, subject, data)])[0]


def emit_many(git_dir: Path, items: list[tuple[str, str, dict[str, Any]]]) -> list[Event]:
    """Append events in the given order, atomically with respect to other writers."""
    for event_type, _subject, _data in items:
        if event_type not in ALL_TYPES:
            raise ConfigError(f"unknown event type {event_type!r}", "use gitannot.events.types")
    with locked(git_dir) as folder:
        return append_locked(git_dir, folder, items)


def append_locked(
    git_dir: Path, folder: Path, items: list[tuple[str, str, dict[str, Any]]]
) -> list[Event]:
    """The body of emit_many, for a caller that holds the events lock already."""
    path = folder / OUTBOX_FILE
    seq = last_seq(path)
    repo_id = _repo_id(folder)
    source = f"gitannot://{repository_name(git_dir)}"
    out: list[Event] = []
    lines = bytearray()
    for event_type, subject, data in items:
        seq += 1
        event = Event(seq, f"{repo_id}-{seq}", event_type, source, subject, now(), data)
        out.append(event)
        lines += orjson.dumps(event.to_record(), option=orjson.OPT_SORT_KEYS) + b"\n"
    if lines:
        _append_durably(path, bytes(lines))
    return out


def unqueued(git_dir: Path, event_type: str, subject: str, data: dict[str, Any]) -> Event:
    """An event sent directly (a ping, a digest), never written to the outbox: seq 0, an
    id that says what it is and when."""
    return Event(
        seq=0,
        id=f"{short(event_type)}-{int(time.time() * 1000)}",
        type=event_type,
        source=f"gitannot://{repository_name(git_dir)}",
        subject=subject,
        time=now(),
        data=data,
    )


def repository_name(git_dir: Path) -> str:
    return git_dir.resolve().name.removesuffix(".git") or "repository"


def _repo_id(folder: Path) -> str:
    """A random id per repository, so event ids stay unique across servers."""
    path = folder / REPO_ID_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_hex(8)
    _write_durably(path, value + "\n")
    return value


def _append_durably(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        _truncate_torn_tail(fd)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    _fsync_dir(path.parent)


def append_line(path: Path, line: bytes) -> None:
    """Append one line durably (delivery log, dead letters); the caller holds the lock."""
    _append_durably(path, line + b"\n")


def _truncate_torn_tail(fd: int) -> None:
    """A crash mid-write can leave a last line without its newline: drop that fragment,
    the writer never returned so nobody relied on it."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    end = size
    while end > 0:  # look back block by block for the last complete line
        start = max(0, end - (1 << 20))
        cut = os.pread(fd, end - start, start).rfind(b"\n")
        if cut >= 0:
            os.ftruncate(fd, start + cut + 1)
            return
        end = start
    os.ftruncate(fd, 0)  # a single torn line and nothing before it


def _write_durably(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def write_durably(path: Path, text: str) -> None:
    _write_durably(path, text)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def last_seq(path: Path) -> int:
    """The seq of the last complete line (0 for an empty or missing outbox)."""
    if not path.exists():
        return 0
    with open(path, "rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        block = 1 << 16
        while True:
            start = max(0, size - block)
            handle.seek(start)
            tail = handle.read(size - start)
            end = tail.rfind(b"\n")  # a torn last line (no newline) is not an event
            begin = tail.rfind(b"\n", 0, end) if end > 0 else -1
            if end >= 0 and (begin >= 0 or start == 0):
                return int(orjson.loads(tail[begin + 1 : end])["seq"])
            if start == 0:
                return 0
            block *= 4


def read_events(git_dir: Path, after: int = 0) -> Iterator[Event]:
    """Events with seq > after, in order. A torn last line (crash mid-append) is skipped."""
    path = events_dir(git_dir) / OUTBOX_FILE
    if not path.exists():
        return
    with open(path, "rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                return
            raw = orjson.loads(line)
            if int(raw["seq"]) > after:
                yield Event.from_record(raw)
