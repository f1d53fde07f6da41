"""Pascal VOC XML: one <annotation> per image with <object> boxes (1-based pixels)."""

import xml.etree.ElementTree as ET
from typing import Any

from gitannot.core.annotation import Annotation, GeometryKind, Item, ParsedFile
from gitannot.core.findings import Severity
from gitannot.formats.options import FormatContext, FormatOptions
from gitannot.formats.report import Reporter
from gitannot.formats.xmlutil import is_non_finite, number, text_of

_CORNERS = ("xmin", "ymin", "xmax", "ymax")
_FLAGS = ("pose", "truncated", "difficult", "occluded")


def _stem(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0] if "." in base else base


def parse_voc(
    pf: ParsedFile, root: ET.Element, rep: Reporter, opts: FormatOptions, ctx: FormatContext
) -> None:
    filename = text_of(root, "filename") or ""
    path_stem = _stem(pf.path)
    if filename and _stem(filename) != path_stem:
        rep.add(
            "voc.filename-mismatch",
            f"<filename> is {filename!r} but the file is {pf.path.rsplit('/', 1)[-1]!r}",
        )
    item = _stem(filename) if filename else path_stem
    width = number(text_of(root, "size/width"))
    height = number(text_of(root, "size/height"))
    if not width or not height:
        known = ctx.image_sizes.get(item)
        width, height = known if known else (None, None)
    if width is None or height is None:
        rep.add("voc.missing-size", "no <size>; boxes not checked against the image")
    pf.items[item] = Item(item, filename, width, height)
    boxes: list[tuple[str, str, list[float]]] = []
    for index, obj in enumerate(root.findall("object")):
        _object(obj, str(index), item, boxes, rep, pf)
        for j, part in enumerate(obj.findall("part")):
            _object(part, f"{index}.part{j}", item, boxes, rep, pf)
    if not boxes:
        return
    zero_based = any(c[0] == 0 or c[1] == 0 for _, _, c in boxes)
    if zero_based:
        severity = None if opts.voc_accept_zero_based else Severity.ERROR
        rep.add("voc.coordinates-zero-based", "a box touches 0; VOC is 1-based", "", severity)
    origin = 0.0 if zero_based else 1.0  # 1-based: pixel i spans [i-1, i]
    tol = opts.bbox_tolerance_px
    seen: set[tuple[str, tuple[float, ...]]] = set()
    for ann, name, (x0, y0, x1, y1) in zip(
        pf.annotations, (b[1] for b in boxes), (b[2] for b in boxes), strict=True
    ):
        left, top = x0 - origin, y0 - origin
        ann.bbox = (left, top, x1 - left, y1 - top)
        if x1 < x0 or y1 < y0:
            rep.add("voc.bbox-non-positive", f"object {name!r}: xmax < xmin or ymax < ymin", ann.id)
        elif (
            width
            and height
            and (left < -tol or top < -tol or x1 > width + tol or y1 > height + tol)
        ):
            rep.add(
                "voc.bbox-outside-image",
                f"object {name!r} ({x0:g},{y0:g})-({x1:g},{y1:g}) outside {width:g}x{height:g}",
                ann.id,
            )
        key = (name, (x0, y0, x1, y1))
        if key in seen:
            rep.add("annotation.duplicate", f"object {name!r} repeats an earlier box", ann.id)
        seen.add(key)


def _object(
    obj: ET.Element,
    aid: str,
    item: str,
    boxes: list[tuple[str, str, list[float]]],
    rep: Reporter,
    pf: ParsedFile,
) -> None:
    name_elem = obj.find("name")
    box = obj.find("bndbox")
    if name_elem is None or box is None:
        rep.add("voc.required-element", f"<{obj.tag}> {aid} needs <name> and <bndbox>", aid)
        return
    name = (name_elem.text or "").strip()
    if not name:
        rep.add("annotation.empty-label", f"<{obj.tag}> {aid} has an empty <name>", aid)
    raw = [text_of(box, c) for c in _CORNERS]
    if any(v is None for v in raw):
        rep.add("voc.required-element", f"object {aid} <bndbox> needs xmin/ymin/xmax/ymax", aid)
        return
    coords = [number(v) for v in raw]
    if any(is_non_finite(v) for v in raw):
        rep.add("value.not-finite", f"object {aid}: NaN or infinite coordinate", aid)
        return
    if any(c is None for c in coords):
        rep.add("voc.number", f"object {aid}: coordinates {raw} are not all numbers", aid)
        return
    attributes: dict[str, Any] = {}
    for flag in _FLAGS:
        value = text_of(obj, flag)
        if value is not None:
            attributes[flag] = value
    for action in obj.findall("actions/*"):
        attributes[f"action.{action.tag}"] = (action.text or "").strip()
    for attr in obj.findall("attributes/attribute"):
        key = text_of(attr, "name")
        if key:
            attributes[key] = text_of(attr, "value") or ""
    boxes.append((aid, name, [c for c in coords if c is not None]))
    pf.annotations.append(Annotation(aid, item, name, GeometryKind.BBOX, None, attributes))
