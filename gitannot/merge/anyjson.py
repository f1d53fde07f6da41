"""Structural three-way merge of any JSON document whose layout gitannot does not know.

Objects merge key by key (recursively). An array whose objects all carry a unique
identity field (`id`, `uuid`, `_id`, ...: identity.py) merges as a keyed collection,
record by record like COCO: field-level merge of a record both sides changed, integer
ids added on both sides with different content re-keyed on theirs, a conflict record
in place of a record that cannot merge. Any other array merges element-wise with diff3
semantics; a clash inside it turns the whole array into one conflict record. Scalars
changed differently on both sides become a conflict record keyed by their JSON pointer.
The output is written in the template side's layout (jsonfmt). Pure, no I/O.
"""

from difflib import SequenceMatcher
from typing import Any

import orjson

from gitannot.merge import jsonfmt, records
from gitannot.merge.conflicts import conflict_record
from gitannot.merge.identity import identity_field
from gitannot.merge.outcome import MergeOutcome
from gitannot.merge.threeway import (
    CLASH,
    MISSING,
    Conflict,
    is_missing,
    merge_record,
    one_side,
    same_value,
)

FORMAT = "json"


class _Merge:
    def __init__(self, declared: tuple[str, ...] = ()) -> None:
        self.conflicts: list[Conflict] = []
        self.declared = declared  # identity fields a project declared for this path

    def value(self, pointer: str, base: Any, ours: Any, theirs: Any) -> Any:
        """The merged value at `pointer`, MISSING when deleted, or a conflict record."""
        found = one_side(base, ours, theirs)
        if found is not CLASH:
            return found
        b = {} if is_missing(base) and isinstance(ours, dict) else base
        if all(isinstance(v, dict) for v in (b, ours, theirs)):
            return self.obj(pointer, b, ours, theirs)
        b = [] if is_missing(base) and isinstance(ours, list) else base
        if all(isinstance(v, list) for v in (b, ours, theirs)):
            return self.array(pointer, b, ours, theirs)
        return self.conflict(pointer, base, ours, theirs)

    def conflict(self, pointer: str, base: Any, ours: Any, theirs: Any) -> Any:
        if is_missing(base):
            reason = "add/add"
        elif is_missing(ours) or is_missing(theirs):
            reason = "delete/modify" if is_missing(ours) else "modify/delete"
        else:
            reason = "modify/modify"
        b, o, t = (None if is_missing(v) else v for v in (base, ours, theirs))
        found = Conflict(pointer.lstrip("/") or "/", b, o, t, reason)
        self.conflicts.append(found)
        return conflict_record(found)

    def obj(self, pointer: str, base: dict[str, Any], ours: dict[str, Any], theirs: Any) -> Any:
        names = [*ours, *(n for n in theirs if n not in ours)]
        out: dict[str, Any] = {}
        for name in names:
            sub = f"{pointer}/{name.replace('~', '~0').replace('/', '~1')}"
            get = (base.get(name, MISSING), ours.get(name, MISSING), theirs.get(name, MISSING))
            merged = self.value(sub, *get)
            if not is_missing(merged):
                out[name] = merged
        return out

    def array(self, pointer: str, base: list[Any], ours: list[Any], theirs: list[Any]) -> Any:
        key = identity_field((base, ours, theirs), self.declared)
        if key is not None:
            return self.keyed(key, base, ours, theirs)
        merged = diff3(base, ours, theirs)
        return self.conflict(pointer, base, ours, theirs) if merged is None else merged

    def keyed(self, key: str, base: list[Any], ours: list[Any], theirs: list[Any]) -> list[Any]:
        """Record by record, like COCO (keyeddoc): ours' order, then theirs' additions."""
        b, o, t = ({rec[key]: rec for rec in side} for side in (base, ours, theirs))
        out: list[Any] = []
        collided: list[Any] = []
        for rid in [*o, *(k for k in t if k not in o)]:
            bo, oo, to = b.get(rid, MISSING), o.get(rid, MISSING), t.get(rid, MISSING)
            found = one_side(bo, oo, to)
            if found is not CLASH:
                if not is_missing(found):
                    out.append(found)
            elif is_missing(bo) and type(rid) is int:
                out.append(oo)
                collided.append(rid)  # an id collision, not a conflict: re-keyed below
            else:
                value, conflict = merge_record(rid, bo, oo, to)
                if conflict is not None:
                    self.conflicts.append(conflict)
                    value = conflict_record(conflict)
                if not is_missing(value):
                    out.append(value)
        if collided:
            ints = [k for side in (b, o, t) for k in side if type(k) is int]
            next_id = 1 + max(ints)
            for rid in collided:
                out.append({**t[rid], key: next_id})
                next_id += 1
        return out


