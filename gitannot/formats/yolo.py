"""YOLO label rows (detection and segmentation), data.yaml and classes.txt / obj.names.

Rows: `class cx cy w h` (detection) or `class x1 y1 x2 y2 x3 y3 ...` (segmentation,
also 4-corner OBB), all coordinates normalised to 0..1. Class names come from
FormatContext.class_names, which the caller reads from data.yaml / classes.txt.
"""

import math
import re
from typing import Any

from gitannot.core.annotation import Annotation, GeometryKind, Item, ParsedFile
from gitannot.core.yamlsafe import YamlError, load_yaml
from gitannot.formats.conflicts import strip_text_conflicts
from gitannot.formats.loaders import load_text
from gitannot.formats.options import FormatContext, FormatOptions
from gitannot.formats.report import Reporter

_CLASS = re.compile(r"\d+")
KptShape = tuple[int, int]


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name


def parse_yolo(
    pf: ParsedFile, text: str, rep: Reporter, opts: FormatOptions, ctx: FormatContext
) -> None:
    item = _stem(pf.path)
    size = ctx.image_sizes.get(item)
    pf.items[item] = Item(item, "", size[0] if size else None, size[1] if size else None)
    names = ctx.class_names
    if names is None:
        rep.add("yolo.no-names", "no data.yaml/classes.txt given; class indexes not resolved")
    else:
        pf.declared_labels.extend(names)
        pf.label_ids.update({str(i): n for i, n in enumerate(names)})
    rows = strip_text_conflicts(text.splitlines(), rep)
    seen: set[tuple[str, ...]] = set()
    for number, line in rows:
        tokens = line.split()
        if not tokens:
            continue
        made = _row(tokens, number, item, size, names, rep, opts, ctx.yolo_kpt_shape)
        if made is None:
            continue
        key = tuple(tokens)
        if key in seen:
            rep.add("annotation.duplicate", f"line {number} repeats an earlier row", made.id)
        seen.add(key)
        pf.annotations.append(made)


def _row(  # noqa: C901 — a row's token checks in order; hot path, no calls
    tokens: list[str],
    number: int,
    item: str,
    size: tuple[float, float] | None,
    names: tuple[str, ...] | None,
    rep: Reporter,
    opts: FormatOptions,
    kpt_shape: KptShape | None = None,
) -> Annotation | None:
    aid = f"line:{number}"
    n = len(tokens)
    if kpt_shape is not None:
        expected = 5 + kpt_shape[0] * kpt_shape[1]
        if n != expected:
            rep.add(
                "yolo.token-count",
                f"line {number} has {n} values; kpt_shape {list(kpt_shape)} needs {expected}",
                aid,
            )
            return None
    elif n != 5 and (n < 7 or n % 2 == 0):
        rep.add(
            "yolo.token-count",
            f"line {number} has {n} values; expected 5 (box) or an odd count >= 7 (polygon)",
            aid,
        )
        return None
    if not _CLASS.fullmatch(tokens[0]):
        rep.add("yolo.number", f"line {number}: class {tokens[0]!r} is not an integer", aid)
        return None
    # int() refuses over 4300 digits; an index that long is out of range anyway.
    cls = int(tokens[0]) if len(tokens[0]) <= 18 else 1 << 62
    try:
        values = [float(t) for t in tokens[1:]]
    except ValueError:
        rep.add("yolo.number", f"line {number}: a coordinate is not a number", aid)
        return None
    if not all(math.isfinite(v) for v in values):
        rep.add("value.not-finite", f"line {number}: NaN or infinite coordinate", aid)
        return None
    label = ""
    if names is not None:
        if cls >= len(names):
            rep.add(
                "yolo.class-out-of-range",
                f"line {number}: class {tokens[0]:.20} but only {len(names)} names",
                aid,
            )
        else:
            label = names[cls]
    tol = opts.yolo_tolerance
    if kpt_shape is not None:
        values = _keypoints(values, kpt_shape, number, rep, aid)
        if not values:
            return None
    if n == 5 or kpt_shape is not None:
        cx, cy, w, h = values[:4]
        geometry = GeometryKind.BBOX
        if w <= 0 or h <= 0:
            rep.add("yolo.bbox-non-positive", f"line {number}: w={w:g} h={h:g}", aid)
        x0, y0, x1, y1 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
    else:
        geometry = GeometryKind.POLYGON
        xs, ys = values[0::2], values[1::2]
        x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    if min(values) < -tol or max(values) > 1 + tol:
        rep.add("yolo.coordinate-range", f"line {number}: coordinates outside 0..1", aid)
    elif x0 < -tol or y0 < -tol or x1 > 1 + tol or y1 > 1 + tol:
        rep.add("yolo.outside-image", f"line {number}: box extends past the image edge", aid)
    box = None
    if size is not None:
        iw, ih = size
        box = (x0 * iw, y0 * ih, (x1 - x0) * iw, (y1 - y0) * ih)
    if kpt_shape is not None:
        geometry = GeometryKind.KEYPOINTS
    return Annotation(aid, item, label, geometry, box, {}, number)


