"""Pascal VOC XML: `<object>`s have no id and are matched by `<name>` + bndbox IoU.

Each `<object>` merges field by field (name, pose, truncated, difficult, occluded,
bndbox as one atomic field, parts...). The other children of `<annotation>` (folder,
filename, size, source, segmented) merge whole, keyed by tag. A conflicting object or
field becomes a `<gitannot_conflict>` element in its place, holding the base, ours and
theirs objects, so the file stays well-formed XML and validation can find it.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree.ElementTree import Element

from gitannot.merge.errors import UnmergeableError
from gitannot.merge.geometry_match import Box, Shape, assign_keys, conflict_shape
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
from gitannot.merge.xml_objects import CONFLICT_TAG, Doc, canon, child_keys, expand, held
from gitannot.merge.xml_objects import tag_key as xml_tag_key

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
    def merge_child(
        key: str, base: Child | None, ours: Child | None, theirs: Child | None
    ) -> tuple[bytes | None, list[Conflict]]:
        if key.startswith("object "):
            return merge_element(
                key, base, ours, theirs, repeatable=REPEATABLE, threshold=threshold
            )
        return merge_atomic(key, base, ours, theirs)

    def merge_root(b: Doc, o: Doc, t: Doc, head: bytes | None) -> tuple[bytes, list[Conflict]]:
        keys = _keys([b, o, t], threshold)
        sb, so, st = (Side(d, d.root, k) for d, k in zip((b, o, t), keys, strict=True))
        return merge_children(sb, so, st, merge_child, head)

    return merge_root


# Children of an <object> that are members of a set, matched by identity, not position.
REPEATABLE = frozenset({"part"})


def _keys(docs: Sequence[Doc], threshold: float) -> list[list[str]]:
    """Objects keyed by geometry match; other children by tag (`size`, `source`).

    A `<gitannot_conflict>` a criss-cross merge left in the base stands for what it
    holds: an object (matched through the objects it holds) or another child."""
    shapes: list[list[Shape]] = []
    others: list[list[str | None]] = []  # per child: its key, None for an object
    for doc in docs:
        shapes.append([])
        others.append([])
        for child, tag_key in zip(doc.root.children, child_keys(doc.root.children), strict=True):
            if child.tag == "object":
                shapes[-1].append(_shape(expand(doc, child).element))
                others[-1].append(None)
            elif child.tag == CONFLICT_TAG:
                inner = held(expand(doc, child).element)
                if inner and all(e.tag == "object" for e in inner):
                    alts = [_shape(e) for e in inner]
                    shapes[-1].append(conflict_shape(canon(child.element), alts))
                    others[-1].append(None)
                else:  # <size> and the like: keyed as the child it stands for
                    others[-1].append(
                        xml_tag_key(inner[0].tag, inner[0].attrib) if inner else tag_key
                    )
            else:
                others[-1].append(tag_key)
    obj = assign_keys(shapes[0], shapes[1], shapes[2], threshold)
    out: list[list[str]] = []
    for keys, assigned in zip(others, (obj.base, obj.ours, obj.theirs), strict=True):
        it = iter(assigned)
        out.append([k if k is not None else f"object {next(it)}" for k in keys])
    return out


def _shape(elem: Element) -> Shape:
    label = (elem.findtext("name") or "").strip()
    box = _bndbox(elem)
    located = box is not None  # no geometry: matched by identical content or label
    return Shape(label, box or (0.0, 0.0, 0.0, 0.0), canon(elem), located=located)


def _bndbox(elem: Element) -> Box | None:
    box = elem.find("bndbox")
    if box is None:
        return None
    try:
        x1, y1, x2, y2 = (float(box.findtext(n) or "") for n in ("xmin", "ymin", "xmax", "ymax"))
    except ValueError as exc:
        raise UnmergeableError(f"<bndbox> with a non-numeric coordinate: {exc}") from exc
    return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
