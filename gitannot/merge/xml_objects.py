"""XML plumbing shared by the VOC and CVAT adapters: byte spans, records, rendering.

One expat pass records the byte spans of the root's children (refusing DTDs, entity
declarations and external references, as defusedxml does). A child is parsed further —
defusedxml element tree plus the spans of its descendants — only when its bytes differ
between versions (`expand`), so a large file with few edits is mostly copied, not parsed.

A record is a flat dict of fields merged by the keyed three-way core: `@name` for an
attribute, `@geometry` for a group of attributes that move together (atomic), a child
element's key (`tag`, `tag[name]`, `tag#2`) for its canonical content, `#text` for the
element's own text.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element
from xml.sax.saxutils import quoteattr

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from gitannot.formats.xmlutil import harden_expat, safe_fromstring
from gitannot.merge.errors import UnmergeableError

CONFLICT_TAG = "gitannot_conflict"
Canon = tuple[Any, ...]


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    start: int  # offset of "<"
    inner_start: int  # after the start tag (== end for <empty/>)
    inner_end: int  # offset of "</" (== end for <empty/>)
    end: int  # after the element
    elem: Element | None = None
    children: list[Node] = field(default_factory=list)

    @property
    def element(self) -> Element:
        if self.elem is None:
            raise UnmergeableError(f"<{self.tag}> has no parsed element")
        return self.elem

    @property
    def empty(self) -> bool:
        return self.inner_start == self.end


@dataclass
class Doc:
    data: bytes
    root: Node
    where: str = ""  # "path (side)" for error messages

    def raw(self, node: Node) -> bytes:
        return self.data[node.start : node.end]

    def lead(self, parent: Node, index: int) -> bytes:
        """Bytes between a child and its previous sibling (usually its indentation)."""
        prev = parent.children[index - 1].end if index else parent.inner_start
        return self.data[prev : parent.children[index].start]

    def trail(self, parent: Node) -> bytes:
        last = parent.children[-1].end if parent.children else parent.inner_start
        return self.data[last : parent.inner_end]


def parse_doc(data: bytes, path: str, side: str) -> Doc:
    """The root and its children's spans only; `Doc.expand` parses a child on demand,
    so children whose bytes match across versions are never parsed any further."""
    where = f"{path} ({side})"
    return Doc(data, _spans(data, where, max_depth=1, offset=0), where)


def _spans(data: bytes, where: str, *, max_depth: int, offset: int) -> Node:
    """Byte spans (plus `offset`) of elements down to max_depth, one expat pass that
    refuses what defusedxml refuses: entity declarations and external references."""
    parser = xml.parsers.expat.ParserCreate()
    stack: list[Node | None] = []  # None: an element below max_depth (no span kept)
    top: list[Node] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        parent = stack[-1] if stack else None
        if len(stack) > max_depth or (stack and parent is None):
            stack.append(None)  # deeper elements live inside their ancestor's bytes
            return
        pos = parser.CurrentByteIndex
        m = _START_TAG.match(data, pos)
        node = Node(tag, attrs, pos, m.end() if m else len(data), -1, -1)
        (parent.children if parent is not None else top).append(node)
        stack.append(node)

    def end(tag: str) -> None:  # noqa: ARG001 — expat's end-element handler signature
        node = stack.pop()
        if node is None:
            return
        pos = parser.CurrentByteIndex
        if data[node.start : node.inner_start].endswith(b"/>"):  # <empty/> is its own end
            node.inner_end = node.end = node.inner_start
        else:
            node.inner_end = pos
            node.end = data.index(b">", pos) + 1

    def forbid(*_: object) -> int:
        raise UnmergeableError(f"{where}: XML DTDs, entities and external references are refused")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    harden_expat(parser, forbid)  # what the validators refuse (formats/xmlutil.py)
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise UnmergeableError(f"{where}: not well-formed XML: {exc}") from exc
    if not top:
        raise UnmergeableError(f"{where}: no root element")
    if offset:
        _shift(top[0], offset)
    return top[0]


# A start tag; attribute values may contain '>' and '/'.
_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")


def _shift(node: Node, offset: int) -> None:
    node.start += offset
    node.inner_start += offset
    node.inner_end += offset
    node.end += offset
    for child in node.children:
        _shift(child, offset)


def expand(doc: Doc, node: Node) -> Node:
    """Parse one element's bytes (defusedxml) and record its descendants' spans."""
    if node.elem is not None:
        return node
    raw = doc.data[node.start : node.end]
    try:
        elem = safe_fromstring(raw)  # the validators' XML policy (formats/xmlutil.py)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise UnmergeableError(f"{doc.where}: <{node.tag}> not safe XML: {exc}") from exc
    spans = _spans(raw, doc.where, max_depth=2, offset=node.start)
    node.children = spans.children
    _attach(node, elem)
    return node


def _attach(node: Node, elem: Element) -> None:
    node.elem = elem
    for child_node, child_elem in zip(node.children, list(elem), strict=False):
        _attach(child_node, child_elem)


def canon(elem: Element) -> Canon:
    """Content of an element ignoring layout: tag, attributes, stripped text, children."""
    return (
        elem.tag,
        tuple(sorted(elem.attrib.items())),
        (elem.text or "").strip(),
        tuple(canon(c) for c in elem),
    )


def tag_key(tag: str, attrs: dict[str, str]) -> str:
    """`tag`, or `tag[name]` when it has a name attribute (CVAT attributes)."""
    return f"{tag}[{attrs['name']}]" if "name" in attrs else tag


def child_keys(children: Sequence[Node]) -> list[str]:
    """tag_key of each child, with `#n` for repeats."""
    seen: dict[str, int] = {}
    keys: list[str] = []
    for child in children:
        base = tag_key(child.tag, child.attrs)
        n = seen.get(base, 0)
        seen[base] = n + 1
        keys.append(base if n == 0 else f"{base}#{n + 1}")
    return keys


def record(
    node: Node, geometry: Sequence[str] = (), keys: Sequence[str] | None = None
) -> dict[str, Any]:
    """Fields of an element; attributes listed in `geometry` form one atomic field.
    `keys` names the children (default: child_keys; xml_members for a merge)."""
    assert node.elem is not None
    keys = child_keys(node.children) if keys is None else keys
    rec: dict[str, Any] = {}
    geo = tuple((name, node.attrs[name]) for name in geometry if name in node.attrs)
    if geo:
        rec["@geometry"] = geo
    for name, value in node.attrs.items():
        if name not in geometry:
            rec["@" + name] = value
    text = (node.elem.text or "").strip()
    if text:
        rec["#text"] = text
    for key, child in zip(keys, list(node.elem), strict=False):
        rec[key] = canon(child)
    return rec


def attrs_of(rec: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in rec.items():
        if name == "@geometry":
            out.update(dict(value))
        elif name.startswith("@"):
            out[name[1:]] = value
    return out


@dataclass
class Version:
    """One side's element in a field merge: its bytes, fields and child keys."""

    doc: Doc
    node: Node
    rec: dict[str, Any]
    keys: list[str]  # one per child of node

    @property
    def raw(self) -> bytes:
        return self.doc.raw(self.node)


