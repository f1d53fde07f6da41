"""`schema import` of what `schema export` writes for tools: CVAT project labels JSON,
Datumaro categories, and the attribute controls of a Label Studio config. With these,
import(export(ontology)) gives back everything each tool can express
(tests/schema/test_export.py lists what it cannot)."""

import xml.etree.ElementTree as ET
from typing import Any

from gitannot.core.annotation import GeometryKind
from gitannot.schema.draft import Draft
from gitannot.schema.export_cvat import NUMBER_BOUND
from gitannot.schema.export_labelstudio import ANY_LABEL, ATTR_PREFIX
from gitannot.schema.model import AttributeSpec, AttrType

_CVAT_TYPES = {
    "rectangle": GeometryKind.BBOX,
    "polygon": GeometryKind.POLYGON,
    "polyline": GeometryKind.POLYLINE,
    "points": GeometryKind.POINT,
    "mask": GeometryKind.MASK,
    "tag": GeometryKind.NONE,
    "ellipse": GeometryKind.POLYGON,
    "cuboid": GeometryKind.CUBOID,
    "skeleton": GeometryKind.KEYPOINTS,
}
_CVAT_ALL = {*_CVAT_TYPES, "any"}


def is_cvat_labels(doc: Any) -> bool:
    """A CVAT project's labels: a list of {name, type | attributes} (a COCO category list
    has ids and supercategories instead)."""
    return (
        isinstance(doc, list)
        and bool(doc)
        and all(isinstance(lab, dict) and "name" in lab and "id" not in lab for lab in doc)
        and any(lab.get("type") in _CVAT_ALL or "attributes" in lab for lab in doc)
    )


def import_cvat_labels(draft: Draft, path: str, labels: list[dict[str, Any]]) -> None:
    for lab in labels:
        name = str(lab.get("name", "")).strip()
        if not name:
            continue
        draft.add(name, path, geometry=_CVAT_TYPES.get(str(lab.get("type", ""))))
        for attr in lab.get("attributes") or []:
            spec = _cvat_attribute(attr) if isinstance(attr, dict) else None
            if spec is not None:
                draft.add_attribute(name, spec)


def _cvat_attribute(attr: dict[str, Any]) -> AttributeSpec | None:
    name = str(attr.get("name", "")).strip()
    kind = str(attr.get("input_type", "text"))
    values = [str(v) for v in attr.get("values") or []]
    if not name:
        return None
    if kind == "checkbox":
        return AttributeSpec(name, AttrType.BOOL)
    if kind in ("select", "radio"):
        return AttributeSpec(name, AttrType.ENUM, tuple(values))
    if kind == "number" and len(values) >= 2:
        try:
            low, high = float(values[0]), float(values[1])
        except ValueError:
            return AttributeSpec(name, AttrType.FLOAT)
        integer = len(values) < 3 or values[2] in ("1", "1.0")
        return AttributeSpec(
            name,
            AttrType.INT if integer else AttrType.FLOAT,
            # CVAT needs both bounds: the export writes an open side as +-NUMBER_BOUND.
            min=None if low == -NUMBER_BOUND else low,
            max=None if high == NUMBER_BOUND else high,
        )
    return AttributeSpec(name, AttrType.STR)


def import_datumaro(draft: Draft, path: str, categories: dict[str, Any]) -> str:
    """Datumaro's `categories.label`: names, parents, attribute names (untyped: read as
    text), global attributes (given to every label)."""
    section = categories.get("label")
    if not isinstance(section, dict) or not isinstance(section.get("labels"), list):
        return "Datumaro (no labels)"
    global_attrs = [str(a) for a in section.get("attributes") or []]
    for lab in section["labels"]:
        if not isinstance(lab, dict) or not str(lab.get("name", "")).strip():
            continue
        name = str(lab["name"]).strip()
        parent = str(lab.get("parent") or "").strip() or None
        draft.add(name, path, parent=parent)
        for attr in [*global_attrs, *(str(a) for a in lab.get("attributes") or [])]:
            draft.add_attribute(name, AttributeSpec(attr, AttrType.STR))
    return "Datumaro"


def import_labelstudio_attributes(draft: Draft, path: str, root: ET.Element) -> None:
    """Per-region controls named attr:<label>:<attribute> (what `schema export` writes);
    attr:*:<attribute> applies to every label of the config."""
    labels = [name for name, lab in draft.labels.items() if path in lab.sources]
    for control in root.iter():
        parts = (control.get("name") or "").split(":", 2)
        if len(parts) != 3 or parts[0] != ATTR_PREFIX or control.get("perRegion") != "true":
            continue
        spec = _ls_attribute(parts[2], control)
        if spec is None:
            continue
        for label in labels if parts[1] == ANY_LABEL else [parts[1]]:
            if label in draft.labels:
                draft.add_attribute(label, spec)


def _ls_attribute(name: str, control: ET.Element) -> AttributeSpec | None:
    required = control.get("required") == "true"
    tag = control.tag
    if tag == "Number":
        low, high = control.get("min"), control.get("max")
        return AttributeSpec(
            name,
            AttrType.INT if control.get("step") == "1" else AttrType.FLOAT,
            min=float(low) if low is not None else None,
            max=float(high) if high is not None else None,
            required=required,
        )
    if tag == "TextArea":
        return AttributeSpec(name, AttrType.STR, required=required)
    if tag == "Choices":
        values = tuple(c.get("value") or "" for c in control.iter("Choice"))
        if set(values) == {"true", "false"}:
            return AttributeSpec(name, AttrType.BOOL, required=required)
        return AttributeSpec(name, AttrType.ENUM, values, required=required)
    return None
