"""Three-way merge of a JSON object whose chosen members are arrays of id-keyed records.

COCO (images / annotations / categories) and gitannot per-image JSON (annotations) are
both this shape. Pure, no I/O. Works on raw record bytes (records.py): a record is
parsed only when its bytes differ between sides, and unchanged records are copied out
byte for byte, so the output keeps the file's layout and a 1% change costs ~1%.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gitannot.merge import jsonfmt, records, virtualbase
from gitannot.merge.conflicts import conflict_record
from gitannot.merge.jsonfmt import Chunk, Layout
from gitannot.merge.outcome import MergeOutcome
from gitannot.merge.records import Key, Raw, RecordSet
from gitannot.merge.threeway import MISSING as _ABSENT
from gitannot.merge.threeway import Conflict, is_missing, merge_record, same_value

BASE, OURS, THEIRS = 0, 1, 2
_Sets = tuple[RecordSet, RecordSet, RecordSet]
# Merges one record present with different content on all sides: (value, conflicts).
RecordMerger = Callable[[Key, Any, Any, Any], tuple[Any, list[Conflict]]]


@dataclass(frozen=True)
class DocSpec:
    format: str
    collections: tuple[str, ...]  # merged record by record, keyed by "id", in this order
    rekey: bool = False  # both sides adding one id: re-key theirs instead of add/add
    # (referenced collection, referring collection, field path): rewritten when re-keyed.
    # A path is dotted ("segments_info.category_id"); lists on it are walked item by
    # item, and a list of ids at its end is rewritten id by id.
    refs: tuple[tuple[str, str, str], ...] = ()
    # (collection, field): the key when records have no usable "id" (never re-keyed)
    fallback_keys: tuple[tuple[str, str], ...] = ()


@dataclass
class _Side:
    members: dict[str, Raw]
    layout: Layout


@dataclass
class _Doc:
    spec: DocSpec
    sides: tuple[_Side, _Side, _Side]
    template: int  # the side whose layout and array spacing the output takes
    conflicts: list[Conflict] = field(default_factory=list)
    remaps: dict[str, dict[Key, Key]] = field(default_factory=dict)
    depth: int = 2  # depth of the records in the document
    merge_one: RecordMerger | None = None  # default: field by field (threeway)

    @property
    def layout(self) -> Layout:
        return self.sides[self.template].layout


def merge_document(
    base: bytes, ours: bytes, theirs: bytes, spec: DocSpec, *, stream: bool = False
) -> MergeOutcome:
    """The merged document; with `stream`, as chunks (see MergeOutcome)."""
    sides = (_load(base), _load(ours), _load(theirs))
    doc = _Doc(spec, sides, _template(base, sides))
    merged: dict[str, list[Chunk]] = {}
    for name in spec.collections:  # referenced collections first: re-keying feeds refs
        if any(name in s.members for s in sides):
            value = _merge_member(doc, name, collection=True)
            if value is not None:
                merged[name] = value
    names = list(sides[OURS].members)
    names += [n for n in sides[THEIRS].members if n not in sides[OURS].members]
    out: list[tuple[str, list[Chunk]]] = []
    for name in names:
        if name in spec.collections:
            if name in merged:
                out.append((name, merged[name]))
            continue
        value = _merge_member(doc, name, collection=False)
        if value is not None:
            out.append((name, value))
    chunks = jsonfmt.finish(jsonfmt.object_chunks(out, doc.layout), doc.layout)
    if stream:
        return MergeOutcome(b"", doc.conflicts, spec.format, chunks=chunks)
    return MergeOutcome(b"".join(chunks), doc.conflicts, spec.format)


def _load(buf: bytes) -> _Side:
    if records.blank(buf):
        return _Side({}, jsonfmt.detect(buf))  # empty base: both sides added the file
    return _Side(records.members(buf), jsonfmt.detect(buf))


def array_doc(
    spec: DocSpec, base: bytes, ours: bytes, theirs: bytes, merge_one: RecordMerger
) -> _Doc:
    """A document that is itself one array of records (Label Studio's task list)."""
    sides = (
        _Side({}, jsonfmt.detect(base)),
        _Side({}, jsonfmt.detect(ours)),
        _Side({}, jsonfmt.detect(theirs)),
    )
    return _Doc(spec, sides, _template(base, sides), depth=1, merge_one=merge_one)


def _template(base: bytes, sides: tuple[_Side, _Side, _Side]) -> int:
    """Keep ours' layout, unless theirs alone changed it (a reformat is a change too)."""
    lb, lo, lt = (s.layout for s in sides)
    if not records.blank(base) and lo == lb and lt != lb:
        return THEIRS
    return OURS


def _merge_member(doc: _Doc, name: str, collection: bool) -> list[Chunk] | None:
    """The merged member value laid out at depth 1, or None when it is deleted."""
    raws = tuple(s.members.get(name) for s in doc.sides)
    b, o, t = raws
    # After a re-key, equal bytes on both sides may still point at different records.
    rekeyed = collection and bool(doc.remaps)
    if o is not None and t is not None and o == t and not rekeyed:
        return _emit(doc, OURS, o)
    if b == o and not rekeyed:
        return None if t is None else _emit(doc, THEIRS, t)
    if b == t:
        return None if o is None else _emit(doc, OURS, o)
    if collection and o is not None and t is not None:
        try:
            return merge_collection(doc, name, (b, o, t))
        except records.NotKeyed:
            pass  # not keyable: merged as one plain value below
    values = [records.parse(r) if r is not None else _ABSENT for r in raws]
    value, conflict = merge_record(name, *values)
    if conflict is not None:
        doc.conflicts.append(conflict)
        return [jsonfmt.dumps(conflict_record(conflict), doc.layout, 1)]
    return None if is_missing(value) else [jsonfmt.dumps(value, doc.layout, 1)]


def _emit(doc: _Doc, side: int, raw: Raw) -> list[Chunk]:
    if doc.sides[side].layout.copies_to(doc.layout):
        return [raw]
    return [jsonfmt.dumps(records.parse(raw), doc.layout, 1)]


class _Records:
    """Three sides of one collection, with lazily parsed values."""

    def __init__(self, sets: "_Sets", rekey: bool) -> None:
        self.sets = sets
        self.rekey = rekey  # id collisions get fresh ids (never for fallback keys)
        self.cache: tuple[dict[Key, Any], ...] = ({}, {}, {})
        self.override: dict[Key, Any] = {}  # theirs' records with references rewritten

    def raw(self, side: int, key: Key) -> Raw | None:
        return self.sets[side].records.get(key)

    def value(self, side: int, key: Key) -> Any:
        if side == THEIRS and key in self.override:
            return self.override[key]
        raw = self.sets[side].records.get(key)
        if raw is None:
            return _ABSENT
        cache = self.cache[side]
        if key not in cache:
            cache[key] = records.parse(raw)
        return cache[key]

    def same(self, a: int, b: int, key: Key) -> bool:
        ra, rb = self.raw(a, key), self.raw(b, key)
        if ra is None or rb is None:
            return ra is None and rb is None
        overridden = THEIRS in (a, b) and key in self.override
        if not overridden and ra == rb:
            return True
        return same_value(self.value(a, key), self.value(b, key))


def _keyed(doc: _Doc, name: str, raws: tuple[Raw | bytes | None, ...]) -> tuple[_Sets, str]:
    """All three sides keyed by "id", else all by the collection's fallback field."""
    # virtualbase.keyed: a criss-cross merge's base may hold conflict records
    try:
        return tuple(virtualbase.keyed(r) for r in raws), "id"  # type: ignore[return-value]
    except records.NotKeyed:
        fallback = dict(doc.spec.fallback_keys).get(name)
        if fallback is None:
            raise
        sets = tuple(virtualbase.keyed(r, fallback) for r in raws)
        return sets, fallback  # type: ignore[return-value]


def merge_collection(doc: _Doc, name: str, raws: tuple[Raw | bytes | None, ...]) -> list[Chunk]:
    """One array of id-keyed records merged record by record, laid out at doc.depth."""
    sets, key_field = _keyed(doc, name, raws)
    recs = _Records(sets, rekey=doc.spec.rekey and key_field == "id")
    _rewrite_refs(doc, name, recs, key_field)
    items: list[bytes | Raw] = []
    collided: list[Key] = []
    ours, theirs = recs.sets[OURS].records, recs.sets[THEIRS].records
    same_layout = all(doc.sides[s].layout.copies_to(doc.layout) for s in (OURS, THEIRS))
    if same_layout and not recs.override:
        _fast_loop(doc, recs, items, collided)
    else:
        for key in [*ours, *(k for k in theirs if k not in ours)]:
            _decide(doc, recs, key, items, collided)
    items += _rekey(doc, name, recs, collided)
    return _join_array(doc, recs, items)


def _fast_loop(doc: _Doc, recs: _Records, items: list[Chunk], collided: list[Key]) -> None:
    """_decide's common cases on raw bytes alone, inlined: this loop runs per record
    of a million-record file. Equal bytes are equal values; anything else goes to
    _decide. Only valid when raws can be copied out as they are (same layout)."""
    base, ours, theirs = (s.records for s in recs.sets)
    b_get, t_get, append = base.get, theirs.get, items.append
    for key, o in ours.items():
        t = t_get(key)
        if t is not None and o == t:  # untouched, or the same change on both sides
            append(o)
            continue
        b = b_get(key)
        if b is not None and b == o:  # only theirs touched it (changed or deleted)
            if t is not None:
                append(t)
        elif (b is None and t is None) or (b is not None and b == t):  # ours' add or edit
            append(o)
        else:
            _decide(doc, recs, key, items, collided)
    for key, t in theirs.items():
        if key in ours:
            continue
        b = b_get(key)
        if b is None:  # added by theirs
            append(t)
        elif b != t:  # deleted by ours, changed by theirs
            _decide(doc, recs, key, items, collided)


def _decide(doc: _Doc, recs: _Records, key: Key, items: list[Chunk], collided: list[Key]) -> None:
    """One key, any case: values compared when bytes differ (layout, key order)."""
    ours, theirs = recs.sets[OURS].records, recs.sets[THEIRS].records
    if key in ours and key in theirs and recs.same(OURS, THEIRS, key):
        items.append(_item(doc, recs, OURS, key))
    elif recs.same(OURS, BASE, key):
        if key in theirs:
            items.append(_item(doc, recs, THEIRS, key))
    elif recs.same(THEIRS, BASE, key):
        if key in ours:
            items.append(_item(doc, recs, OURS, key))
    elif recs.rekey and key in theirs and recs.raw(BASE, key) is None:
        items.append(_item(doc, recs, OURS, key))
        collided.append(key)  # an id collision, not a conflict: re-keyed below
    else:
        items.append(_merge_one(doc, recs, key))


def _merge_one(doc: _Doc, recs: _Records, key: Key) -> bytes:
    b, o, t = (recs.value(s, key) for s in (BASE, OURS, THEIRS))
    if doc.merge_one is not None:
        value, found = doc.merge_one(key, b, o, t)
        doc.conflicts += found
        return jsonfmt.dumps(value, doc.layout, doc.depth)
    value, conflict = merge_record(key, b, o, t)
    if conflict is not None:
        doc.conflicts.append(conflict)
        value = conflict_record(conflict)
    return jsonfmt.dumps(value, doc.layout, doc.depth)


def _item(doc: _Doc, recs: _Records, side: int, key: Key) -> bytes | Raw:
    raw = recs.raw(side, key)
    overridden = side == THEIRS and key in recs.override
    if raw is not None and not overridden and doc.sides[side].layout.copies_to(doc.layout):
        return raw
    return jsonfmt.dumps(recs.value(side, key), doc.layout, doc.depth)


def _rekey(doc: _Doc, name: str, recs: _Records, collided: list[Key]) -> list[bytes | Raw]:
    """Theirs' colliding records get fresh ids above every id in all three versions."""
    if not collided:
        return []
    next_id = 1 + max(s.max_int_key() for s in recs.sets)
    remap = doc.remaps.setdefault(name, {})
    items: list[bytes | Raw] = []
    for key in collided:
        value = recs.value(THEIRS, key)
        if not isinstance(key, int) or not isinstance(value, dict):
            items.append(_merge_one(doc, recs, key))  # string ids: a plain add/add
            continue
        remap[key] = next_id
        items.append(jsonfmt.dumps({**value, "id": next_id}, doc.layout, doc.depth))
        next_id += 1
    return items


def _rewrite_refs(doc: _Doc, name: str, recs: _Records, key_field: str) -> None:
    """Point theirs' new or changed records at the re-keyed ids of what they reference.
    A record keyed by the reference itself (panoptic: image_id) moves to the new key."""
    rules = [
        (doc.remaps[target], fld)
        for target, src, fld in doc.spec.refs
        if src == name and doc.remaps.get(target)
    ]
    if not rules:
        return
    base, theirs = recs.sets[BASE].records, recs.sets[THEIRS]
    moved: dict[Key, Key] = {}
    for key, raw in theirs.records.items():
        if base.get(key) == raw:
            continue
        value = recs.value(THEIRS, key)
        if not isinstance(value, dict):
            continue
        new = value
        for remap, fld in rules:
            new = _rewrite(new, fld.split("."), remap)
        if new is not value:
            recs.override[key] = new
            if new.get(key_field, key) != key:
                moved[key] = new[key_field]
    if moved:
        rekeyed = {moved.get(k, k): raw for k, raw in theirs.records.items()}
        if len(rekeyed) == len(theirs.records):  # else keys stay: a conflict, never a loss
            theirs.records = rekeyed
            recs.override = {moved.get(k, k): v for k, v in recs.override.items()}


def _rewrite(value: Any, path: list[str], remap: dict[Key, Key]) -> Any:
    """`value` with the ids at `path` mapped through `remap`; the same object when
    nothing changed (callers test identity)."""
    if isinstance(value, list):
        items = [_rewrite(item, path, remap) for item in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if not path:
        # type(...) is int: not bool (True == 1); a ref not re-keyed stays as it is.
        return remap[value] if type(value) is int and value in remap else value
    if not isinstance(value, dict) or path[0] not in value:
        return value
    found = value[path[0]]
    new = _rewrite(found, path[1:], remap)
    return value if new is found else {**value, path[0]: new}


def _join_array(doc: _Doc, recs: _Records, items: list[Chunk]) -> list[Chunk]:
    if not items:
        return [b"[]"]
    gaps = recs.sets[doc.template].gaps or jsonfmt.default_gaps(doc.layout, doc.depth)
    return records.join_array(items, gaps)
