"""Random independent edits of real exports, for the merge fuzzer (test_fuzz_oracle.py and
bench/fuzz_merge.py). Standard library only; shares no code with gitannot.merge.

`make_case(fmt, rng)` picks a real export of that format, normalizes it (written back
by this module's own writer, so the three versions differ only by the edits), and
applies one to three random edits per side: change a field (numbers included, some with
more digits than a float keeps), delete a record, add a record (COCO: sometimes with
the id the other side also adds, which the driver must re-key). For YOLO, VOC and CVAT
it also returns which base object (or which side's add) each object is, for the oracle.
"""

from __future__ import annotations

import copy
import functools
import json
import random
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.merge import oracle
from tests.merge.gitmerge import merge3

FORMATS = ("coco", "perimage", "labelstudio", "yolo", "voc", "cvat")
LONG = ("0.12345678901234567890123", "1234.5678901234567890123", "1e-7", "2.50")


@dataclass
class Case:
    fmt: str
    source: str  # the real export it came from
    rel: str  # the path inside the repository
    base: bytes
    ours: bytes
    theirs: bytes
    idents: tuple[list[Any], list[Any], list[Any]] | None = None  # geometry formats
    near: bool = False  # geometry: the sides touched objects the matcher may confuse
    log: list[str] = field(default_factory=list)
    known: str | None = None  # an open issue this case may hit (the test xfails on it)


# --- sources -------------------------------------------------------------------------


@functools.cache
def sources(realdata: Path, fmt: str) -> list[Path]:
    """The real exports of one format in the realdata folder (read once per process)."""
    return [p for p in sorted(realdata.rglob("*")) if p.is_file() and _is(fmt, p)]


def _is(fmt: str, p: Path) -> bool:
    if p.suffix == ".json" and fmt in ("coco", "perimage", "labelstudio"):
        doc = _try_json(p)
        if fmt == "labelstudio":
            tasks: list[Any] = doc if isinstance(doc, list) and doc else [None]
            return all(isinstance(t, dict) and isinstance(t.get("id"), int) for t in tasks) and (
                "data" in tasks[0]
            )
        if not isinstance(doc, dict):
            return False
        anns = doc.get("annotations")
        return isinstance(anns, list) and bool(anns) and "images" in doc
    if p.suffix == ".txt" and fmt == "yolo":
        rows = [ln.split() for ln in p.read_text(errors="replace").splitlines() if ln.strip()]
        return bool(rows) and all(len(r) == 5 and r[0].isdigit() for r in rows)
    if p.suffix == ".xml" and fmt in ("voc", "cvat"):
        try:
            root = ET.parse(p).getroot()
        except ET.ParseError:
            return False
        if fmt == "voc":
            return root.tag == "annotation" and root.find("object") is not None
        return root.tag == "annotations" and root.find("image/box") is not None
    return False


def _try_json(p: Path) -> Any:
    try:
        return json.loads(p.read_bytes())
    except (ValueError, UnicodeDecodeError):
        return None


# --- a JSON writer that keeps decimals exactly ---------------------------------------


def dump_json(
    value: Any, indent: str | None, item_sep: str = ", ", key_sep: str = ": ", ascii: bool = False
) -> bytes:
    def enc(v: Any, depth: int) -> str:
        if isinstance(v, Decimal):
            return str(v)
        if isinstance(v, dict):
            if not v:
                return "{}"
            parts = [
                json.dumps(k, ensure_ascii=ascii) + key_sep + enc(x, depth + 1)
                for k, x in v.items()
            ]
            return wrap("{", "}", parts, depth)
        if isinstance(v, list):
            if not v:
                return "[]"
            return wrap("[", "]", [enc(x, depth + 1) for x in v], depth)
        return json.dumps(v, ensure_ascii=ascii)

    def wrap(opened: str, closed: str, parts: list[str], depth: int) -> str:
        if indent is None:
            return opened + item_sep.join(parts) + closed
        pad = "\n" + indent * (depth + 1)
        return opened + pad + ("," + pad).join(parts) + "\n" + indent * depth + closed

    return (enc(value, 0) + ("\n" if indent is not None else "")).encode()


