"""List and resolve the conflicts the YOLO / VOC / CVAT adapters leave in a file. Pure.

YOLO: diff3 marker blocks `<<<<<<< ours (REASON, KEY)` / `||||||| base` / `=======` /
`>>>>>>> theirs`. XML: `<gitannot_conflict reason=.. key=..>` elements holding `<base>`,
`<ours>`, `<theirs>`. Resolving replaces a block or element by the chosen side's bytes
(nothing when that side deleted the object), so the other bytes stay as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gitannot.merge.conflicts import SIDES
from gitannot.merge.errors import UnmergeableError
from gitannot.merge.xml_objects import CONFLICT_TAG, Doc, Node, expand, parse_doc

_HEAD = re.compile(r"^<{7,} ours \((?P<reason>[^,]*), (?P<key>.*)\)\r?\n?$")


@dataclass
class Found:
    key: str
    reason: str
    sides: dict[str, bytes]  # side -> the raw row / element, empty when absent
    span: tuple[int, int]  # bytes to replace
    fields: str = ""  # XML: the clashing fields, comma-separated (YOLO markers name none)


def find(data: bytes, fmt: str) -> list[Found]:
    """Every conflict in a YOLO (`fmt="yolo"`) or VOC / CVAT XML file, in file order."""
    return _find_yolo(data) if fmt == "yolo" else _find_xml(data)


def resolve(
    data: bytes, fmt: str, choose: dict[str, str], default: str | None
) -> tuple[bytes, int]:
    """Take `choose[key]` (or `default`) for each conflict; returns (data, conflicts left)."""
    out = data
    left = 0
    for found in reversed(find(data, fmt)):  # from the end, so spans stay valid
        side = choose.get(found.key, default)
        if side is None:
            left += 1
            continue
        if side not in SIDES:
            raise ValueError(f"unknown side {side!r}")
        start, end = found.span
        out = out[:start] + found.sides[side] + out[end:]
    return out, left


def _find_yolo(data: bytes) -> list[Found]:
    lines = data.splitlines(keepends=True)
    found: list[Found] = []
    offset = 0
    i = 0
    while i < len(lines):
        m = _HEAD.match(lines[i].decode("utf-8", "replace"))
        if m is None:
            offset += len(lines[i])
            i += 1
            continue
        start = offset
        sides: dict[str, list[bytes]] = {"ours": [], "base": [], "theirs": []}
        current = "ours"
        while True:
            offset += len(lines[i])
            i += 1
            if i >= len(lines):
                raise UnmergeableError("conflict block without its >>>>>>> line")
            mark = lines[i][:7]
            if mark in (b"|||||||", b"=======", b">>>>>>>"):
                if mark == b">>>>>>>":
                    offset += len(lines[i])
                    i += 1
                    break
                current = "base" if mark == b"|||||||" else "theirs"
                continue
            sides[current].append(lines[i])
        joined = {name: b"".join(rows) for name, rows in sides.items()}
        found.append(Found(m["key"], m["reason"], joined, (start, offset)))
    return found


def _find_xml(data: bytes) -> list[Found]:
    doc = parse_doc(data, "file", "merged")
    tag = CONFLICT_TAG.encode()
    # Conflicts sit among the root's children or one level down (inside a CVAT image).
    parents = [doc.root, *(c for c in doc.root.children if tag in doc.raw(c))]
    found: list[Found] = []
    for parent in parents:
        for index, node in enumerate(
            expand(doc, parent).children if parent is not doc.root else parent.children
        ):
            if node.tag == CONFLICT_TAG:
                found.append(_xml_found(doc, parent, index, expand(doc, node)))
    return sorted(found, key=lambda f: f.span)


def _xml_found(doc: Doc, parent: Node, index: int, node: Node) -> Found:
    key, reason = node.attrs.get("key", ""), node.attrs.get("reason", "")
    fields = node.attrs.get("fields", "")
    sides = dict.fromkeys(SIDES, b"")
    for child in node.children:
        if child.tag in sides:
            sides[child.tag] = doc.data[child.inner_start : child.inner_end]
    lead_start = parent.children[index - 1].end if index else parent.inner_start
    lead = doc.data[lead_start : node.start]
    if lead.strip():  # not just indentation (a comment): replace the element only
        return Found(key, reason, sides, (node.start, node.end), fields)
    # The indentation goes with the element, so an absent side leaves no blank line.
    with_lead = {name: lead + raw if raw else b"" for name, raw in sides.items()}
    return Found(key, reason, with_lead, (lead_start, node.end), fields)
