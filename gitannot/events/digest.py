"""The digest for cron: deliveries that keep failing, dead letters, pending backlog.

Overdue tasks and work awaiting review belong here too once the workflow package is part
of this installation; until then the digest says so in one line (docs/automation.md).
"""

import importlib.util
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
class Digest:
    targets: list[TargetHealth]
    workflow: str  # a line about tasks and reviews

    def failing(self) -> list[TargetHealth]:
        return [t for t in self.targets if t.failing]

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
        out.append(self.workflow)
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
            "workflow": self.workflow,
        }


def build(git_dir: Path, settings: Automation, since: str) -> Digest:
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
    return Digest(targets, _workflow_line())


def _workflow_line() -> str:
    if importlib.util.find_spec("gitannot.workflow") is None:
        return "tasks and reviews: not in this installation (no gitannot.workflow package)"
    return "tasks and reviews: see `gitannot task list` (not yet summarised here)"
