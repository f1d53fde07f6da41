"""CVAT for images 1.1 XML (task and project exports); CVAT for video tracks too."""

import xml.etree.ElementTree as ET

from gitannot.core.annotation import Annotation, GeometryKind, Item, ParsedFile
from gitannot.formats.options import FormatContext, FormatOptions
from gitannot.formats.report import Reporter
from gitannot.formats.xmlutil import is_non_finite, number, text_of

_POINT_SHAPES = {
    "polygon": (GeometryKind.POLYGON, 3),
    "polyline": (GeometryKind.POLYLINE, 2),
    "points": (GeometryKind.POINT, 1),
}
_SHAPES = ("box", "polygon", "polyline", "points", "mask", "ellipse", "cuboid", "skeleton", "tag")
_Size = tuple[float, float] | None


def parse_cvat(
    pf: ParsedFile,
    root: ET.Element,
    rep: Reporter,
    opts: FormatOptions,
    ctx: FormatContext,  # noqa: ARG001 — one signature for every format handler
) -> None:
    specs = _label_specs(root)
    pf.declared_labels.extend(specs)
    shapes = _Shapes(pf, rep, opts, specs if specs else None)
    for index, image in enumerate(root.iterfind("image")):
        item = _image(image, index, rep, pf)
        if item is None:
            continue
        size = (item.width, item.height) if item.width and item.height else None
        for n, shape in enumerate(image):
            if shape.tag in _SHAPES:
                shapes.add(shape, f"{item.id}/{n}", item.id, shape.get("label"), size)
    video_size = _original_size(root)
    for track in root.iterfind("track"):
        tid = track.get("id", "?")
        for shape in track:
            if shape.tag in _SHAPES and shape.get("outside", "0") != "1":
                frame = shape.get("frame", "?")
                key = f"frame:{frame}"
                if key not in pf.items:
                    w, h = video_size or (None, None)
                    pf.items[key] = Item(key, "", w, h)
                shapes.add(shape, f"track{tid}/{frame}", key, track.get("label"), video_size)


def _original_size(root: ET.Element) -> _Size:
    width = number(text_of(root, "meta/task/original_size/width"))
    height = number(text_of(root, "meta/task/original_size/height"))
    return (width, height) if width and height else None


# label -> attribute name -> (input_type, allowed values)
_Specs = dict[str, dict[str, tuple[str, frozenset[str]]]]


def _label_specs(root: ET.Element) -> _Specs:
    """Labels and their attribute definitions from <meta> (task or project export)."""
    specs: _Specs = {}
    for label in root.iterfind("meta//labels/label"):
        name = text_of(label, "name")
        if not name:
            continue
        attrs = specs.setdefault(name, {})
        for attr in label.iterfind("attributes/attribute"):
            attr_name = text_of(attr, "name")
            if attr_name:
                raw = text_of(attr, "values") or ""
                # Newline-separated in CVAT exports; some hand-made files use spaces.
                values = frozenset(raw.split("\n")) | frozenset(raw.split())
                attrs[attr_name] = (text_of(attr, "input_type") or "", values)
    return specs


def _image(image: ET.Element, index: int, rep: Reporter, pf: ParsedFile) -> Item | None:
    iid, name = image.get("id"), image.get("name")
    if iid is None or name is None:
        rep.add("cvat.required-attribute", f"<image> #{index} needs id and name", f"#{index}")
        return None
    subset = image.get("subset")
    key = f"{subset}/{iid}" if subset else iid
    if key in pf.items:
        rep.add("cvat.duplicate-id", f"<image> id {key!r} appears twice", key)
        return None
    raw_w, raw_h = image.get("width"), image.get("height")
    width, height = number(raw_w), number(raw_h)
    if raw_w is None or raw_h is None:
        rep.add("cvat.required-attribute", f"<image> {name!r} needs width and height", key)
    elif not width or not height or width <= 0 or height <= 0:
        rep.add("cvat.number", f"<image> {name!r} has size {raw_w!r} x {raw_h!r}", key)
        width = height = None
    item = Item(key, name, width, height)
    pf.items[key] = item
    return item


