"""CVAT for images XML: `<image>`s keyed by subset + id, their shapes matched by geometry.

Inside an image, shapes (`box`, `polygon`, `polyline`, `points`, `ellipse`, `mask`,
`cuboid`, `skeleton`, `tag`) have no id: they are matched by kind + label + IoU of their
bounding boxes, then merged field by field (each attribute and `<attribute>` child is a
field; a shape's coordinates are one atomic `@geometry` field). Image attributes merge
field by field too. `<meta>`, `<version>` and `<track>`s (keyed by id) merge whole.
A conflicting shape, or an image deleted on one side and edited on the other, becomes
a `<gitannot_conflict>` element in its place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from xml.etree.ElementTree import Element

from gitannot.merge.errors import UnmergeableError
from gitannot.merge.geometry_match import Box, Shape, assign_keys, conflict_shape, points_box
from gitannot.merge.outcome import MergeOutcome
from gitannot.merge.threeway import MISSING, Conflict, merge_record
from gitannot.merge.xml_merge import (
    Child,
    RootMerge,
    Side,
    by_bytes,
    conflict_of,
    merge_atomic,
    merge_children,
    merge_document,
    merge_element,
    merged_head,
)
from gitannot.merge.xml_objects import CONFLICT_TAG, Doc, Node, canon, child_keys, expand, held
from gitannot.merge.xml_objects import tag_key as xml_tag_key

FORMAT = "cvat"
ROOT = "annotations"
_GEOMETRY = {
    "box": ("xtl", "ytl", "xbr", "ybr", "rotation"),
    "ellipse": ("cx", "cy", "rx", "ry", "rotation"),
    "polygon": ("points",),
    "polyline": ("points",),
    "points": ("points",),
    "mask": ("rle", "left", "top", "width", "height"),
}
_CUBOID = re.compile(r"^[xy](tl|tr|bl|br)\d$")


def merge_text(
    base: bytes,
    ours: bytes,
    theirs: bytes,
    *,
    path: str,
    iou_threshold: float = 0.5,
    marker_size: int = 7,  # noqa: ARG001 — accepted like yolo's; XML conflicts need no markers
) -> MergeOutcome:
    """Three-way merge of one CVAT-for-images file; UnmergeableError if unparsable.
    Whole-file shortcuts (a side unchanged) are the driver's: this always parses."""
    data, conflicts = merge_document(
        base, ours, theirs, path=path, root=ROOT, merge_root=_root_merger(iou_threshold)
    )
    return MergeOutcome(data, conflicts, FORMAT)


def _root_merger(threshold: float) -> RootMerge:
    def merge_child(
        key: str, b: Child | None, o: Child | None, t: Child | None
    ) -> tuple[bytes | None, list[Conflict]]:
        if key.startswith("image "):
            return _merge_image(key, b, o, t, threshold)
        return merge_atomic(key, b, o, t)

    def merge_root(b: Doc, o: Doc, t: Doc, head: bytes | None) -> tuple[bytes, list[Conflict]]:
        sb, so, st = (Side(d, d.root, _root_keys(d)) for d in (b, o, t))
        return merge_children(sb, so, st, merge_child, head)

    return merge_root


def _root_keys(doc: Doc) -> list[str]:
    """Images by subset + id, tracks by id, the rest by tag. A `<gitannot_conflict>`
    (left by a criss-cross merge's inner merge) gets the key of the element it holds."""
    root = doc.root
    keys: list[str] = []
    for node, tag_key in zip(root.children, child_keys(root.children), strict=True):
        tag, attrs = node.tag, node.attrs
        if tag == CONFLICT_TAG:
            inner = held(expand(doc, node).element)
            if inner:
                tag, attrs = inner[0].tag, dict(inner[0].attrib)
        if tag == "image":
            ident = attrs["id"] if "id" in attrs else "name=" + attrs.get("name", "")
            keys.append(f"image {attrs.get('subset', '')}/{ident}")
        elif tag == "track" and "id" in attrs:
            keys.append(f"track {attrs['id']}")
        elif node.tag == CONFLICT_TAG:
            keys.append(xml_tag_key(tag, attrs))
        else:
            keys.append(tag_key)
    if len(set(keys)) != len(keys):
        raise UnmergeableError("two <image>/<track> elements share a key")
    return keys