# --- edits on JSON records -----------------------------------------------------------


def tweak(rng: random.Random, value: Any, tag: str) -> Any:
    """A different value of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        if rng.random() < 0.1:
            return 2**64 + value  # beyond 64 bits: kept exactly, in every layout
        return value + rng.randint(1, 9)
    if isinstance(value, Decimal):
        if rng.random() < 0.4:
            return Decimal(rng.choice(LONG)) + value  # more digits than a float keeps
        return value + Decimal(rng.randint(1, 99)) / 100
    if isinstance(value, str):
        return f"{value}-{tag}" + ("-Straße ✓" if rng.random() < 0.3 else "")
    if isinstance(value, list) and value and all(isinstance(x, int | Decimal) for x in value):
        i = rng.randrange(len(value))
        return [tweak(rng, x, tag) if j == i else x for j, x in enumerate(value)]
    return {"fuzz": tag}


def edit_record(rng: random.Random, rec: dict[str, Any], tag: str, keep: tuple[str, ...]) -> str:
    names = [n for n in rec if n not in keep]
    if not names or rng.random() < 0.2:
        rec[f"fuzz_{tag}"] = Decimal(rng.choice(LONG)) if rng.random() < 0.5 else tag
        return f"add field fuzz_{tag}"
    name = rng.choice(names)
    rec[name] = tweak(rng, rec[name], tag)
    return f"change {name}"


@dataclass
class _Json:
    doc: Any
    indent: str | None


def _json_layout(raw: bytes) -> str | None:
    text = raw.decode("utf-8", errors="replace").lstrip()
    if text[1:2] == "\n":
        line = text.split("\n", 2)[1]
        return line[: len(line) - len(line.lstrip())] or "  "
    return None


# Per side: which added ids to use (theirs sometimes collides with ours on purpose).
def _new_id(taken: int, side: str, rng: random.Random, n: int) -> int:
    if side == "theirs" and rng.random() < 0.5:
        return taken + 1 + n  # the id ours' first add took: a collision to re-key
    return taken + 1 + n + (1000 if side == "theirs" else 0)


def coco_edits(doc: dict[str, Any], rng: random.Random, side: str, log: list[str]) -> None:
    panoptic = not all("id" in a for a in doc["annotations"])
    tops = {
        c: max((r["id"] for r in doc.get(c, []) if isinstance(r.get("id"), int)), default=0)
        for c in ("images", "categories", "annotations")
    }
    new_cats: list[int] = []
    new_imgs: list[int] = []
    for n in range(rng.randint(1, 3)):
        op = rng.choice(["edit", "edit", "delete", "add", "add"])
        coll = rng.choice(["annotations", "annotations", "images", "categories"])
        recs = doc[coll]
        if op == "add" and not (panoptic and coll == "annotations"):
            new = copy.deepcopy(rng.choice(recs))
            new["id"] = _new_id(tops[coll] + (50 if coll == "annotations" else 0), side, rng, n)
            new[f"fuzz_{side}"] = n
            if coll == "annotations":
                if new_imgs and rng.random() < 0.5:
                    new["image_id"] = rng.choice(new_imgs)
                if new_cats and rng.random() < 0.7:
                    new["category_id"] = rng.choice(new_cats)
            if coll == "categories":
                new_cats.append(new["id"])
                new["name"] = f"{new.get('name')}-{side}{n}"
            if coll == "images":
                new_imgs.append(new["id"])
            recs.append(new)
            log.append(f"{side}: add {coll} id {new['id']}")
        elif op == "delete" and coll == "annotations" and len(recs) > 1:
            gone = recs.pop(rng.randrange(len(recs)))
            log.append(f"{side}: delete annotation {gone.get('id', gone.get('image_id'))}")
        else:
            rec = rng.choice(recs)
            if panoptic and coll == "annotations" and rng.random() < 0.6:
                cat = rng.choice(new_cats or [c["id"] for c in doc["categories"]])
                rec["segments_info"] = [
                    *rec.get("segments_info", []),
                    {"id": 900 + n, "category_id": cat, "area": 1},
                ]
                log.append(f"{side}: add a segment to image {rec['image_id']} (category {cat})")
                continue
            if coll == "annotations" and "category_id" in rec and rng.random() < 0.3:
                # A reference changes to a category this side has (never a dangling id).
                rec["category_id"] = rng.choice([c["id"] for c in doc["categories"]])
                what = f"category_id -> {rec['category_id']}"
            else:
                keep = ("id", "image_id", "category_id", "segments_info", "license")
                what = edit_record(rng, rec, side, keep)
            log.append(f"{side}: {coll} {rec.get('id', rec.get('image_id'))}: {what}")


def perimage_docs(coco: dict[str, Any]) -> list[dict[str, Any]]:
    """gitannot per-image JSON made from a real COCO export (no exporter writes it)."""
    cats = {c["id"]: c.get("name", str(c["id"])) for c in coco.get("categories", [])}
    docs = []
    for img in coco["images"][:8]:
        anns = []
        for a in coco["annotations"]:
            if a.get("image_id") == img["id"] and "id" in a:
                ann = {
                    "id": f"00000000-0000-4000-8000-{a['id']:012d}",
                    "label": cats.get(a.get("category_id"), "x"),
                }
                if "bbox" in a:
                    ann["bbox"] = a["bbox"]
                ann["attributes"] = {"iscrowd": a.get("iscrowd", 0)}
                anns.append(ann)
        item = {k: img[k] for k in ("id", "file_name", "width", "height") if k in img}
        docs.append({"version": 1, "item": item, "annotations": anns})
    return [d for d in docs if d["annotations"]]


def perimage_edits(doc: dict[str, Any], rng: random.Random, side: str, log: list[str]) -> None:
    anns = doc["annotations"]
    for n in range(rng.randint(1, 3)):
        op = rng.choice(["edit", "edit", "delete", "add"])
        if op == "add" or not anns:
            new = copy.deepcopy(rng.choice(anns)) if anns else {"label": "x", "bbox": [1, 1, 2, 2]}
            new["id"] = f"{side:0<8}-0000-4000-8000-{rng.randrange(16**12):012x}"[:36]
            new["label"] = f"{new.get('label')}-{side}{n}"
            anns.append(new)
            log.append(f"{side}: add {new['id']}")
        elif op == "delete" and len(anns) > 1:
            gone = anns.pop(rng.randrange(len(anns)))
            log.append(f"{side}: delete {gone['id']}")
        else:
            rec = rng.choice(anns)
            log.append(f"{side}: {rec['id']}: {edit_record(rng, rec, side, ('id',))}")


def labelstudio_edits(tasks: list[Any], rng: random.Random, side: str, log: list[str]) -> None:
    for n in range(rng.randint(1, 3)):
        task = rng.choice(tasks)
        anns = task.get("annotations") or []
        op = rng.choice(["region", "region", "region-delete", "region-add", "ann", "task"])
        if op == "task" or not anns:
            data = task["data"]
            key = rng.choice(list(data))
            data[key] = tweak(rng, data[key], side)
            log.append(f"{side}: task {task['id']} data.{key}")
            continue
        ann = rng.choice(anns)
        regions = ann.get("result") or []
        if op == "ann" or not regions:
            what = edit_record(rng, ann, side, ("id", "result", "task", "prediction"))
            log.append(f"{side}: task {task['id']} annotation {ann['id']}: {what}")
        elif op == "region-delete":
            gone = regions.pop(rng.randrange(len(regions)))
            log.append(f"{side}: delete region {gone.get('id')}/{gone.get('from_name')}")
        elif op == "region-add":
            new = copy.deepcopy(rng.choice(regions))
            new["id"] = f"{side}{n}{rng.randrange(10**6)}"
            regions.append(new)
            log.append(f"{side}: add region {new['id']}")
        else:
            region = rng.choice(regions)
            if isinstance(region.get("value"), dict) and rng.random() < 0.7:
                value = dict(region["value"])
                key = rng.choice(list(value))
                value[key] = tweak(rng, value[key], side)
                region["value"] = value
                what = f"value.{key}"
            else:
                what = edit_record(
                    rng, region, side, ("id", "from_name", "type", "from_id", "to_id")
                )
            log.append(f"{side}: task {task['id']} region {region.get('id')}: {what}")


# --- geometry formats ----------------------------------------------------------------

Box = tuple[float, float, float, float]
# base, ours, theirs, identities, near, a known issue the case may hit (or None)
GeoCase = tuple[bytes, bytes, bytes, tuple[list[Any], list[Any], list[Any]], bool, str | None]


def iou(a: Box, b: Box) -> float:
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass
class Obj:
    ident: Any
    label: str
    box: Box  # in the format's own units
    data: Any  # the format's own object (row tokens, an Element)


class Geo:
    """Edits on id-less objects: targets are isolated objects (no other object of base
    overlaps them), so which object an edit meant is never in doubt; adds are small
    boxes that overlap nothing any version holds."""

    def __init__(self, objs: list[Obj], labels: list[str], size: tuple[float, float]) -> None:
        self.base = objs
        self.labels = labels
        self.size = size
        self.occupied = [o.box for o in objs]
        self.touched: dict[str, list[Box]] = {"ours": [], "theirs": []}

    def isolated(self, objs: list[Obj]) -> list[Obj]:
        return [
            o
            for o in objs
            if o.box[2] > o.box[0]
            and o.box[3] > o.box[1]
            and all(iou(o.box, p.box) < 0.05 for p in self.base if p.ident != o.ident)
        ]

    def free_box(self, rng: random.Random) -> Box | None:
        w, h = self.size
        for _ in range(50):
            bw, bh = w * rng.uniform(0.03, 0.08), h * rng.uniform(0.03, 0.08)
            x, y = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            box = (x, y, x + bw, y + bh)
            if all(iou(box, o) == 0 and not _touch(box, o) for o in self.occupied):
                self.occupied.append(box)
                return box
        return None

    def plan(
        self, rng: random.Random, objs: list[Obj], side: str, log: list[str]
    ) -> list[tuple[str, Obj | None]]:
        """Ops for one side: (op, target) with op in move, relabel, move+relabel, field,
        delete, add."""
        ops: list[tuple[str, Obj | None]] = []
        targets = self.isolated(objs)
        rng.shuffle(targets)
        for _ in range(rng.randint(1, 3)):
            op = rng.choice(["move", "relabel", "move+relabel", "field", "delete", "add"])
            if op == "add" or not targets:
                ops.append(("add", None))
                continue
            target = targets.pop()
            ops.append((op, target))
            self.touched[side].append(target.box)
            log.append(f"{side}: {op} {target.ident} {target.label}")
        return ops

    def other_label(self, rng: random.Random, label: str) -> str:
        choices = [lab for lab in self.labels if lab != label]
        return rng.choice(choices) if choices else label + "x"


def _touch(a: Box, b: Box) -> bool:
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def _near(geo: Geo) -> bool:
    return any(_touch(a, b) for a in geo.touched["ours"] for b in geo.touched["theirs"])


def shift(rng: random.Random, box: Box, frac: float) -> Box:
    dx = (box[2] - box[0]) * frac * rng.choice([-1, 1])
    return (box[0] + dx, box[1], box[2] + dx, box[3])


def yolo_case(raw: bytes, rng: random.Random, log: list[str]) -> GeoCase:
    rows = [ln.split() for ln in raw.decode().splitlines() if ln.strip()]

    def box(tok: list[str]) -> Box:
        cx, cy, w, h = (float(t) for t in tok[1:5])
        return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)

    objs = [Obj(("b", i), r[0], box(r), r) for i, r in enumerate(rows)]
    labels = sorted({r[0] for r in rows} | {str(rng.randrange(20)) for _ in range(3)})
    geo = Geo(objs, labels, (1.0, 1.0))

    def row(label: str, b: Box) -> list[str]:
        cx, cy, w, h = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2, b[2] - b[0], b[3] - b[1]
        return [label, *(f"{v:.6f}" for v in (cx, cy, w, h))]

    def side(name: str) -> tuple[bytes, list[Any]]:
        out = [(o.ident, list(o.data)) for o in objs]
        for n, (op, target) in enumerate(geo.plan(rng, objs, name, log)):
            if target is None:
                b = geo.free_box(rng)
                if b is not None:
                    out.append(((name[0], n), row(rng.choice(labels), b)))
                    log.append(f"{name}: add {name[0]}{n}")
                continue
            at = next(i for i, (ident, _) in enumerate(out) if ident == target.ident)
            label, b = target.label, target.box
            if op == "delete":
                out.pop(at)
                continue
            if "move" in op or op == "field":
                b = shift(rng, b, rng.uniform(0.02, 0.06))
            if "relabel" in op:
                label = geo.other_label(rng, label)
            out[at] = (target.ident, row(label, b))
        text = "".join(" ".join(r) + "\n" for _, r in out)
        return text.encode(), [i for i, _ in out]

    base = "".join(" ".join(r) + "\n" for r in rows).encode()
    ours, oi = side("ours")
    theirs, ti = side("theirs")
    return base, ours, theirs, ([o.ident for o in objs], oi, ti), _near(geo), None


def _xml(root: ET.Element) -> bytes:
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return data + b"\n"


def _voc_box(o: ET.Element) -> Box:
    bb = o.find("bndbox")
    if bb is None:
        return (0.0, 0.0, 0.0, 0.0)
    x1, y1, x2, y2 = (
        float((bb.findtext(t) or "0").strip()) for t in ("xmin", "ymin", "xmax", "ymax")
    )
    return (x1, y1, x2, y2)


def _voc_set_box(o: ET.Element, b: Box) -> None:
    bb = o.find("bndbox")
    assert bb is not None
    for tag, v in zip(("xmin", "ymin", "xmax", "ymax"), b, strict=True):
        el = bb.find(tag)
        if el is not None:
            el.text = str(round(v))


def _voc_rename(o: ET.Element, label: str) -> None:
    name = o.find("name")
    assert name is not None
    name.text = label


def _voc_edit(
    el: ET.Element, op: str, target: Obj, geo: Geo, rng: random.Random, tag: str, log: list[str]
) -> bool:
    """One edit of an object; True when it edited the object's <part>s (logged)."""
    if "move" in op:
        _voc_set_box(el, shift(rng, target.box, rng.uniform(0.03, 0.06)))
    if "relabel" in op:
        _voc_rename(el, geo.other_label(rng, target.label))
    if op != "field":
        return False
    parts = el.findall("part")
    if parts and rng.random() < 0.7:
        if rng.random() < 0.5:
            gone = rng.choice(parts)
            el.remove(gone)
            log.append(f"{tag}: delete part {gone.findtext('name')} of {target.ident}")
        else:
            add_parts(el, rng, 1, tag)
            log.append(f"{tag}: add part {tag} to {target.ident}")
        return True
    flag = el.find(rng.choice(["difficult", "truncated"]))
    if flag is not None:
        flag.text = "1" if (flag.text or "").strip() == "0" else "0"
    else:
        _voc_rename(el, geo.other_label(rng, target.label))
    return False


