"""COCO: images, annotations and categories merged per record by id. Pure, no I/O.

Other top-level members (info, licenses, ...) merge as plain JSON, field by field.
Both sides adding one id with different content re-keys theirs above every id in the
three versions and rewrites every reference to it in theirs' new or changed records.
"""

from gitannot.merge.keyeddoc import DocSpec, merge_document
from gitannot.merge.outcome import MergeOutcome

SPEC = DocSpec(
    format="coco",
    # Referenced collections before the ones that refer to them.
    collections=("licenses", "categories", "images", "annotations"),
    rekey=True,
    # Every id reference of the COCO flavours: instances, keypoints and captions
    # (image_id, category_id), panoptic (segments_info[].category_id), LVIS (the
    # category id lists of an image), and an image's license. Results files are
    # arrays, not documents: the driver does not merge them.
    refs=(
        ("licenses", "images", "license"),
        ("categories", "images", "neg_category_ids"),
        ("categories", "images", "not_exhaustive_category_ids"),
        ("images", "annotations", "image_id"),
        ("categories", "annotations", "category_id"),
        ("categories", "annotations", "segments_info.category_id"),
    ),
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
