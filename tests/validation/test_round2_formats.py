"""Real pushes for the format-level holes of the second outside review (issue 20): each
file below was accepted (or wrongly refused) by the pre-receive hook before the fix."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.gitenv import Client, ServerRepo

MakeClient = Callable[[ServerRepo, str], Client]

SCHEMA = """\
version: 1
name: round2
labels:
  - {id: 1, name: person, geometry: [bbox, polygon, keypoints]}
  - {id: 2, name: car, geometry: [bbox, polygon, cuboid]}
  - {id: 3, name: day, geometry: [none]}
  - {id: 4, name: night, geometry: [none]}
exclusive_groups:
  - {name: time-of-day, labels: [day, night]}
changelog:
  - {version: 1, changes: [first ontology]}
"""

PROJECT = """\
dataset: {name: round2, type: detection, version: 1.0.0}
formats:
  - {glob: "labels/coco/*.json", format: coco}
  - {glob: "labels/ls/*.json", format: labelstudio}
  - {glob: "labels/cvat/*.xml", format: cvat}
  - {glob: "labels/voc/*.xml", format: voc}
  - {glob: "labels/img/*.json", format: gitannot}
  - {glob: "labels/**", format: detect}
"""


@pytest.fixture
def alice(server: ServerRepo, make_client: MakeClient) -> Client:
    client = make_client(server, "alice")
    client.commit({"schema/labels.yaml": SCHEMA, "configs/project.yaml": PROJECT}, "scaffold")
    result = client.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    return client


def _rejected(client: Client, files: dict[str, str | bytes | None]) -> str:
    client.commit(files)
    result = client.push("HEAD:refs/heads/main")
    assert not result.accepted, result.output
    return result.output


def _accepted(client: Client, files: dict[str, str | bytes | None]) -> str:
    client.commit(files)
    result = client.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    return result.output


def _errors(output: str) -> set[str]:
    """Rule ids of the ERROR lines of a push report."""
    rules = set()
    for line in output.splitlines():
        if "ERROR [" in line:
            rules.add(line.split("ERROR [", 1)[1].split("]", 1)[0])
    return rules


# --- Label Studio ---------------------------------------------------------------------


def _region(rid: str, labels: list[str], x: float = 10, kind: str = "rectanglelabels") -> Any:
    return {
        "id": rid,
        "type": kind,
        "from_name": "label",
        "to_name": "image",
        "original_width": 640,
        "original_height": 480,
        "value": {"x": x, "y": 10, "width": 20, "height": 20, kind: labels},
    }


def _choice(rid: str, choice: str) -> Any:
    return {
        "id": rid,
        "type": "choices",
        "from_name": "time",
        "to_name": "image",
        "value": {"choices": [choice]},
    }


def _task(tid: int, *annotations: list[Any], **extra: Any) -> Any:
    anns = [{"id": 10 * tid + n, "result": result} for n, result in enumerate(annotations)]
    return {"id": tid, "data": {"image": f"/data/{tid}.jpg"}, "annotations": anns, **extra}


def _ls(*tasks: Any) -> str:
    return json.dumps(list(tasks), indent=1) + "\n"


def test_ls_repeated_task_id_does_not_hide_its_content(alice: Client) -> None:
    good = _task(1, [_region("r1", ["car"])])
    bad = _task(1, [_region("r1", ["zebra"], x=500), _choice("c1", "day"), _choice("c2", "night")])
    output = _rejected(alice, {"labels/ls/dup.json": _ls(good, bad)})
    assert "[labelstudio.duplicate-id]" in output  # the warning stays
    assert {"schema.unknown-label", "labelstudio.value-range", "schema.exclusive-group"} <= (
        _errors(output)
    )
    assert "labels/ls/dup.json" in output


def test_ls_every_label_of_a_multi_label_region_is_checked(alice: Client) -> None:
    task = _task(1, [_region("r1", ["car", "zebra", "day"])])
    output = _rejected(alice, {"labels/ls/multi.json": _ls(task)})
    assert "label 'zebra' is not in the ontology" in output
    assert "schema.unknown-label" in _errors(output)


def test_ls_exclusive_groups_apply_per_annotator_not_across_annotators(alice: Client) -> None:
    """Two annotators of one task disagree (day / night): accepted; one annotator who
    chooses both is still rejected."""
    two_annotators = _task(1, [_choice("c1", "day")], [_choice("c1", "night")])
    _accepted(alice, {"labels/ls/agree.json": _ls(two_annotators)})
    one_annotator = _task(2, [_choice("c1", "day"), _choice("c2", "night")])
    output = _rejected(alice, {"labels/ls/both.json": _ls(one_annotator)})
    assert "schema.exclusive-group" in _errors(output)


def test_ls_tasks_without_annotations_do_not_stop_the_checks(alice: Client) -> None:
    """The first task has no `annotations` key (not yet labelled); the second is bad."""
    unlabelled = {"id": 1, "data": {"image": "/data/1.jpg"}}
    output = _rejected(
        alice, {"labels/ls/first.json": _ls(unlabelled, _task(2, [_region("r1", ["zebra"])]))}
    )
    assert "schema.unknown-label" in _errors(output)


def test_ls_predictions_are_checked_too(alice: Client) -> None:
    task = _task(1, [_region("r1", ["car"])])
    task["predictions"] = [{"id": 5, "result": [_region("p1", ["zebra"], x=400)]}]
    output = _rejected(alice, {"labels/ls/pred.json": _ls(task)})
    assert {"schema.unknown-label", "labelstudio.value-range"} <= _errors(output)


# --- COCO geometry against the image ------------------------------------------------


def _coco(**ann: Any) -> str:
    base = {"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0}
    base.update(ann)
    doc = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 640, "height": 480}],
        "categories": [{"id": 1, "name": "person", "keypoints": ["nose", "eye"]}],
        "annotations": [base],
    }
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("name", "ann"),
    [
        ("polygon-x-5000", {"segmentation": [[5000, 10, 5100, 10, 5100, 50]]}),
        ("polygon-x-minus-900", {"segmentation": [[-900, 10, -800, 10, -800, 50]]}),
        (
            "bbox-inside-polygon-outside",
            {"bbox": [10, 10, 20, 20], "segmentation": [[10, 10, 900, 10, 900, 30]]},
        ),
        ("keypoints-9000", {"keypoints": [9000, 9000, 2, 10, 10, 2], "num_keypoints": 2}),
    ],
)
def test_coco_polygons_and_keypoints_checked_against_the_image(
    alice: Client, name: str, ann: dict[str, Any]
) -> None:
    output = _rejected(alice, {f"labels/coco/{name}.json": _coco(**ann)})
    assert "coco.outside-image" in _errors(output)
    assert f"labels/coco/{name}.json" in output


def test_coco_unlabelled_keypoints_at_the_origin_accepted(alice: Client) -> None:
    """v = 0 means "not labelled": its (0, 0) is no position."""
    _accepted(
        alice,
        {"labels/coco/kp.json": _coco(keypoints=[0, 0, 0, 10, 10, 2], num_keypoints=1)},
    )


# --- empty labels -------------------------------------------------------------------


def _perimage(label: str) -> str:
    doc = {
        "version": 1,
        "item": {"id": "a", "file_name": "a.jpg", "width": 640, "height": 480},
        "annotations": [
            {"id": "6f1c2f5e-8a4b-4a53-9d55-0d3e6b0c9a11", "label": label, "bbox": [1, 1, 9, 9]}
        ],
    }
    return json.dumps(doc)


def _voc(name: str) -> str:
    return (
        "<annotation><filename>a.jpg</filename><size><width>640</width><height>480</height>"
        f"</size><object><name>{name}</name><bndbox><xmin>5</xmin><ymin>5</ymin>"
        "<xmax>50</xmax><ymax>50</ymax></bndbox></object></annotation>"
    )


def _coco_category(name: str) -> str:
    doc = json.loads(_coco(bbox=[10, 10, 20, 20]))
    doc["categories"][0]["name"] = name
    return json.dumps(doc)


@pytest.mark.parametrize("blank", ["", " "])
@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("labels/img/a.json", _perimage),
        ("labels/coco/a.json", _coco_category),
        ("labels/voc/a.xml", _voc),
        ("labels/ls/a.json", lambda b: _ls(_task(1, [_region("r1", [b])]))),
        (
            "labels/cvat/a.xml",
            lambda b: _cvat_image(f'<box label="{b}" xtl="1" ytl="1" xbr="9" ybr="9"/>'),
        ),
    ],
)
def test_empty_labels_are_errors(
    alice: Client, blank: str, path: str, make: Callable[[str], str]
) -> None:
    output = _rejected(alice, {path: make(blank)})
    assert "annotation.empty-label" in _errors(output)
    assert path in output


# --- CVAT ---------------------------------------------------------------------------

CVAT_META = """<meta><task><size>4</size><start_frame>0</start_frame><stop_frame>3</stop_frame>
<labels><label><name>person</name><type>any</type></label>
<label><name>car</name><type>any</type></label>
<label><name>day</name><type>tag</type></label>
<label><name>pose</name><type>skeleton</type></label>
<label><name>nose</name><type>points</type><parent>pose</parent></label>
<label><name>eye</name><type>points</type><parent>pose</parent></label>
</labels><original_size><width>640</width><height>480</height></original_size></task></meta>
"""


def _cvat_image(shapes: str) -> str:
    return (
        f'<annotations><version>1.1</version>{CVAT_META}<image id="0" name="a.jpg" width="640"'
        f' height="480">{shapes}</image></annotations>'
    )


def _cvat_track(*frames: str, label: str = "person") -> str:
    boxes = "".join(
        f'<box {frame} outside="0" occluded="0" keyframe="1" xtl="1" ytl="1" xbr="9" ybr="9"/>'
        for frame in frames
    )
    return (
        f'<annotations><version>1.1</version>{CVAT_META}<track id="0" label="{label}">'
        f"{boxes}</track></annotations>"
    )


def test_cvat_valid_track_accepted(alice: Client) -> None:
    _accepted(alice, {"labels/cvat/ok.xml": _cvat_track('frame="0"', 'frame="3"')})


@pytest.mark.parametrize(
    ("name", "frames", "rule"),
    [
        ("same-frame", ('frame="1"', 'frame="1"'), "cvat.track-duplicate-frame"),
        ("frame-99999", ('frame="99999"',), "cvat.frame-out-of-range"),
        ("frame-minus-5", ('frame="-5"',), "cvat.frame-out-of-range"),
        ("frame-word", ('frame="two"',), "cvat.number"),
        ("no-frame", ("",), "cvat.required-attribute"),
    ],
)
def test_cvat_track_frames_checked(
    alice: Client, name: str, frames: tuple[str, ...], rule: str
) -> None:
    output = _rejected(alice, {f"labels/cvat/{name}.xml": _cvat_track(*frames)})
    assert rule in _errors(output)
    assert f"labels/cvat/{name}.xml" in output


SKELETON = (
    '<skeleton label="pose" z_order="0">'
    '<points label="nose" outside="0" occluded="0" points="{nose}"/>'
    '<points label="eye" outside="1" occluded="0" points="5000,5000"/>'
    "</skeleton>"
)
SKELETON_SCHEMA = (
    SCHEMA.replace(
        "exclusive_groups:",
        "  - {id: 5, name: pose, geometry: [keypoints]}\nexclusive_groups:",
    ).replace("version: 1\n", "version: 2\n")
    + "  - {version: 2, changes: [pose skeletons]}\n"
)


def test_cvat_skeleton_is_read_as_keypoints_and_its_points_checked(alice: Client) -> None:
    """An outside (hidden) element may sit anywhere; a visible one must be in the image."""
    _accepted(
        alice,
        {
            "schema/labels.yaml": SKELETON_SCHEMA,
            "labels/cvat/pose.xml": _cvat_image(SKELETON.format(nose="100,100")),
        },
    )
    output = _rejected(alice, {"labels/cvat/far.xml": _cvat_image(SKELETON.format(nose="9000,10"))})
    assert "cvat.outside-image" in _errors(output)


CUBOID = (
    '<cuboid label="{label}" occluded="0" xtl1="10" ytl1="10" xbl1="10" ybl1="50" xtr1="50"'
    ' ytr1="10" xbr1="50" ybr1="50" xtl2="20" ytl2="5" xbl2="20" ybl2="45" xtr2="60" ytr2="5"'
    ' xbr2="60" ybr2="{y}"/>'
)


def test_cvat_cuboid_geometry_checked_against_the_ontology_and_image(alice: Client) -> None:
    _accepted(alice, {"labels/cvat/car.xml": _cvat_image(CUBOID.format(label="car", y=45))})
    output = _rejected(
        alice, {"labels/cvat/day.xml": _cvat_image(CUBOID.format(label="day", y=45))}
    )
    assert "schema.geometry-not-allowed" in _errors(output)
    alice.git("reset", "-q", "--hard", "HEAD~1")
    output = _rejected(
        alice, {"labels/cvat/far.xml": _cvat_image(CUBOID.format(label="car", y=4500))}
    )
    assert "cvat.outside-image" in _errors(output)


# --- Git LFS pointers ---------------------------------------------------------------

LFS_POINTER = (
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    "size 12345\n"
)


@pytest.mark.parametrize(
    "path", ["labels/yolo/train/a.txt", "labels/coco/big.json", "labels/cvat/big.xml"]
)
def test_lfs_pointer_under_labels_is_named_as_such(alice: Client, path: str) -> None:
    output = _rejected(alice, {path: LFS_POINTER})
    assert _errors(output) == {"format.lfs-pointer"}
    assert path in output
    assert "Git LFS" in output


def test_lfs_pointers_allowed_when_the_project_says_so(alice: Client) -> None:
    relaxed = PROJECT + "checks:\n  severity:\n    format.lfs-pointer: warning\n"
    output = _accepted(
        alice, {"configs/project.yaml": relaxed, "labels/yolo/train/a.txt": LFS_POINTER}
    )
    assert "WARNING [format.lfs-pointer]" in output