def voc_case(raw: bytes, rng: random.Random, log: list[str]) -> GeoCase:
    root0 = ET.fromstring(raw)
    objects = root0.findall("object")
    if rng.random() < 0.35:  # few exports have <part>s: give some objects parts
        for o in objects:
            if o.find("bndbox") is not None and rng.random() < 0.6:
                add_parts(o, rng, rng.randint(1, 3))
    objs = [
        Obj(("b", i), (o.findtext("name") or "").strip(), _voc_box(o), o)
        for i, o in enumerate(objects)
    ]
    size = root0.find("size")
    w = float((size.findtext("width") if size is not None else None) or 500)
    h = float((size.findtext("height") if size is not None else None) or 500)
    labels = sorted({o.label for o in objs} | {"dog", "cat", "bird"})
    geo = Geo([o for o in objs if o.data.find("bndbox") is not None], labels, (w, h))

    def side(name: str) -> tuple[bytes, list[Any]]:
        root = copy.deepcopy(root0)
        mine = root.findall("object")
        ident_of = {id(e): o.ident for e, o in zip(mine, objs, strict=True)}
        by_ident = {o.ident: e for e, o in zip(mine, objs, strict=True)}
        for n, (op, target) in enumerate(geo.plan(rng, geo.base, name, log)):
            b = geo.free_box(rng) if target is None else None
            if target is None and b is not None and mine:
                new = copy.deepcopy(mine[0])
                _voc_rename(new, rng.choice(labels))
                _voc_set_box(new, b)
                root.append(new)
                new.tail = mine[-1].tail
                ident_of[id(new)] = (name[0], n)
                log.append(f"{name}: add {name[0]}{n}")
            elif target is not None and op == "delete":
                root.remove(by_ident[target.ident])
            elif target is not None:
                _voc_edit(by_ident[target.ident], op, target, geo, rng, f"{name}{n}", log)
        return _xml(root), [ident_of[id(e)] for e in root.findall("object")]

    base = _xml(root0)
    ours, oi = side("ours")
    theirs, ti = side("theirs")
    # Both sides editing one object's <part>s was issue 21 item 1 (parts matched by
    # position), an expected failure here until its fix reached this branch.
    return base, ours, theirs, ([o.ident for o in objs], oi, ti), _near(geo), None


