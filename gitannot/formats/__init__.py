"""Format adapters and per-format checks (issue 4a). Pure: bytes in, ParsedFile out.

API (stable; 4b calls it):
- ``detect_format(path, data) -> str | None``
- ``parse_file(path, data, *, format=None, options=None, context=None) -> ParsedFile``
  never raises; problems are ``ParsedFile.findings`` with rule ids from ``rules.RULES``.
- ``FormatOptions`` (limits, tolerances, severity overrides), ``FormatContext`` (YOLO
  class names, image sizes, Label Studio controls), ``RULES`` (id -> default severity,
  description, hint).

Status: COCO (instances, keypoints, results, panoptic segments_info, category lists),
conflict records, bad-input handling are done. YOLO, VOC, CVAT, Label Studio and
gitannot per-image JSON are being added (see docs/formats.md for the current table).
"""

from gitannot.formats.api import parse_file, supported_formats
from gitannot.formats.detect import detect_format
from gitannot.formats.options import FormatContext, FormatOptions, LabelStudioControl
from gitannot.formats.rules import RULES, Rule

__all__ = [
    "RULES",
    "FormatContext",
    "FormatOptions",
    "LabelStudioControl",
    "Rule",
    "detect_format",
    "parse_file",
    "supported_formats",
]
