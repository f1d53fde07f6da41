"""The ontology as a Label Studio labeling config (XML).

One image object; one labels control per region kind (bbox -> RectangleLabels, polygon ->
PolygonLabels, mask -> BrushLabels, point/keypoints -> KeyPointLabels), image tags (geometry
`none`) as Choices. Attributes become per-region controls shown when a region of their
label is selected; global attributes are shown for every region.
"""

import xml.etree.ElementTree as ET

from gitannot.core.annotation import GeometryKind
from gitannot.schema.export_common import ToolLabel, fmt_number, tool_labels
from gitannot.schema.model import AttributeSpec, AttrType, Ontology

IMAGE = "image"
# Region controls in the order they appear; a label with any geometry joins each.
CONTROLS = (
    ("RectangleLabels", "bbox", (GeometryKind.BBOX,)),
    ("PolygonLabels", "polygon", (GeometryKind.POLYGON,)),
    ("BrushLabels", "mask", (GeometryKind.MASK,)),
    ("KeyPointLabels", "keypoint", (GeometryKind.POINT, GeometryKind.KEYPOINTS)),
)
TAGS = "tags"
ATTR_PREFIX = "attr"  # control names: attr:<label>:<attribute>, attr:*:<attribute>
ANY_LABEL = "*"


def export_labelstudio(onto: Ontology) -> str:
    labels = tool_labels(onto)
    view = ET.Element("View")
    ET.SubElement(view, "Image", {"name": IMAGE, "value": "$image"})
    hotkeys_used: set[str] = set()
    for tag, name, kinds in CONTROLS:
        members = [lab for lab in labels if _in_control(lab, kinds)]
        if members:
            control = ET.SubElement(view, tag, {"name": name, "toName": IMAGE})
            for lab in members:
                control.append(_label(lab, "Label", hotkeys_used))
    tags = [lab for lab in labels if lab.geometry is not None and GeometryKind.NONE in lab.geometry]
    if tags:
        control = ET.SubElement(
            view, "Choices", {"name": TAGS, "toName": IMAGE, "choice": "multiple"}
        )
        for lab in tags:
            control.append(_label(lab, "Choice", hotkeys_used))
    if onto.attributes:
        _attribute_view(view, ANY_LABEL, onto.attributes)
    for lab in labels:
        if lab.attributes:
            _attribute_view(view, lab.name, lab.attributes)
    ET.indent(view, space="  ")
    return ET.tostring(view, encoding="unicode") + "\n"


def _in_control(label: ToolLabel, kinds: tuple[GeometryKind, ...]) -> bool:
    if label.geometry is None:
        return True
    return any(kind in label.geometry for kind in kinds)


def _label(label: ToolLabel, tag: str, hotkeys_used: set[str]) -> ET.Element:
    elem = ET.Element(tag, {"value": label.name, "background": label.color})
    # A label in two controls keeps its hotkey in the first only: Label Studio binds a
    # key once.
    if label.hotkey is not None and label.hotkey not in hotkeys_used:
        elem.set("hotkey", label.hotkey)
        hotkeys_used.add(label.hotkey)
    return elem


def _attribute_view(parent: ET.Element, label: str, specs: tuple[AttributeSpec, ...]) -> None:
    """A <View> shown while a region is selected (of `label`, or any for global ones)."""
    attrs = {"visibleWhen": "region-selected"}
    if label != ANY_LABEL:
        attrs["whenLabelValue"] = label
    view = ET.SubElement(parent, "View", attrs)
    for spec in specs:
        view.append(_attribute_control(label, spec))


def _attribute_control(label: str, spec: AttributeSpec) -> ET.Element:
    base = {
        "name": f"{ATTR_PREFIX}:{label}:{spec.name}",
        "toName": IMAGE,
        "perRegion": "true",
    }
    if spec.required:
        base["required"] = "true"
    if spec.type is AttrType.INT or spec.type is AttrType.FLOAT:
        elem = ET.Element("Number", base)
        elem.set("step", "1" if spec.type is AttrType.INT else "any")
        if spec.min is not None:
            elem.set("min", fmt_number(spec.min))
        if spec.max is not None:
            elem.set("max", fmt_number(spec.max))
        return elem
    if spec.type is AttrType.STR and not spec.values:
        return ET.Element("TextArea", base | {"editable": "true", "maxSubmissions": "1"})
    values = ("true", "false") if spec.type is AttrType.BOOL else spec.values
    elem = ET.Element("Choices", base | {"choice": "single"})
    for value in values:
        ET.SubElement(elem, "Choice", {"value": value})
    return elem