def add_parts(obj: ET.Element, rng: random.Random, count: int, name: str = "") -> None:
    """<part> children inside the object's box, laid out like its other children."""
    bb = obj.find("bndbox")
    assert bb is not None
    x1, y1, x2, y2 = (
        float((bb.findtext(t) or "0").strip()) for t in ("xmin", "ymin", "xmax", "ymax")
    )
    inner = obj[0].tail if len(obj) and obj[0].tail else "\n\t\t"
    deeper = inner + "\t"
    for k in range(count):
        part = ET.Element("part")
        label = ET.SubElement(part, "name")
        label.text = name or rng.choice(["head", "hand", "foot", "tail", "wheel"]) + str(k)
        pbox = ET.SubElement(part, "bndbox")
        w, h = max(x2 - x1, 4), max(y2 - y1, 4)
        px = x1 + rng.uniform(0, 0.5) * w
        py = y1 + rng.uniform(0, 0.5) * h
        for tag, v in zip(
            ("xmin", "ymin", "xmax", "ymax"), (px, py, px + w / 4, py + h / 4), strict=True
        ):
            ET.SubElement(pbox, tag).text = str(round(v))
        part.text, label.tail, pbox.tail = deeper, deeper, inner
        pbox.text = deeper + "\t"
        for c in pbox:
            c.tail = deeper + "\t"
        pbox[-1].tail = deeper
        last = obj[-1]
        part.tail = last.tail
        last.tail = inner
        obj.append(part)


