"""Pascal VOC XML: `<object>`s have no id and are matched by `<name>` + bndbox IoU.

Each `<object>` merges field by field (name, pose, truncated, difficult, occluded,
bndbox as one atomic field, parts...). The other children of `<annotation>` (folder,
filename, size, source, segmented) merge whole, keyed by tag. A conflicting object or
field becomes a `<gitannot_conflict>` element in its place, holding the base, ours and
theirs objects, so the file stays well-formed XML and validation can find it.
"""

from __future__ import annotations

from collections.abc import Sequence

from gitannot.merge.errors import UnmergeableError
from gitannot.merge.geometry_match import Box, Shape, assign_keys
from gitannot.merge.outcome import MergeOutcome
from gitannot.merge.threeway import Conflict
from gitannot.merge.xml_merge import (
    Child,
    RootMerge,
    Side,
    merge_atomic,
    merge_children,
    merge_document,
    merge_element,
)
from gitannot.merge.xml_objects import Doc, Node, canon, child_keys, expand

FORMAT = "voc"
ROOT = "annotation"


def merge_text(
    base: bytes,
    ours: bytes,
    theirs: bytes,
    *,
    path: str,
    iou_threshold: float = 0.5,
    marker_size: int = 7,  # noqa: ARG001 — accepted like yolo's; XML conflicts need no markers
) -> MergeOutcome:
    """Three-way merge of one VOC file; raises UnmergeableError if any side is not VOC.
    Whole-file shortcuts (a side unchanged) are the driver's: this always parses."""
    data, conflicts = merge_document(
        base, ours, theirs, path=path, root=ROOT, merge_root=_root_merger(iou_threshold)
    )
    return MergeOutcome(data, conflicts, FORMAT)


def _root_merger(threshold: float) -> RootMerge:
    def merge_root(b: Doc, o: Doc, t: Doc, head: bytes | None) -> tuple[bytes, list[Conflict]]:
        keys = _keys([b, o, t], threshold)
        sb, so, st = (Side(d, d.root, k) for d, k in zip((b, o, t), keys, strict=True))
        return merge_children(sb, so, st, _merge_child, head)

    return merge_root


def _keys(docs: Sequence[Doc], threshold: float) -> list[list[str]]:
    """Objects keyed by geometry match; other children by tag (`size`, `part#2`)."""
    roots = [d.root for d in docs]
    sb, so, st = (
        [_shape(expand(d, c)) for c in d.root.children if c.tag == "object"] for d in docs
    )
    obj_keys = assign_keys(sb, so, st, threshold)
    out: list[list[str]] = []
    for root, okeys in zip(roots, (obj_keys.base, obj_keys.ours, obj_keys.theirs), strict=True):
        it = iter(okeys)
        tags = child_keys(root.children)
        out.append(
            [
                f"object {next(it)}" if c.tag == "object" else k
                for c, k in zip(root.children, tags, strict=True)
            ]
        )
    return out


def _merge_child(
    key: str, base: Child | None, ours: Child | None, theirs: Child | None
) -> tuple[bytes | None, list[Conflict]]:
    if key.startswith("object "):
        return merge_element(key, base, ours, theirs)
    return merge_atomic(key, base, ours, theirs)


def _shape(node: Node) -> Shape:
    elem = node.elem
    assert elem is not None
    label = (elem.findtext("name") or "").strip()
    return Shape(label, _bndbox(node), canon(elem))


def _bndbox(node: Node) -> Box:
    assert node.elem is not None
    box = node.elem.find("bndbox")
    if box is None:
        return (0.0, 0.0, 0.0, 0.0)  # no geometry: matched by identical content or label
    try:
        x1, y1, x2, y2 = (float(box.findtext(n) or "") for n in ("xmin", "ymin", "xmax", "ymax"))
    except ValueError as exc:
        raise UnmergeableError(f"<bndbox> with a non-numeric coordinate: {exc}") from exc
    return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
