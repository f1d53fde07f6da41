"""Issue 17: a migration applied to one label file of each format (bytes in, bytes out),
and the migration file's own errors."""

import json

import pytest

from gitannot.errors import ConfigError
from gitannot.formats import parse_file
from gitannot.schema.migrate_files import (
    MigrationError,
    migrate_coco,
    migrate_cvat,
    migrate_data_yaml,
    migrate_labelstudio,
    migrate_names_text,
    migrate_perimage,
    migrate_voc,
    migrate_yolo_rows,
    yolo_map,
)
from gitannot.schema.migration import Migration, load_migration

ALL_STEPS = b"""\
version: 4
steps:
  - rename: {from: bike, to: bicycle}
  - merge: {from: [truck, van], to: lorry}
  - delete: dog
  - split: {from: vehicle, by: kind, into: {sedan: car, pickup: lorry}}
"""


@pytest.fixture
def migration() -> Migration:
    return load_migration(ALL_STEPS, "schema/migrations/0004.yaml")


def _labels(path: str, data: bytes, fmt: str) -> list[tuple[str, dict[str, object]]]:
    parsed = parse_file(path, data, format=fmt)
    return sorted((a.label, dict(a.attributes)) for a in parsed.annotations)


def test_relabel_follows_the_steps_in_order(migration: Migration) -> None:
    assert migration.relabel("bike") == "bicycle"
    assert migration.relabel("van") == migration.relabel("truck") == "lorry"
    assert migration.relabel("dog") is None
    assert migration.relabel("vehicle", {"kind": "pickup"}) == "lorry"
    assert migration.relabel("person") == "person"


def test_coco_rename_merge_delete_split(migration: Migration) -> None:
    cats = ["bike", "truck", "van", "dog", "vehicle", "lorry"]
    anns = [("bike", {}), ("truck", {}), ("van", {}), ("dog", {}), ("vehicle", {"kind": "sedan"})]
    doc = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
        "categories": [{"id": i + 1, "name": n, "supercategory": ""} for i, n in enumerate(cats)],
        "annotations": [
            {"id": k + 1, "image_id": 1, "category_id": cats.index(n) + 1, "bbox": [k, 1, 5, 5],
             "area": 25, "iscrowd": 0, "attributes": a}
            for k, (n, a) in enumerate(anns)
        ],
    }  # fmt: skip
    out = migrate_coco(json.dumps(doc, indent=2).encode(), migration)
    assert out is not None
    new = json.loads(out)
    # bike keeps its id under the new name; truck and van point at lorry's id 6; dog's
    # category and annotation are gone; the split vehicle got a new `car` category.
    assert [(c["id"], c["name"]) for c in new["categories"]] == [
        (1, "bicycle"),
        (6, "lorry"),
        (7, "car"),
    ]
    assert [(a["id"], a["category_id"]) for a in new["annotations"]] == [
        (1, 1),
        (2, 6),
        (3, 6),
        (5, 7),
    ]
    assert out.startswith(b'{\n  "images"')  # the file's indent is kept


def test_a_split_without_a_decision_names_the_annotation(migration: Migration) -> None:
    doc = {
        "version": 1,
        "item": {"id": "a", "file_name": "a.jpg", "width": 10, "height": 10},
        "annotations": [{"id": "x1", "label": "vehicle", "bbox": [1, 1, 2, 2],
                         "attributes": {"kind": "tractor"}}],
    }  # fmt: skip
    with pytest.raises(MigrationError, match="annotation x1: split of 'vehicle' by 'kind'"):
        migrate_perimage(json.dumps(doc).encode(), migration)


def test_perimage(migration: Migration) -> None:
    doc = {
        "version": 1,
        "item": {"id": "a", "file_name": "a.jpg", "width": 10, "height": 10},
        "annotations": [
            {"id": "x1", "label": "bike", "bbox": [1, 1, 2, 2]},
            {"id": "x2", "label": "dog", "bbox": [1, 1, 2, 2]},
            {"id": "x3", "label": "vehicle", "bbox": [1, 1, 2, 2], "attributes": {"kind": "sedan"}},
        ],
    }
    out = migrate_perimage(json.dumps(doc).encode(), migration)
    assert out is not None
    assert [(a["id"], a["label"]) for a in json.loads(out)["annotations"]] == [
        ("x1", "bicycle"),
        ("x3", "car"),
    ]
    assert migrate_perimage(out, migration) is None  # a migrated file stays as it is


VOC = b"""<?xml version="1.0"?>
<annotation>
  <filename>a.jpg</filename>
  <size><width>100</width><height>100</height><depth>3</depth></size>
  <object><name>van</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>9</xmax><ymax>9</ymax></bndbox></object>
  <object><name>dog</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>9</xmax><ymax>9</ymax></bndbox></object>
</annotation>
"""


