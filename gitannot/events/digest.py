"""The digest for cron: deliveries that keep failing, dead letters, pending backlog.

Parts that need the workflow (overdue tasks, work awaiting review, stopped tasks,
annotator drift) are composed above this layer (gitannot.oversight.digest) and handed in
as plain Sections, so this package never imports the workflow.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitannot.events import delivery, outbox
from gitannot.events.config import Automation


@dataclass
class TargetHealth:
    name: str
    pending: int  # events after the cursor (wanted or not)
    attempts: int  # failed attempts on the event it is stuck on
    stuck_on: int | None
    last_error: str
    dead: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return self.attempts > 0 or bool(self.dead)


@dataclass
class Section:
    """One part of the digest made elsewhere: a title, one entry per thing needing
    attention (JSON-ready), the text lines that show them, and notes (always shown)."""

    name: str  # key in the JSON form: "overdue", "awaiting_review", ...
    title: str
    items: list[dict[str, Any]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Digest:
    targets: list[TargetHealth]
    sections: list[Section] = field(default_factory=list)

    def failing(self) -> list[TargetHealth]:
        return [t for t in self.targets if t.failing]

    def attention(self) -> int:
        """Things that need someone: failing targets plus every section entry."""
        return len(self.failing()) + sum(len(s.items) for s in self.sections)

    def subject(self) -> str:
        parts = [f"{len(self.failing())} failing target(s)"]
        parts += [f"{len(s.items)} {s.title}" for s in self.sections]
        return ", ".join(parts)

    def lines(self) -> list[str]:
        out = [f"gitannot digest for {len(self.targets)} delivery target(s)"]
        for health in self.targets:
            state = "FAILING" if health.failing else "ok"
            out.append(f"- {health.name}: {state}, {health.pending} event(s) pending")
            if health.attempts:
                out.append(
                    f"  stuck on event #{health.stuck_on} after {health.attempts} attempt(s): "
                    f"{health.last_error}"
                )
            for record in health.dead[-10:]:
                out.append(
                    f"  dead letter: event #{record['seq']} {record['type']} at {record['time']}"
                )
        for section in self.sections:
            out.append(f"{section.title}: {len(section.items)}")
            out.extend(f"  {line}" for line in section.lines)
            out.extend(f"  ({note})" for note in section.notes)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "targets": [
                {
                    "name": t.name,
                    "failing": t.failing,
                    "pending": t.pending,
                    "attempts": t.attempts,
                    "stuck_on": t.stuck_on,
                    "last_error": t.last_error,
                    "dead": [{k: d[k] for k in ("seq", "type", "time")} for d in t.dead],
                }
                for t in self.targets
            ],
            **{s.name: s.items for s in self.sections},
            "notes": [note for s in self.sections for note in s.notes],
        }


def build(
    git_dir: Path, settings: Automation, since: str, sections: list[Section] | None = None
) -> Digest:
    """`since`: RFC 3339 time; dead letters written before it are left out."""
    last = outbox.last_seq(outbox.events_dir(git_dir) / outbox.OUTBOX_FILE)
    dead = delivery.read_log(git_dir, delivery.DEAD_FILE)
    targets = []
    for target in settings.targets:
        state = delivery.read_state(git_dir, target.name)
        targets.append(
            TargetHealth(
                name=target.name,
                pending=max(0, last - state.cursor),
                attempts=state.attempts,
                stuck_on=state.cursor + 1 if state.attempts else None,
                last_error=state.last_error,
                dead=[d for d in dead if d["target"] == target.name and d["time"] >= since],
            )
        )
    return Digest(targets, list(sections or []))
