"""CVAT for images 1.1 XML (task and project exports); CVAT for video tracks too."""

import math
import re
import xml.etree.ElementTree as ET
from typing import NamedTuple

from gitannot.core.annotation import Annotation, GeometryKind, Item, ParsedFile
from gitannot.formats.options import FormatContext, FormatOptions
from gitannot.formats.report import Reporter
from gitannot.formats.xmlutil import is_non_finite, number, text_of

_POINT_SHAPES = {
    "polygon": (GeometryKind.POLYGON, 3),
    "polyline": (GeometryKind.POLYLINE, 2),
    "points": (GeometryKind.POINT, 1),
}
_CUBOID_KEYS = tuple(
    f"{axis}{corner}{face}" for face in "12" for corner in ("tl", "bl", "tr", "br") for axis in "xy"
)
_GEOMETRY_KEYS = (
    "points", "xtl", "ytl", "xbr", "ybr", "cx", "cy", "rx", "ry", "rotation",
    "left", "top", "width", "height", "rle", *_CUBOID_KEYS,
)  # fmt: skip
_SHAPES = ("box", "polygon", "polyline", "points", "mask", "ellipse", "cuboid", "skeleton", "tag")
_Size = tuple[float, float] | None


def parse_cvat(
    pf: ParsedFile,
    root: ET.Element,
    rep: Reporter,
    opts: FormatOptions,
    ctx: FormatContext,  # noqa: ARG001 — one signature for every format handler
) -> None:
    specs, sublabels = _label_specs(root)
    # Skeleton elements (labels with a <parent>) name keypoints, not labels to annotate with.
    pf.declared_labels.extend(name for name in specs if name not in sublabels)
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
        _track(track, root, shapes, rep, pf, video_size)


def _track(
    track: ET.Element,
    root: ET.Element,
    shapes: "_Shapes",
    rep: Reporter,
    pf: ParsedFile,
    video_size: _Size,
) -> None:
    """CVAT for video: one shape per keyframe; each must sit on a frame of the task, and
    no two on the same frame. Shapes marked outside="1" end the track: not annotations."""
    tid = track.get("id", "?")
    frames = frame_range(root, track.get("task_id"))
    seen: set[int] = set()
    for shape in track:
        if shape.tag not in _SHAPES:
            continue
        outside = shape.get("outside", "0") == "1"
        frame = _frame(shape, f"track{tid}", frames, outside, rep)
        if frame is None:
            continue
        aid = f"track{tid}/{frame}"
        if frame in seen:
            rep.add(
                "cvat.track-duplicate-frame", f"track {tid} has two shapes on frame {frame}", aid
            )
            continue
        seen.add(frame)
        if outside:
            continue
        key = f"frame:{frame}"
        if key not in pf.items:
            w, h = video_size or (None, None)
            pf.items[key] = Item(key, "", w, h)
        shapes.add(shape, aid, key, track.get("label"), video_size)


class FrameRange(NamedTuple):
    start: int
    stop: int
    step: int

    def holds(self, frame: int, outside: bool) -> bool:
        # CVAT closes a track with an outside shape one step after its last frame, which
        # for a shape on the last frame is one step past stop_frame.
        last = self.stop + (self.step if outside else 0)
        return self.start <= frame <= last and (frame - self.start) % self.step == 0


def frame_range(root: ET.Element, task_id: str | None = None) -> FrameRange | None:
    """The frames of the task (or job) from <meta>: start_frame..stop_frame on the
    frame_filter step, or size frames from start_frame; None when <meta> does not say."""
    meta = root.find("meta/task")
    if meta is None:
        meta = root.find("meta/job")
    if meta is None and task_id is not None:  # a project export: the track names its task
        meta = next(
            (t for t in root.iterfind("meta/project/tasks/task") if text_of(t, "id") == task_id),
            None,
        )
    if meta is None:
        return None
    start, stop = _int(text_of(meta, "start_frame")), _int(text_of(meta, "stop_frame"))
    size = _int(text_of(meta, "size"))
    match = re.search(r"step\s*=\s*(\d{1,9})\b", text_of(meta, "frame_filter") or "")
    step = max(1, int(match.group(1))) if match else 1
    first = start if start is not None and start >= 0 else 0
    # Frames are absolute: start_frame + k * step, k < size, up to stop_frame. Either
    # bound alone is enough; with both, the wider one (an unset stop_frame is 0).
    last = first + (size - 1) * step if size is not None and size > 0 else None
    if stop is not None and stop >= first:
        last = stop if last is None else max(last, stop)
    return FrameRange(first, last, step) if last is not None else None


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and re.fullmatch(r"-?\d{1,18}", text) else None


def _frame(
    shape: ET.Element, where: str, frames: FrameRange | None, outside: bool, rep: Reporter
) -> int | None:
    raw = shape.get("frame")
    if raw is None:
        rep.add("cvat.required-attribute", f"<{shape.tag}> of {where} has no frame", where)
        return None
    frame = _int(raw.strip())
    if frame is None:
        rep.add(
            "cvat.number", f"<{shape.tag}> of {where}: frame {raw!r:.40} is not an integer", where
        )
        return None
    if frames is not None and not frames.holds(frame, outside):
        on_step = f" every {frames.step}" if frames.step > 1 else ""
        rep.add(
            "cvat.frame-out-of-range",
            f"frame {frame} of {where} is not a frame of the task"
            f" ({frames.start}..{frames.stop}{on_step})",
            f"{where}/{frame}",
        )
        return None
    return frame


