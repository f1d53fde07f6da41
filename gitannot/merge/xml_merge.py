"""Three-way merge of an XML container's children, keeping every untouched byte.

The caller gives each child of base, ours and theirs a key and a merge function per
key; this module orders the merged children (geometry_match.merged_order), copies the
skeleton side's indentation and wraps conflicting children in `<gitannot_conflict>`.

A base child that is itself a `<gitannot_conflict>` (git merged two merge bases with
the driver, and that inner merge conflicted) is never merged against: unless both
sides agree, or one still holds that very conflict, it is a conflict again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from gitannot.merge.errors import UnmergeableError
from gitannot.merge.geometry_match import merged_order
from gitannot.merge.threeway import MISSING, Conflict, is_missing, merge_record
from gitannot.merge.xml_members import joint_keys
from gitannot.merge.xml_objects import (
    CONFLICT_TAG,
    Doc,
    Node,
    Version,
    canon,
    conflict_element,
    expand,
    held_base,
    indent_of,
    parse_doc,
    record,
    render_record,
    start_tag,
)


@dataclass
class Side:
    doc: Doc
    node: Node  # the container element
    keys: list[str]  # one per child, in document order

    def __post_init__(self) -> None:
        self.index = {key: i for i, key in enumerate(self.keys)}

    def child(self, key: str) -> Child | None:
        i = self.index.get(key)
        return None if i is None else Child(self.doc, self.node.children[i])

    def lead(self, key: str) -> bytes:
        return self.doc.lead(self.node, self.index[key])


@dataclass
class Child:
    doc: Doc
    node: Node

    @property
    def raw(self) -> bytes:
        return self.doc.raw(self.node)

    @property
    def expanded(self) -> Node:
        """The node with its element tree and descendants' spans (parsed once, on demand)."""
        return expand(self.doc, self.node)


def by_bytes(
    base: Child | None, ours: Child | None, theirs: Child | None
) -> tuple[bool, bytes | None]:
    """(decided, result) when identical bytes settle the merge; never parses."""
    rb, ro, rt = (None if c is None else c.raw for c in (base, ours, theirs))
    if ro == rt or rb == rt:
        return True, ro
    if rb == ro:
        return True, rt
    return False, None


# (key, base, ours, theirs) -> (merged bytes or None if deleted, conflicts)
ChildMerge = Callable[
    [str, Child | None, Child | None, Child | None], tuple[bytes | None, list[Conflict]]
]


def merge_children(
    base: Side, ours: Side, theirs: Side, merge_child: ChildMerge, head: bytes | None = None
) -> tuple[bytes, list[Conflict]]:
    """Bytes of the merged container element (start tag `head` if given)."""
    skeleton = theirs if ours.keys == base.keys and theirs.keys != base.keys else ours
    parts: list[bytes] = []
    conflicts: list[Conflict] = []
    prev_lead: bytes | None = None
    for key in merged_order(base.keys, ours.keys, theirs.keys):
        b, o, t = base.child(key), ours.child(key), theirs.child(key)
        over = b is not None and b.node.tag == CONFLICT_TAG
        merged, found = (merge_over_conflict if over else merge_child)(key, b, o, t)
        conflicts.extend(found)
        if merged is None:
            continue
        if key in skeleton.index:
            lead = skeleton.lead(key)
        elif prev_lead is not None:
            lead = indent_of(prev_lead)
        else:
            owner = next(s for s in (ours, theirs, base) if key in s.index)
            lead = indent_of(skeleton.lead(skeleton.keys[0]) if skeleton.keys else owner.lead(key))
        parts.append(lead + merged)
        prev_lead = lead
    return _frame(skeleton, (ours, theirs, base), parts, head), conflicts


def _frame(skeleton: Side, sides: Sequence[Side], parts: list[bytes], head: bytes | None) -> bytes:
    frame = skeleton
    if parts and frame.node.empty:
        frame = next(s for s in sides if not s.node.empty)
    doc, node = frame.doc, frame.node
    if not parts and node.empty:  # <empty/>: a merged start tag must close itself
        if head is None:
            return doc.raw(node)
        return head if head.endswith(b"/>") else head[:-1] + b"/>"
    start = head if head is not None else doc.data[node.start : node.inner_start]
    if start.endswith(b"/>"):
        start = start[:-2] + b">"
    if node.children or not parts:  # the bytes after the last child (all, if none)
        trail = doc.trail(node)
    else:
        with_children = next((s for s in sides if s.node.children), frame)
        trail = with_children.doc.trail(with_children.node)
    return start + b"".join(parts) + trail + doc.data[node.inner_end : node.end]


def merge_atomic(
    key: str, base: Child | None, ours: Child | None, theirs: Child | None
) -> tuple[bytes | None, list[Conflict]]:
    """A child merged as a whole (VOC <size>, CVAT <meta>, tracks)."""
    decided, raw = by_bytes(base, ours, theirs)
    if decided:
        return raw, []
    values = [MISSING if c is None else canon(c.expanded.element) for c in (base, ours, theirs)]
    value, conflict = merge_record(key, *values)
    if conflict is not None:
        return conflict_of(conflict, base, ours, theirs)
    if is_missing(value):
        return None, []
    for c in (ours, theirs):
        if c is not None and canon(c.expanded.element) == value:
            return c.raw, []
    raise AssertionError("merge_record returned a value no side has")


