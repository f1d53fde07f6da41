"""An independent oracle for merge fuzzing. Shares no code with gitannot.merge.

Reads base, ours, theirs and the merged file with the standard library only (json with
exact decimals, xml.etree) as a flat list of annotation records — (identity, fields) —
and says what a correct merge must hold:

- per identity, a field changed on one side wins, the same change on both sides is one
  change, a field changed differently on both sides or a record deleted on one side
  and changed on the other is an *overlap*;
- a clean exit (0) needs no overlap and exactly the expected records (nothing lost,
  nothing duplicated, nothing changed that nobody edited);
- a conflict exit needs an overlap (JSON formats; for geometry formats, see `near`),
  and every expected record outside the overlaps must still be in the file, outside the
  conflict blocks or inside one of them (the conflict keeps a side's bytes).

Identities: JSON records use their ids (COCO records that are new on a side are
compared by content, their references resolved, since a colliding id is re-keyed);
YOLO rows and VOC / CVAT objects have none, so the fuzzer that made the edits hands
over which base object (or which side's add) each one is, in document order.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

CONFLICT = "__gitannot_conflict__"
ABSENT: Any = object()
Ident = Any  # hashable: an id tuple, or None for an object not yet identified
Record = dict[str, Any]


def canon(value: Any) -> str:
    """A comparable text for a JSON value: key order ignored, decimals exact, types kept
    (1 and 1.0 differ, 1.0 and 1.00 do not)."""

    def enc(v: Any) -> Any:
        if isinstance(v, Decimal):
            return {"$dec": str(v.normalize()) if v == v else str(v)}
        if isinstance(v, tuple):
            return [enc(x) for x in v]
        raise TypeError(type(v).__name__)

    return json.dumps(value, sort_keys=True, default=enc, ensure_ascii=False)


def load_json(data: bytes) -> Any:
    return json.loads(data, parse_float=Decimal)


@dataclass
class View:
    """One file as the oracle reads it."""

    items: list[tuple[Ident, Record]] = field(default_factory=list)  # outside conflicts
    inside: list[tuple[Ident, Record]] = field(default_factory=list)  # in conflict blocks
    conflicts: int = 0

    def fill(self, idents: list[Ident]) -> View:
        """Give id-less objects (ident None) their identities, in document order."""
        it = iter(idents)
        self.items = [(next(it) if i is None else i, r) for i, r in self.items]
        if next(it, ABSENT) is not ABSENT:
            raise AssertionError("more identities than objects")
        return self


# --- JSON formats --------------------------------------------------------------------


def is_conflict(value: Any) -> bool:
    return isinstance(value, dict) and CONFLICT in value


def _record(value: Any) -> Record:
    return dict(value) if isinstance(value, dict) else {"$value": value}


def read_coco(data: bytes) -> View:
    doc = load_json(data)
    view = View()
    for name, value in doc.items():
        if is_conflict(value):
            view.conflicts += 1
            continue
        if name in ("licenses", "categories", "images", "annotations") and _keyed(value):
            key = "id" if all("id" in r for r in value if not is_conflict(r)) else "image_id"
            for rec in value:
                if is_conflict(rec):
                    view.conflicts += 1
                    for side in ("base", "ours", "theirs"):
                        if isinstance(rec.get(side), dict):
                            view.inside.append(((name, rec[side].get(key)), rec[side]))
                else:
                    view.items.append(((name, rec[key]), rec))
        else:
            view.items.append((("member", name), _record(value)))
    return view


def _keyed(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(r, dict) for r in value)


# COCO references: (referring collection, path, referenced collection)
COCO_REFS = (
    ("images", ("license",), "licenses"),
    ("images", ("neg_category_ids",), "categories"),
    ("images", ("not_exhaustive_category_ids",), "categories"),
    ("annotations", ("image_id",), "images"),
    ("annotations", ("category_id",), "categories"),
    ("annotations", ("segments_info", "category_id"), "categories"),
)


def _resolve(rec: Any, path: tuple[str, ...], target: str, new_by_id: dict[Any, Record]) -> Any:
    """`rec` with each reference at `path` to a record new on its side replaced by that
    record's content (lists on the path are walked item by item)."""
    if isinstance(rec, list):
        return [_resolve(x, path, target, new_by_id) for x in rec]
    if not path:
        found = new_by_id.get((target, rec)) if type(rec) is int else None
        return (
            rec if found is None else {"$new": canon({k: v for k, v in found.items() if k != "id"})}
        )
    if not isinstance(rec, dict) or path[0] not in rec:
        return rec
    return {**rec, path[0]: _resolve(rec[path[0]], path[1:], target, new_by_id)}


