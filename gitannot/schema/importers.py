"""Read label names (and what else they declare) out of existing exports into a Draft.

COCO JSON categories (+ supercategory as parent, attributes seen on annotations), YOLO
data.yaml / classes.txt / obj.names, VOC XML object names, VOC labelmap.txt, a Label
Studio labeling config, CVAT XML labels with their attribute specs. Geometry kinds are
only taken from declarations (Label Studio control tags, CVAT label types), never from the
shapes a sample happens to contain: a sample is not a rule.
"""

import posixpath
import xml.etree.ElementTree as ET
from typing import Any

import orjson

from gitannot.core.annotation import GeometryKind
from gitannot.errors import ConfigError, UsageError
from gitannot.formats import FormatOptions, parse_file
from gitannot.formats.loaders import load_xml
from gitannot.formats.report import Reporter
from gitannot.schema.draft import Draft
from gitannot.schema.import_tools import (
    import_cvat_labels,
    import_datumaro,
    import_labelstudio_attributes,
    is_cvat_labels,
)
from gitannot.schema.model import AttributeSpec, AttrType
from gitannot.schema.yamlsrc import load_yaml

_LS_GEOMETRY = {
    "rectanglelabels": GeometryKind.BBOX,
    "polygonlabels": GeometryKind.POLYGON,
    "brushlabels": GeometryKind.MASK,
    "keypointlabels": GeometryKind.POINT,
    "labels": GeometryKind.NONE,
    "choices": GeometryKind.NONE,
    "ellipselabels": GeometryKind.POLYGON,
}
_CVAT_GEOMETRY = {
    "rectangle": GeometryKind.BBOX,
    "polygon": GeometryKind.POLYGON,
    "polyline": GeometryKind.POLYLINE,
    "points": GeometryKind.POINT,
    "mask": GeometryKind.MASK,
    "tag": GeometryKind.NONE,
}
_NO_PARENT = {"", "none", "None"}


def import_file(draft: Draft, path: str, data: bytes) -> str:
    """Add what `path` declares to `draft`; returns the kind of file it was read as.
    Call `draft.settle()` after the last file to type observed attributes."""
    kind = _declared(draft, path, data)
    if kind in _OBSERVABLE:
        _observe(draft, path, data)
    return kind


# Kinds whose annotations are worth reading for labels/attributes the header lacks
# (VOC parts, CVAT `occluded`, COCO `attributes`, Label Studio choices).
_OBSERVABLE = {"COCO", "Pascal VOC", "CVAT", "Label Studio export"}


def _observe(draft: Draft, path: str, data: bytes) -> None:
    parsed = parse_file(path, data, options=FormatOptions(max_file_bytes=len(data) + 1))
    for ann in parsed.annotations:
        if not ann.label:
            continue
        if ann.label not in draft.labels:
            draft.add(ann.label, path)
        draft.labels[ann.label].observed_geometry.add(ann.geometry)
        for key, value in ann.attributes.items():
            if value is not None:
                draft.observe(ann.label, key, value)


def _declared(draft: Draft, path: str, data: bytes) -> str:
    name = posixpath.basename(path).lower()
    if name.endswith(".json"):
        return _json(draft, path, _load_json(path, data))
    if name.endswith((".yaml", ".yml")):
        return _yolo_yaml(draft, path, data)
    if name.endswith(".xml"):
        return _xml(draft, path, data)
    if name == "labelmap.txt":
        return _labelmap(draft, path, data)
    if name.endswith((".txt", ".names")):
        for label in _lines(data):
            draft.add(label, path)
        return "class list"
    raise UsageError(
        f"{path}: cannot tell what kind of file this is",
        "import COCO .json, YOLO data.yaml/classes.txt/obj.names, VOC/CVAT .xml, "
        "a Label Studio labeling config .xml or a VOC labelmap.txt",
    )


def _load_json(path: str, data: bytes) -> Any:
    try:
        return orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"{path}: not valid JSON ({exc})") from exc


def _json(draft: Draft, path: str, doc: Any) -> str:
    if isinstance(doc, dict) and isinstance(doc.get("categories"), dict):
        return import_datumaro(draft, path, doc["categories"])
    if is_cvat_labels(doc):
        import_cvat_labels(draft, path, doc)
        return "CVAT labels"
    if isinstance(doc, dict) and isinstance(doc.get("categories"), list):
        _coco_categories(draft, path, doc["categories"])
        return "COCO"
    if isinstance(doc, list) and doc and all(isinstance(c, dict) and "name" in c for c in doc):
        _coco_categories(draft, path, doc)
        return "COCO category list"
    if isinstance(doc, list):
        _labelstudio_export(draft, path, doc)
        return "Label Studio export"
    raise UsageError(f"{path}: JSON without `categories` (not COCO) and not a Label Studio export")


def _coco_categories(draft: Draft, path: str, categories: list[Any]) -> None:
    for cat in sorted((c for c in categories if isinstance(c, dict)), key=_cat_id):
        name = str(cat.get("name", "")).strip()
        if not name:
            continue
        parent = str(cat.get("supercategory") or "").strip()
        label = draft.add(name, path, parent=None if parent in _NO_PARENT else parent)
        if label.id is None and type(cat.get("id")) is int and cat["id"] >= 0:
            label.id = cat["id"]  # kept when free: model outputs and exports use it


