"""Every real export validates with zero errors; every warning it gets is explained."""

from collections import Counter
from pathlib import Path

import orjson
import pytest

from gitannot.core.findings import Severity
from gitannot.formats import FormatContext, detect_format, parse_file
from tests.conftest import REALDATA
from tests.formats.realctx import context_for, real_files

FILES = real_files(REALDATA)

# (file, rule) -> number of warnings, and why the real file deserves each one.
EXPECTED_WARNINGS: dict[tuple[str, str], int] = {
    # SAHI wrote the *image* area (1360 x 765) as every annotation's area: a real bug in
    # the exporter. Box-only, so reported when area > w*h; 249 hits, capped at 50 + 1.
    ("sahi/coco_evaluate/dataset.json", "coco.area-mismatch"): 51,
    # The same exporter bug in the terrain files (area = image area, polygons present).
    ("sahi/coco_utils/terrain1_coco.json", "coco.area-mismatch"): 7,
    ("sahi/coco_utils/terrain2_coco.json", "coco.area-mismatch"): 5,
    ("sahi/coco_utils/terrain3_coco.json", "coco.area-mismatch"): 10,
    ("sahi/coco_utils/terrain_all_coco.json", "coco.area-mismatch"): 22,
    # mmdetection's 000001.xml says <filename>000002.jpg</filename> (SOURCES.md).
    ("mmdetection/VOCdevkit/VOC2012/Annotations/000001.xml", "voc.filename-mismatch"): 1,
    # Region oid7 of task 2: x 92.93 + width, y 57.39 + height reach 100.4 / 101.6 %:
    # each value is a valid percentage, the box sticks out of the image. Its prediction
    # (the model's box the annotator accepted) is the same box: predictions are checked too.
    ("label-studio-converter/test_export_csv/csv_test.json", "labelstudio.outside-image"): 2,
    # The OBB export says "Butterfly" but its labeling config declares "butterfly".
    ("label-studio-converter/test_export_yolo/data_obb.json", "labelstudio.unknown-label"): 24,
}

# (file, rule) -> number of errors. Only one real file is refused, on purpose: datumaro's
# hand-made CVAT task has a polyline and a polygon with label="" (SOURCES.md). CVAT itself
# never writes a shape without a label, and an empty label is no label an ontology can
# check: issue 20 makes it an error in every format.
EXPECTED_ERRORS: dict[tuple[str, str], int] = {
    (
        "datumaro-fixtures/cvat_dataset/for_images/export_task/train.xml",
        "annotation.empty-label",
    ): 2,
}

# Not annotation files (lists of image names, Darknet obj.data, label colour maps, a CSV
# with a decimal-comma bug, a plain YAML name list, panoptic PNGs): reported as unknown.
EXPECTED_UNKNOWN = {
    "datumaro-fixtures/voc_dataset/voc_dataset2/labelmap.txt",
    "datumaro-fixtures/yolo_dataset/strict/obj.data",
    "datumaro-fixtures/yolo_dataset/strict/train.txt",
    "review-odm-voc2012-100/imagenet_format/ImageSets/Action/default.txt",
    "review-odm-voc2012-100/imagenet_format/ImageSets/Layout/default.txt",
    "review-odm-voc2012-100/imagenet_format/ImageSets/Main/default.txt",
    "review-odm-voc2012-100/imagenet_format/labelmap.txt",
    "review-odm-voc2012-100/yolo_format/obj.data",
    "review-odm-voc2012-100/yolo_format/train.txt",
    "review-odm-voc2012-100/openimages_format/all_bounding_boxes.csv",
    "sahi/coco_utils/coco_class_names.yaml",
    "panopticapi/panoptic_examples/000000142238.png",
    "panopticapi/panoptic_examples/000000439180.png",
}


def _rel(path: Path) -> str:
    return path.relative_to(REALDATA).as_posix()


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_real_file_has_no_errors_and_only_explained_warnings(path: Path) -> None:
    pf = parse_file(str(path), path.read_bytes(), context=context_for(path, REALDATA))
    errors = Counter(f.rule for f in pf.findings if f.severity is Severity.ERROR)
    assert dict(errors) == {r: n for (p, r), n in EXPECTED_ERRORS.items() if p == _rel(path)}
    warnings = Counter(f.rule for f in pf.findings if f.severity is Severity.WARNING)
    expected = {rule: n for (p, rule), n in EXPECTED_WARNINGS.items() if p == _rel(path)}
    assert dict(warnings) == expected
    assert (pf.format == "unknown") == (_rel(path) in EXPECTED_UNKNOWN)
    assert all(f.path == str(path) for f in pf.findings)


