"""Issue 17, `schema export`: each tool's own library judges what gitannot writes, the
output is deterministic, and import(export(ontology)) gives back everything the tool can
express. What a tool cannot express is listed per target below (and in docs/schema.md).
"""

import json
from pathlib import Path
from typing import Any

import pytest

from gitannot.core.annotation import GeometryKind
from gitannot.main import main
from gitannot.schema.compiled import CompiledOntology
from gitannot.schema.export import TARGETS, export
from gitannot.schema.loader import load_ontology
from gitannot.schema.model import Ontology

FULL = """\
version: 3
name: street
attributes:
  occluded: {type: bool}
labels:
  - id: 1
    name: person
    color: "#FF0000"
    geometry: [bbox, polygon, mask, keypoints]
    attributes:
      pose: {type: enum, values: [standing, sitting, "lying down"], required: true}
      height: {type: float, min: 0.5, max: 2.5}
  - id: 2
    name: vehicle
    abstract: true
    geometry: [bbox, polygon]
    attributes:
      truncated: {type: bool}
  - {id: 3, name: car, parent: vehicle, attributes: {doors: {type: int, min: 0, max: 6}}}
  - {id: 4, name: bicycle, parent: vehicle, aliases: [bike]}
  - id: 5
    name: dog
    geometry: [bbox]
    attributes:
      note: {type: str}
      visible_percent: {type: int, min: 0, max: 100}
  - {id: 7, name: lane, geometry: [polyline]}
  - {id: 8, name: day, geometry: [none]}
  - {id: 9, name: night, geometry: [none]}
  - {id: 10, name: thing}
exclusive_groups:
  - {name: time-of-day, labels: [day, night]}
changelog:
  - {version: 3, changes: [all kinds]}
"""


@pytest.fixture
def onto() -> Ontology:
    return load_ontology(FULL.encode())


def _reimport(
    tmp_path: Path, target: str, text: str, capsys: pytest.CaptureFixture[str]
) -> Ontology:
    suffix = {"labelstudio": "xml", "yolo": "yaml"}.get(target, "json")
    path = tmp_path / f"exported.{suffix}"
    path.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["schema", "import", str(path), "--out", "-"]) == 0
    return load_ontology(capsys.readouterr().out.encode())


def _attrs(onto: Ontology, label: str, *, keep_required: bool = True) -> dict[str, Any]:
    """Effective attributes of a label (global + inherited + own) as comparable tuples."""
    specs = CompiledOntology(onto).labels[label].attributes
    return {
        name: (s.type, s.values, s.min, s.max, s.required and keep_required)
        for name, s in specs.items()
    }


def _concrete(onto: Ontology) -> list[str]:
    return [lab.name for lab in sorted(onto.labels, key=lambda lab: lab.id) if not lab.abstract]


def _geometry(onto: Ontology, label: str) -> frozenset[GeometryKind] | None:
    return CompiledOntology(onto).labels[label].geometry


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_export_is_deterministic_and_independent_of_label_order(
    onto: Ontology, target: str
) -> None:
    reordered = load_ontology(FULL.encode())
    reordered.labels.reverse()
    assert export(onto, target) == export(onto, target) == export(reordered, target)


# --- Label Studio ------------------------------------------------------------------------


def test_labelstudio_config_is_accepted_by_label_studio_sdk(onto: Ontology) -> None:
    from label_studio_sdk.label_interface import LabelInterface

    config = export(onto, "labelstudio")
    interface = LabelInterface(config)
    interface.validate()  # raises on a config Label Studio would refuse
    labels = {name: set(tags) for name, tags in interface.get_all_labels()[0].items()}
    assert labels["bbox"] == {"person", "car", "bicycle", "dog", "thing"}
    assert labels["polygon"] == {"person", "car", "bicycle", "thing"}
    assert labels["mask"] == {"person", "thing"}
    assert labels["keypoint"] == {"person", "thing"}
    assert labels["tags"] == {"day", "night"}
    assert labels["attr:person:pose"] == {"standing", "sitting", "lying down"}
    # Colours and hotkeys: the label's own colour, then the palette; one key per label.
    assert '<Label value="person" background="#ff0000" hotkey="1" />' in config
    hotkeys = [line for line in config.splitlines() if 'hotkey="' in line]
    # Seven labels reach Label Studio (not `lane`: a polyline), each with its own key.
    assert len(hotkeys) == len({line.split('hotkey="')[1] for line in hotkeys}) == 7


def test_label_studio_sdk_refuses_a_broken_config() -> None:
    """The check above can fail: the SDK rejects a control pointing at no object."""
    from label_studio_sdk.label_interface import LabelInterface

    broken = (
        '<View><Image name="image" value="$image"/>'
        '<RectangleLabels name="b" toName="img"><Label value="a"/></RectangleLabels></View>'
    )
    with pytest.raises(Exception):  # noqa: B017 — the SDK raises a plain Exception
        LabelInterface(broken).validate()


