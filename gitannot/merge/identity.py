"""Which field, if any, identifies the objects of a JSON array. Pure, no I/O.

An array is a keyed collection when, in every version that has it, each element is an
object carrying the field with a scalar value (integer or string, never a boolean)
that no other element of that version shares. Fields a project declares for a path
are tried first, then the usual names.
"""

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gitannot.errors import ConfigError
from gitannot.project.config import DEFAULT_PROJECT_PATH, load_project

CANDIDATES = ("id", "uuid", "_id", "guid", "key", "ID", "Id", "uid")


def identity_field(sides: Iterable[Any], declared: tuple[str, ...] = ()) -> str | None:
    arrays = [side for side in sides if isinstance(side, list)]
    if not any(arrays):
        return None
    for name in (*declared, *CANDIDATES):
        if all(_unique(side, name) for side in arrays):
            return name
    return None


def _unique(items: list[Any], name: str) -> bool:
    seen: set[tuple[type, Any]] = set()
    for item in items:
        if not isinstance(item, dict):
            return False
        value = item.get(name)
        if type(value) not in (int, str):
            return False
        seen.add((type(value), value))
    return len(seen) == len(items)


def declared_fields(path: str) -> tuple[str, ...]:
    """`merge.identity` of the work tree's configs/project.yaml for `path` (git runs the
    driver at the top of the work tree). A config that cannot be read must not stop a
    merge: the driver warns and detects the field instead."""
    config = Path(DEFAULT_PROJECT_PATH)
    if not config.is_file():
        return ()
    try:
        return load_project(config.read_bytes()).identity_fields(path)
    except (ConfigError, OSError) as exc:
        sys.stderr.write(
            f"gitannot: warning: {DEFAULT_PROJECT_PATH}: {exc}; identity fields detected\n"
        )
        return ()
