"""Which tool user made which annotation: for the commit trailers and the push options
that the audit entry keeps. Only annotations new or changed since the last sync count."""

from typing import Final

import orjson

from gitannot.sync.model import ToolTask

# Kept in the sync state's tree only (the state commit is never pushed).
LEDGER_PATH: Final = ".gitannot-sync/annotations.json"


def ledger(tasks: list[ToolTask]) -> bytes:
    rows = {
        str(a.id): [a.user, a.updated_at, t.key or str(t.id)] for t in tasks for a in t.annotations
    }
    return orjson.dumps(rows, option=orjson.OPT_SORT_KEYS) + b"\n"


def changed(tasks: list[ToolTask], previous: bytes | None) -> dict[str, list[int]]:
    """user -> ids of the annotations that user made or changed since `previous`."""
    try:
        old = orjson.loads(previous) if previous else {}
    except orjson.JSONDecodeError:
        old = {}
    out: dict[str, list[int]] = {}
    for task in tasks:
        for ann in task.annotations:
            before = old.get(str(ann.id)) if isinstance(old, dict) else None
            if before is None or before[:2] != [ann.user, ann.updated_at]:
                out.setdefault(ann.user or "(unknown)", []).append(ann.id)
    return {user: sorted(ids) for user, ids in sorted(out.items())}
