"""The delivery worker: each target walks the outbox in order from its own cursor.

Per target, <repo.git>/gitannot/events/delivery/<target>.json holds the cursor (last seq
delivered or given up on), the failed attempts on the next event and when to try again.
An event blocks the ones after it until it is delivered or dead-lettered, so a receiver
sees one repository's events in order. State is written (fsynced) after every event:
a worker killed between sending and saving sends that event again (at-least-once; the
CloudEvents id lets a receiver drop the duplicate), never skips one.
"""

import fcntl
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pygit2

from gitannot.access.offline import server_trusted
from gitannot.events import outbox, senders
from gitannot.events import types as T
from gitannot.events.config import AUTOMATION_PATH, Automation, Target, load_automation
from gitannot.events.types import Event
from gitannot.gitio import repo as gitrepo
from gitannot.metrics import spool

LOG_FILE = "deliveries.jsonl"
DEAD_FILE = "dead-letter.jsonl"
BACKOFF_BASE = 2.0
BACKOFF_CAP = 3600.0
Clock = Callable[[], float]


@dataclass
class TargetState:
    cursor: int = 0
    attempts: int = 0
    next_at: float = 0.0
    last_error: str = ""


def backoff(attempts: int, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait after `attempts` failures: 2, 4, 8 ... capped at an hour, with up
    to 20% jitter so many repositories do not retry in step."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** (attempts - 1))
    return delay * (1.0 + 0.2 * rand())


def load_settings(git_dir: Path) -> Automation:
    """The automation config on the trusted branch as it is now (accepted content)."""
    repo = pygit2.Repository(str(git_dir))
    # The branch install recorded (as the hook reads it), not HEAD: whoever can repoint
    # HEAD must not choose where events go.
    head = gitrepo.ref_target(repo, server_trusted(repo))
    return load_automation(gitrepo.read_blob(repo, head, AUTOMATION_PATH) if head else None)


def state_dir(git_dir: Path) -> Path:
    return outbox.events_dir(git_dir) / "delivery"


def read_state(git_dir: Path, target: str) -> TargetState:
    path = state_dir(git_dir) / f"{target}.json"
    try:
        raw = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return TargetState()
    return TargetState(
        int(raw["cursor"]), int(raw["attempts"]), float(raw["next_at"]), str(raw["last_error"])
    )


def _save_state(git_dir: Path, target: str, state: TargetState) -> None:
    data = {
        "cursor": state.cursor,
        "attempts": state.attempts,
        "next_at": state.next_at,
        "last_error": state.last_error,
    }
    outbox.write_durably(state_dir(git_dir) / f"{target}.json", orjson.dumps(data).decode())


@contextmanager
def target_lock(git_dir: Path, target: str) -> Iterator[bool]:
    """True when this process may deliver for `target` (a cron run and a service never
    deliver for one target at once)."""
    folder = state_dir(git_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{target}.lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def log(git_dir: Path, record: dict[str, Any], file: str = LOG_FILE) -> None:
    with outbox.locked(git_dir) as folder:
        outbox.append_line(folder / file, orjson.dumps(record, option=orjson.OPT_SORT_KEYS))


def read_log(git_dir: Path, file: str = LOG_FILE) -> list[dict[str, Any]]:
    path = outbox.events_dir(git_dir) / file
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


@dataclass
class Summary:
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    skipped: int = 0  # not wanted by the target (event type, branch or tag globs)
    waiting: int = 0  # targets still inside their backoff


class Worker:
    def __init__(
        self,
        git_dir: Path,
        settings: Automation,
        clock: Clock = time.time,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.git_dir = git_dir
        self.settings = settings
        self.clock = clock
        self.rand = rand

    def run_once(self, only: str | None = None) -> Summary:
        summary = Summary()
        for target in self.settings.targets:
            if only is not None and target.name != only:
                continue
            with target_lock(self.git_dir, target.name) as mine:
                if mine:
                    self._target(target, summary)
        return summary

    def _target(self, target: Target, summary: Summary) -> None:
        state = read_state(self.git_dir, target.name)
        for event in outbox.read_events(self.git_dir, after=state.cursor):
            if not target.wants(event.type, event.subject):
                state.cursor = event.seq
                summary.skipped += 1
                _save_state(self.git_dir, target.name, state)
                continue
            if self.clock() < state.next_at:
                summary.waiting += 1
                return
            if not self._attempt(target, event, state, summary):
                return

    def _attempt(self, target: Target, event: Event, state: TargetState, summary: Summary) -> bool:
        """Deliver one event; False when the target must wait (backoff)."""
        attempt = state.attempts + 1
        record = _record(target, event, attempt)
        try:
            sent = senders.send(self.git_dir, target, event)
        except senders.DeliveryError as exc:
            state.attempts, state.last_error = attempt, str(exc)
            if attempt >= target.max_attempts:
                log(self.git_dir, {**record, "status": "dead", "error": str(exc)})
                spool.emit_delivery(self.git_dir, target.name, "dead", None)
                log(self.git_dir, {**record, "event": event.to_record()}, DEAD_FILE)
                state.cursor, state.attempts, state.next_at = event.seq, 0, 0.0
                summary.dead += 1
                _save_state(self.git_dir, target.name, state)
                return True  # given up on: the next event may go
            state.next_at = self.clock() + backoff(attempt, self.rand)
            log(self.git_dir, {**record, "status": "failed", "error": str(exc)})
            spool.emit_delivery(self.git_dir, target.name, "failed", None)
            summary.failed += 1
            _save_state(self.git_dir, target.name, state)
            return False
        log(self.git_dir, {**record, "status": "delivered", "http_status": sent.status})
        spool.emit_delivery(self.git_dir, target.name, "delivered", _lag(event.time, self.clock))
        state.cursor, state.attempts, state.next_at, state.last_error = event.seq, 0, 0.0, ""
        summary.delivered += 1
        _save_state(self.git_dir, target.name, state)
        return True


def _record(target: Target, event: Event, attempt: int) -> dict[str, Any]:
    """The fields every delivery-log line has (status and result are added)."""
    return {
        "time": outbox.now(),
        "target": target.name,
        "seq": event.seq,
        "id": event.id,
        "type": event.type,
        "attempt": attempt,
    }


def _lag(event_time: str, clock: Clock) -> float | None:
    """Seconds since the event was written (its RFC 3339 time), for the metrics."""
    try:
        return clock() - datetime.fromisoformat(event_time).timestamp()
    except ValueError:
        return None


def replay(
    git_dir: Path, settings: Automation, since_seq: int, since_time: str, only: str | None
) -> tuple[int, int]:
    """Send again every wanted event from `since_seq` (or from `since_time`, RFC 3339) to
    each target, in order, one attempt each; cursors are not moved. (sent, failed)."""
    sent = failed = 0
    for target in settings.targets:
        if only is not None and target.name != only:
            continue
        for event in outbox.read_events(git_dir):
            if event.seq < since_seq or (since_time and event.time < since_time):
                continue
            if not target.wants(event.type, event.subject):
                continue
            record = _record(target, event, 0)
            try:
                result = senders.send(git_dir, target, event)
            except senders.DeliveryError as exc:
                failed += 1
                log(git_dir, {**record, "status": "replay-failed", "error": str(exc)})
                continue
            sent += 1
            log(git_dir, {**record, "status": "replayed", "http_status": result.status})
    return sent, failed


def ping(git_dir: Path, target: Target) -> str:
    """Send a ping event (not written to the outbox); '' on success, else the error."""
    event = outbox.unqueued(git_dir, T.PING, "", {"message": "ping from gitannot events test"})
    record = _record(target, event, 1)
    try:
        sent = senders.send(git_dir, target, event)
    except senders.DeliveryError as exc:
        log(git_dir, {**record, "status": "ping-failed", "error": str(exc)})
        return str(exc)
    log(git_dir, {**record, "status": "ping-ok", "http_status": sent.status})
    return ""