def _cvat_box(s: ET.Element) -> Box:
    if s.tag != "box":
        return (0.0, 0.0, 0.0, 0.0)
    x1, y1, x2, y2 = (float(s.get(k, "0")) for k in ("xtl", "ytl", "xbr", "ybr"))
    return (x1, y1, x2, y2)


def _cvat_set_box(s: ET.Element, b: Box) -> None:
    for k, v in zip(("xtl", "ytl", "xbr", "ybr"), b, strict=True):
        s.set(k, f"{v:.2f}")


def _cvat_idents(root: ET.Element, objs: list[Obj], image: ET.Element) -> dict[int, Any]:
    """Every shape's identity: the edited image's from `objs`, the others' by position."""
    ident_of = {
        id(s): ("i", img.get("subset", ""), img.get("id"), s_i)
        for img in root.findall("image")
        for s_i, s in enumerate(img)
    }
    for e, o in zip(list(image), objs, strict=True):
        ident_of[id(e)] = o.ident
    return ident_of


def _cvat_order(root: ET.Element, ident_of: dict[int, Any]) -> list[Any]:
    return [ident_of[id(s)] for img in root.findall("image") for s in img if id(s) in ident_of]


def _cvat_edit(
    image: ET.Element, el: ET.Element, op: str, target: Obj, geo: Geo, rng: random.Random
) -> None:
    if op == "delete":
        image.remove(el)
        if len(image) == 0:  # written <image ...></image>, not self-closing
            image.text = "\n  "
        return
    if "move" in op:
        _cvat_set_box(el, shift(rng, target.box, rng.uniform(0.03, 0.06)))
    if "relabel" in op:
        el.set("label", geo.other_label(rng, target.label))
    if op == "field":
        el.set("occluded", "1" if el.get("occluded") == "0" else "0")