class _Shapes:
    def __init__(
        self, pf: ParsedFile, rep: Reporter, opts: FormatOptions, known: _Specs | None
    ) -> None:
        self.pf, self.rep, self.tol, self.known = pf, rep, opts.bbox_tolerance_px, known
        self.seen: set[tuple[str, str, str, tuple[str | None, ...]]] = set()

    def add(self, shape: ET.Element, aid: str, item: str, label: str | None, size: _Size) -> None:
        rep = self.rep
        if label is None:
            rep.add("cvat.required-attribute", f"<{shape.tag}> without a label", aid)
            return
        if label == "":
            rep.add("cvat.empty-label", f"<{shape.tag}> has an empty label", aid)
        elif self.known is not None and label not in self.known:
            rep.add("cvat.unknown-label", f"label {label!r} is not declared in <meta>", aid)
        attrs: dict[str, object] = {
            a.get("name", ""): (a.text or "").strip() for a in shape.iterfind("attribute")
        }
        if self.known is not None and label in self.known:
            self._attributes(attrs, self.known[label], label, aid)
        if shape.get("occluded") is not None:
            attrs["occluded"] = shape.get("occluded")
        geometry, box = self._geometry(shape, aid, size)
        if geometry is None:
            return
        key = (
            item,
            label,
            shape.tag,
            tuple(shape.get(k) for k in ("points", "xtl", "ytl", "xbr", "ybr")),
        )
        if shape.tag != "tag" and key in self.seen:
            rep.add("annotation.duplicate", f"<{shape.tag}> {label!r} repeats a shape", aid)
        self.seen.add(key)
        self.pf.annotations.append(Annotation(aid, item, label, geometry, box, attrs))

    def _attributes(
        self,
        attrs: dict[str, object],
        specs: dict[str, tuple[str, frozenset[str]]],
        label: str,
        aid: str,
    ) -> None:
        for name, value in attrs.items():
            spec = specs.get(name)
            if spec is None:
                self.rep.add(
                    "cvat.unknown-attribute", f"{label!r} declares no attribute {name!r}", aid
                )
                continue
            kind, allowed = spec
            text = str(value)
            if kind == "number":
                bad = number(text) is None
            elif kind == "checkbox":
                bad = text.lower() not in ("true", "false")
            elif kind in ("select", "radio"):
                bad = text not in allowed
            else:  # text and unknown input types: any value
                bad = False
            if bad:
                self.rep.add(
                    "cvat.attribute-value", f"{label}.{name} = {text!r} is not a valid {kind}", aid
                )

    def _geometry(
        self, shape: ET.Element, aid: str, size: _Size
    ) -> tuple[GeometryKind | None, tuple[float, float, float, float] | None]:
        tag = shape.tag
        if tag == "tag":
            return GeometryKind.NONE, None
        if tag in ("box", "ellipse"):
            keys = ("xtl", "ytl", "xbr", "ybr") if tag == "box" else ("cx", "cy", "rx", "ry")
            values = self._numbers(shape, keys, aid)
            if values is None:
                return None, None
            if tag == "box":
                x0, y0, x1, y1 = values
            else:
                cx, cy, rx, ry = values
                x0, y0, x1, y1 = cx - rx, cy - ry, cx + rx, cy + ry
            if x1 <= x0 or y1 <= y0:
                self.rep.add("cvat.bbox-non-positive", f"<{tag}> has no positive area", aid)
                return None, None
            self._inside(x0, y0, x1, y1, size, aid, tag)
            kind = GeometryKind.BBOX if tag == "box" else GeometryKind.POLYGON
            return kind, (x0, y0, x1 - x0, y1 - y0)
        if tag in _POINT_SHAPES:
            kind, minimum = _POINT_SHAPES[tag]
            points = self._points(shape, aid)
            if points is None:
                return None, None
            if len(points) < minimum:
                self.rep.add("cvat.too-few-points", f"<{tag}> with {len(points)} points", aid)
                return None, None
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            self._inside(min(xs), min(ys), max(xs), max(ys), size, aid, tag)
            return kind, (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
        if tag == "mask":
            values = self._numbers(shape, ("left", "top", "width", "height"), aid)
            if values is None:
                return None, None
            left, top, w, h = values
            self._inside(left, top, left + w, top + h, size, aid, tag)
            return GeometryKind.MASK, (left, top, w, h)
        return GeometryKind.NONE, None  # cuboid / skeleton: geometry not checked

    def _numbers(self, shape: ET.Element, keys: tuple[str, ...], aid: str) -> list[float] | None:
        raw = [shape.get(k) for k in keys]
        if any(v is None for v in raw):
            self.rep.add("cvat.required-attribute", f"<{shape.tag}> needs {', '.join(keys)}", aid)
            return None
        values = [number(v) for v in raw]
        if any(is_non_finite(v) for v in raw):
            self.rep.add("value.not-finite", f"<{shape.tag}> has a NaN/infinite value", aid)
            return None
        if any(v is None for v in values):
            self.rep.add("cvat.number", f"<{shape.tag}> values {raw} are not numbers", aid)
            return None
        return [v for v in values if v is not None]

    def _points(self, shape: ET.Element, aid: str) -> list[tuple[float, float]] | None:
        raw = shape.get("points")
        if raw is None:
            self.rep.add("cvat.required-attribute", f"<{shape.tag}> needs points", aid)
            return None
        points: list[tuple[float, float]] = []
        for pair in raw.split(";") if raw.strip() else []:
            xy = pair.split(",")
            if len(xy) != 2 or any(is_non_finite(v) for v in xy):
                rule = "value.not-finite" if len(xy) == 2 else "cvat.number"
                self.rep.add(rule, f"<{shape.tag}> has a bad point {pair!r}", aid)
                return None
            x, y = number(xy[0]), number(xy[1])
            if x is None or y is None:
                self.rep.add("cvat.number", f"<{shape.tag}> has a bad point {pair!r}", aid)
                return None
            points.append((x, y))
        return points

    def _inside(
        self, x0: float, y0: float, x1: float, y1: float, size: _Size, aid: str, tag: str
    ) -> None:
        tol = self.tol
        if size is not None and (
            x0 < -tol or y0 < -tol or x1 > size[0] + tol or y1 > size[1] + tol
        ):
            self.rep.add(
                "cvat.outside-image",
                f"<{tag}> ({x0:g},{y0:g})-({x1:g},{y1:g}) outside {size[0]:g}x{size[1]:g}",
                aid,
            )
