"""Issue 17, migrations: real pushes through the installed pre-receive hook.

A schema change that orphans annotations (rename, removal) needs a migration file in the
push; `gitannot schema migrate` rewrites every label file for it; the server checks the
pushed tree is the migrated one.
"""

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from gitannot.main import main
from tests.gitenv import Client, ServerRepo
from tests.validation.helpers import coco

MakeClient = Callable[[ServerRepo, str], Client]

STREET = """\
version: 1
labels:
  - {id: 1, name: person, geometry: [bbox, polygon]}
  - {id: 2, name: car, geometry: [bbox, polygon]}
  - {id: 3, name: bike}
changelog:
  - {version: 1, changes: [first ontology]}
"""
RENAMED = (
    STREET.replace("name: bike}", "name: bicycle}").replace("version: 1\n", "version: 2\n", 1)
    + "  - {version: 2, changes: [bike is called bicycle]}\n"
)
RENAME_MIGRATION = "version: 2\nsteps:\n  - rename: {from: bike, to: bicycle}\n"

VOC = """\
<annotation>
  <filename>a.jpg</filename>
  <size><width>100</width><height>100</height><depth>3</depth></size>
  <object>
    <name>bike</name>
    <bndbox><xmin>10</xmin><ymin>10</ymin><xmax>40</xmax><ymax>40</ymax></bndbox>
  </object>
  <object>
    <name>person</name>
    <bndbox><xmin>50</xmin><ymin>50</ymin><xmax>60</xmax><ymax>70</ymax></bndbox>
  </object>
</annotation>
"""
LS = json.dumps(
    [
        {
            "id": 1,
            "data": {"image": "a.jpg"},
            "annotations": [
                {
                    "id": 1,
                    "result": [
                        {
                            "id": "r1",
                            "from_name": "label",
                            "to_name": "image",
                            "type": "rectanglelabels",
                            "original_width": 100,
                            "original_height": 100,
                            "value": {
                                "x": 10, "y": 10, "width": 20, "height": 20,
                                "rectanglelabels": ["bike"],
                            },
                        }
                    ],
                }
            ],
        }
    ],
    indent=2,
)  # fmt: skip
PROJECT_ALL = """\
dataset: {name: street, type: detection, version: 1.0.0}
formats:
  - {glob: "labels/coco/*.json", format: coco}
  - {glob: "labels/voc/*.xml", format: voc}
  - {glob: "labels/ls/*.json", format: labelstudio}
  - {glob: "labels/**/*.json", format: detect}
"""


@pytest.fixture
def alice(server: ServerRepo, make_client: MakeClient) -> Client:
    client = make_client(server, "alice")
    client.commit(
        {
            "schema/labels.yaml": STREET,
            "configs/project.yaml": PROJECT_ALL,
            "labels/coco/a.json": coco(["bike", "person"]),
            "labels/voc/a.xml": VOC,
            "labels/ls/a.json": LS,
        },
        "scaffold",
    )
    result = client.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    return client


