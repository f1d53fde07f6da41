"""A JSON Patch between two COCO versions built from raw records (big files).

Members whose bytes are equal get no operation; a small member that differs is diffed
by jsonpatch itself under its path; the annotations array gets `remove` (removed ids,
last first), `replace` (records whose bytes differ) and `add` (new ids, at their final
index, first first). Applied in order to the old document they give the new one. Only
records that differ are parsed. When the ids kept by both versions are not in the same
order (a re-sorted file) this returns None and the caller diffs the documents whole.
Pure, no I/O.
"""

from typing import Any

import jsonpatch
import orjson

from gitannot.formats import records
from gitannot.history import fastcoco


def _value(raw: records.Raw) -> Any:
    return orjson.loads(memoryview(raw))


def record_patch(old: bytes, new: bytes) -> list[dict[str, Any]] | None:
    a, b = fastcoco.split(old), fastcoco.split(new)
    if a is None or b is None:
        return None
    ops: list[dict[str, Any]] = []
    for name in a.top.keys() - b.top.keys():
        ops.append({"op": "remove", "path": f"/{_escape(name)}"})
    for name, raw in b.top.items():
        before = a.top.get(name)
        if before is None:
            ops.append({"op": "add", "path": f"/{_escape(name)}", "value": _value(raw)})
        elif before != raw and name != "annotations":
            inner = jsonpatch.make_patch(_value(before), _value(raw))
            for op in inner:
                ops.append({**op, "path": f"/{_escape(name)}{op['path']}"})
                if "from" in op:
                    ops[-1]["from"] = f"/{_escape(name)}{op['from']}"
    found = _annotations(a.anns, b.anns)
    return None if found is None else ops + found


def _annotations(
    olds: dict[records.Key, records.Raw], news: dict[records.Key, records.Raw]
) -> list[dict[str, Any]] | None:
    kept_old = [k for k in olds if k in news]
    kept_new = [k for k in news if k in olds]
    if kept_old != kept_new:
        return None  # the kept records moved: positions cannot say it simply
    ops: list[dict[str, Any]] = []
    old_keys = list(olds)
    for index in range(len(old_keys) - 1, -1, -1):
        if old_keys[index] not in news:
            ops.append({"op": "remove", "path": f"/annotations/{index}"})
    for index, key in enumerate(kept_new):
        if olds[key] != news[key]:
            value = _value(news[key])
            ops.append({"op": "replace", "path": f"/annotations/{index}", "value": value})
    for index, (key, raw) in enumerate(news.items()):
        if key not in olds:
            ops.append({"op": "add", "path": f"/annotations/{index}", "value": _value(raw)})
    return ops


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")