def cvat_case(raw: bytes, rng: random.Random, log: list[str]) -> GeoCase:
    root0 = ET.fromstring(raw)
    images = [img for img in root0.findall("image") if img.find("box") is not None]
    image0 = rng.choice(images)  # edits go to one image, so adds stay apart
    at = list(root0).index(image0)
    objs = [Obj(("b", i), s.get("label", ""), _cvat_box(s), s) for i, s in enumerate(image0)]
    labels = sorted({o.label for o in objs} | {"dog", "cat"})
    size = (float(image0.get("width", 500)), float(image0.get("height", 500)))
    geo = Geo([o for o in objs if o.data.tag == "box"], labels, size)

    def side(name: str) -> tuple[bytes, list[Any]]:
        root = copy.deepcopy(root0)
        image = list(root)[at]
        mine = list(image)
        ident_of = _cvat_idents(root, objs, image)
        by_ident = {o.ident: e for e, o in zip(mine, objs, strict=True)}
        boxes = [s for s in mine if s.tag == "box"]
        for n, (op, target) in enumerate(geo.plan(rng, geo.base, name, log)):
            if target is not None:
                _cvat_edit(image, by_ident[target.ident], op, target, geo, rng)
                continue
            b = geo.free_box(rng)
            if b is None or not boxes:
                continue
            new = copy.deepcopy(boxes[0])
            new.set("label", rng.choice(labels))
            _cvat_set_box(new, b)
            new.tail = mine[-1].tail
            if len(image) and len(mine) > 1:
                image[-1].tail = mine[0].tail
            image.append(new)
            ident_of[id(new)] = (name[0], n)
            log.append(f"{name}: add {name[0]}{n}")
        return _xml(root), _cvat_order(root, ident_of)

    base = _xml(root0)
    base_ids = _cvat_order(root0, _cvat_idents(root0, objs, image0))
    ours, oi = side("ours")
    theirs, ti = side("theirs")
    return base, ours, theirs, (base_ids, oi, ti), _near(geo), None


