"""Format adapters and per-format checks (issue 4a). Pure: bytes in, ParsedFile out.

API (stable; 4b calls it):
- ``detect_format(path, data) -> str | None``
- ``parse_file(path, data, *, format=None, options=None, context=None) -> ParsedFile``
  never raises; problems are ``ParsedFile.findings`` with rule ids from ``rules.RULES``.
- ``FormatOptions`` (limits, tolerances, severity overrides), ``FormatContext`` (YOLO
  class names, image sizes, Label Studio controls), ``RULES`` (id -> default severity,
  description, hint).

Helpers: ``labelstudio_controls(config_bytes)`` builds FormatContext.labelstudio_controls;
``read_names_file(path, data)`` gives FormatContext.class_names (index order, as
``parse_file`` of that data.yaml / classes.txt reads them) and yolo_kpt_shape.

Status: all formats of issue 4 are done: COCO (instances, keypoints, results, panoptic
segments_info, category lists), YOLO rows + data.yaml + classes.txt/obj.names, Pascal
VOC, CVAT for images (and video tracks), Label Studio export + labeling config, gitannot
per-image JSON; conflict records; bad-input handling. YOLO pose rows when the caller
passes FormatContext.yolo_kpt_shape (``read_kpt_shape(data_yaml_bytes)``). Not done: COCO
panoptic PNG masks, LabelMe (reported as format.unsupported). See docs/formats.md.
"""

from gitannot.formats.api import parse_file, supported_formats
from gitannot.formats.detect import detect_format
from gitannot.formats.labelstudio import labelstudio_controls
from gitannot.formats.options import FormatContext, FormatOptions, LabelStudioControl
from gitannot.formats.rules import RULES, Rule
from gitannot.formats.yolo import read_kpt_shape, read_names_file

__all__ = [
    "RULES",
    "FormatContext",
    "FormatOptions",
    "LabelStudioControl",
    "Rule",
    "detect_format",
    "labelstudio_controls",
    "parse_file",
    "read_kpt_shape",
    "read_names_file",
    "supported_formats",
]