def _original_size(root: ET.Element) -> _Size:
    width = number(text_of(root, "meta/task/original_size/width"))
    height = number(text_of(root, "meta/task/original_size/height"))
    return (width, height) if width and height else None


# label -> attribute name -> (input_type, allowed values)
_Specs = dict[str, dict[str, tuple[str, frozenset[str]]]]


def _label_specs(root: ET.Element) -> tuple[_Specs, set[str]]:
    """Labels and their attribute definitions from <meta> (task or project export), and
    the names of skeleton elements (labels with a <parent>)."""
    specs: _Specs = {}
    sublabels: set[str] = set()
    for label in root.iterfind("meta//labels/label"):
        name = text_of(label, "name")
        if not name:
            continue
        if text_of(label, "parent"):
            sublabels.add(name)
        attrs = specs.setdefault(name, {})
        for attr in label.iterfind("attributes/attribute"):
            attr_name = text_of(attr, "name")
            if attr_name:
                raw = text_of(attr, "values") or ""
                # Newline-separated in CVAT exports; some hand-made files use spaces.
                values = frozenset(raw.split("\n")) | frozenset(raw.split())
                attrs[attr_name] = (text_of(attr, "input_type") or "", values)
    return specs, sublabels


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
        if not label.strip():
            rep.add("annotation.empty-label", f"<{shape.tag}> has an empty label", aid)
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
        # Geometry as written (a skeleton's is in its elements): same key, same shape.
        where = [shape, *shape] if shape.tag == "skeleton" else [shape]
        key = (item, label, shape.tag, tuple(e.get(k) for e in where for k in _GEOMETRY_KEYS))
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
        """The shape's kind and axis-aligned box, after its own checks (None: unusable)."""
        tag = shape.tag
        if tag == "tag":
            return GeometryKind.NONE, None
        if tag in ("box", "ellipse"):
            return self._box_or_ellipse(shape, aid, size)
        if tag in _POINT_SHAPES:
            kind, minimum = _POINT_SHAPES[tag]
            points = self._points(shape, aid)
            if points is None:
                return None, None
            if len(points) < minimum:
                self.rep.add("cvat.too-few-points", f"<{tag}> with {len(points)} points", aid)
                return None, None
            return kind, self._bounds(points, size, aid, tag)
        if tag == "cuboid":
            values = self._numbers(shape, _CUBOID_KEYS, aid)
            if values is None:
                return None, None
            corners = list(zip(values[0::2], values[1::2], strict=True))
            return GeometryKind.CUBOID, self._bounds(corners, size, aid, tag)
        if tag == "skeleton":
            return self._skeleton(shape, aid, size)
        values = self._numbers(shape, ("left", "top", "width", "height"), aid)  # mask
        if values is None:
            return None, None
        left, top, w, h = values
        self._inside(left, top, left + w, top + h, size, aid, tag)
        return GeometryKind.MASK, (left, top, w, h)

    def _box_or_ellipse(
        self, shape: ET.Element, aid: str, size: _Size
    ) -> tuple[GeometryKind | None, tuple[float, float, float, float] | None]:
        tag = shape.tag
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
        # `rotation` (degrees, clockwise, about the centre) moves what sticks out.
        ex0, ey0, ex1, ey1 = _rotated_extent(x0, y0, x1, y1, number(shape.get("rotation")), tag)
        self._inside(ex0, ey0, ex1, ey1, size, aid, tag)
        kind = GeometryKind.BBOX if tag == "box" else GeometryKind.POLYGON
        return kind, (x0, y0, x1 - x0, y1 - y0)

    def _skeleton(
        self, shape: ET.Element, aid: str, size: _Size
    ) -> tuple[GeometryKind | None, tuple[float, float, float, float] | None]:
        """A skeleton's elements are one-point <points>; hidden ones (outside="1") may
        sit anywhere, visible ones must be in the image."""
        visible: list[tuple[float, float]] = []
        for element in shape:
            if element.tag not in _SHAPES or element.tag == "skeleton":
                continue
            name = element.get("label")
            if self.known is not None and name is not None and name not in self.known:
                self.rep.add(
                    "cvat.unknown-label", f"skeleton element {name!r} is not declared", aid
                )
            points = self._points(element, aid)
            if points is None:
                return None, None
            if element.get("outside", "0") != "1":
                visible += points
        if not visible:
            return GeometryKind.KEYPOINTS, None
        return GeometryKind.KEYPOINTS, self._bounds(visible, size, aid, "skeleton")

    def _bounds(
        self, points: list[tuple[float, float]], size: _Size, aid: str, tag: str
    ) -> tuple[float, float, float, float]:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        self._inside(min(xs), min(ys), max(xs), max(ys), size, aid, tag)
        return (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))

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


def _rotated_extent(
    x0: float, y0: float, x1: float, y1: float, rotation: float | None, tag: str
) -> tuple[float, float, float, float]:
    """Axis-aligned extent of a box or ellipse turned by `rotation` degrees about its
    centre."""
    if not rotation or not rotation % 360:
        return x0, y0, x1, y1
    theta = math.radians(rotation)
    c, s = abs(math.cos(theta)), abs(math.sin(theta))
    cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    if tag == "box":  # the corners' reach
        dx, dy = hw * c + hh * s, hw * s + hh * c
    else:  # an ellipse's tangent box
        dx, dy = math.hypot(hw * c, hh * s), math.hypot(hw * s, hh * c)
    return cx - dx, cy - dy, cx + dx, cy + dy
