"""Label Studio JSON export: task -> annotation -> region. Pure, no I/O.

Tasks are keyed by id (raw fast path: unchanged tasks are copied byte for byte);
inside a changed task, annotations and predictions are keyed by id and their result
regions by region id + from_name (Label Studio repeats a region's id for each control
that labels it, e.g. rectangle + labels + textarea); relations by their two ends.
Region ids are unique only inside one annotation, so keys never cross annotations.
"""

from collections.abc import Callable
from contextlib import suppress
from typing import Any

import msgspec

from gitannot.merge import jsonfmt
from gitannot.merge.conflicts import conflict_record
from gitannot.merge.keyeddoc import DocSpec, array_doc, merge_collection
from gitannot.merge.outcome import MergeOutcome
from gitannot.merge.records import NotKeyed, blank
from gitannot.merge.threeway import (
    CLASH,
    MISSING,
    Conflict,
    is_missing,
    merge_record,
    one_side,
)

SPEC = DocSpec(format="labelstudio", collections=())
KeyFn = Callable[[Any], str | int | None]
# field -> (how its items are keyed, the nested lists inside each item)
Lists = dict[str, tuple[KeyFn, "dict[str, Any]"]]


def _by_id(item: Any) -> str | int | None:
    key = item.get("id") if isinstance(item, dict) else None
    return key if isinstance(key, int | str) and not isinstance(key, bool) else None


def _region_key(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    if item.get("type") == "relation":
        return f"relation:{item.get('from_id')}>{item.get('to_id')}"
    if "id" not in item:
        return None
    return f"{item['id']}/{item.get('from_name', '')}"


_ANNOTATION: Lists = {"result": (_region_key, {})}
_TASK: Lists = {"annotations": (_by_id, _ANNOTATION), "predictions": (_by_id, _ANNOTATION)}


class _Task(msgspec.Struct):
    id: int | str
    data: dict[str, Any] | None = None


def looks_like(data: bytes) -> bool:
    """A JSON array of tasks with an id and a data object (cheap check on the first)."""
    try:
        first = msgspec.json.decode(data, type=list[msgspec.Raw])[:1]
        return bool(first) and msgspec.json.decode(first[0], type=_Task).data is not None
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False


def merge_text(base: bytes, ours: bytes, theirs: bytes, *, path: str = "") -> MergeOutcome:  # noqa: ARG001 — one signature for every merge adapter
    doc = array_doc(SPEC, base, ours, theirs, _merge_task)
    raws = tuple(None if blank(x) else x for x in (base, ours, theirs))
    body = merge_collection(doc, "tasks", raws)
    return MergeOutcome(jsonfmt.document(body, doc.layout), doc.conflicts, SPEC.format)


def _merge_task(key: Any, base: Any, ours: Any, theirs: Any) -> tuple[Any, list[Conflict]]:
    conflicts: list[Conflict] = []
    value = _merge_item(str(key), base, ours, theirs, _TASK, conflicts)
    return value, conflicts


def _merge_item(path: str, b: Any, o: Any, t: Any, lists: Lists, out: list[Conflict]) -> Any:
    """One record; its keyed lists merge item by item, its other fields field by field.

    When its own fields conflict, the record becomes one conflict record holding the
    whole record of each side (lists included), so resolving it loses nothing."""
    nested = {}
    found: list[Conflict] = []  # conflicts inside the lists: kept only if this merges
    if all(isinstance(v, dict) for v in (b, o, t)):
        for name, (key_fn, inner) in lists.items():
            sides = [v.get(name, MISSING) for v in (b, o, t)]
            if all(isinstance(v, list) for v in sides):
                with suppress(NotKeyed):  # not keyable: merged as one plain field below
                    nested[name] = _merge_list(f"{path}/{name}", sides, key_fn, inner, found)
    strip = [_without(v, nested) for v in (b, o, t)]
    value, conflict = merge_record(path, *strip)
    if conflict is not None:
        conflict.base, conflict.ours, conflict.theirs = (
            None if is_missing(v) else v for v in (b, o, t)
        )
        out.append(conflict)
        return conflict_record(conflict)
    out += found
    if is_missing(value) or not nested:
        return value
    order = [*o] + [n for n in t if n not in o]
    merged = {n: nested[n] if n in nested else value[n] for n in order if n in value or n in nested}
    return merged


def _without(value: Any, names: dict[str, Any]) -> Any:
    if not isinstance(value, dict) or not names:
        return value
    return {k: v for k, v in value.items() if k not in names}


def _merge_list(
    path: str, sides: list[Any], key_fn: KeyFn, inner: Lists, out: list[Conflict]
) -> list[Any]:
    maps = [_keyed(items, key_fn) for items in sides]
    om, tm = maps[1], maps[2]
    merged = []
    for key in [*om, *(k for k in tm if k not in om)]:
        bv, ov, tv = (m.get(key, MISSING) for m in maps)
        value = one_side(bv, ov, tv)
        if value is CLASH:
            value = _merge_item(f"{path}/{key}", bv, ov, tv, inner, out)
        if not is_missing(value):
            merged.append(value)
    return merged


def _keyed(items: list[Any], key_fn: KeyFn) -> dict[Any, Any]:
    keyed = {}
    for item in items:
        key = key_fn(item)
        if key is None or key in keyed:
            raise NotKeyed(f"cannot key {item!r:.60}")
        keyed[key] = item
    return keyed