def _keypoints(
    values: list[float], kpt_shape: KptShape, number: int, rep: Reporter, aid: str
) -> list[float]:
    """Check pose keypoints; return the values the range check should see (box + x, y)."""
    count, dims = kpt_shape
    points = values[4:]
    if dims == 3:
        flags = points[2::3]
        if any(v not in (0.0, 1.0, 2.0) for v in flags):
            rep.add("yolo.keypoint-visibility", f"line {number}: visibility {flags}", aid)
            return []
        xy = [c for i in range(count) for c in points[3 * i : 3 * i + 2]]
    else:
        xy = points
    return values[:4] + xy


def read_kpt_shape(data: bytes) -> KptShape | None:
    """`kpt_shape: [count, 2 or 3]` from a data.yaml, for FormatContext.yolo_kpt_shape."""
    try:
        doc: Any = _load_yaml(data.decode("utf-8", errors="replace"))
    except YamlError:
        return None
    return _kpt_shape(doc)


def read_names_file(path: str, data: bytes) -> tuple[tuple[str, ...] | None, KptShape | None]:
    """Class names in index order (None when the file gives no clean list) and, from a
    data.yaml, `kpt_shape`: what FormatContext needs, read exactly as this file's own
    checks read it (their findings are dropped here; validating the file reports them)."""
    rep = Reporter(path, FormatOptions())
    text = load_text(data, rep)
    if text is None:
        return None, None
    if not path.endswith((".yaml", ".yml")):
        return tuple(_text_names(text, rep)), None
    doc = _yaml_doc(text, rep)
    if doc is None:
        return None, None
    names = _yaml_names(doc)
    return (tuple(names) if names is not None else None), _kpt_shape(doc)


def _load_yaml(text: str) -> Any:
    # gitannot's one hardened YAML loader: no aliases, caps, duplicate keys refused
    return load_yaml(text, "data.yaml", lines=False)


def _kpt_shape(doc: Any) -> KptShape | None:
    shape = doc.get("kpt_shape") if type(doc) is dict else None
    if (
        type(shape) is list
        and len(shape) == 2
        and all(type(v) is int for v in shape)
        and shape[0] > 0
        and shape[1] in (2, 3)
    ):
        return (shape[0], shape[1])
    return None


def _names_report(names: list[str], where: str, rep: Reporter, pf: ParsedFile) -> None:
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if not name.strip():
            rep.add("yolo-data.empty-name", f"class {index} has an empty name{where}", index)
        elif name in seen:
            rep.add(
                "yolo-data.duplicate-name",
                f"{name!r} is class {seen[name]} and class {index}{where}",
                index,
            )
        else:
            seen[name] = index
    pf.declared_labels.extend(names)
    pf.label_ids.update({str(i): n for i, n in enumerate(names)})


def parse_yolo_names(
    pf: ParsedFile,
    text: str,
    rep: Reporter,
    opts: FormatOptions,  # noqa: ARG001 — one signature for every format handler
    ctx: FormatContext,  # noqa: ARG001 — one signature for every format handler
) -> None:
    """classes.txt / obj.names: one class name per line, index = line number - 1."""
    _names_report(_text_names(text, rep), "", rep, pf)


def _text_names(text: str, rep: Reporter) -> list[str]:
    rows = strip_text_conflicts(text.splitlines(), rep)
    names = [line.strip() for _, line in rows]
    while names and not names[-1]:
        names.pop()  # trailing blank lines are harmless; blank lines inside shift indexes
    return names


def parse_yolo_data(
    pf: ParsedFile,
    text: str,
    rep: Reporter,
    opts: FormatOptions,  # noqa: ARG001 — one signature for every format handler
    ctx: FormatContext,  # noqa: ARG001 — one signature for every format handler
) -> None:
    """Ultralytics / YOLOv5 data.yaml: names (list or {index: name}) and nc."""
    doc = _yaml_doc(text, rep)
    if doc is None:
        return
    names = _yaml_names(doc)
    if names is None:
        rep.add("yolo-data.names", "`names` must be a list of strings or {0: name, ...}")
        return
    _names_report(names, "", rep, pf)
    nc = doc.get("nc")
    if nc is not None and nc != len(names):
        rep.add("yolo-data.nc-mismatch", f"nc is {nc!r:.40} but {len(names)} names are given")
    shape = doc.get("kpt_shape")
    if shape is not None and _kpt_shape(doc) is None:
        rep.add("yolo-data.kpt-shape", f"kpt_shape {shape!r:.40} is not [count, 2 or 3]")


def _yaml_doc(text: str, rep: Reporter) -> dict[Any, Any] | None:
    """The data.yaml mapping, or None with a finding."""
    if "<<<<<<<" in text:
        strip_text_conflicts(text.splitlines(), rep)
        return None
    try:
        doc: Any = _load_yaml(text)
    except YamlError as exc:
        rep.add("yolo-data.parse", exc.problem.replace("\n", " ") + _at(exc.line))
        return None
    if type(doc) is not dict:
        rep.add("yolo-data.parse", "data.yaml must be a mapping")
        return None
    return doc


def _at(line: int) -> str:
    return f" (line {line})" if line else ""


def _yaml_names(doc: dict[Any, Any]) -> list[str] | None:
    """`names` as a list of strings or {0: name, 1: name, ...}; None otherwise."""
    raw = doc.get("names")
    if type(raw) is list and all(type(n) is str for n in raw):
        return raw
    if (
        type(raw) is dict
        and all(type(k) is int and type(v) is str for k, v in raw.items())
        and sorted(raw) == list(range(len(raw)))
    ):
        return [raw[i] for i in range(len(raw))]
    return None