JSON_EDITS: dict[str, Callable[[Any, random.Random, str, list[str]], None]] = {
    "coco": coco_edits,
    "perimage": perimage_edits,
    "labelstudio": labelstudio_edits,
}


# --- one case ------------------------------------------------------------------------


def make_case(realdata: Path, fmt: str, rng: random.Random) -> Case:
    found = sources(realdata, fmt)
    if not found:
        raise LookupError(f"no {fmt} export under {realdata}")
    if fmt == "perimage":  # COCO exports with keyed annotations (panoptic has none)
        found = [p for p in found if perimage_docs(json.loads(p.read_bytes()))]
    src = rng.choice(found)
    raw = src.read_bytes()
    log: list[str] = [f"source {src.relative_to(realdata)}"]
    if fmt in ("yolo", "voc", "cvat"):
        maker = {"yolo": yolo_case, "voc": voc_case, "cvat": cvat_case}[fmt]
        base, ours, theirs, idents, near, known = maker(raw, rng, log)
        ext = {"yolo": "txt", "voc": "xml", "cvat": "xml"}[fmt]
        rel = f"labels/a.{ext}"
        return Case(fmt, str(src), rel, base, ours, theirs, idents, near, log, known)
    doc = oracle.load_json(raw)
    indent = _json_layout(raw)
    if fmt == "perimage":
        doc = rng.choice(perimage_docs(doc))
        indent = rng.choice(["  ", None])
    seps = (", ", ": ") if rng.random() < 0.5 or indent else (",", ":")
    escaped = rng.random() < 0.3  # non-ASCII characters written as \\u escapes
    base = dump_json(doc, indent, *seps, ascii=escaped)
    sides = []
    for name in ("ours", "theirs"):
        mine = copy.deepcopy(doc)
        JSON_EDITS[fmt](mine, rng, name, log)
        if rng.random() < 0.15:  # this side also reformats the whole file
            other = rng.choice([i for i in (None, "  ", "    ", "\t") if i != indent])
            log.append(f"{name}: reformat, indent {other!r}")
            sides.append(dump_json(mine, other, *seps, ascii=escaped))
        else:
            sides.append(dump_json(mine, indent, *seps, ascii=escaped))
    return Case(fmt, str(src), "labels/a.json", base, sides[0], sides[1], None, False, log)