def coco_canonical(view: View, base_ids: dict[str, set[Any]]) -> View:
    """Records whose id is not in base become anonymous (identity = content), and every
    reference to such a record is replaced by that record's content: a re-keyed id then
    compares equal to the side's original."""

    def new(coll: str, key: Any) -> bool:
        return coll != "member" and key not in base_ids.get(coll, set())

    new_by_id = {
        (coll, key): rec
        for group in (view.items, view.inside)
        for (coll, key), rec in group
        if new(coll, key)
    }
    out = View(conflicts=view.conflicts)
    for group, dest in ((view.items, out.items), (view.inside, out.inside)):
        for (coll, key), rec in group:
            for src, path, target in COCO_REFS:
                if src == coll:
                    rec = _resolve(rec, path, target, new_by_id)
            if new(coll, key):
                bare = {k: v for k, v in rec.items() if k != "id"}
                dest.append((("new", coll, canon(bare)), bare))
            else:
                dest.append(((coll, key), rec))
    return out


def conflict_sides(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The records a conflict record holds (a side that is null had none)."""
    return [record[s] for s in ("base", "ours", "theirs") if isinstance(record.get(s), dict)]


def read_perimage(data: bytes) -> View:
    doc = load_json(data)
    view = View()
    for name, value in doc.items():
        if name == "annotations" and isinstance(value, list):
            for rec in value:
                if is_conflict(rec):
                    view.conflicts += 1
                    for side in ("base", "ours", "theirs"):
                        if isinstance(rec.get(side), dict):
                            view.inside.append((("ann", rec[side].get("id")), rec[side]))
                else:
                    view.items.append((("ann", rec["id"]), rec))
        elif is_conflict(value):
            view.conflicts += 1
        else:
            view.items.append((("member", name), _record(value)))
    return view


def _region_key(region: dict[str, Any]) -> str:
    if region.get("type") == "relation":
        return f"rel:{region.get('from_id')}>{region.get('to_id')}"
    return f"{region.get('id')}/{region.get('from_name', '')}"


def read_labelstudio(data: bytes) -> View:
    view = View()

    def walk(
        value: dict[str, Any], ident: tuple[Any, ...], level: str, out: list[tuple[Ident, Record]]
    ) -> None:
        children = {"task": ("annotations", "predictions"), "ann": ("result",)}.get(level, ())
        own = {k: v for k, v in value.items() if k not in children}
        out.append((ident, own))
        for name in children:
            for item in value.get(name) or []:
                if is_conflict(item):
                    view.conflicts += 1
                    for held in conflict_sides(item):
                        child(held, ident, name, view.inside)
                else:
                    child(item, ident, name, out)

    def child(item: dict[str, Any], parent: tuple[Any, ...], name: str, out: Any) -> None:
        if name == "result":
            walk(item, (*parent, _region_key(item)), "region", out)
        else:
            walk(item, (*parent, name, item.get("id")), "ann", out)

    for task in load_json(data):
        if is_conflict(task):
            view.conflicts += 1
            for held in conflict_sides(task):
                walk(held, ("task", held.get("id")), "task", view.inside)
        else:
            walk(task, ("task", task["id"]), "task", view.items)
    return view


# --- geometry formats ----------------------------------------------------------------


def read_yolo(data: bytes) -> View:
    view = View()
    section: str | None = None
    for line in data.decode("utf-8").splitlines():
        if line.startswith("<<<<<<<"):
            view.conflicts += 1
            section = "in"
        elif line.startswith(">>>>>>>"):
            section = None
        elif line.startswith(("|||||||", "=======")):
            continue
        elif line.strip():
            tokens = line.split()
            rec = {"class": int(tokens[0]), "coords": tuple(Decimal(t) for t in tokens[1:])}
            (view.inside if section else view.items).append((None, rec))
    return view


def _elem(e: ET.Element) -> Any:
    """An element's content, whitespace between elements ignored."""
    return [e.tag, sorted(e.attrib.items()), (e.text or "").strip(), [_elem(c) for c in e]]


def voc_object(obj: ET.Element) -> Record:
    rec: Record = {}
    for child in obj:
        if child.tag == "bndbox":
            rec["bndbox"] = tuple((c.tag, Decimal((c.text or "0").strip())) for c in child)
        elif child.tag == "name":
            rec["name"] = (child.text or "").strip()
        else:
            rec.setdefault(child.tag, []).append(canon(_elem(child)))
    for name in MULTISET:
        if name in rec:
            rec[name] = sorted(rec[name])
    return rec


def read_voc(data: bytes) -> View:
    root = ET.fromstring(data)
    view = View()
    for child in root:
        if child.tag == "object":
            view.items.append((None, voc_object(child)))
        elif child.tag == "gitannot_conflict":
            view.conflicts += 1
            for side in child:
                for obj in side:
                    if obj.tag == "object":
                        view.inside.append((None, voc_object(obj)))
        else:
            view.items.append((("member", child.tag), {"value": canon(_elem(child))}))
    return view


CVAT_GEOMETRY = {
    "box": ("xtl", "ytl", "xbr", "ybr", "rotation"),
    "polygon": ("points",),
    "polyline": ("points",),
    "points": ("points",),
    "ellipse": ("cx", "cy", "rx", "ry", "rotation"),
    "mask": ("rle", "left", "top", "width", "height"),
}


def cvat_shape(image: str, shape: ET.Element) -> Record:
    geometry = CVAT_GEOMETRY.get(shape.tag, ())
    rec: Record = {"image": image, "kind": shape.tag}
    rec["geometry"] = tuple(shape.get(a) for a in geometry)
    for name, value in shape.attrib.items():
        if name not in geometry:
            rec[f"@{name}"] = value
    for child in shape:
        rec[f"attr:{child.get('name')}"] = canon(_elem(child))
    return rec


def _cvat_image_key(image: ET.Element) -> str:
    return f"{image.get('subset', '')}/{image.get('id')}"


def read_cvat(data: bytes) -> View:
    root = ET.fromstring(data)
    view = View()

    def image(img: ET.Element, out: list[tuple[Ident, Record]]) -> None:
        key = _cvat_image_key(img)
        out.append((("image", key), dict(img.attrib)))
        for shape in img:
            if shape.tag == "gitannot_conflict":
                view.conflicts += 1
                for side in shape:
                    for s in side:
                        view.inside.append((None, cvat_shape(key, s)))
            else:
                out.append((None, cvat_shape(key, shape)))

    for child in root:
        if child.tag == "image":
            image(child, view.items)
        elif child.tag == "gitannot_conflict":
            view.conflicts += 1
            for side in child:
                for img in side:
                    if img.tag == "image":
                        image(img, view.inside)
        else:
            view.items.append((("member", child.tag), {"value": canon(_elem(child))}))
    return view


READERS = {
    "coco": read_coco,
    "perimage": read_perimage,
    "labelstudio": read_labelstudio,
    "yolo": read_yolo,
    "voc": read_voc,
    "cvat": read_cvat,
}


# --- the verdict ---------------------------------------------------------------------


def _same(x: Any, y: Any) -> bool:
    if x is ABSENT or y is ABSENT:
        return x is y
    return canon(x) == canon(y)


def one_side(b: Any, o: Any, t: Any) -> tuple[Any, bool]:
    """(value, clash?) of an atomic value: one side's change wins, equal changes agree."""
    if _same(o, t) or _same(t, b):
        return o, False
    if _same(o, b):
        return t, False
    return ABSENT, True


# Fields that hold an unordered set of children (VOC <part>s: the sorted canon of each).
MULTISET = ("part",)


def merge_multiset(b: list[str] | None, o: list[str] | None, t: list[str] | None) -> list[str]:
    base, ours, theirs = Counter(b or []), Counter(o or []), Counter(t or [])
    kept = base - (base - ours) - (base - theirs)
    return sorted((kept + ((ours - base) | (theirs - base))).elements())


def merge_fields(b: Any, o: Any, t: Any) -> tuple[Any, bool]:
    """(merged record or ABSENT, overlap?) for one identity, field by field."""
    value, clash = one_side(b, o, t)
    if not clash:
        return value, False
    if o is ABSENT or t is ABSENT:
        return ABSENT, True  # delete / modify
    base = {} if b is ABSENT else b
    out: Record = {}
    names = [*o, *(n for n in t if n not in o), *(n for n in base if n not in o and n not in t)]
    for name in names:
        if name in MULTISET:  # a set of children: adds and deletes of both sides merge
            children = merge_multiset(base.get(name), o.get(name), t.get(name))
            if children:  # no such child: no field (as the reader has it)
                out[name] = children
            continue
        value, clash = one_side(base.get(name, ABSENT), o.get(name, ABSENT), t.get(name, ABSENT))
        if clash:
            return ABSENT, True
        if value is not ABSENT:
            out[name] = value
    return out, False


@dataclass
class Expected:
    records: Counter[str]  # canon((identity, record)) of the expected merge
    overlaps: set[Ident]
    by_ident: dict[Ident, Any]


def expect(base: View, ours: View, theirs: View) -> Expected:
    maps = []
    for view in (base, ours, theirs):
        m: dict[Ident, Record] = {}
        for ident, rec in view.items:
            if ident in m:
                raise AssertionError(f"oracle: duplicate identity {ident!r}")
            m[ident] = rec
        maps.append(m)
    b, o, t = maps
    idents = [*o, *(i for i in t if i not in o), *(i for i in b if i not in o and i not in t)]
    records: Counter[str] = Counter()
    overlaps: set[Ident] = set()
    by_ident: dict[Ident, Any] = {}
    for ident in idents:
        value, clash = merge_fields(
            b.get(ident, ABSENT), o.get(ident, ABSENT), t.get(ident, ABSENT)
        )
        if clash:
            overlaps.add(ident)
        elif value is not ABSENT:
            by_ident[ident] = value
            records[entry(ident, value)] += 1
    return Expected(records, overlaps, by_ident)


def entry(ident: Ident, rec: Record, anonymous: bool = False) -> str:
    return canon(["?" if anonymous else repr(ident), rec])


def _anonymous(ident: Ident) -> bool:
    return not isinstance(ident, tuple) or not ident or ident[0] not in ("member", "image")


def verdict(
    exp: Expected, result: View, returncode: int, *, keyed: bool, near: bool = False
) -> list[str]:
    """Problems with a merge result (empty: correct). `keyed`: identities are read from
    the result itself (JSON); otherwise objects are compared by content only. `near`:
    (geometry formats) the two sides touched objects close enough that the matcher may
    pair them, so a conflict without an overlap is tolerated."""
    problems: list[str] = []

    def key(ident: Ident, rec: Record) -> str:
        return entry(ident, rec, anonymous=not keyed and _anonymous(ident))

    expected: Counter[str] = Counter()
    for ident, value in exp.by_ident.items():
        expected[key(ident, value)] += 1
    got = Counter(key(i, r) for i, r in result.items)
    if returncode == 0:
        if result.conflicts:
            problems.append(f"exit 0 with {result.conflicts} conflict block(s) left in the file")
        if exp.overlaps:
            problems.append(f"exit 0 although both sides edited {sorted(map(repr, exp.overlaps))}")
        missing, extra = expected - got, got - expected
        if missing:
            problems.append(f"lost or changed: {list(missing)[:3]}")
        if extra and not exp.overlaps:
            problems.append(f"unexpected records: {list(extra)[:3]}")
        return problems
    if not exp.overlaps and not near:
        problems.append(f"conflict (exit {returncode}) for disjoint edits")
    if not result.conflicts:
        problems.append(f"exit {returncode} but no conflict block in the file")
    inside = Counter(key(i, r) for i, r in result.inside)
    missing = expected - got - inside
    if missing:
        problems.append(f"lost outside the conflicts: {list(missing)[:3]}")
    return problems