def test_voc(migration: Migration) -> None:
    out = migrate_voc(VOC, migration)
    assert out is not None and out.startswith(b'<?xml version="1.0"?>\n<annotation>')
    assert [label for label, _ in _labels("a.xml", out, "voc")] == ["lorry"]


CVAT = b"""<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <meta><task><labels>
    <label><name>bike</name><type>rectangle</type></label>
    <label><name>dog</name><type>rectangle</type></label>
    <label><name>vehicle</name><type>rectangle</type></label>
  </labels></task></meta>
  <image id="0" name="a.jpg" width="100" height="100">
    <box label="bike" occluded="0" xtl="1" ytl="1" xbr="9" ybr="9"></box>
    <box label="dog" occluded="0" xtl="1" ytl="1" xbr="9" ybr="9"></box>
    <box label="vehicle" occluded="0" xtl="1" ytl="1" xbr="9" ybr="9">
      <attribute name="kind">pickup</attribute>
    </box>
  </image>
</annotations>
"""


def test_cvat(migration: Migration) -> None:
    out = migrate_cvat(CVAT, migration)
    assert out is not None
    assert [label for label, _ in _labels("a.xml", out, "cvat")] == ["bicycle", "lorry"]
    text = out.decode()
    assert "<name>bicycle</name>" in text and "<name>dog</name>" not in text
    assert "<name>car</name>" in text and "<name>lorry</name>" in text  # split targets


def test_labelstudio(migration: Migration) -> None:
    def region(rid: str, label: str) -> dict[str, object]:
        return {
            "id": rid, "from_name": "label", "to_name": "image", "type": "rectanglelabels",
            "original_width": 100, "original_height": 100,
            "value": {"x": 1, "y": 1, "width": 5, "height": 5, "rectanglelabels": [label]},
        }  # fmt: skip

    tasks = [
        {"id": 1, "data": {"image": "a.jpg"},
         "annotations": [{"id": 1, "result": [region("r1", "truck"), region("r2", "dog")]}]}
    ]  # fmt: skip
    out = migrate_labelstudio(json.dumps(tasks).encode(), migration)
    assert out is not None
    result = json.loads(out)[0]["annotations"][0]["result"]
    assert [(r["id"], r["value"]["rectanglelabels"]) for r in result] == [("r1", ["lorry"])]


def test_yolo_rows_and_names_files(migration: Migration) -> None:
    mapping = yolo_map(["person", "truck", "dog", "van", "bike"], migration)
    assert mapping.new == ["person", "lorry", "bicycle"]
    rows = (
        b"0 0.5 0.5 0.1 0.1\n1 0.5 0.5 0.1 0.1\n2 0.5 0.5 0.1 0.1\n"
        b"3 0.1 0.1 0.1 0.1\n4 0.2 0.2 0.1 0.1\n"
    )
    assert migrate_yolo_rows(rows, mapping) == (
        b"0 0.5 0.5 0.1 0.1\n1 0.5 0.5 0.1 0.1\n1 0.1 0.1 0.1 0.1\n2 0.2 0.2 0.1 0.1\n"
    )
    assert migrate_names_text(b"", mapping) == b"person\nlorry\nbicycle\n"
    data = b"# my dataset\npath: ../data  # kept\nnc: 5\nnames: [person, truck, dog, van, bike]\n"
    assert migrate_data_yaml(data, mapping) == (
        b"# my dataset\npath: ../data  # kept\nnc: 3\nnames: [person, lorry, bicycle]\n"
    )
    mapped = migrate_data_yaml(
        b"names:\n  0: person\n  1: dog\n", yolo_map(["person", "dog"], migration)
    )
    assert mapped == b"names:\n  0: person\n"


def test_a_yolo_class_split_by_attribute_needs_a_default(migration: Migration) -> None:
    with pytest.raises(MigrationError, match="class 'vehicle' is split by an attribute"):
        yolo_map(["vehicle"], migration)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"steps: [{delete: dog}]\n", "missing `version`"),
        (b"version: 2\nsteps: []\n", "`steps` must be a non-empty list"),
        (b"version: 2\nsteps: [{relabel: {from: a, to: b}}]\n", "unknown step 'relabel'"),
        (b"version: 2\nsteps: [{rename: {from: [a, b], to: c}}]\n", "rename takes one `from`"),
        (b"version: 2\nsteps: [{split: {from: a, by: k}}]\n", "split needs `into"),
        (b"version: 2\nsteps: [{merge: {from: [a, b]}}]\n", "`merge.to` must be a label name"),
    ],
)
def test_bad_migration_files_name_the_problem(text: bytes, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_migration(text, "schema/migrations/0002.yaml")
    assert expected in info.value.message
    assert info.value.message.startswith("schema/migrations/0002.yaml:")
