"""Label Studio JSON export (tasks -> annotations/completions -> results) and the
labeling config XML (<View> with control tags such as <RectangleLabels>).

Region coordinates are percentages of the image (0..100); rotated rectangles turn
about their top-left corner, clockwise, in pixel space.
"""

import math
import xml.etree.ElementTree as ET
from typing import Any

from gitannot.core.annotation import Annotation, GeometryKind, Item, ParsedFile
from gitannot.formats.loaders import load_xml
from gitannot.formats.options import FormatContext, FormatOptions, LabelStudioControl
from gitannot.formats.report import Reporter

_KIND = {
    "rectangle": GeometryKind.BBOX,
    "polygon": GeometryKind.POLYGON,
    "keypoint": GeometryKind.POINT,
    "ellipse": GeometryKind.POLYGON,
    "brush": GeometryKind.MASK,
}
_Box = tuple[float, float, float, float]


def controls_from_root(root: ET.Element) -> dict[str, LabelStudioControl]:
    """Every control tag (an element with name and toName) and the labels it offers."""
    controls: dict[str, LabelStudioControl] = {}
    for elem in root.iter():
        name, to_name = elem.get("name"), elem.get("toName")
        if name and to_name:
            labels = tuple(v for v in (c.get("value") for c in elem) if v is not None)
            controls[name] = LabelStudioControl(name, elem.tag, to_name, labels)
    return controls


def labelstudio_controls(data: bytes, options: FormatOptions | None = None) -> dict[str, Any]:
    """Controls of a labeling config file, for FormatContext.labelstudio_controls; {} if
    the config does not parse (parse_file on the config reports why)."""
    rep = Reporter("", options or FormatOptions())
    root = load_xml(data, rep, (options or FormatOptions()).max_xml_depth)
    return dict(controls_from_root(root)) if root is not None else {}


def parse_labelstudio_config(
    pf: ParsedFile,
    root: ET.Element,
    rep: Reporter,
    opts: FormatOptions,  # noqa: ARG001 — one signature for every format handler
    ctx: FormatContext,  # noqa: ARG001 — one signature for every format handler
) -> None:
    objects = {e.get("name") for e in root.iter() if e.get("name") and not e.get("toName")}
    for control in controls_from_root(root).values():
        for target in control.to_name.split(","):
            if target not in objects:
                rep.add(
                    "labelstudio.dangling-from-name",
                    f"<{control.tag} name={control.name!r}> points to missing {target!r}",
                    control.name,
                )
        pf.declared_labels.extend(x for x in control.labels if x not in pf.declared_labels)


def parse_labelstudio(
    pf: ParsedFile, doc: Any, rep: Reporter, opts: FormatOptions, ctx: FormatContext
) -> None:
    if type(doc) is dict:
        doc = [doc]  # a single task, as the import API accepts
    if type(doc) is not list:
        rep.add("json.root-type", "a Label Studio export is a JSON list of tasks")
        return
    checker = _Checker(pf, rep, opts, ctx)
    for index, task in enumerate(doc):
        if type(task) is not dict:
            rep.add("labelstudio.structure", f"task #{index} is not an object", f"#{index}")
            continue
        tid = str(task.get("id", f"#{index}"))
        if tid in pf.items:
            # Still checked, as its own item: a repeated id must not hide content.
            rep.add(
                "labelstudio.duplicate-id",
                f"task id {tid} appears twice; task #{index} is reported as {tid}#{index}",
                tid,
            )
            tid = f"{tid}#{index}"
        checker.task(task, tid)


# Every list of results a task carries: ground truth (`annotations`, legacy
# `completions`), model `predictions` and unsubmitted `drafts`. All are checked: content
# in the file is content in the repository. The prefix keeps their ids apart.
_RESULT_LISTS = (("annotations", ""), ("completions", ""), ("predictions", "p"), ("drafts", "d"))


