"""COCO: images, annotations and categories merged per record by id. Pure, no I/O.

Other top-level members (info, licenses, ...) merge as plain JSON, field by field.
Both sides adding one id with different content re-keys theirs above every id in the
three versions and rewrites the references of theirs' annotations to it.
"""

from gitannot.merge.keyeddoc import DocSpec, merge_document
from gitannot.merge.outcome import MergeOutcome

SPEC = DocSpec(
    format="coco",
    collections=("categories", "images", "annotations"),
    rekey=True,
    refs=(("images", "annotations", "image_id"), ("categories", "annotations", "category_id")),
    # Panoptic COCO: one annotation per image, no annotation id.
    fallback_keys=(("annotations", "image_id"),),
)


def looks_like(members: set[str]) -> bool:
    # The validator's rule (formats/detect.py): a file it reads as COCO merges as COCO.
    return "images" in members or {"annotations", "categories"} <= members


def merge_text(base: bytes, ours: bytes, theirs: bytes, *, path: str = "") -> MergeOutcome:  # noqa: ARG001 — one signature for every merge adapter
    return merge_document(base, ours, theirs, SPEC)


def merge_stream(base: bytes, ours: bytes, theirs: bytes, *, path: str = "") -> MergeOutcome:  # noqa: ARG001 — one signature for every merge adapter
    """The same merge, as output chunks for the driver to write (no 1 GB join)."""
    return merge_document(base, ours, theirs, SPEC, stream=True)
