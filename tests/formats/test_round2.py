"""Unit cases behind the issue-20 format fixes: what each reader now produces."""

from collections import Counter
from typing import Any

import orjson
import pytest

from gitannot.core.annotation import GeometryKind
from gitannot.formats import parse_file
from gitannot.schema.compiled import CompiledOntology
from gitannot.schema.loader import load_ontology
from tests.formats.corpus import LFS_POINTER, coco, cvat_track, ls_result

ONTOLOGY = b"""\
version: 1
labels:
  - {id: 1, name: car}
  - {id: 2, name: day, geometry: [none]}
  - {id: 3, name: night, geometry: [none]}
exclusive_groups:
  - {name: time, labels: [day, night]}
"""


def _rules(data: bytes) -> Counter[str]:
    return Counter(f.rule for f in parse_file("a.json", data).findings)


def _choice(rid: str, choice: str) -> dict[str, Any]:
    return {"id": rid, "type": "choices", "from_name": "t", "to_name": "image",
            "value": {"choices": [choice]}}  # fmt: skip


def _tasks(*tasks: dict[str, Any]) -> bytes:
    return orjson.dumps(list(tasks))


def _task(tid: int, *results: list[Any], key: str = "annotations") -> dict[str, Any]:
    anns = [{"id": 7 + n, "result": r} for n, r in enumerate(results)]
    return {"id": tid, "data": {"image": "a.jpg"}, key: anns}


# --- Label Studio -------------------------------------------------------------------


def test_ls_repeated_task_is_its_own_item_and_fully_read() -> None:
    data = _tasks(_task(1, [ls_result("r1")]), _task(1, [ls_result("r1", x=50)]))
    pf = parse_file("a.json", data)
    assert set(pf.items) == {"1", "1#1"}
    assert [a.id for a in pf.annotations] == ["1/7/r1", "1#1/7/r1"]
    assert [f.rule for f in pf.findings] == ["labelstudio.duplicate-id"]


def test_ls_multi_label_region_is_one_annotation_per_label() -> None:
    region = ls_result("r1", rectanglelabels=["car", "zebra", "day"])
    comment = {"id": "r1", "type": "textarea", "from_name": "note", "to_name": "image",
               "value": {"text": ["dented"]}}  # fmt: skip
    pf = parse_file("a.json", _tasks(_task(1, [region, comment])))
    assert [(a.id, a.label) for a in pf.annotations] == [
        ("1/7/r1[0]", "car"),
        ("1/7/r1[1]", "zebra"),
        ("1/7/r1[2]", "day"),
    ]
    assert {a.bbox for a in pf.annotations} == {(20.0, 10.0, 40.0, 20.0)}
    # the region's per-region result belongs to each of its labels
    assert [a.attributes["note"] for a in pf.annotations] == ["dented"] * 3


def test_ls_predictions_and_drafts_are_read_with_their_own_ids() -> None:
    task = _task(1, [ls_result("r1")])
    task["predictions"] = [{"id": 5, "result": [ls_result("p1", x=400)]}]
    task["drafts"] = [{"id": 6, "result": [ls_result("d1", rectanglelabels=["zebra"])]}]
    pf = parse_file("a.json", _tasks(task))
    assert [(a.id, a.scope) for a in pf.annotations] == [
        ("1/7/r1", "7"),
        ("1/p5/p1", "p5"),
        ("1/d6/d1", "d6"),
    ]
    assert [f.rule for f in pf.findings] == ["labelstudio.value-range"]


def test_ls_exclusive_groups_hold_per_annotation() -> None:
    compiled = CompiledOntology(load_ontology(ONTOLOGY))
    across = parse_file("a.json", _tasks(_task(1, [_choice("c", "day")], [_choice("c", "night")])))
    assert [f.rule for f in compiled.check(across)] == []
    within = parse_file("a.json", _tasks(_task(1, [_choice("a", "day"), _choice("b", "night")])))
    assert [f.rule for f in compiled.check(within)] == ["schema.exclusive-group"]


@pytest.mark.parametrize(("rotation", "rules"), [(0, []), (90, ["labelstudio.outside-image"])])
def test_ls_ellipse_extent_follows_its_rotation(rotation: int, rules: list[str]) -> None:
    value = {"x": 90, "y": 50, "radiusX": 2, "radiusY": 20, "rotation": rotation,
             "ellipselabels": ["car"]}  # fmt: skip
    result = {**ls_result(), "type": "ellipselabels", "value": value,
              "original_width": 100, "original_height": 100}  # fmt: skip
    pf = parse_file("a.json", _tasks(_task(1, [result])))
    assert [f.rule for f in pf.findings] == rules


def test_ls_result_without_labels_is_not_an_empty_label() -> None:
    """A textarea or rating names no label at all: not a blank label."""
    note = {"id": "n", "type": "textarea", "from_name": "note", "to_name": "image",
            "value": {"text": ["x"]}}  # fmt: skip
    assert _rules(_tasks(_task(1, [note]))) == Counter()


# --- COCO ---------------------------------------------------------------------------


def test_coco_keypoint_visibility_decides_which_points_are_positions() -> None:
    kp = {"category_id": 2, "segmentation": None, "area": None, "bbox": None}

    def with_points(points: list[int]) -> bytes:
        return coco(lambda d: d["annotations"][0].update(kp, keypoints=points, num_keypoints=1))

    assert _rules(with_points([0, 0, 0, 50, 50, 2])) == Counter()
    assert _rules(with_points([500, 50, 1, 0, 0, 0])) == {"coco.outside-image": 1}


