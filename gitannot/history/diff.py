"""Annotation-level differences between two versions of one label file. Pure, no I/O.

Both versions are read through formats.parse_file, so every format gitannot validates
diffs the same way. Records pair by id where the format's ids are stable (COCO, Label
Studio, per-image JSON); where an id is only a position (YOLO lines, VOC objects, CVAT
shapes) identical annotations pair first, then what is left pairs by box overlap within
one item, so deleting the first line does not show every later line as changed.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from gitannot.core.annotation import Annotation, ParsedFile
from gitannot.formats.api import parse_file
from gitannot.formats.options import FormatOptions
from gitannot.history.context import Names, is_yolo_rows
from gitannot.history.fastcoco import diff_records

# diff, blame and log run on a user's machine, not in the hook: no server size limit
# (a file over it would otherwise get a line diff, far slower than reading it).
LOCAL = FormatOptions(max_file_bytes=1 << 62)
POSITIONAL = frozenset({"yolo", "voc", "cvat"})
PAIR_IOU = 0.5  # the merge driver's default: the same object in both versions


@dataclass
class Change:
    old: Annotation
    new: Annotation
    fields: list[str]  # human-readable, e.g. "label car → truck"


@dataclass
class FileDiff:
    path: str
    format: str
    added: list[Annotation] = field(default_factory=list)
    removed: list[Annotation] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    counts: tuple[Counter[str], Counter[str]] = field(
        default_factory=lambda: (Counter(), Counter())
    )
    readable: bool = True  # False: neither version is a label file gitannot reads
    notes: list[str] = field(default_factory=list)  # where outside facts came from

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def parse_version(path: str, data: bytes | None, names: Names | None = None) -> ParsedFile | None:
    """A version's annotations; None for an absent version (added or deleted file).
    `names`: YOLO class names for a .txt file (none: rows read with class indexes)."""
    if data is None or not data.strip():
        return None
    if names is None or not is_yolo_rows(path):
        return parse_file(path, data, options=LOCAL)
    pf = parse_file(path, data, options=LOCAL, context=names.context(path))
    if pf.format == "yolo" and names.names is None:
        rows = data.decode("utf-8", "replace").splitlines()
        for ann in pf.annotations:  # the class index stands in for the unknown name
            ann.label = rows[ann.line - 1].split()[0] if ann.line else ""
    return pf


ANNOTATION_FORMATS = frozenset(
    {"coco", "coco-results", "coco-panoptic", "labelstudio", "gitannot", "voc", "cvat", "yolo"}
)
# Findings that mean the file was not read (others are validation, annotations exist).
_UNREAD = ("format.", "json.parse", "xml.parse", "file.encoding", "file.too-large")


def readable(pf: ParsedFile | None) -> bool:
    """An absent version, or one whose annotations gitannot read."""
    if pf is None:
        return True
    return pf.format in ANNOTATION_FORMATS and not any(
        f.rule.startswith(_UNREAD) for f in pf.findings
    )


def diff_versions(
    path: str,
    old: bytes | None,
    new: bytes | None,
    *,
    names: tuple[Names | None, Names | None] = (None, None),
    fast: bool = True,
) -> FileDiff:
    """`names`: each side's YOLO class names (history/context.py). `fast=False` reads
    both versions in full (the reference the record path must equal)."""
    if fast and old and new and path.lower().endswith(".json"):
        records = diff_records(old, new)  # big COCO files: only changed records are parsed
        if records is not None:
            return _from_records(path, *records)
    a, b = parse_version(path, old, names[0]), parse_version(path, new, names[1])
    fmt = (b or a).format if (b or a) is not None else "unknown"  # type: ignore[union-attr]
    result = FileDiff(path, fmt)
    if fmt == "yolo":
        sides = (("a", names[0], a), ("b", names[1], b))
        result.notes = [n.line(side) for side, n, pf in sides if n is not None and pf is not None]
    if not (readable(a) and readable(b)) or (a is None and b is None):
        result.readable = False
        return result
    olds, news = (a.annotations if a else []), (b.annotations if b else [])
    result.counts = (Counter(x.label for x in olds), Counter(x.label for x in news))
    pairs, result.removed, result.added = pair(olds, news, positional=fmt in POSITIONAL)
    for x, y in pairs:
        found = changed_fields(x, y)
        if found:
            result.changed.append(Change(x, y, found))
    return result


def _from_records(
    path: str,
    pairs: list[tuple[Annotation, Annotation]],
    removed: list[Annotation],
    added: list[Annotation],
    counts: tuple[Counter[str], Counter[str]],
) -> FileDiff:
    result = FileDiff(path, "coco", added=added, removed=removed, counts=counts)
    for x, y in pairs:
        found = changed_fields(x, y)
        if found:
            result.changed.append(Change(x, y, found))
    return result


def signature(ann: Annotation) -> tuple[Any, ...]:
    box = tuple(round(v, 6) for v in ann.bbox) if ann.bbox else None
    attrs = tuple(sorted((k, repr(v)) for k, v in ann.attributes.items()))
    return (ann.item, ann.scope, ann.label, ann.geometry, box, attrs)


def pair(
    olds: list[Annotation], news: list[Annotation], *, positional: bool
) -> tuple[list[tuple[Annotation, Annotation]], list[Annotation], list[Annotation]]:
    """(pairs, removed, added); pairs in the new version's order."""
    if not positional:
        by_id = {x.id: x for x in olds}
        new_ids = {y.id for y in news}
        pairs = [(by_id[y.id], y) for y in news if y.id in by_id]
        return (
            pairs,
            [x for x in olds if x.id not in new_ids],
            [y for y in news if y.id not in by_id],
        )
    left: dict[tuple[Any, ...], list[Annotation]] = {}
    for x in olds:
        left.setdefault(signature(x), []).append(x)
    matched: dict[int, Annotation] = {}  # id(new) -> its old annotation
    for y in news:
        same = left.get(signature(y))
        if same:
            matched[id(y)] = same.pop(0)
    rest = [x for group in left.values() for x in group]
    rest.sort(key=olds.index)
    for y in news:
        if id(y) in matched or y.bbox is None:
            continue
        best = max(
            (x for x in rest if x.item == y.item and x.bbox is not None),
            key=lambda x: iou(x.bbox, y.bbox),  # type: ignore[arg-type]
            default=None,
        )
        if best is not None and iou(best.bbox, y.bbox) >= PAIR_IOU:  # type: ignore[arg-type]
            matched[id(y)] = best
            rest.remove(best)
    pairs = [(matched[id(y)], y) for y in news if id(y) in matched]
    return pairs, rest, [y for y in news if id(y) not in matched]


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = min(ax + aw, bx + bw) - max(ax, bx)
    h = min(ay + ah, by + bh) - max(ay, by)
    inter = max(w, 0.0) * max(h, 0.0)
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def num(value: float) -> str:
    """A coordinate as people write it: 12 not 12.0, at most 4 decimals."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def signed(value: float) -> str:
    return ("+" if value >= 0 else "") + num(value)


def value_text(value: Any) -> str:
    import json

    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


def changed_fields(old: Annotation, new: Annotation) -> list[str]:
    out: list[str] = []
    if old.label != new.label:
        out.append(f"label {old.label or '?'} → {new.label or '?'}")
    if old.item != new.item:
        out.append(f"item {old.item} → {new.item}")
    if old.geometry != new.geometry:
        out.append(f"geometry {old.geometry.value} → {new.geometry.value}")
    out += _box_change(old.bbox, new.bbox)
    names = [*old.attributes, *(k for k in new.attributes if k not in old.attributes)]
    for name in names:
        a, b = old.attributes.get(name, _ABSENT), new.attributes.get(name, _ABSENT)
        if a is _ABSENT:
            out.append(f"attribute {name} added: {value_text(b)}")
        elif b is _ABSENT:
            out.append(f"attribute {name} removed (was {value_text(a)})")
        elif value_text(a) != value_text(b):
            out.append(f"attribute {name} {value_text(a)} → {value_text(b)}")
    return out


_ABSENT: Any = object()


def _box_change(a: tuple[float, ...] | None, b: tuple[float, ...] | None) -> list[str]:
    if a is None or b is None:
        return [] if a == b else [f"bbox {box_text(a)} → {box_text(b)}"]
    out = []
    dx, dy = b[0] - a[0], b[1] - a[1]
    if abs(dx) > 1e-9 or abs(dy) > 1e-9:
        out.append(f"bbox moved by ({signed(dx)}, {signed(dy)})")
    if abs(a[2] - b[2]) > 1e-9 or abs(a[3] - b[3]) > 1e-9:
        out.append(f"bbox resized {num(a[2])}×{num(a[3])} → {num(b[2])}×{num(b[3])}")
    return out


def box_text(box: tuple[float, ...] | None) -> str:
    return "none" if box is None else "(" + ", ".join(num(v) for v in box) + ")"
