"""The text of an annotation-level diff, as git prints a diff driver's output. Pure."""

import difflib
from collections import Counter

from gitannot.core.annotation import Annotation
from gitannot.history.diff import FileDiff, box_text


def describe(ann: Annotation) -> str:
    where = f" (item {ann.item})" if ann.item else ""
    box = f", bbox {box_text(ann.bbox)}" if ann.bbox is not None else ""
    return f"annotation {ann.id}{where}: {ann.label or '?'}{box}"


def text_lines(diff: FileDiff) -> list[str]:
    """One header line, then one line per added (+), changed (~), removed (-) annotation,
    then the label counts before → after (unchanged counts shown once)."""
    lines = [f"gitannot diff a/{diff.path} b/{diff.path} ({diff.format})", *diff.notes]
    for change in diff.changed:
        ident = (
            change.new.id
            if change.old.id == change.new.id
            else f"{change.old.id} → {change.new.id}"
        )
        lines.append(f"~ annotation {ident}: " + "; ".join(change.fields))
    lines += [f"+ {describe(ann)}" for ann in diff.added]
    lines += [f"- {describe(ann)}" for ann in diff.removed]
    if diff.empty:
        lines.append("  no annotation changed (layout or non-annotation fields only)")
    lines.append("labels: " + counts_text(*diff.counts))
    return lines


def counts_text(before: Counter[str], after: Counter[str]) -> str:
    names = sorted(set(before) | set(after))
    if not names:
        return "none"
    parts = []
    for name in names:
        a, b = before.get(name, 0), after.get(name, 0)
        parts.append(f"{name or '?'} {a}" if a == b else f"{name or '?'} {a} → {b}")
    return ", ".join(parts)


def unified(path: str, old: bytes | None, new: bytes | None) -> list[str]:
    """A plain line diff for versions gitannot cannot read as labels."""
    a = (old or b"").decode("utf-8", "replace").splitlines()
    b = (new or b"").decode("utf-8", "replace").splitlines()
    head = [f"gitannot diff a/{path} b/{path} (not a label file gitannot reads: line diff)"]
    body = difflib.unified_diff(a, b, f"a/{path}", f"b/{path}", lineterm="")
    return head + list(body)