def test_coco_results_have_no_image_to_check_against() -> None:
    row = {"image_id": 1, "category_id": 1, "segmentation": [[5000, 1, 5010, 1, 5010, 9]]}
    assert _rules(orjson.dumps([row])) == Counter()


def test_coco_polygon_within_tolerance_accepted() -> None:
    seg = [[-1.5, 0, 101.5, 0, 101.5, 100]]
    data = coco(lambda d: d["annotations"][0].update(segmentation=seg, bbox=None, area=None))
    assert _rules(data) == Counter()


# --- CVAT ---------------------------------------------------------------------------


def _cvat_rules(data: bytes) -> Counter[str]:
    return Counter(f.rule for f in parse_file("a.xml", data).findings)


def test_cvat_track_closing_shape_may_sit_one_step_past_the_end() -> None:
    closing = (
        '<box frame="4" outside="1" occluded="0" keyframe="1" xtl="1" ytl="1" xbr="9" ybr="9"/>'
    )
    data = cvat_track('frame="3"').replace(b"</track>", closing.encode() + b"</track>")
    assert _cvat_rules(data) == Counter()
    visible = data.replace(b'frame="4" outside="1"', b'frame="4" outside="0"')
    assert _cvat_rules(visible) == {"cvat.frame-out-of-range": 1}


def test_cvat_frames_follow_the_step_from_start_frame() -> None:
    assert _cvat_rules(cvat_track('frame="0"', 'frame="2"', step=2)) == Counter()
    assert _cvat_rules(cvat_track('frame="3"', step=2)) == {"cvat.frame-out-of-range": 1}


def test_cvat_job_and_project_exports_give_the_frame_range() -> None:
    job = cvat_track('frame="7"').replace(b"<task>", b"<job>").replace(b"</task>", b"</job>")
    assert _cvat_rules(job) == {"cvat.frame-out-of-range": 1}
    project = (
        cvat_track('frame="7"')
        .replace(b"<meta><task>", b"<meta><project><tasks><task><id>3</id>")
        .replace(b"</task></meta>", b"</task></tasks></project></meta>")
        .replace(b'<track id="0"', b'<track id="0" task_id="3"')
    )
    assert _cvat_rules(project) == {"cvat.frame-out-of-range": 1}
    unknown = project.replace(b'task_id="3"', b'task_id="4"')  # no such task: not judged
    assert _cvat_rules(unknown) == Counter()


def test_cvat_skeleton_track_and_cuboid_geometry() -> None:
    skeleton = (
        '<skeleton frame="1" keyframe="1" z_order="0">'
        '<points label="nose" outside="0" occluded="0" keyframe="1" points="5,6"/>'
        '<points label="tail" outside="1" occluded="0" keyframe="1" points="900,900"/>'
        "</skeleton>"
    )
    data = (
        cvat_track()
        .replace(b"</labels>", b"<label><name>nose</name><parent>cat</parent></label>"
                 b"<label><name>tail</name><parent>cat</parent></label></labels>")
        .replace(b"</track>", skeleton.encode() + b"</track>")
    )  # fmt: skip
    pf = parse_file("a.xml", data)
    assert pf.findings == []
    assert [(a.id, a.geometry, a.bbox) for a in pf.annotations] == [
        ("track0/1", GeometryKind.KEYPOINTS, (5.0, 6.0, 0.0, 0.0))
    ]
    assert pf.declared_labels == ["cat"]  # skeleton elements name keypoints, not labels


def test_cvat_two_skeletons_or_cuboids_are_not_duplicates_of_each_other() -> None:
    from tests.formats.corpus import CUBOID, SKELETON, cvat

    other = CUBOID.replace('xbr2="60"', 'xbr2="70"')
    pf = parse_file("a.xml", cvat(CUBOID + other))
    assert pf.findings == []
    assert [a.geometry for a in pf.annotations] == [GeometryKind.CUBOID] * 2
    heads = cvat(SKELETON.format(nose="1,1") + SKELETON.format(nose="2,2"))
    assert "annotation.duplicate" not in _cvat_rules(heads)


# --- Git LFS ------------------------------------------------------------------------


def test_lfs_pointer_is_named_with_its_size_and_oid() -> None:
    pf = parse_file("labels/a.txt", LFS_POINTER)
    [finding] = pf.findings
    assert finding.rule == "format.lfs-pointer" and pf.format == "lfs-pointer"
    assert "12345 bytes" in finding.message and "sha256:4d7a2146" in finding.message


def test_text_that_merely_mentions_lfs_is_not_a_pointer() -> None:
    long = LFS_POINTER + b"x" * 2000  # pointers are small
    assert "format.lfs-pointer" not in {f.rule for f in parse_file("a.txt", long).findings}
    quoted = b"# " + LFS_POINTER
    assert "format.lfs-pointer" not in {f.rule for f in parse_file("a.txt", quoted).findings}


def test_cvat_frame_range_from_size_when_stop_frame_is_unset() -> None:
    unset = cvat_track('frame="3"', 'frame="4"').replace(
        b"<stop_frame>3</stop_frame>", b"<stop_frame>0</stop_frame>"
    )
    assert _cvat_rules(unset) == {"cvat.frame-out-of-range": 1}  # size 4: frames 0..3


def test_cvat_absurd_frame_filter_is_no_crash() -> None:
    data = cvat_track('frame="1"').replace(b"step=1", b"step=" + b"9" * 5000)
    assert "format.internal-error" not in _cvat_rules(data)