def test_labelstudio_round_trip(
    onto: Ontology, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Kept: concrete labels, geometry (any -> the four region kinds; keypoints -> point),
    every effective attribute with type, values, range and `required`. Not expressible:
    ids, parents and abstract labels, aliases, exclusive groups, polyline (Label Studio has
    no polyline labels), colours round-trip only as text in the config."""
    back = _reimport(tmp_path, "labelstudio", export(onto, "labelstudio"), capsys)
    assert sorted(_concrete(back)) == sorted(set(_concrete(onto)) - {"lane"})
    regions = frozenset(
        {GeometryKind.BBOX, GeometryKind.POLYGON, GeometryKind.MASK, GeometryKind.POINT}
    )
    expected_geometry = {
        "person": regions,
        "car": frozenset({GeometryKind.BBOX, GeometryKind.POLYGON}),
        "bicycle": frozenset({GeometryKind.BBOX, GeometryKind.POLYGON}),
        "dog": frozenset({GeometryKind.BBOX}),
        "day": frozenset({GeometryKind.NONE}),
        "night": frozenset({GeometryKind.NONE}),
        "thing": regions,
    }
    for name, kinds in expected_geometry.items():
        assert _geometry(back, name) == kinds, name
        assert _attrs(back, name) == _attrs(onto, name), name


# --- CVAT --------------------------------------------------------------------------------


def test_cvat_labels_are_accepted_by_cvat_sdk_models(onto: Ontology) -> None:
    from cvat_sdk.api_client import models

    labels = json.loads(export(onto, "cvat"))
    requests = [
        models.PatchedLabelRequest(
            name=lab["name"],
            color=lab["color"],
            type=models.LabelType(lab["type"]),
            attributes=[
                models.AttributeRequest(
                    name=a["name"],
                    mutable=a["mutable"],
                    input_type=models.InputTypeEnum(a["input_type"]),
                    default_value=a["default_value"],
                    values=a["values"],
                )
                for a in lab["attributes"]
            ],
        )
        for lab in labels
    ]
    project = models.ProjectWriteRequest(name="street", labels=requests)
    assert [lab.name for lab in project.labels] == _concrete(onto)
    types = {lab["name"]: lab["type"] for lab in labels}
    assert types == {
        "person": "any", "car": "any", "bicycle": "any", "dog": "rectangle",
        "lane": "polyline", "day": "tag", "night": "tag", "thing": "any",
    }  # fmt: skip
    with pytest.raises(models.ApiValueError if hasattr(models, "ApiValueError") else Exception):
        models.LabelType("boxes")  # the models do judge values


def test_cvat_round_trip(
    onto: Ontology, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Kept: concrete labels, a single geometry kind (several kinds become "any"),
    effective attributes with type, values and range. Not expressible: ids, parents,
    abstract labels, aliases, exclusive groups, `required`, which kinds an "any" label
    allows, keypoints (CVAT points; skeleton sublabels need parts the ontology lacks)."""
    back = _reimport(tmp_path, "cvat", export(onto, "cvat"), capsys)
    assert _concrete(back) == _concrete(onto)
    assert _geometry(back, "dog") == frozenset({GeometryKind.BBOX})
    assert _geometry(back, "lane") == frozenset({GeometryKind.POLYLINE})
    assert _geometry(back, "day") == frozenset({GeometryKind.NONE})
    assert _geometry(back, "person") is None  # "any"
    for name in _concrete(onto):
        assert _attrs(back, name) == _attrs(onto, name, keep_required=False), name


# --- Datumaro ----------------------------------------------------------------------------


def test_datumaro_loads_the_categories(onto: Ontology, tmp_path: Path) -> None:
    import datumaro as dm

    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations/default.json").write_text(export(onto, "datumaro"))
    dataset = dm.Dataset.import_from(str(tmp_path), "datumaro")
    cats = dataset.categories()[dm.AnnotationType.label]
    by_name = {lab.name: lab for lab in cats.items}
    assert list(by_name) == [lab.name for lab in sorted(onto.labels, key=lambda lab: lab.id)]
    assert by_name["car"].parent == "vehicle" and by_name["person"].parent == ""
    assert by_name["car"].attributes == {"truncated", "doors"}
    assert set(cats.attributes) == {"occluded"}
    [group] = cats.label_groups
    assert (group.name, group.labels, group.group_type) == (
        "time-of-day", ["day", "night"], dm.components.annotation.GroupType.EXCLUSIVE,
    )  # fmt: skip


def test_datumaro_round_trip(
    onto: Ontology, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Kept: every label (abstract ones too), parents, attribute names. Not expressible:
    attribute types, values and ranges (Datumaro names attributes only: read back as
    text), geometry, ids, aliases, `abstract` (a parent is read back as abstract, a
    parentless abstract label as concrete)."""
    back = _reimport(tmp_path, "datumaro", export(onto, "datumaro"), capsys)
    assert {lab.name: lab.parent for lab in back.labels} == {
        lab.name: lab.parent for lab in onto.labels
    }
    for name in _concrete(onto):
        assert set(_attrs(back, name)) == set(_attrs(onto, name)), name


# --- YOLO and COCO -------------------------------------------------------------------------


def test_yolo_names_are_the_concrete_labels_in_id_order(
    onto: Ontology, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Kept: names and their order (the class index). Everything else is not expressible."""
    from gitannot.formats import read_names_file

    text = export(onto, "yolo")
    names, _ = read_names_file("data.yaml", text.encode())
    assert names == tuple(_concrete(onto))
    back = _reimport(tmp_path, "yolo", text, capsys)
    assert _concrete(back) == _concrete(onto)


def test_coco_categories_keep_ids_and_parents(
    onto: Ontology, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Kept: ids, names, parents (as supercategory; the parent comes back abstract). Not
    expressible: geometry, attributes, aliases, groups, a parent that is itself concrete."""
    cats = json.loads(export(onto, "coco"))["categories"]
    assert [(c["id"], c["name"], c["supercategory"]) for c in cats][:4] == [
        (1, "person", "person"),
        (3, "car", "vehicle"),
        (4, "bicycle", "vehicle"),
        (5, "dog", "dog"),
    ]
    back = _reimport(tmp_path, "coco", export(onto, "coco"), capsys)
    ids = {lab.name: lab.id for lab in back.labels}
    assert {n: ids[n] for n in _concrete(onto)} == {
        lab.name: lab.id for lab in onto.labels if not lab.abstract
    }
    assert back.by_name()["car"].parent == "vehicle" and back.by_name()["vehicle"].abstract