class _Checker:
    def __init__(
        self, pf: ParsedFile, rep: Reporter, opts: FormatOptions, ctx: FormatContext
    ) -> None:
        self.pf, self.rep, self.opts = pf, rep, opts
        self.controls = ctx.labelstudio_controls
        if self.controls:
            for control in self.controls.values():
                pf.declared_labels.extend(x for x in control.labels if x not in pf.declared_labels)

    def task(self, task: dict[str, Any], tid: str) -> None:
        data = task.get("data")
        file_name = ""
        if type(data) is dict:
            file_name = next((v for v in data.values() if type(v) is str), "")
        self.pf.items[tid] = Item(tid, file_name)
        for key, prefix in _RESULT_LISTS:
            anns = task.get(key)
            if anns is None:
                continue
            if type(anns) is not list:
                self.rep.add("labelstudio.structure", f"task {tid}: `{key}` is not a list", tid)
                continue
            for n, ann in enumerate(anns):
                if type(ann) is not dict or type(ann.get("result", [])) is not list:
                    self.rep.add(
                        "labelstudio.structure", f"task {tid}: {key}[{n}] has no result list", tid
                    )
                    continue
                ann_id = prefix + str(ann.get("id", f"#{n}"))
                self.annotation(tid, ann_id, ann.get("result", []))

    def annotation(self, tid: str, ann_id: str, results: list[Any]) -> None:
        """One annotator's (or model's) result list: exclusive groups hold within it."""
        seen_ids: set[tuple[str, str]] = set()
        seen_geo: set[tuple[Any, ...]] = set()
        regions: dict[str, list[Annotation]] = {}
        for n, res in enumerate(results):
            where = f"{tid}/{ann_id}/{n}"
            if type(res) is not dict:
                self.rep.add("labelstudio.structure", "result is not an object", where)
                continue
            rtype = res.get("type")
            if rtype == "relation":
                continue  # links two regions by id; no geometry, no label
            value = res.get("value")
            if type(rtype) is not str or type(value) is not dict:
                self.rep.add("labelstudio.structure", "result needs `type` and `value`", where)
                continue
            rid = str(res.get("id", n))
            aid = f"{tid}/{ann_id}/{rid}"
            from_name = str(res.get("from_name", ""))
            if (rid, from_name) in seen_ids:
                self.rep.add("labelstudio.duplicate-id", f"result id {rid!r} repeated", aid)
                aid = f"{aid}#{n}"
            elif any(r == rid for r, _ in seen_ids):
                aid = f"{aid}:{from_name}"  # one region, several controls: still unique
            seen_ids.add((rid, from_name))
            made = self.result(res, rtype, value, tid, aid, seen_geo, regions.get(rid))
            for ann in made:
                ann.scope = ann_id
            if made and made[0].geometry is not GeometryKind.NONE:
                regions.setdefault(rid, made)

    def result(
        self,
        res: dict[str, Any],
        rtype: str,
        value: dict[str, Any],
        tid: str,
        aid: str,
        seen_geo: set[tuple[Any, ...]],
        region: list[Annotation] | None = None,
    ) -> list[Annotation]:
        """Check one result: one annotation per label it names (a multi-label region is
        several labels on one geometry). A per-region result (textarea, choices, rating
        sharing a region's id) becomes an attribute of that region's annotations."""
        label_list = self._labels(res, rtype, value, aid)
        base = rtype.removesuffix("labels")
        kind = _KIND.get(base, GeometryKind.NONE)
        if kind is GeometryKind.NONE and region is not None:
            for ann in region:
                ann.attributes[str(res.get("from_name"))] = _attribute_value(value)
            return []
        ow: Any = res.get("original_width")
        oh: Any = res.get("original_height")
        ratio = ow / oh if _num(ow) and _num(oh) and ow > 0 and oh > 0 else 1.0
        box = self._geometry(base, value, ratio, aid) if kind is not GeometryKind.NONE else None
        if box is None and kind in (GeometryKind.BBOX, GeometryKind.POLYGON, GeometryKind.POINT):
            return []
        item = self.pf.items.get(tid)
        if item is not None and item.width is None and _num(ow) and _num(oh):
            self.pf.items[tid] = Item(tid, item.file_name, float(ow), float(oh))
        pixel_box = None
        if box is not None and _num(ow) and _num(oh):
            pixel_box = (box[0] * ow / 100, box[1] * oh / 100, box[2] * ow / 100, box[3] * oh / 100)
        if box is not None:
            key = (base, tuple(label_list), box)
            if key in seen_geo:
                self.rep.add("annotation.duplicate", "identical region in the same annotation", aid)
            seen_geo.add(key)
        attributes = {k: v for k, v in value.items() if k not in _GEOMETRY_KEYS and k != rtype}
        made = [
            Annotation(
                aid if len(label_list) < 2 else f"{aid}[{k}]",
                tid,
                label,
                kind,
                pixel_box,
                dict(attributes),
            )
            for k, label in enumerate(label_list or [""])
        ]
        self.pf.annotations.extend(made)
        return made

    def _labels(
        self, res: dict[str, Any], rtype: str, value: dict[str, Any], aid: str
    ) -> list[str]:
        """The labels a result names, checked against its control and for blanks."""
        rep = self.rep
        from_name, to_name = res.get("from_name"), res.get("to_name")
        named = rtype.endswith("labels") or rtype == "choices"
        labels = value.get(rtype) if named else None
        label_list = [x for x in labels if type(x) is str] if type(labels) is list else []
        if named and (not label_list or any(not x.strip() for x in label_list)):
            rep.add("annotation.empty-label", f"{rtype} {labels!r:.60} names no label", aid)
        if self.controls is not None:
            control = self.controls.get(str(from_name))
            if control is None or str(to_name) not in control.to_name.split(","):
                rep.add(
                    "labelstudio.dangling-from-name",
                    f"from_name {from_name!r} / to_name {to_name!r} not in the labeling config",
                    aid,
                )
            elif control.labels:
                for label in label_list:
                    if label not in control.labels:
                        rep.add(
                            "labelstudio.unknown-label",
                            f"{label!r} is not a label of control {from_name!r}",
                            aid,
                        )
        return label_list

    def _geometry(self, base: str, value: dict[str, Any], ratio: float, aid: str) -> _Box | None:
        """Percent-space bounding box of the region, after range checks."""
        if base == "brush":
            return None
        if base == "polygon":
            pts = value.get("points")
            if type(pts) is not list or not all(
                type(p) is list and len(p) == 2 and _num(p[0]) and _num(p[1]) for p in pts
            ):
                self.rep.add("labelstudio.structure", "polygon `points` must be [[x, y], ...]", aid)
                return None
            corners = [(float(p[0]), float(p[1])) for p in pts]
        else:
            keys = {
                "rectangle": ("x", "y", "width", "height"),
                "keypoint": ("x", "y"),
                "ellipse": ("x", "y", "radiusX", "radiusY"),
            }[base]
            nums: list[Any] = [value.get(k) for k in keys]
            if not all(_num(v) for v in nums):
                self.rep.add("labelstudio.structure", f"{base} needs numbers {keys}", aid)
                return None
            if base != "keypoint" and (nums[2] <= 0 or nums[3] <= 0):
                self.rep.add("labelstudio.bbox-non-positive", f"{base} size {nums[2:]}", aid)
                return None
            corners = _corners(base, [float(v) for v in nums], value.get("rotation"), ratio)
        if not all(math.isfinite(c) for xy in corners for c in xy):
            self.rep.add("value.not-finite", "NaN/infinite coordinate", aid)
            return None
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        tol = self.opts.labelstudio_tolerance_pct
        raw: list[Any] = [v for v in (value.get(k) for k in _RANGE_KEYS) if _num(v)]
        raw += [c for p in (value.get("points") or []) if type(p) is list for c in p if _num(c)]
        if any(v < -tol or v > 100 + tol for v in raw):
            # A value itself outside 0..100: pixels or fractions written as percentages.
            self.rep.add(
                "labelstudio.value-range", f"{base} values {raw} outside 0..100 percent", aid
            )
        elif min(xs) < -tol or min(ys) < -tol or max(xs) > 100 + tol or max(ys) > 100 + tol:
            self.rep.add(
                "labelstudio.outside-image",
                f"{base} spans x {min(xs):.4g}..{max(xs):.4g}, y {min(ys):.4g}..{max(ys):.4g}",
                aid,
            )
        return (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


_RANGE_KEYS = ("x", "y", "width", "height", "radiusX", "radiusY")
_GEOMETRY_KEYS = frozenset(
    ("x", "y", "width", "height", "rotation", "points", "radiusX", "radiusY", "closed")
)


def _attribute_value(value: dict[str, Any]) -> Any:
    """{"choices": ["a"]} -> "a"; {"text": ["x", "y"]} -> ["x", "y"]; {"rating": 4} -> 4."""
    rest = {k: v for k, v in value.items() if k not in _GEOMETRY_KEYS}
    if len(rest) != 1:
        return rest
    (only,) = rest.values()
    return only[0] if type(only) is list and len(only) == 1 else only


def _num(value: Any) -> bool:
    return type(value) is int or type(value) is float


def _corners(
    base: str, nums: list[float], rotation: Any, ratio: float
) -> list[tuple[float, float]]:
    if base == "keypoint":
        return [(nums[0], nums[1])]
    if base == "ellipse":  # centre and radii; turned about the centre
        x, y, rx, ry = nums
        if _num(rotation) and rotation % 360:
            theta = math.radians(rotation)
            c, s = math.cos(theta), math.sin(theta)
            a = rx * ratio  # radii in the pixel-like space (see below)
            dx, dy = math.hypot(a * c, ry * s) / ratio, math.hypot(a * s, ry * c)
            return [(x - dx, y - dy), (x + dx, y + dy)]
        return [(x - rx, y - ry), (x + rx, y + ry)]
    x, y, w, h = nums
    if not _num(rotation) or not rotation % 360:
        return [(x, y), (x + w, y + h)]
    # Rotation is about (x, y) in pixel space; `ratio` (width / height of the image)
    # turns x-percent into units of y-percent so the turn is not skewed.
    theta = math.radians(rotation)
    c, s = math.cos(theta), math.sin(theta)
    # Work in a space where one x-percent equals one y-percent * ratio (pixel-like).
    wx, hy = w * ratio, h
    pts = [(0.0, 0.0), (wx * c, wx * s), (wx * c - hy * s, wx * s + hy * c), (-hy * s, hy * c)]
    return [(x + px / ratio, y + py) for px, py in pts]