def _merge_image(
    key: str, b: Child | None, o: Child | None, t: Child | None, threshold: float
) -> tuple[bytes | None, list[Conflict]]:
    decided, raw = by_bytes(b, o, t)
    if decided:
        return raw, []
    if o is None or t is None:
        return merge_atomic(key, b, o, t)  # deleted on a side: delete or conflict, whole
    values = [canon(c.expanded.element) for c in (o, t)]
    if (b is not None and canon(b.expanded.element) in values) or values[0] == values[1]:
        return merge_atomic(key, b, o, t)  # only layout differs on a side
    # Both sides added this image (b is None): merge its shapes against an empty base.
    base_node = b.node if b is not None else replace(o.node, attrs={}, children=[])
    base_attrs = MISSING if b is None else b.node.attrs
    attrs, conflict = merge_record(key, base_attrs, o.node.attrs, t.node.attrs)
    if conflict is not None:
        return conflict_of(conflict, b, o, t)
    head = merged_head(base_node, o, attrs)
    keys = assign_keys(_shapes(base_node), _shapes(o.node), _shapes(t.node), threshold)

    def merge_shape(
        skey: str, sb: Child | None, so: Child | None, st: Child | None
    ) -> tuple[bytes | None, list[Conflict]]:
        kind = next(c.node for c in (so, st, sb) if c is not None)
        names = _geometry_names(kind.tag, kind.attrs)
        return merge_element(f"{key} {skey}", sb, so, st, names, threshold=threshold)

    side_b = Side(o.doc if b is None else b.doc, base_node, keys.base)
    side_o = Side(o.doc, o.node, keys.ours)
    side_t = Side(t.doc, t.node, keys.theirs)
    return merge_children(side_b, side_o, side_t, merge_shape, head)


def _shapes(image: Node) -> list[Shape]:
    out: list[Shape] = []
    for node in image.children:
        if node.tag == CONFLICT_TAG:  # pairs through the shapes it holds
            alts = [_shape(e) for e in held(node.element)]
            out.append(conflict_shape(canon(node.element), alts))
        else:
            out.append(_shape(node.element))
    return out


def _shape(elem: Element) -> Shape:
    box = _box(elem)
    label = f"{elem.tag}:{elem.get('label', '')}"
    # No geometry (tag, an empty skeleton): the box is a placeholder, never a match.
    located = box is not None
    return Shape(label, box or (0.0, 0.0, 0.0, 0.0), canon(elem), elem.tag, located)


def _geometry_names(tag: str, attrs: Mapping[str, str]) -> tuple[str, ...]:
    if tag == "cuboid":
        return tuple(n for n in attrs if _CUBOID.match(n))
    return _GEOMETRY.get(tag, ())


def _box(elem: Element) -> Box | None:
    a, tag = elem.attrib, elem.tag
    try:
        if tag == "box":
            x1, y1, x2, y2 = (float(a[k]) for k in ("xtl", "ytl", "xbr", "ybr"))
            return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
        if tag == "ellipse":
            cx, cy, rx, ry = (float(a[k]) for k in ("cx", "cy", "rx", "ry"))
            return (cx - abs(rx), cy - abs(ry), cx + abs(rx), cy + abs(ry))
        if tag == "mask":
            x, y, w, h = (float(a[k]) for k in ("left", "top", "width", "height"))
            return (x, y, x + w, y + h)
        if tag == "cuboid":
            coords = [float(a[n]) for n in _geometry_names(tag, a)]
            return points_box(list(zip(coords[0::2], coords[1::2], strict=True)))
        if "points" in a:
            return points_box(_points(a["points"]))
        if tag == "skeleton":
            points = [p for c in elem for p in _points(c.attrib["points"])]
            return points_box(points) if points else None
    except (KeyError, ValueError) as exc:
        raise UnmergeableError(f"<{tag}> with missing or bad coordinates: {exc}") from exc
    return None  # <tag>: label only, matched by identical content or label


def _points(text: str) -> Sequence[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for pair in text.split(";"):
        x, y = pair.split(",")
        out.append((float(x), float(y)))
    return out
