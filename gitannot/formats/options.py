"""Tolerances and limits (FormatOptions) and outside facts a file needs (FormatContext)."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from gitannot.core.findings import Severity


@dataclass(frozen=True)
class FormatOptions:
    """Limits and tolerances; the defaults accept real exports (see docs/formats.md)."""

    # Files above this size are refused before any parsing (bounded memory).
    max_file_bytes: int = 512 * 1024 * 1024
    # XML nesting depth beyond which a file is refused. JSON nesting is capped by orjson
    # at 1024 levels (its parser is iterative C, so a deep file cannot exhaust the stack).
    max_xml_depth: int = 64
    # A box may stick out of the image by this many pixels before it is reported.
    bbox_tolerance_px: float = 2.0
    # Stored COCO `area` may differ from the recomputed one by this fraction ...
    area_rel_tolerance: float = 0.1
    # ... or by this many square pixels (tiny objects rasterise coarsely).
    area_abs_tolerance: float = 16.0
    # Label Studio percentages may leave 0..100 by this much (rounding in exports).
    labelstudio_tolerance_pct: float = 0.5
    # YOLO normalised coordinates may leave 0..1 by this much.
    yolo_tolerance: float = 0.001
    # Some exporters (Roboflow, labelImg forks) write 0-based VOC; accept it by default
    # (reported as info). False makes it an error.
    voc_accept_zero_based: bool = True
    # Per-rule cap on findings; the rest is summarised in one finding (bounded output).
    max_findings_per_rule: int = 50
    # Per-check severity overrides and rules switched off, by rule id (see rules.py).
    severity_overrides: Mapping[str, Severity] = field(default_factory=dict)
    disabled_rules: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FormatContext:
    """What a file needs from elsewhere in the repository (found by the caller)."""

    # YOLO: class names from data.yaml / classes.txt / obj.names, index order.
    class_names: tuple[str, ...] | None = None
    # YOLO pose: kpt_shape [count, 2 or 3] from data.yaml (yolo.read_kpt_shape); rows
    # are then `class cx cy w h` + count x (x y [visibility]).
    yolo_kpt_shape: tuple[int, int] | None = None
    # Image sizes (width, height) by item id or file stem, for formats that lack them.
    image_sizes: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    # Label Studio: from_name -> (to_name, control type, allowed labels) from the
    # labeling config (see labelstudio.parse_labelstudio_config).
    labelstudio_controls: Mapping[str, "LabelStudioControl"] | None = None


@dataclass(frozen=True)
class LabelStudioControl:
    name: str
    tag: str  # e.g. "RectangleLabels" as written in the config
    to_name: str
    labels: tuple[str, ...] = ()
