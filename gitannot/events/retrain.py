"""The retraining trigger: a `retrain.requested` event after a release, or once N new
accepted annotations reached protected branches since the last trigger.

The running count lives in <repo.git>/gitannot/events/retrain.json, updated under the
events lock with the outbox write, so a count is never lost or taken twice.
"""

from pathlib import Path
from typing import Any

import orjson

from gitannot.events import outbox
from gitannot.events import types as T
from gitannot.events.config import AUTOMATION_PATH, Retrain

STATE_FILE = "retrain.json"


def read_count(folder: Path) -> int:
    path = folder / STATE_FILE
    try:
        return int(orjson.loads(path.read_bytes()).get("since_last", 0))
    except (FileNotFoundError, orjson.JSONDecodeError, AttributeError, ValueError):
        return 0


def count_annotations(folder: Path, settings: Retrain, added: int) -> dict[str, Any] | None:
    """Add `added` accepted annotations; the retrain event's data once N is reached.
    The caller holds the events lock."""
    if settings.every_annotations <= 0 or added <= 0:
        return None
    total = read_count(folder) + added
    fire = total >= settings.every_annotations
    outbox.write_durably(
        folder / STATE_FILE, orjson.dumps({"since_last": 0 if fire else total}).decode() + "\n"
    )
    if not fire:
        return None
    return {
        "reason": "annotations",
        "new_annotations": total,
        "threshold": settings.every_annotations,
        "config": AUTOMATION_PATH,
    }


def emit_release(git_dir: Path, name: str, data: dict[str, Any], settings: Retrain) -> None:
    """For the release package: the release event, then the retrain request it causes."""
    items: list[tuple[str, str, dict[str, Any]]] = [(T.RELEASE, name, data)]
    if settings.on_release:
        items.append((T.RETRAIN, name, {"reason": "release", "release": name, **data}))
    outbox.emit_many(git_dir, items)