def render_record(merged: dict[str, Any], ours: Version | None, theirs: Version | None) -> bytes:
    """Bytes of a merged record: one side's own bytes when it equals that side, else
    one side's element (ours, or theirs when ours is `<empty/>` and children merged
    in) with the fields that the other side changed spliced in."""
    for side in (ours, theirs):
        if side is not None and side.rec == merged:
            return side.raw
    if ours is None or theirs is None:  # only reachable for field-merged add/add
        raise UnmergeableError("field merge of an element added on one side only")
    children = any(not k.startswith(("@", "#")) for k in merged)
    frame, other = (theirs, ours) if ours.node.empty and children else (ours, theirs)
    node = frame.node
    if merged.get("#text") != frame.rec.get("#text"):
        raise UnmergeableError(f"<{node.tag}> text merged field by field")
    attrs = attrs_of(merged)
    if attrs == node.attrs:
        head = frame.doc.data[node.start : node.inner_start]
    else:  # ours' attribute order, whichever side frames the element
        head = start_tag(ours.node, attrs, empty=node.empty)
    if node.empty:
        if children:  # both sides <empty/>: children can only come from base
            raise UnmergeableError(f"<{node.tag}/> gained children from no side")
        return head
    body = _render_children(merged, frame, other)
    return head + body + frame.doc.data[node.inner_end : node.end]


