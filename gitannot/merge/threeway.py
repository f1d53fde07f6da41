"""Pure three-way merge of keyed records, field by field. No I/O.

Per key: a change on one side wins; the same change on both sides is one change;
changes to different fields of the same record merge; delete vs modify and different
values in the same field are conflicts. Nested values inside a field are atomic.

A base value that is itself a conflict record (git merged two merge bases with the
driver and that inner merge conflicted) is never merged against field by field: unless
the sides agree (or one side still holds that conflict), the record conflicts again.
"""

from dataclasses import dataclass, field
from typing import Any

from gitannot.constants import CONFLICT_KEY

_MISSING: Any = object()
MISSING: Any = _MISSING  # "absent on this side": pass it for a record a side lacks
CLASH: Any = object()  # one_side: both sides changed the value, differently


@dataclass
class Conflict:
    key: str | int  # the record's id (its JSON type kept) or member name
    base: Any  # None when absent
    ours: Any
    theirs: Any
    reason: str  # "modify/modify", "delete/modify", "modify/delete", "add/add"
    fields: list[str] = field(default_factory=list)


def merge_record(key: str | int, base: Any, ours: Any, theirs: Any) -> tuple[Any, Conflict | None]:
    """Merge one record; returns (value or _MISSING for deleted, conflict or None)."""
    value = one_side(base, ours, theirs)
    if value is not CLASH:
        return value, None
    absent = _MISSING
    if isinstance(base, dict) and CONFLICT_KEY in base:
        return absent, _over_conflict(key, base, ours, theirs)
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


def _over_conflict(key: str | int, base: dict[str, Any], ours: Any, theirs: Any) -> Conflict:
    """Both sides resolved a conflict of the merge base, differently: a conflict again.
    Its base is the inner conflict's own base (the real common ancestor's record)."""
    inner = base.get("base")
    if ours is _MISSING or theirs is _MISSING:
        reason = "delete/modify" if ours is _MISSING else "modify/delete"
    else:
        reason = "add/add" if inner is None else "modify/modify"
    return Conflict(key, inner, _none(ours), _none(theirs), reason)


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
        value = one_side(b, o, t)
        if value is CLASH:
            clashing.append(name)
        elif value is not _MISSING:
            out[name] = value
    if clashing:
        return _MISSING, Conflict(key, base, ours, theirs, reason, fields=clashing)
    return out, None


def one_side(base: Any, ours: Any, theirs: Any) -> Any:
    """The merge when at most one side changed the value (or both alike), else CLASH."""
    if same_value(ours, theirs) or same_value(theirs, base):
        return ours
    return theirs if same_value(ours, base) else CLASH


def same_value(a: Any, b: Any) -> bool:
    """JSON equality that also compares types: Python's `False == 0` and `1 == 1.0`
    would make a change from 0 to false (or 1 to 1.0) look like no change and drop it.
    Object key order does not matter. Numbers compare exactly (as decimals)."""
    if a is b:
        return True
    if type(a) is not type(b):
        # A number kept as written (jsonfmt.Number, a float) and a plain float compare
        # as decimals (Number.__eq__).
        return isinstance(a, float) and isinstance(b, float) and a == b
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _none(value: Any) -> Any:
    return None if value is _MISSING else value


def is_missing(value: Any) -> bool:
    return value is _MISSING
