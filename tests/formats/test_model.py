"""What each adapter puts into the normalized model (the contract 4b's checks read)."""

import orjson
import pytest

from gitannot.core.annotation import GeometryKind
from gitannot.formats import FormatContext, detect_format, parse_file
from tests.formats.corpus import (
    BOX,
    LS_CONTEXT,
    coco,
    cvat,
    ls,
    ls_result,
    pa,
    perimage,
    voc,
    voc_obj,
)


def test_coco_annotation_fields() -> None:
    pf = parse_file("a.json", coco(lambda d: d["annotations"][0].update(attributes={"x": 1})))
    [a] = pf.annotations
    assert (a.id, a.item, a.label, a.geometry) == ("1", "1", "cat", GeometryKind.POLYGON)
    assert a.bbox == (10.0, 10.0, 20.0, 20.0) and a.attributes == {"x": 1}
    assert pf.items["1"].file_name == "a.jpg" and pf.items["1"].width == 100.0
    assert pf.declared_labels == ["cat", "person"] and pf.label_ids == {"1": "cat", "2": "person"}


def test_coco_results_and_rle_geometry() -> None:
    rle = {"size": [100, 100], "counts": [1010, 10, 8980]}
    data = orjson.dumps([{"image_id": 1, "category_id": 3, "segmentation": rle, "score": 0.9}])
    [a] = parse_file("r.json", data).annotations
    assert (a.id, a.geometry, a.bbox) == ("#0", GeometryKind.MASK, (10.0, 10.0, 1.0, 10.0))


def test_yolo_pixels_from_image_size() -> None:
    ctx = FormatContext(class_names=("cat", "dog"), image_sizes={"img": (200.0, 100.0)})
    pf = parse_file(
        "labels/img.txt",
        b"1 0.5 0.5 0.2 0.4\n\n0 0.1 0.1 0.3 0.1 0.2 0.3\n",
        format="yolo",
        context=ctx,
    )
    box, poly = pf.annotations
    assert (box.id, box.label, box.line, box.geometry) == ("line:1", "dog", 1, GeometryKind.BBOX)
    assert box.bbox == pytest.approx((80.0, 30.0, 40.0, 40.0))
    assert (poly.id, poly.geometry) == ("line:3", GeometryKind.POLYGON)
    assert pf.label_ids == {"0": "cat", "1": "dog"} and pf.items["img"].width == 200.0


def test_voc_one_based_and_zero_based_boxes() -> None:
    [a] = parse_file("img.xml", voc(voc_obj(box=(1, 1, 10, 20)))).annotations
    assert a.bbox == (0.0, 0.0, 10.0, 20.0) and a.item == "img"
    [a] = parse_file("img.xml", voc(voc_obj(box=(0, 5, 10, 20)))).annotations
    assert a.bbox == (0.0, 5.0, 10.0, 15.0)


def test_cvat_shapes_and_attributes() -> None:
    shapes = BOX.replace("/>", '><attribute name="color">red</attribute></box>')
    shapes += '<polygon label="dog" points="1,2;3,4;6,5"/><tag label="cat"/>'
    pf = parse_file("a.xml", cvat(shapes))
    box, poly, tag = pf.annotations
    assert box.bbox == (10.0, 10.0, 20.0, 20.0) and box.attributes["color"] == "red"
    assert poly.geometry is GeometryKind.POLYGON and tag.geometry is GeometryKind.NONE
    assert pf.declared_labels == ["cat", "dog"]


def test_labelstudio_percent_to_pixels_and_ids() -> None:
    pf = parse_file("a.json", ls([ls_result()]), context=LS_CONTEXT)
    [a] = pf.annotations
    assert a.id == "1/7/r1" and a.label == "Car" and a.item == "1"
    assert a.bbox == pytest.approx((20.0, 10.0, 40.0, 20.0))  # image 200 x 100
    assert pf.items["1"].width == 200.0 and "Plane" in pf.declared_labels


def test_perimage_polygon_forms_are_equivalent() -> None:
    flat = parse_file("a.json", perimage([pa(1, polygon=[[1, 1, 5, 1, 5, 5]])])).annotations
    points = parse_file("a.json", perimage([pa(1, polygon=[[1, 1], [5, 1], [5, 5]])])).annotations
    assert flat[0].bbox == points[0].bbox == (1.0, 1.0, 4.0, 4.0)
    assert detect_format("labels/a.json", perimage([pa(1)])) == "gitannot"


def test_gc_state_is_restored() -> None:
    import gc

    assert gc.isenabled()
    parse_file("a.json", coco(lambda _: None))
    assert gc.isenabled()
    gc.disable()
    try:
        parse_file("a.json", coco(lambda _: None))
        assert not gc.isenabled()
    finally:
        gc.enable()