def merge_element(
    key: str,
    base: Child | None,
    ours: Child | None,
    theirs: Child | None,
    geometry: Sequence[str] = (),
    *,
    repeatable: frozenset[str] = frozenset(),
    threshold: float = 0.5,
) -> tuple[bytes | None, list[Conflict]]:
    """A child merged field by field (VOC <object>, CVAT shapes). Its own children
    are keyed across the three versions (xml_members): repeated ones by identity."""
    decided, raw = by_bytes(base, ours, theirs)
    if decided:
        return raw, []
    children = [None if c is None else c.expanded for c in (base, ours, theirs)]
    keys = joint_keys(children, repeatable, threshold)
    recs = [
        MISSING if n is None else record(n, geometry, k)
        for n, k in zip(children, keys, strict=True)
    ]
    value, conflict = merge_record(key, *recs)
    if conflict is not None:
        return conflict_of(conflict, base, ours, theirs)
    if is_missing(value):
        return None, []
    sides = [
        None if c is None else Version(c.doc, c.node, r, k)
        for c, r, k in zip((ours, theirs), recs[1:], keys[1:], strict=True)
    ]
    return render_record(value, sides[0], sides[1]), []


def merge_over_conflict(
    key: str, base: Child | None, ours: Child | None, theirs: Child | None
) -> tuple[bytes | None, list[Conflict]]:
    """A child whose base is a conflict an inner (merge-base) merge left: a side that
    still holds it yields to the other, equal sides merge, anything else conflicts."""
    decided, raw = by_bytes(base, ours, theirs)
    if decided:
        return raw, []
    if (
        ours is not None
        and theirs is not None
        and canon(ours.expanded.element) == canon(theirs.expanded.element)
    ):
        return ours.raw, []
    assert base is not None
    inner = held_base(base.doc, base.expanded)
    if ours is None or theirs is None:
        reason = "delete/modify" if ours is None else "modify/delete"
    else:
        reason = "add/add" if inner is None else "modify/modify"
    raws = [inner, None if ours is None else ours.raw, None if theirs is None else theirs.raw]
    return _conflict(Conflict(key, None, None, None, reason), raws, ours or theirs or base)


def conflict_of(
    conflict: Conflict, base: Child | None, ours: Child | None, theirs: Child | None
) -> tuple[bytes, list[Conflict]]:
    raws = [None if c is None else c.raw for c in (base, ours, theirs)]
    owner = next(c for c in (ours, theirs, base) if c is not None)
    return _conflict(conflict, raws, owner)


def _conflict(
    conflict: Conflict, raws: list[bytes | None], owner: Child
) -> tuple[bytes, list[Conflict]]:
    """The `<gitannot_conflict>` element for `conflict`, holding `raws` (base, ours,
    theirs), indented like the element `owner` it stands in for."""
    conflict.base, conflict.ours, conflict.theirs = (
        None if r is None else r.decode("utf-8", "replace") for r in raws
    )
    data, start = owner.doc.data, owner.node.start
    at = data.rfind(b"\n", 0, start)  # the element's line (with its CR, if any)
    indent = indent_of(data[max(at - 1, 0) : start]) if at >= 0 else b"\n"
    element = conflict_element(indent, conflict.reason, str(conflict.key), conflict.fields, raws)
    return element, [conflict]


def pick_outer(base: Doc, ours: Doc, theirs: Doc) -> tuple[bytes, bytes]:
    """The bytes around the root element (XML declaration, comments), merged whole."""
    outer = [(d.data[: d.root.start], d.data[d.root.end :]) for d in (base, ours, theirs)]
    b, o, t = outer
    if o == t or b == t:
        return o
    if b == o:
        return t
    raise UnmergeableError("both sides changed the text around the root element")


_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([^"']+)""")
RootMerge = Callable[[Doc, Doc, Doc, bytes | None], tuple[bytes, list[Conflict]]]


def merge_document(
    base: bytes, ours: bytes, theirs: bytes, *, path: str, root: str, merge_root: RootMerge
) -> tuple[bytes, list[Conflict]]:
    """Parse the three versions, merge the root's attributes and children, reassemble."""
    o, t = parse_doc(ours, path, "ours"), parse_doc(theirs, path, "theirs")
    # An empty base (both sides added the file): theirs' root without children.
    b = parse_doc(base, path, "base") if base.strip() else empty_base(t)
    for doc, side in ((b, "base"), (o, "ours"), (t, "theirs")):
        if doc.root.tag != root:
            raise UnmergeableError(f"{path} ({side}): root is <{doc.root.tag}>, not <{root}>")
        declared = _ENCODING.search(doc.data[: doc.root.start])
        if declared and declared[1].lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
            # Rebuilt tags are written as UTF-8; copying bytes of another encoding would mix.
            raise UnmergeableError(f"{path} ({side}): {declared[1].decode()} is not UTF-8")
    attrs, conflict = merge_record("root", b.root.attrs, o.root.attrs, t.root.attrs)
    if conflict is not None:
        raise UnmergeableError(f"{path}: both sides changed <{root}> attributes")
    head = merged_head(b.root, Child(o, o.root), attrs)
    prefix, suffix = pick_outer(b, o, t)
    body, conflicts = merge_root(b, o, t, head)
    return prefix + body + suffix, conflicts


def merged_head(base: Node, ours: Child, attrs: dict[str, str]) -> bytes | None:
    """The container's start tag when its attributes changed (None: use the frame's).
    Given explicitly, because the frame may be the side whose attributes lost."""
    node = ours.node
    if attrs == base.attrs == node.attrs:
        return None
    if attrs == node.attrs and not node.empty:
        return ours.doc.data[node.start : node.inner_start]
    return start_tag(node, attrs, empty=False)


def empty_base(doc: Doc) -> Doc:
    root = replace(doc.root, children=[])
    return Doc(doc.data, root)
