"""gitannot per-image JSON: one file per item, annotations keyed by UUID.

{"version": 1,
 "item": {"id": "...", "file_name": "...", "width": 640, "height": 480},
 "annotations": [{"id": "<uuid>", "label": "car",
                  "bbox": [x, y, w, h]            # or
                  "polygon": [[x1, y1, x2, y2, ...], ...]   # flat parts, or
                  "polygon": [[x, y], [x, y], ...]          # one ring of points
                  "mask": {"size": [h, w], "counts": [...] | "..."},
                  "attributes": {...}}]}
"""

import uuid
from typing import Any

from gitannot.core.annotation import Annotation, GeometryKind, Item, ParsedFile
from gitannot.formats.geometry import decode_compressed_rle, rle_area_bbox
from gitannot.formats.options import FormatContext, FormatOptions
from gitannot.formats.report import Reporter

SUPPORTED_VERSIONS = (1, "1", "1.0")
_GEOMETRIES = ("bbox", "polygon", "mask")
_Box = tuple[float, float, float, float]


def _num(value: Any) -> bool:
    return type(value) is int or type(value) is float


def parse_perimage(
    pf: ParsedFile,
    doc: Any,
    rep: Reporter,
    opts: FormatOptions,
    ctx: FormatContext,  # noqa: ARG001 — one signature for every format handler
) -> None:
    if type(doc) is not dict:
        rep.add("json.root-type", "a per-image file is a JSON object")
        return
    missing = [k for k in ("version", "item", "annotations") if k not in doc]
    if missing:
        rep.add("gitannot.required-key", f"top-level {', '.join(missing)} missing")
        if "item" in missing or "annotations" in missing:
            return
    if "version" in doc and doc["version"] not in SUPPORTED_VERSIONS:
        rep.add("gitannot.version", f"version {doc['version']!r}; this gitannot reads 1")
    item = _item(doc["item"], rep)
    if item is None:
        return
    pf.items[item.id] = item
    anns = doc["annotations"]
    if type(anns) is not list:
        rep.add("gitannot.type", "`annotations` must be a list")
        return
    size = (item.width, item.height) if item.width and item.height else None
    seen: set[str] = set()
    dupes: set[tuple[Any, ...]] = set()
    for index, ann in enumerate(anns):
        made = _annotation(ann, index, item.id, size, seen, rep, opts)
        if made is None:
            continue
        key = (made.label, made.geometry, made.bbox, repr(ann.get(made.geometry.value)))
        if key in dupes:
            rep.add("annotation.duplicate", "same label and geometry as another", made.id)
        dupes.add(key)
        pf.annotations.append(made)


def _item(raw: Any, rep: Reporter) -> Item | None:
    if type(raw) is not dict:
        rep.add("gitannot.type", "`item` must be an object")
        return None
    missing = [k for k in ("id", "file_name", "width", "height") if k not in raw]
    if missing:
        rep.add("gitannot.required-key", f"item needs {', '.join(missing)}")
    iid, name = raw.get("id"), raw.get("file_name")
    w: Any = raw.get("width")
    h: Any = raw.get("height")
    if iid is None:
        return None
    if type(iid) not in (str, int) or (name is not None and type(name) is not str):
        rep.add("gitannot.type", "item id and file_name must be strings")
        return None
    for key, value in (("width", w), ("height", h)):
        if value is not None and (not _num(value) or value <= 0):
            rep.add("gitannot.type", f"item {key} must be a positive number, not {value!r}")
    good = _num(w) and _num(h) and w > 0 and h > 0
    return Item(str(iid), name or "", float(w) if good else None, float(h) if good else None)