def test_realdata_present_and_formats_covered() -> None:
    formats = Counter(parse_file(str(p), p.read_bytes()).format for p in FILES)
    assert len(FILES) > 370
    for name in (
        "coco",
        "coco-results",
        "coco-panoptic",
        "yolo",
        "yolo-data",
        "yolo-names",
        "voc",
        "cvat",
        "labelstudio",
        "labelstudio-config",
    ):
        assert formats[name] > 0, name


def test_known_quirks_reported_as_info() -> None:
    crowd = REALDATA / "mmdetection/coco_dummy/annotations/instances_val2017.json"
    pf = parse_file(str(crowd), crowd.read_bytes())
    infos = [f for f in pf.findings if f.severity is Severity.INFO]
    # COCO's crowd RLE 900300255917: stored area 4015, mask 3386 pixels (SOURCES.md).
    assert [(f.rule, f.item) for f in infos] == [("coco.crowd-area-mismatch", "900300255917")]
    assert "3386" in infos[0].message
    zero = REALDATA / "datumaro-fixtures/roboflow_dataset/voc/val/val_001.xml"
    rules = [f.rule for f in parse_file(str(zero), zero.read_bytes()).findings]
    assert rules == ["voc.coordinates-zero-based"]


def test_real_files_normalise_as_documented() -> None:
    coco = REALDATA / "mmdetection/coco_dummy/annotations/instances_val2017.json"
    pf = parse_file(str(coco), coco.read_bytes())
    assert len(pf.annotations) == 37 and len(pf.declared_labels) == 80
    table = next(a for a in pf.annotations if a.id == "2204286")
    assert table.label == "dining table" and table.geometry.value == "polygon"
    assert pf.label_ids["90"] == "toothbrush"
    yolo = REALDATA / "review-odm-voc2012-100/yolo_format/obj_train_data/2007_000027.txt"
    pf = parse_file(str(yolo), yolo.read_bytes(), context=context_for(yolo, REALDATA))
    assert [(a.label, a.line) for a in pf.annotations] == [("person", 1)]
    voc = REALDATA / "review-odm-voc2012-100/pascalvoc_format/2007_000027.xml"
    pf = parse_file(str(voc), voc.read_bytes())
    # VOC 1-based xmin=174 -> pixel-space x = 173; width xmax - xmin + 1.
    assert pf.annotations[0].label == "person"
    assert pf.annotations[0].bbox is not None and pf.annotations[0].bbox[0] == 173.0


@pytest.mark.parametrize("path", FILES[:: max(1, len(FILES) // 60)], ids=_rel)
def test_detect_format_agrees_with_parse_file(path: Path) -> None:
    data = path.read_bytes()
    detected = detect_format(str(path), data)
    assert (detected or "unknown") == parse_file(str(path), data).format


def test_yolo_segmentation_rows_derived_from_real_coco_polygons() -> None:
    """No permissive real YOLO-seg file exists (SOURCES.md); derive one from the real
    COCO val2017 polygons the way Ultralytics' converter does, one row per part."""
    coco_path = REALDATA / "mmdetection/coco_dummy/annotations/instances_val2017.json"
    coco = parse_file(str(coco_path), coco_path.read_bytes())
    raw = orjson.loads(coco_path.read_bytes())
    image = raw["images"][0]
    w, h = image["width"], image["height"]
    names = tuple(sorted(coco.declared_labels))
    rows = []
    for ann in raw["annotations"]:
        if ann["image_id"] != image["id"] or not isinstance(ann["segmentation"], list):
            continue
        cls = names.index(coco.label_ids[str(ann["category_id"])])
        for part in ann["segmentation"]:
            coords = [v / (w if i % 2 == 0 else h) for i, v in enumerate(part)]
            rows.append(" ".join([str(cls), *(f"{c:.6f}" for c in coords)]))
    stem = str(image["file_name"]).rsplit(".", 1)[0]
    ctx_sizes = {stem: (float(w), float(h))}
    pf = parse_file(
        f"labels/{stem}.txt",
        "\n".join(rows).encode(),
        context=FormatContext(class_names=names, image_sizes=ctx_sizes),
    )
    assert pf.format == "yolo" and len(pf.annotations) == len(rows) > 10
    assert pf.findings == []
    assert {a.geometry.value for a in pf.annotations} == {"polygon"}