def _cat_id(cat: dict[str, Any]) -> int:
    value = cat.get("id")
    return value if isinstance(value, int) else 0


def _labelstudio_export(draft: Draft, path: str, tasks: list[Any]) -> None:
    for task in tasks:
        if not isinstance(task, dict):
            continue
        for key in ("annotations", "completions", "predictions"):
            for annotation in task.get(key) or []:
                for result in (
                    annotation.get("result") or [] if isinstance(annotation, dict) else []
                ):
                    value = result.get("value") if isinstance(result, dict) else None
                    rtype = str(result.get("type", "")).lower() if isinstance(result, dict) else ""
                    if not isinstance(value, dict):
                        continue
                    for name in value.get(rtype) or []:
                        if isinstance(name, str):
                            draft.add(name, path, geometry=_LS_GEOMETRY.get(rtype))


def _yolo_yaml(draft: Draft, path: str, data: bytes) -> str:
    try:
        doc = load_yaml(data, path)
    except ConfigError as exc:
        raise UsageError(exc.message) from exc
    names = doc.get("names") if isinstance(doc, dict) else doc
    if isinstance(names, dict):
        if not all(str(k).isdigit() for k in names):
            raise UsageError(f"{path}: `names` keys must be class indexes (0, 1, ...)")
        names = [names[k] for k in sorted(names, key=lambda k: int(k))]
    if not isinstance(names, list):
        raise UsageError(f"{path}: no `names` list (YOLO data.yaml) found")
    for name in names:
        draft.add(str(name), path)
    return "YOLO data.yaml"


def _parse_xml(path: str, data: bytes) -> ET.Element:
    """The validators' safe loader (DTDs and entities refused, depth capped, BOM and
    declared encodings handled); its finding becomes the error."""
    options = FormatOptions()
    rep = Reporter(path, options)
    root = load_xml(data, rep, options.max_xml_depth)
    if root is None:
        problem = rep.findings[-1]
        raise UsageError(f"{path}: not readable XML ({problem.rule}: {problem.message})")
    return root


def _xml(draft: Draft, path: str, data: bytes) -> str:
    root = _parse_xml(path, data)
    tag = root.tag.lower()
    if tag == "annotation":
        for obj in root.iter("object"):
            name = (obj.findtext("name") or "").strip()
            if name:
                draft.add(name, path)
        return "Pascal VOC"
    if tag == "annotations":
        _cvat(draft, path, root)
        return "CVAT"
    if tag == "view":
        _labelstudio_config(draft, path, root)
        return "Label Studio config"
    raise UsageError(f"{path}: XML root <{root.tag}> is not VOC, CVAT or a Label Studio config")


def _cvat(draft: Draft, path: str, root: ET.Element) -> None:
    for label in root.iter("label"):
        name = (label.findtext("name") or "").strip()
        if not name:
            continue
        kind = _CVAT_GEOMETRY.get((label.findtext("type") or "").strip().lower())
        draft.add(name, path, geometry=kind)
        for attr in label.iter("attribute"):
            spec = _cvat_attribute(attr)
            if spec is not None:
                draft.add_attribute(name, spec)


def _cvat_attribute(attr: ET.Element) -> AttributeSpec | None:
    name = (attr.findtext("name") or "").strip()
    if not name:
        return None
    kind = (attr.findtext("input_type") or "text").strip().lower()
    values = _cvat_values(attr.findtext("values") or "")
    if kind == "checkbox":
        return AttributeSpec(name, AttrType.BOOL)
    if kind == "number" and len(values) >= 2:
        try:  # CVAT writes "min max step"; a malformed range is dropped, not guessed
            low, high = float(values[0]), float(values[1])
        except ValueError:
            return AttributeSpec(name, AttrType.FLOAT)
        if low > high:
            return AttributeSpec(name, AttrType.FLOAT)
        return AttributeSpec(name, AttrType.FLOAT, min=low, max=high)
    if kind in ("select", "radio") and values:
        return AttributeSpec(name, AttrType.ENUM, values=tuple(values))
    return AttributeSpec(name, AttrType.STR)


def _cvat_values(raw: str) -> list[str]:
    """CVAT writes one value per line, and a value may hold spaces ("parked car"); some
    hand-made files put all values on one line separated by spaces."""
    if "\n" in raw.strip():
        return [v.strip() for v in raw.splitlines() if v.strip()]
    return raw.split()


def _labelstudio_config(draft: Draft, path: str, root: ET.Element) -> None:
    for control in root.iter():
        kind = _LS_GEOMETRY.get(control.tag.lower())
        if kind is None or control.get("perRegion") == "true":
            continue  # per-region controls describe a region's attributes, not labels
        child_tag = "Choice" if control.tag.lower() == "choices" else "Label"
        for label in control.iter(child_tag):
            value = (label.get("value") or "").strip()
            if value:
                draft.add(value, path, geometry=kind)
    import_labelstudio_attributes(draft, path, root)


def _labelmap(draft: Draft, path: str, data: bytes) -> str:
    for line in _lines(data):
        if not line.startswith("#"):
            draft.add(line.split(":", 1)[0].strip(), path)
    return "VOC labelmap"


def _lines(data: bytes) -> list[str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"not UTF-8 text ({exc.reason})") from exc
    return [line.strip() for line in text.splitlines() if line.strip()]
