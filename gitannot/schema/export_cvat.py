"""The ontology as CVAT project labels (the JSON CVAT's project "Raw" label editor and its
API take): name, color, type, attributes with input type and values."""

import json
from typing import Any

from gitannot.core.annotation import GeometryKind
from gitannot.schema.export_common import ToolLabel, fmt_number, tool_labels
from gitannot.schema.model import AttributeSpec, AttrType, Ontology

# One geometry kind -> CVAT's label type; several kinds (or any) -> "any".
CVAT_TYPE = {
    GeometryKind.BBOX: "rectangle",
    GeometryKind.POLYGON: "polygon",
    GeometryKind.POLYLINE: "polyline",
    GeometryKind.POINT: "points",
    GeometryKind.KEYPOINTS: "points",
    GeometryKind.MASK: "mask",
    GeometryKind.CUBOID: "cuboid",
    GeometryKind.NONE: "tag",
}
# CVAT's number input needs "min max step"; an unbounded side gets this bound.
NUMBER_BOUND = 1_000_000.0


def cvat_labels(onto: Ontology) -> list[dict[str, Any]]:
    return [_label(lab, onto.attributes) for lab in tool_labels(onto)]


def export_cvat(onto: Ontology) -> str:
    return json.dumps(cvat_labels(onto), indent=2, ensure_ascii=False) + "\n"


def _label(label: ToolLabel, global_attrs: tuple[AttributeSpec, ...]) -> dict[str, Any]:
    kinds = {CVAT_TYPE.get(k, "any") for k in label.geometry} if label.geometry else set()
    # CVAT has no global attributes: each label carries them (its own of a name win).
    own = {a.name for a in label.attributes}
    attributes = [a for a in global_attrs if a.name not in own] + list(label.attributes)
    return {
        "name": label.name,
        "color": label.color,
        "type": kinds.pop() if len(kinds) == 1 else "any",
        "attributes": [_attribute(a) for a in attributes],
    }


def _attribute(spec: AttributeSpec) -> dict[str, Any]:
    if spec.type is AttrType.BOOL:
        kind, values, default = "checkbox", ["false"], "false"
    elif spec.type in (AttrType.INT, AttrType.FLOAT):
        low = spec.min if spec.min is not None else -NUMBER_BOUND
        high = spec.max if spec.max is not None else NUMBER_BOUND
        step = "1" if spec.type is AttrType.INT else "0.01"
        kind, values = "number", [fmt_number(low), fmt_number(high), step]
        default = values[0]
    elif spec.values:
        kind, values, default = "select", list(spec.values), spec.values[0]
    else:
        kind, values, default = "text", [""], ""
    return {
        "name": spec.name,
        "mutable": False,
        "input_type": kind,
        "default_value": default,
        "values": values,
    }