def _annotation(
    ann: Any,
    index: int,
    item: str,
    size: tuple[float, float] | None,
    seen: set[str],
    rep: Reporter,
    opts: FormatOptions,
) -> Annotation | None:
    where = f"#{index}"
    if type(ann) is not dict:
        rep.add("gitannot.type", f"annotations[{index}] is not an object", where)
        return None
    aid, label = ann.get("id"), ann.get("label")
    if aid is None or label is None:
        rep.add("gitannot.required-key", f"annotations[{index}] needs id and label", where)
        return None
    if type(aid) is not str or type(label) is not str:
        rep.add("gitannot.type", f"annotations[{index}]: id and label must be strings", where)
        return None
    if not label.strip():
        rep.add("annotation.empty-label", f"annotations[{index}] has an empty label", aid)
    try:
        uuid.UUID(aid)
    except ValueError:
        rep.add("gitannot.invalid-id", f"id {aid!r} is not a UUID", aid)
    if aid in seen:
        rep.add("gitannot.duplicate-id", f"id {aid} appears twice", aid)
    seen.add(aid)
    attributes = ann.get("attributes", {})
    if type(attributes) is not dict:
        rep.add("gitannot.type", "`attributes` must be an object", aid)
        attributes = {}
    present = [g for g in _GEOMETRIES if g in ann]
    if len(present) > 1:
        rep.add("gitannot.geometry", f"several geometries: {', '.join(present)}", aid)
        return None
    if not present:
        return Annotation(aid, item, label, GeometryKind.NONE, None, attributes)
    kind = present[0]
    box = {"bbox": _bbox, "polygon": _polygon, "mask": _mask}[kind](ann[kind], size, aid, rep)
    if box is False:
        return None
    bbox = box if isinstance(box, tuple) else None
    tol = opts.bbox_tolerance_px
    if (
        bbox is not None
        and size is not None
        and (
            bbox[0] < -tol
            or bbox[1] < -tol
            or bbox[0] + bbox[2] > size[0] + tol
            or bbox[1] + bbox[3] > size[1] + tol
        )
    ):
        rep.add("gitannot.outside-image", f"{kind} extends outside the image", aid)
    return Annotation(aid, item, label, GeometryKind(kind), bbox, attributes)


def _bbox(raw: Any, size: Any, aid: str, rep: Reporter) -> _Box | bool:  # noqa: ARG001 — one signature for every geometry reader
    if type(raw) is not list or len(raw) != 4 or not all(_num(v) for v in raw):
        rep.add("gitannot.geometry", f"bbox must be [x, y, w, h] numbers, not {raw!r:.60}", aid)
        return False
    x, y, w, h = (float(v) for v in raw)
    if w <= 0 or h <= 0:
        rep.add("gitannot.bbox-non-positive", f"bbox {raw} has w or h <= 0", aid)
        return False
    return (x, y, w, h)


def _polygon(raw: Any, size: Any, aid: str, rep: Reporter) -> _Box | bool:  # noqa: ARG001 — one signature for every geometry reader
    if type(raw) is not list or not raw or not all(type(p) is list for p in raw):
        rep.add("gitannot.geometry", "polygon must be a list of parts (lists of numbers)", aid)
        return False
    # [[x, y], ...] is a single ring of points; otherwise flat parts.
    parts = [[c for p in raw for c in p]] if all(len(p) == 2 for p in raw) else raw
    xs: list[float] = []
    ys: list[float] = []
    for part in parts:
        if not all(_num(v) for v in part) or len(part) % 2:
            rep.add("gitannot.geometry", "polygon coordinates must be x, y number pairs", aid)
            return False
        if len(part) < 6:
            rep.add("gitannot.polygon-too-few-points", f"part with {len(part) // 2} points", aid)
            return False
        xs += part[0::2]
        ys += part[1::2]
    x0, y0 = float(min(xs)), float(min(ys))
    return (x0, y0, max(xs) - x0, max(ys) - y0)


def _mask(raw: Any, size: Any, aid: str, rep: Reporter) -> _Box | bool:
    msize = raw.get("size") if type(raw) is dict else None
    counts = raw.get("counts") if type(raw) is dict else None
    if type(msize) is not list or len(msize) != 2 or not all(type(v) is int for v in msize):
        rep.add("gitannot.geometry", "mask needs size [h, w] and counts", aid)
        return False
    h, w = msize
    if size is not None and (h != size[1] or w != size[0]):
        rep.add("gitannot.rle-size-mismatch", f"mask size {msize}, item is {size}", aid)
    runs = decode_compressed_rle(counts) if type(counts) is str else counts
    if (
        type(runs) is not list
        or not all(type(v) is int and v >= 0 for v in runs)
        or sum(runs) != h * w
    ):
        rep.add("gitannot.geometry", f"mask counts do not cover {h}x{w} pixels", aid)
        return False
    _, box = rle_area_bbox(runs, h)
    return box if box is not None else True
