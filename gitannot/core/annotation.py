"""The normalized annotation model every format adapter produces and every check reads."""

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from gitannot.core.findings import Finding


class GeometryKind(Enum):
    BBOX = "bbox"
    POLYGON = "polygon"
    MASK = "mask"  # RLE or bitmap
    KEYPOINTS = "keypoints"
    POINT = "point"
    POLYLINE = "polyline"
    CUBOID = "cuboid"  # CVAT's projected 3D box (two faces of four corners)
    NONE = "none"  # classification / tag without geometry


@dataclass(frozen=True)
class Item:
    """One source item (image) a file annotates."""

    id: str
    file_name: str = ""
    width: float | None = None
    height: float | None = None


@dataclass
class Annotation:
    id: str  # stable within the file: COCO id, LS "task/annotation/region", YOLO "line:N", ...
    item: str  # Item.id
    label: str  # resolved label name ("" when unresolvable; a check reports that)
    geometry: GeometryKind
    # Axis-aligned box in absolute pixels (x, y, width, height) when it can be derived.
    bbox: tuple[float, float, float, float] | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    line: int | None = None  # source line, where the format has lines
    # Which annotation set of the item this belongs to: one annotator's result in Label
    # Studio ("" where a format has one set per item). Exclusive groups hold per set.
    scope: str = ""


@dataclass
class ParsedFile:
    path: str
    format: str  # "coco", "yolo", "yolo-data", "voc", "labelstudio", "cvat", "gitannot"
    items: dict[str, Item] = field(default_factory=dict)
    annotations: list[Annotation] = field(default_factory=list)
    # Label names the file itself declares (COCO categories, YOLO names, CVAT labels).
    declared_labels: list[str] = field(default_factory=list)
    # Class index / category id -> name, for checks that the mapping does not change.
    label_ids: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
