"""Accepted ref updates as the audit log has them, with the server's time: how long
something waited is measured from these, never from commit dates."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pygit2

from gitannot.audit import entry as E
from gitannot.audit import reader
from gitannot.oversight.tasks import read_task
from gitannot.workflow.model import Task


@dataclass(frozen=True)
class Push:
    """One accepted ref update in the audit log: server time, pusher, new tip."""

    time: datetime
    user: str
    new: str


def accepted_updates(repo: pygit2.Repository) -> dict[str, list[Push]]:
    out: dict[str, list[Push]] = {}
    for item in reader.entries(repo):
        entry = item.entry
        if entry.get("type") != E.PUSH or entry.get("decision") != "accepted":
            continue
        when = _time(str(entry.get("time", "")))
        user = str((entry.get("actor") or {}).get("user", ""))
        for update in entry.get("updates", []):
            new = str(update.get("new", ""))
            if when is not None and new and set(new) != {"0"}:
                out.setdefault(str(update.get("ref", "")), []).append(Push(when, user, new))
    return out


def _time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def span(delta: timedelta) -> str:
    """3d 4h, 5h 10m, 12m: how long, for people."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {mins}m" if hours else f"{mins}m"


def since(
    repo: pygit2.Repository, pushes: list[Push], task: Task, holds: Callable[[Task], bool]
) -> Push | None:
    """The first push of the latest unbroken run of pushes to one ref after which the
    task satisfied `holds` (e.g. awaiting review): when the current wait began."""
    start: Push | None = None
    for push in pushes:
        held = read_task(repo, push.new, task.path)
        waiting = held is not None and holds(held)
        start = (start or push) if waiting else None
    return start
