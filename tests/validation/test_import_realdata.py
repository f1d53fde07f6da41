"""`schema import` on real exports, and real files validated against their own draft."""

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest

from gitannot.core.findings import Severity
from gitannot.main import main
from gitannot.schema.draft import Draft, render
from gitannot.schema.importers import import_file
from gitannot.schema.loader import load_ontology
from gitannot.schema.model import AttrType, Ontology
from gitannot.validation.rules import load_rules
from gitannot.validation.service import Validator
from gitannot.validation.sources import WorkTreeSource
from tests.gitenv import git


def _draft(realdata: Path, *rels: str) -> Ontology:
    draft = Draft()
    for rel in rels:
        path = realdata / rel
        files = sorted(p for p in path.rglob("*.xml")) if path.is_dir() else [path]
        for file in files:
            import_file(draft, file.as_posix(), file.read_bytes())
    draft.settle()
    return load_ontology(render(draft, None).encode())


def test_coco_categories_with_supercategory_parents(realdata: Path) -> None:
    onto = _draft(realdata, "mmdetection/coco_dummy/annotations/instances_val2017.json")
    names = onto.by_name()
    assert len([lab for lab in onto.labels if not lab.abstract]) == 80
    assert names["car"].parent == "vehicle" and names["vehicle"].abstract


def test_coco_attributes_inferred(realdata: Path) -> None:
    onto = _draft(realdata, "review-odm-voc2012-100/coco_format_v1/instances_default.json")
    person = onto.by_name()["person"]
    assert [(a.name, a.type) for a in person.attributes] == [("occluded", AttrType.BOOL)]


def test_yolo_voc_ls_cvat_sources(realdata: Path) -> None:
    sahi = _draft(realdata, "sahi/yolov5_export_2021/data.yml")
    assert [lab.name for lab in sahi.labels] == ["human", "car", "big_vehicle"]  # order kept
    yolo = _draft(realdata, "datumaro-fixtures/roboflow_dataset/yolo/data.yaml")
    assert [lab.name for lab in yolo.labels] == ["label_0", "label_1"]
    voc = _draft(realdata, "review-odm-voc2012-100/pascalvoc_format")
    assert len(voc.labels) == 20
    ls = _draft(realdata, "label-studio-converter/test_export_yolo/label_config_polygons.xml")
    assert {lab.name: sorted(g.value for g in lab.geometry or ()) for lab in ls.labels} == {
        "Airplane": ["polygon"],
        "Car": ["polygon"],
    }
    cvat = _draft(
        realdata, "datumaro-fixtures/cvat_dataset/for_images/export_project/annotations.xml"
    )
    label1 = cvat.by_name()["label1"]
    kinds = {a.name: a.type for a in label1.attributes}
    assert kinds["a1"] is AttrType.BOOL and kinds["a2"] is AttrType.ENUM


COCO_FILES = [
    "mmdetection/coco_dummy/annotations/instances_val2017.json",
    "review-odm-voc2012-100/coco_format_v1/instances_default.json",
    "review-odm-voc2012-100/coco_format_v2/instances_v2.json",
    "review-odm-voc2012-100/coco2014_val_sample/sampled_gts_bbox_area.json",
    "panopticapi/panoptic_coco_detection_format.json",
    "sahi/coco_evaluate/dataset.json",
    "datumaro-fixtures/coco_dataset/coco_instances/annotations/instances_train.json",
    "datumaro-fixtures/coco_dataset/coco_person_keypoints/annotations/person_keypoints_train.json",
]


@pytest.mark.parametrize("rel", COCO_FILES)
def test_real_coco_validates_against_its_imported_ontology(
    realdata: Path, rel: str, tmp_path: Path
) -> None:
    """Adoption path: import the file's labels, then the same file has no schema errors."""
    src = realdata / rel
    draft = Draft()
    import_file(draft, src.as_posix(), src.read_bytes())
    draft.settle()
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema/labels.yaml").write_text(render(draft, None))
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels/file.json").write_bytes(src.read_bytes())
    source = WorkTreeSource(tmp_path)
    report = Validator(load_rules(source), source).validate(["labels/file.json"])
    schema_findings = [f for f in report.all_findings() if f.rule.startswith("schema.")]
    assert [f for f in schema_findings if f.severity is Severity.ERROR] == []
    assert report.files[0].format.startswith("coco")


# Every schema.* warning the whole real corpus gets under its own imported ontology, and
# why: these annotations have no label name, so the ontology cannot check them.
EXPECTED_SCHEMA_WARNINGS = {
    # COCO *results* files carry category ids but no `categories` to name them.
    ("cocoapi-results/instances_val2014_fakebbox100_results.json", "schema.labels-unresolved"),
    ("cocoapi-results/instances_val2014_fakesegm100_results.json", "schema.labels-unresolved"),
    ("sahi/coco_evaluate/result.json", "schema.labels-unresolved"),
    # A hand-made CVAT fixture with `label=""` shapes (also annotation.empty-label).
    ("datumaro-fixtures/cvat_dataset/for_images/export_task/train.xml", "schema.labels-unresolved"),
}


def test_whole_real_corpus_adopts_with_zero_errors(
    realdata: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The adoption path on every real file: `schema import labels/`, then `validate`."""
    shutil.copytree(realdata, tmp_path / "labels", ignore=shutil.ignore_patterns("SOURCES.md"))
    git("init", "-q", cwd=tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["schema", "import", "labels"]) == 0
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        rc = main(["validate", "--json", "--no-cache"])
    doc = json.loads(buffer.getvalue())
    errors = [(f["path"], f["rule"]) for f in doc["findings"] if f["severity"] == "error"]
    # The one refusal, on purpose: a hand-made CVAT fixture's two `label=""` shapes
    # (an empty label is an error in every format; tests/formats/test_realdata.py).
    cvat = "labels/datumaro-fixtures/cvat_dataset/for_images/export_task/train.xml"
    assert errors == [(cvat, "annotation.empty-label")] * 2
    assert rc == 1
    assert doc["summary"]["files"] >= 370
    schema_warnings = {
        (f["path"].removeprefix("labels/"), f["rule"])
        for f in doc["findings"]
        if f["rule"].startswith("schema.") and f["severity"] == "warning"
    }
    assert schema_warnings == EXPECTED_SCHEMA_WARNINGS


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"names: {a: person}\n", "`names` keys must be class indexes"),
        (b"<annotation>" + b"<a>" * 100 + b"</a>" * 100 + b"</annotation>", "deeper than 64"),
        (b"<annotation><object></annotation>", "mismatched tag"),
    ],
)
def test_import_refuses_bad_files_with_a_reason(data: bytes, expected: str) -> None:
    """Import reads XML as validation does (one safe loader: entities refused, depth
    capped) and names a bad `names` mapping instead of crashing."""
    from gitannot.errors import UsageError

    path = "data.yaml" if data.startswith(b"names") else "a.xml"
    with pytest.raises(UsageError) as info:
        import_file(Draft(), path, data)
    assert expected in info.value.message and path in info.value.message


def test_import_reads_xml_with_a_bom_and_a_declared_encoding() -> None:
    head = b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>'
    voc = b"<annotation><object><name>caf\xc3\xa9</name></object></annotation>"
    draft = Draft()
    assert import_file(draft, "a.xml", head + voc) == "Pascal VOC"
    assert "café" in draft.labels
