"""gitannot per-image JSON: one file per item, annotations keyed by UUID. Pure, no I/O.

    {"version": 1,
     "item": {"id": "...", "file_name": "...", "width": 640, "height": 480},
     "annotations": [{"id": "<uuid>", "label": "car", "bbox": [x, y, w, h],
                      "polygon": [[x, y], ...] or [[x1, y1, x2, y2, ...], ...],
                      "mask": {"size": [h, w], "counts": ...}, "attributes": {...}}]}

UUIDs never clash, so two sides adding annotations never collide; "item" and
"version" merge field by field. See docs/merge.md.
"""

from gitannot.merge.keyeddoc import DocSpec, merge_document
from gitannot.merge.outcome import MergeOutcome

SPEC = DocSpec(format="perimage", collections=("annotations",))


def looks_like(members: set[str]) -> bool:
    return "item" in members and "annotations" in members


def merge_text(base: bytes, ours: bytes, theirs: bytes, *, path: str = "") -> MergeOutcome:  # noqa: ARG001 — one signature for every merge adapter
    return merge_document(base, ours, theirs, SPEC)


def merge_stream(base: bytes, ours: bytes, theirs: bytes, *, path: str = "") -> MergeOutcome:  # noqa: ARG001 — one signature for every merge adapter
    """The same merge, as output chunks for the driver to write (no 1 GB join)."""
    return merge_document(base, ours, theirs, SPEC, stream=True)
