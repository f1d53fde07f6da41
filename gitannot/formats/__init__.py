"""Format adapters and per-format checks. Pure: bytes in, ParsedFile out.

- ``detect_format(path, data) -> str | None``
- ``parse_file(path, data, *, format=None, options=None, context=None) -> ParsedFile``
  never raises; problems are ``ParsedFile.findings`` with rule ids from ``rules.RULES``.
- ``FormatOptions`` (limits, tolerances, severity overrides), ``FormatContext`` (YOLO
  class names and keypoint shape, image sizes, Label Studio controls), ``RULES`` (id ->
  default severity, description, hint).
- ``labelstudio_controls(config_bytes)`` builds FormatContext.labelstudio_controls;
  ``read_names_file(path, data)`` gives FormatContext.class_names in index order and
  ``read_kpt_shape(data_yaml_bytes)`` its yolo_kpt_shape.

Which formats are read, and how far, is in docs/formats.md.
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
