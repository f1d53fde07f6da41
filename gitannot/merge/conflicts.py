"""Conflict records inside merged JSON: build, find and resolve them. Pure, no I/O.

A conflict record is a JSON object holding CONFLICT_KEY (value: record format version
1) with "key", "reason", "fields", "base", "ours" and "theirs". A side that is null
means the record is absent on that side (deleted, or never added).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gitannot.constants import CONFLICT_KEY
from gitannot.merge.threeway import Conflict

RECORD_VERSION = 1
SIDES = ("ours", "theirs", "base")


def conflict_record(conflict: Conflict) -> dict[str, Any]:
    return {
        CONFLICT_KEY: RECORD_VERSION,
        "key": conflict.key,
        "reason": conflict.reason,
        "fields": list(conflict.fields),
        "base": conflict.base,
        "ours": conflict.ours,
        "theirs": conflict.theirs,
    }


def is_conflict_record(value: Any) -> bool:
    return isinstance(value, dict) and CONFLICT_KEY in value


@dataclass
class Found:
    pointer: str  # JSON pointer to the conflict record
    record: dict[str, Any]


def find(doc: Any, pointer: str = "") -> Iterator[Found]:
    """Every conflict record in `doc`, depth first, with its JSON pointer."""
    if is_conflict_record(doc):
        yield Found(pointer or "/", doc)
        return
    if isinstance(doc, dict):
        for name, value in doc.items():
            yield from find(value, f"{pointer}/{_escape(str(name))}")
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from find(value, f"{pointer}/{i}")


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def resolve(  # noqa: C901 — one walk: records in lists and in objects
    doc: Any, choose: dict[str, str], default: str | None, seen: set[str] | None = None
) -> tuple[Any, int]:
    """Replace conflict records by the chosen side; returns (doc, records left).

    `choose` maps a record's key (as text) to "ours", "theirs" or "base"; `default`
    applies to the others (None leaves them). A chosen side that is null removes the
    record: from a list it is dropped, from an object its member is deleted. The keys
    of the records met are added to `seen`.
    """
    left = 0

    def pick(record: dict[str, Any]) -> tuple[bool, Any]:
        nonlocal left
        key = str(record.get("key"))
        if seen is not None:
            seen.add(key)
        side = choose.get(key, default)
        if side is None:
            left += 1
            return True, record
        value = record.get(side)
        return value is not None, value

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            out = []
            for item in value:
                if is_conflict_record(item):
                    keep, chosen = pick(item)
                    if keep:
                        out.append(chosen)
                else:
                    out.append(walk(item))
            return out
        if isinstance(value, dict):
            result = {}
            for name, item in value.items():
                if is_conflict_record(item):
                    keep, chosen = pick(item)
                    if keep:
                        result[name] = chosen
                else:
                    result[name] = walk(item)
            return result
        return value

    if is_conflict_record(doc):
        keep, chosen = pick(doc)
        return (chosen if keep else None), left
    return walk(doc), left