def judge(case: Case, returncode: int, result: bytes) -> list[str]:
    """The oracle's problems with one merge result (empty: correct)."""
    read = oracle.READERS[case.fmt]
    try:
        views = [read(x) for x in (case.base, case.ours, case.theirs)]
    except Exception as exc:  # any reader error: a broken case, the fuzzer's bug
        raise AssertionError(f"the fuzzer wrote an unreadable side: {exc}") from exc
    try:
        got = read(result)
    except Exception as exc:  # noqa: BLE001 - any reader error means the result is broken
        return [f"merged file does not parse: {type(exc).__name__}: {exc}"]
    if case.idents is not None:
        for view, idents in zip(views, case.idents, strict=True):
            view.fill(idents)
    if case.fmt == "coco":
        base_ids: dict[str, set[Any]] = {}
        for (coll, key), _ in views[0].items:
            base_ids.setdefault(coll, set()).add(key)
        views = [oracle.coco_canonical(v, base_ids) for v in views]
        got = oracle.coco_canonical(got, base_ids)
    exp = oracle.expect(*views)
    keyed = case.idents is None
    return oracle.verdict(exp, got, returncode, keyed=keyed, near=case.near)


def run_case(workdir: Path, case: Case) -> tuple[int, bytes, list[str]]:
    """A real `git merge` of the case (tests/merge/gitmerge.py), judged by the oracle."""
    result = merge3(workdir, case.rel, case.base, case.ours, case.theirs)
    problems = judge(case, result.returncode, result.data)
    if "CONFLICT (content)" not in result.output and result.returncode != 0:
        problems.append(f"git merge failed without a content conflict: {result.output[-300:]}")
    return result.returncode, result.data, problems


def seeds(base_seed: int, fmt: str, trials: int) -> list[int]:
    """Per-format trial seeds: a trial replays from its seed alone."""
    offset = FORMATS.index(fmt) * 1_000_003
    return [base_seed * 7_919 + offset + i for i in range(trials)]