def _migrate(client: Client, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.chdir(client.path)
    return main(["schema", "migrate", *args])


def test_a_rename_in_use_without_a_migration_is_refused(alice: Client) -> None:
    """Even with every file rewritten by hand: the push must say what became of `bike`."""
    alice.commit(
        {
            "schema/labels.yaml": RENAMED,
            "labels/coco/a.json": coco(["bicycle", "person"]),
            "labels/voc/a.xml": VOC.replace("bike", "bicycle"),
            "labels/ls/a.json": LS.replace('"bike"', '"bicycle"'),
        }
    )
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "ERROR [schema.migration-missing] refs/heads/main" in result.output
    assert "label 'bike' is renamed to 'bicycle'" in result.output


def test_a_rename_with_its_migration_is_accepted_and_every_file_follows(
    alice: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice.write({"schema/labels.yaml": RENAMED, "schema/migrations/0001.yaml": RENAME_MIGRATION})
    assert _migrate(alice, monkeypatch) == 0
    alice.commit({}, "rename bike -> bicycle")
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    doc = json.loads((alice.path / "labels/coco/a.json").read_text())
    # The category keeps its id; its annotations still point at it.
    assert [(c["id"], c["name"]) for c in doc["categories"]] == [(1, "bicycle"), (2, "person")]
    assert [a["category_id"] for a in doc["annotations"]] == [1, 2]
    voc = (alice.path / "labels/voc/a.xml").read_text()
    assert "<name>bicycle</name>" in voc and "bike<" not in voc
    ls = json.loads((alice.path / "labels/ls/a.json").read_text())
    assert ls[0]["annotations"][0]["result"][0]["value"]["rectanglelabels"] == ["bicycle"]
    # Nothing in the pushed tree names the old label any more.
    monkeypatch.chdir(alice.path)
    assert main(["validate"]) == 0


def test_a_migration_whose_files_were_not_migrated_is_refused(alice: Client) -> None:
    alice.commit(
        {
            "schema/labels.yaml": RENAMED,
            "schema/migrations/0001.yaml": RENAME_MIGRATION,
            "labels/coco/a.json": coco(["bicycle", "person"]),  # VOC and LS left as they were
        }
    )
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "ERROR [schema.migration-inconsistent] refs/heads/main" in result.output
    assert "labels/voc/a.xml" in result.output
    assert "labels/ls/a.json" in result.output


def test_a_migration_to_a_label_the_ontology_lacks_is_refused(
    alice: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice.write(
        {
            "schema/labels.yaml": RENAMED,
            "schema/migrations/0001.yaml": (
                "version: 2\nsteps:\n  - rename: {from: bike, to: cycle}\n"
            ),
        }
    )
    assert _migrate(alice, monkeypatch) == 0
    alice.commit({}, "rename to a label that does not exist")
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.migration-invalid]" in result.output
    assert "relabels to 'cycle', which the new ontology lacks" in result.output


# --- YOLO: a class removal renumbers every later index ---------------------------------

YOLO_SCHEMA = """\
version: 1
labels:
  - {id: 1, name: human}
  - {id: 2, name: car}
  - {id: 3, name: big_vehicle}
changelog:
  - {version: 1, changes: [sahi classes]}
"""
YOLO_V2 = (
    YOLO_SCHEMA.replace("  - {id: 1, name: human}\n", "").replace("version: 1\n", "version: 2\n", 1)
    + "  - {version: 2, changes: [no more humans]}\n"
)
YOLO_PROJECT = """\
dataset: {name: terrain, type: detection, version: 1.0.0}
formats:
  - {glob: "labels/yolo/**/data.yml", format: yolo-data}
  - {glob: "labels/yolo/**/*.txt", format: yolo}
"""


@pytest.fixture
def yolo_client(server: ServerRepo, make_client: MakeClient, realdata: Path) -> Client:
    """The real SAHI YOLOv5 export (names [human, car, big_vehicle]; its rows use car
    and big_vehicle only, so removing human orphans no row but shifts every one)."""
    client = make_client(server, "alice")
    shutil.copytree(realdata / "sahi/yolov5_export_2021", client.path / "labels/yolo")
    client.commit({"schema/labels.yaml": YOLO_SCHEMA, "configs/project.yaml": YOLO_PROJECT})
    result = client.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    return client


def _rows(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines() if line.strip()]


def test_a_yolo_class_removal_is_migrated_on_a_real_export(
    yolo_client: Client, realdata: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {
        name: _rows(realdata / "sahi/yolov5_export_2021" / name)
        for name in ("train/terrain2.txt", "val/terrain1.txt")
    }
    yolo_client.write(
        {
            "schema/labels.yaml": YOLO_V2,
            "schema/migrations/0001.yaml": "version: 2\nsteps:\n  - delete: human\n",
        }
    )
    assert _migrate(yolo_client, monkeypatch) == 0
    yolo_client.commit({}, "drop human")
    result = yolo_client.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    data = (yolo_client.path / "labels/yolo/data.yml").read_text()
    assert "names: [car, big_vehicle]" in data and "nc: 2" in data
    assert "train: /mnt/d/Users/E1005164/sahi/tests/data/coco2yolo/train" in data  # kept
    renumber = {"1": "0", "2": "1"}
    for name, rows in before.items():
        expected = [[renumber[r[0]], *r[1:]] for r in rows if r[0] != "0"]
        assert _rows(yolo_client.path / "labels/yolo" / name) == expected


def test_a_yolo_class_removal_without_a_migration_is_refused(yolo_client: Client) -> None:
    """data.yml edited by hand: every row of car and big_vehicle would silently shift."""
    data = (yolo_client.path / "labels/yolo/data.yml").read_text()
    yolo_client.commit(
        {
            "schema/labels.yaml": YOLO_V2,
            "labels/yolo/data.yml": data.replace(
                "[human, car, big_vehicle]", "[car, big_vehicle]"
            ).replace("nc: 3", "nc: 2"),
        }
    )
    result = yolo_client.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "ERROR [schema.migration-missing] refs/heads/main" in result.output
    assert "labels/yolo/data.yml: class index 0 was 'human' and is now 'car'" in result.output
