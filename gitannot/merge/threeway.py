"""Pure three-way merge of keyed records, field by field. No I/O.

Per key: a change on one side wins; the same change on both sides is one change;
changes to different fields of the same record merge; delete vs modify and different
values in the same field are conflicts. Nested values inside a field are atomic.
"""

from dataclasses import dataclass, field
from typing import Any

_MISSING: Any = object()
MISSING: Any = _MISSING  # "absent on this side": pass it for a record a side lacks


@dataclass
class Conflict:
    key: str | int  # the record's id (its JSON type kept) or member name
    base: Any  # None when absent
    ours: Any
    theirs: Any
    reason: str  # "modify/modify", "delete/modify", "modify/delete", "add/add"
    fields: list[str] = field(default_factory=list)


@dataclass
class KeyedMerge:
    # Insertion order is output order: ours' order, then theirs' additions in their order.
    merged: dict[str, Any]
    conflicts: list[Conflict]


def merge_keyed(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> KeyedMerge:
    merged: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    keys = list(ours) + [k for k in theirs if k not in ours]
    keys += [k for k in base if k not in ours and k not in theirs]
    for key in keys:
        b, o, t = base.get(key, _MISSING), ours.get(key, _MISSING), theirs.get(key, _MISSING)
        value, conflict = merge_record(key, b, o, t)
        if conflict is not None:
            conflicts.append(conflict)
            merged[key] = conflict
        elif value is not _MISSING:
            merged[key] = value
    return KeyedMerge(merged=merged, conflicts=conflicts)


def merge_record(key: str | int, base: Any, ours: Any, theirs: Any) -> tuple[Any, Conflict | None]:
    """Merge one record; returns (value or _MISSING for deleted, conflict or None)."""
    if same_value(ours, theirs):
        return ours, None
    if same_value(ours, base):
        return theirs, None
    if same_value(theirs, base):
        return ours, None
    absent = _MISSING
    if base is absent:
        if isinstance(ours, dict) and isinstance(theirs, dict):
            return _merge_fields(key, None, ours, theirs, "add/add")
        return absent, Conflict(key, None, ours, theirs, "add/add")
    if ours is absent or theirs is absent:
        reason = "delete/modify" if ours is absent else "modify/delete"
        return absent, Conflict(key, base, _none(ours), _none(theirs), reason)
    if isinstance(base, dict) and isinstance(ours, dict) and isinstance(theirs, dict):
        return _merge_fields(key, base, ours, theirs, "modify/modify")
    return absent, Conflict(key, base, ours, theirs, "modify/modify")


def _merge_fields(
    key: str | int,
    base: dict[str, Any] | None,  # None: absent (both sides added the record)
    ours: dict[str, Any],
    theirs: dict[str, Any],
    reason: str,
) -> tuple[Any, Conflict | None]:
    out: dict[str, Any] = {}
    clashing: list[str] = []
    fields = base or {}
    names = list(ours) + [n for n in theirs if n not in ours]
    names += [n for n in fields if n not in ours and n not in theirs]
    for name in names:
        b, o, t = fields.get(name, _MISSING), ours.get(name, _MISSING), theirs.get(name, _MISSING)
        if same_value(o, t):
            value = o
        elif same_value(o, b):
            value = t
        elif same_value(t, b):
            value = o
        else:
            clashing.append(name)
            continue
        if value is not _MISSING:
            out[name] = value
    if clashing:
        return _MISSING, Conflict(key, base, ours, theirs, reason, fields=clashing)
    return out, None


def same_value(a: Any, b: Any) -> bool:
    """JSON equality that also compares types: Python's `False == 0` and `1 == 1.0`
    would make a change from 0 to false (or 1 to 1.0) look like no change and drop it.
    Object key order does not matter."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _none(value: Any) -> Any:
    return None if value is _MISSING else value


def is_missing(value: Any) -> bool:
    return value is _MISSING
