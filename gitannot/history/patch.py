"""RFC 6902 JSON Patch documents between two versions of a label file (jsonpatch).

A JSON label file is patched as itself: applying the patch to the old document gives
the new one exactly. YOLO and XML files have no JSON of their own; their patch applies
to the normalized view (`normalized`: items and annotations by id, as gitannot reads
them), so a machine still sees per-annotation operations.
"""

import json
from dataclasses import asdict
from typing import Any

import jsonpatch

from gitannot.core.annotation import ParsedFile
from gitannot.history.diff import FileDiff, parse_version, readable
from gitannot.history.recpatch import record_patch


def normalized(pf: ParsedFile | None) -> dict[str, Any]:
    if pf is None:
        return {"items": {}, "annotations": {}}
    anns: dict[str, Any] = {}
    for ann in pf.annotations:
        record = asdict(ann)
        record["geometry"] = ann.geometry.value
        record["bbox"] = list(ann.bbox) if ann.bbox is not None else None
        anns[str(ann.id)] = record
    return {"items": {str(k): asdict(v) for k, v in pf.items.items()}, "annotations": anns}


def _json(data: bytes | None) -> Any:
    if data is None or not data.strip():
        return None
    try:
        return json.loads(data)
    except ValueError:
        return _UNPARSED


_UNPARSED: Any = object()


def patch_document(
    path: str, old: bytes | None, new: bytes | None, diff: FileDiff
) -> dict[str, Any]:
    """{"path", "format", "target", "patch", "summary"}: target "document" (the file's
    own JSON; null for an absent version) or "normalized"."""
    ops = record_patch(old, new) if old and new and path.lower().endswith(".json") else None
    if ops is not None:  # big COCO files: only the records that differ are parsed
        return _document(path, "document", ops, diff)
    a, b = _json(old), _json(new)
    if a is not _UNPARSED and b is not _UNPARSED and (a is not None or b is not None):
        target = "document"
        if a is None or b is None:  # a whole-document add or removal
            ops = [{"op": "replace" if a is not None else "add", "path": "", "value": b}]
        else:
            ops = list(jsonpatch.make_patch(a, b))
    else:
        target = "normalized"
        pa, pb = parse_version(path, old), parse_version(path, new)
        if not (readable(pa) and readable(pb)):
            raise ValueError(f"{path}: neither JSON nor a label file gitannot reads")
        ops = list(jsonpatch.make_patch(normalized(pa), normalized(pb)))
    return _document(path, target, ops, diff)


def _document(path: str, target: str, ops: list[Any], diff: FileDiff) -> dict[str, Any]:
    summary = {
        "added": [str(x.id) for x in diff.added],
        "removed": [str(x.id) for x in diff.removed],
        "changed": {str(c.new.id): c.fields for c in diff.changed},
    }
    return {"path": path, "format": diff.format, "target": target, "patch": ops, "summary": summary}
