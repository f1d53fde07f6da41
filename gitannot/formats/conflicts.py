"""Finds merge-conflict records the merge driver leaves in label files.

JSON: an object holding CONFLICT_KEY. XML: a `gitannot_conflict` element. Text: git's
`<<<<<<<` / `=======` / `>>>>>>>` markers. Any of them blocks the push.
"""

import xml.etree.ElementTree as ET
from typing import Any

from gitannot.constants import CONFLICT_KEY
from gitannot.formats.report import Reporter

CONFLICT_KEY_BYTES = CONFLICT_KEY.encode()
XML_CONFLICT_TAG = "gitannot_conflict"
_TEXT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


def _is_record(value: Any) -> bool:
    return type(value) is dict and CONFLICT_KEY in value


def _describe(record: dict[str, Any], where: str) -> str:
    key = record.get("key")
    reason = record.get("reason")
    text = f"unresolved merge conflict at {where}"
    if key is not None:
        text += f" (key {key!r})"
    if reason:
        text += f": {reason}"
    return text


def resolve_json_conflicts(doc: Any, rep: Reporter) -> Any:
    """Report every conflict record, then replace it by its `ours` side (dropped when
    absent) so the format checks still run on the rest of the file without noise."""
    if _is_record(doc):
        rep.add("merge.unresolved-conflict", _describe(doc, "the file root"))
        return None
    stack: list[tuple[Any, str]] = [(doc, "$")]
    while stack:
        node, where = stack.pop()
        if type(node) is list:
            kept = []
            for i, value in enumerate(node):
                if _is_record(value):
                    rep.add("merge.unresolved-conflict", _describe(value, f"{where}[{i}]"))
                    value = value.get("ours")
                    if value is None:
                        continue
                kept.append(value)
                stack.append((value, f"{where}[{i}]"))
            node[:] = kept
        elif type(node) is dict:
            for key in list(node):
                value = node[key]
                if _is_record(value):
                    rep.add("merge.unresolved-conflict", _describe(value, f"{where}.{key}"))
                    value = value.get("ours")
                    if value is None:
                        del node[key]
                        continue
                    node[key] = value
                stack.append((value, f"{where}.{key}"))
    return doc


def strip_xml_conflicts(root: ET.Element, rep: Reporter) -> None:
    if root.tag == XML_CONFLICT_TAG:
        rep.add("merge.unresolved-conflict", "unresolved merge conflict at the root element")
        return
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == XML_CONFLICT_TAG:
                key = child.get("key", "")
                rep.add(
                    "merge.unresolved-conflict",
                    f"unresolved merge conflict inside <{parent.tag}>"
                    + (f" (key {key!r})" if key else ""),
                )
                parent.remove(child)


def strip_text_conflicts(lines: list[str], rep: Reporter) -> list[tuple[int, str]]:
    """Return (line number, line) pairs outside conflict blocks; report each block."""
    kept: list[tuple[int, str]] = []
    inside = False
    for number, line in enumerate(lines, 1):
        if line.startswith(_TEXT_MARKERS):
            if line.startswith("<<<<<<<"):
                inside = True
                rep.add(
                    "merge.unresolved-conflict",
                    f"conflict markers at line {number}",
                    f"line:{number}",
                )
            elif line.startswith(">>>>>>>"):
                inside = False
            continue
        if not inside:
            kept.append((number, line))
    return kept