def _digest(value: Any) -> bytes:
    """Equal JSON values (key order aside) give equal bytes: diff3 compares these."""
    opts = orjson.OPT_SORT_KEYS
    return orjson.dumps(value, default=lambda n: orjson.Fragment(n.text.encode()), option=opts)


def diff3(base: list[Any], ours: list[Any], theirs: list[Any]) -> list[Any] | None:
    """Element-wise three-way merge of arrays; None when both sides changed one stretch
    of base differently (git's diff3, on JSON values instead of lines)."""
    kb, ko, kt = ([_digest(v) for v in side] for side in (base, ours, theirs))
    out: list[Any] = []
    ib = io = it = 0
    for zb, ze, oa, oe, ta, te in _sync_regions(kb, ko, kt):
        segs = (kb[ib:zb], ko[io:oa], kt[it:ta])
        if segs[1] == segs[2] or segs[0] == segs[2]:
            out += ours[io:oa]
        elif segs[0] == segs[1]:
            out += theirs[it:ta]
        else:
            return None
        out += ours[oa:oe]  # the stretch all three share
        ib, io, it = ze, oe, te
    return out


def _sync_regions(
    base: list[bytes], ours: list[bytes], theirs: list[bytes]
) -> list[tuple[int, int, int, int, int, int]]:
    """Stretches equal in all three: (base start, end, ours start, end, theirs ...)."""
    om = SequenceMatcher(None, base, ours, autojunk=False).get_matching_blocks()
    tm = SequenceMatcher(None, base, theirs, autojunk=False).get_matching_blocks()
    regions = []
    i = j = 0
    while i < len(om) and j < len(tm):
        ob, oo, olen = om[i]
        tb, tt, tlen = tm[j]
        start, end = max(ob, tb), min(ob + olen, tb + tlen)
        if start < end:
            regions.append(
                (start, end, oo + start - ob, oo + end - ob, tt + start - tb, tt + end - tb)
            )
        if ob + olen < tb + tlen:
            i += 1
        else:
            j += 1
    regions.append((len(base), len(base), len(ours), len(ours), len(theirs), len(theirs)))
    return regions


def merge_text(
    base: bytes, ours: bytes, theirs: bytes, *, path: str = "", declared: tuple[str, ...] = ()
) -> MergeOutcome:
    """Merge three versions of one JSON file; raises ValueError on unparseable input
    (the driver then falls back to git's line merge, which keeps every byte)."""
    del path  # one signature for every merge adapter
    values = [MISSING if records.blank(buf) else records.parse(buf) for buf in (base, ours, theirs)]
    layouts = [jsonfmt.detect(buf) for buf in (base, ours, theirs)]
    # ours' layout, unless theirs alone changed it (a reformat is a change too)
    reformatted = not records.blank(base) and layouts[1] == layouts[0] != layouts[2]
    template = 2 if reformatted else 1
    merge = _Merge(declared)
    merged = merge.value("", *values)
    if is_missing(merged):
        return MergeOutcome(b"", merge.conflicts, FORMAT)
    side = (ours, theirs)[template - 1]
    if same_value(merged, values[template]):
        return MergeOutcome(side, merge.conflicts, FORMAT)  # byte for byte
    layout = layouts[template]
    return MergeOutcome(
        jsonfmt.document([jsonfmt.dumps(merged, layout)], layout), merge.conflicts, FORMAT
    )
