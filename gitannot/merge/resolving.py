"""Resolve conflict records in raw JSON bytes, touching only the records that hold one.

Untouched members and array elements are copied byte for byte (records.py), so the
resolved file keeps its layout exactly and a 1 GB file is not re-serialized for one
conflict. Pure, no I/O.
"""

import re
from typing import Any

from gitannot.constants import CONFLICT_KEY
from gitannot.merge import jsonfmt, records
from gitannot.merge.conflicts import is_conflict_record, resolve
from gitannot.merge.jsonfmt import Chunk, Layout
from gitannot.merge.records import Raw

_HAS_CONFLICT = re.compile(re.escape(CONFLICT_KEY.encode()))


def resolve_bytes(
    buf: bytes, choose: dict[str, str], default: str | None, seen: set[str] | None = None
) -> tuple[bytes, int]:
    """The file with conflict records settled (see conflicts.resolve); (bytes, left)."""
    if not _HAS_CONFLICT.search(buf):
        records.validate(buf)  # still refuse a file that is not JSON
        return buf, 0
    layout = jsonfmt.detect(buf)
    if buf.lstrip()[:1] != b"{":  # an array document (Label Studio): parsed whole
        doc, left = resolve(records.parse(buf), choose, default, seen)
        return jsonfmt.document([jsonfmt.dumps(doc, layout)], layout), left
    left = 0
    members: list[tuple[str, list[Chunk]]] = []
    for name, raw in records.members(buf).items():
        if not _HAS_CONFLICT.search(raw):
            members.append((name, [raw]))
            continue
        chunks, found = _member(raw, layout, choose, default, seen)
        left += found
        if chunks is not None:
            members.append((name, chunks))
    return jsonfmt.document(jsonfmt.object_chunks(members, layout), layout), left


def _member(
    raw: Raw, layout: Layout, choose: dict[str, str], default: str | None, seen: set[str] | None
) -> tuple[list[Chunk] | None, int]:
    if bytes(memoryview(raw)[:1]) != b"[":
        value, left = resolve(records.parse(raw), choose, default, seen)
        kept = value is not None or not is_conflict_record(records.parse(raw))
        return ([jsonfmt.dumps(value, layout, 1)] if kept else None), left
    elements = records.elements(raw)
    items: list[Chunk] = []
    left = 0
    for element in elements:
        if not _HAS_CONFLICT.search(element):
            items.append(element)
            continue
        parsed: Any = records.parse(element)
        value, found = resolve(parsed, choose, default, seen)
        left += found
        if value is not None or not is_conflict_record(parsed):
            items.append(jsonfmt.dumps(value, layout, 2))
    gaps = records.array_gaps(raw, elements) or jsonfmt.default_gaps(layout, 2)
    return records.join_array(items, gaps), left