def _shoelace(flat: list[float]) -> float:
    xs, ys = flat[0::2], flat[1::2]
    n = len(xs)
    return abs(sum(xs[i] * ys[(i + 1) % n] - xs[(i + 1) % n] * ys[i] for i in range(n))) / 2


@pytest.mark.parametrize("seed", range(20))
def test_inlined_polygon_area_matches_reference(seed: int) -> None:
    import random

    rng = random.Random(seed)
    flat = [round(rng.uniform(0, 100), 2) for _ in range(2 * rng.randint(3, 30))]
    xs, ys = flat[0::2], flat[1::2]
    bbox = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    reference = _shoelace(flat)

    def with_area(area: float) -> bytes:
        return coco(lambda d: d["annotations"][0].update(segmentation=[flat], bbox=bbox, area=area))

    assert parse_file("a.json", with_area(reference)).findings == []
    [finding] = parse_file("a.json", with_area(reference * 1.5 + 20)).findings
    assert finding.rule == "coco.area-mismatch" and f"{reference:g}" in finding.message


def test_dataset_yaml_detected_by_names_key() -> None:
    assert detect_format("cfg/coco8.yaml", b"path: x\nnames:\n  0: person\n") == "yolo-data"
    assert detect_format("cfg/other.yaml", b"- person\n- car\n") is None


def test_yolo_pose_rows_with_kpt_shape() -> None:
    from gitannot.formats import read_kpt_shape

    shape = read_kpt_shape(b"names: [person]\nkpt_shape: [2, 3]\n")
    assert shape == (2, 3)
    ctx = FormatContext(class_names=("person",), yolo_kpt_shape=shape)
    # The second keypoint is unlabeled (0 0 0), which is in range.
    pf = parse_file("labels/a.txt", b"0 0.5 0.5 0.2 0.4 0.45 0.4 2 0 0 0\n", context=ctx)
    assert pf.findings == []
    [a] = pf.annotations
    assert a.geometry is GeometryKind.KEYPOINTS and a.label == "person"
    assert parse_file("data.yaml", b"names: [person]\nkpt_shape: [2, 3]\n").findings == []


def test_per_image_example_in_docs_is_valid() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "formats.md").read_text()
    example = text.split("### gitannot per-image JSON", 1)[1].split("```json", 1)[1]
    data = example.split("```", 1)[0].encode()
    pf = parse_file("labels/000123.json", data)
    assert pf.format == "gitannot" and pf.findings == []
    assert [a.geometry.value for a in pf.annotations] == ["bbox", "polygon", "mask"]


def test_image_and_category_findings_name_their_kind() -> None:
    dup = coco(lambda d: d["images"].append(dict(d["images"][0])))
    assert [f.item for f in parse_file("a.json", dup).findings] == ["image:1"]
    dup = coco(lambda d: d["categories"].append({"id": 1, "name": "dog"}))
    assert [f.item for f in parse_file("a.json", dup).findings] == ["category:1"]
    dangling = coco(lambda d: d["annotations"][0].update(image_id=9))
    assert [f.item for f in parse_file("a.json", dangling).findings] == ["1"]  # annotation id


def test_detect_format_sniffs_large_json_prefixes() -> None:
    pad = b" " * (2 << 20)  # beyond the size detect_format parses whole
    coco_like = b'{"info": {}, "images": [' + pad + b"]}"
    assert detect_format("a.json", coco_like) == "coco"
    results = b'[{"image_id": 1, "category_id": 2, "bbox": [1, 1, 2, 2]}' + pad + b"]"
    assert detect_format("r.json", results) == "coco-results"
    tasks = b'[{"id": 1, "data": {"image": "a.jpg"}, "annotations": []}' + pad + b"]"
    assert detect_format("t.json", tasks) == "labelstudio"
    assert detect_format("x.json", b'{"x": 1}' + pad) is None


def test_labelstudio_per_region_results_become_attributes() -> None:
    region = ls_result("r1")
    note = {
        "id": "r1",
        "type": "textarea",
        "from_name": "note",
        "to_name": "image",
        "value": {"x": 10, "y": 10, "width": 20, "height": 20, "text": ["rusty"]},
    }
    mood = {
        "id": "r1",
        "type": "choices",
        "from_name": "state",
        "to_name": "image",
        "value": {"x": 10, "y": 10, "width": 20, "height": 20, "choices": ["parked"]},
    }
    whole = {
        "id": "c1",
        "type": "choices",
        "from_name": "scene",
        "to_name": "image",
        "value": {"choices": ["night"]},
    }
    [box, scene] = parse_file("a.json", ls([region, note, mood, whole])).annotations
    assert box.label == "Car" and box.attributes == {"note": "rusty", "state": "parked"}
    assert (scene.label, scene.geometry) == ("night", GeometryKind.NONE)