def _render_children(merged: dict[str, Any], frame: Version, other: Version) -> bytes:
    """The frame's children that merged keeps (the other side's bytes where it changed
    one), then the other side's new children."""
    doc, node = frame.doc, frame.node
    theirs = dict(zip(other.keys, other.node.children, strict=True))
    own = set(frame.keys)
    parts: list[bytes] = []
    lead = b""
    for i, (key, child) in enumerate(zip(frame.keys, node.children, strict=True)):
        lead = doc.lead(node, i)
        if key not in merged:
            continue
        assert child.elem is not None
        if merged[key] == canon(child.elem):
            parts.append(lead + doc.raw(child))
        else:
            parts.append(lead + other.doc.raw(theirs[key]))
    for key in merged:
        if not key.startswith(("@", "#")) and key not in own:
            at = other.keys.index(key)
            parts.append(indent_of(lead or other.doc.lead(other.node, at)))
            parts.append(other.doc.raw(theirs[key]))
    return b"".join(parts) + doc.trail(node)


def held(elem: Element) -> list[Element]:
    """The elements a `<gitannot_conflict>` holds in its base, ours and theirs."""
    return [
        e for side in ("base", "ours", "theirs") for holder in elem.findall(side) for e in holder
    ]


def held_base(doc: Doc, node: Node) -> bytes | None:
    """The bytes a conflict element holds as its base (None: `<base/>`). `node` must be
    expanded (its children's spans known)."""
    for child in node.children:
        if child.tag == "base":
            inner = doc.data[child.inner_start : child.inner_end]
            return inner if inner.strip() else None
    return None


def conflict_element(
    indent: bytes,
    reason: str,
    key: str,
    fields: Sequence[str],
    sides: Sequence[bytes | None],
) -> bytes:
    """`<gitannot_conflict>` holding base, ours and theirs: the file stays well-formed."""
    attrs = f" reason={quoteattr(reason)} key={quoteattr(key)}"
    if fields:
        attrs += f" fields={quoteattr(' '.join(fields))}"
    out = f"<{CONFLICT_TAG}{attrs}>".encode()
    for name, raw in zip(("base", "ours", "theirs"), sides, strict=True):
        out += indent + b"  " + (f"<{name}/>".encode() if raw is None else _wrap(name, raw))
    return out + indent + f"</{CONFLICT_TAG}>".encode()


def _wrap(name: str, raw: bytes) -> bytes:
    return f"<{name}>".encode() + raw + f"</{name}>".encode()


def indent_of(lead: bytes) -> bytes:
    """A newline plus the leading blanks of the lead's last line: the indentation for
    new elements placed next to it. Never markup: the bytes before an element may hold
    a comment, or (one-line files) the document's own start tags."""
    at = lead.rfind(b"\n")
    eol = b"\r\n" if at > 0 and lead[at - 1 : at] == b"\r" else b"\n"
    last = lead[at + 1 :]
    return eol + last[: len(last) - len(last.lstrip(b" \t"))]


def start_tag(node: Node, attrs: dict[str, str], *, empty: bool) -> bytes:
    """A rebuilt start tag: the node's attribute order first, new attributes after."""
    order = [n for n in node.attrs if n in attrs] + [n for n in attrs if n not in node.attrs]
    pairs = "".join(f" {n}={quoteattr(attrs[n])}" for n in order)
    return f"<{node.tag}{pairs}".encode() + (b"/>" if empty else b">")
