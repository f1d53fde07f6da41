"""Format detection: by file name first, then by content."""

import re
from typing import Any

import orjson

_XML_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*)[\s/>]")
_YOLO_ROWS = 50  # rows looked at
# A number as a YOLO row may hold one, well-formed or not (no `1_000`: image-set lists
# name images like 2007_000645).
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?(nan|inf|infinity)", re.I)
_LS_KEYS = ("annotations", "completions", "predictions")
_SNIFF_BYTES = 1 << 16


def detect_by_name(path: str) -> str | None:
    name = path.rsplit("/", 1)[-1].lower()
    if name in ("data.yaml", "data.yml") or name.endswith(("/data.yaml", "/data.yml")):
        return "yolo-data"
    if name in ("classes.txt", "obj.names") or name.endswith(".names"):
        return "yolo-names"
    return None


def detect_json_doc(doc: Any) -> str | None:
    """Decide from a parsed JSON document (root shape and keys)."""
    if type(doc) is dict:
        if "item" in doc and "annotations" in doc:
            return "gitannot"
        anns = doc.get("annotations")
        if type(anns) is list and anns and type(anns[0]) is dict and "segments_info" in anns[0]:
            return "coco-panoptic"
        if "images" in doc or ("annotations" in doc and "categories" in doc):
            return "coco"
        if "data" in doc and any(k in doc for k in _LS_KEYS):
            return "labelstudio"
        if "shapes" in doc and "imagePath" in doc:
            return "labelme"
        return None
    if type(doc) is list and doc and type(doc[0]) is dict:
        first = doc[0]
        if "image_id" in first and "category_id" in first:
            return "coco-results"
        if "data" in first and any(k in first for k in _LS_KEYS):
            return "labelstudio"
        if "id" in first and "name" in first and "image_id" not in first:
            return "coco-categories"
    return None


def _sniff_json_prefix(head: bytes) -> str | None:
    """For files too big to parse twice: guess from the first 64 KiB."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start == b"{":
        if b'"segments_info"' in head:
            return "coco-panoptic"
        if b'"item"' in head and b'"images"' not in head:
            return "gitannot"
        if b'"images"' in head or b'"categories"' in head or b'"annotations"' in head:
            return "coco"
    if start == b"[":
        if b'"image_id"' in head and b'"category_id"' in head:
            return "coco-results"
        if b'"data"' in head:
            return "labelstudio"
    return None


def detect_xml(data: bytes) -> str | None:
    head = data[:_SNIFF_BYTES]
    # Skip the prolog, comments and processing instructions to the first element.
    head = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", head, flags=re.S)
    match = _XML_ROOT.search(head)
    if match is None:
        return None
    root = match.group(1)
    return {b"annotation": "voc", b"annotations": "cvat", b"View": "labelstudio-config"}.get(root)


def looks_like_yolo(text: str) -> bool:
    """Rows of numbers, well-formed or not: one row of two or more numbers (`nan`, a
    negative class and a short row included) is enough. Bad rows must make a bad YOLO
    file, never an unknown one that no check reads."""
    rows = (line.split() for line in text.splitlines()[:_YOLO_ROWS])
    return any(len(row) >= 2 and all(_NUMBER.fullmatch(t) for t in row) for row in rows)


def detect_format(path: str, data: bytes) -> str | None:
    """Format name for a file, or None when it is not an annotation file we know."""
    by_name = detect_by_name(path)
    if by_name is not None:
        return by_name
    lower = path.lower()
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if lower.endswith(".json") or stripped[:1] in (b"{", b"["):
        if len(data) > _SNIFF_BYTES * 16:
            return _sniff_json_prefix(data[:_SNIFF_BYTES])
        try:
            return detect_json_doc(orjson.loads(stripped))
        except orjson.JSONDecodeError:
            return _sniff_json_prefix(data[:_SNIFF_BYTES])
    if lower.endswith(".xml") or stripped[:1] == b"<":
        return detect_xml(stripped)
    if lower.endswith((".yaml", ".yml")):
        # Ultralytics dataset files have any name (coco8.yaml): a top-level `names:` key.
        return "yolo-data" if re.search(rb"(?m)^names\s*:", data[:_SNIFF_BYTES]) else None
    if lower.endswith(".txt"):
        text = stripped[:_SNIFF_BYTES].decode("utf-8", errors="replace")  # never raises
        if looks_like_yolo(text):
            return "yolo"
        if not text.strip() and "/labels/" in f"/{lower}":
            return "yolo"  # an empty label file = an image without objects
    return None
