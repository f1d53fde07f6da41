"""Every COCO file in realdata merges: two annotators' edits, layout kept byte for byte."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from gitannot.constants import CONFLICT_KEY
from gitannot.merge import coco, jsonfmt
from gitannot.merge.driver import detect
from tests.conftest import REALDATA
from tests.merge.gitmerge import merge3

COCO_FILES = sorted(
    str(p.relative_to(REALDATA))
    for p in REALDATA.rglob("*.json")
    if detect(p.read_bytes(), str(p)) == "coco" and b'"annotations"' in p.read_bytes()
)  # files without annotations: test_realdata_coco_without_annotations_through_git


def redump(doc: Any, like: bytes) -> bytes:
    """Write `doc` the way the original file was written (indent or compact)."""
    return jsonfmt.document([jsonfmt.dumps(doc, jsonfmt.detect(like))], jsonfmt.detect(like))


def edits(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    ours, theirs = copy.deepcopy(doc), copy.deepcopy(doc)
    ours["annotations"][0]["reviewed_by"] = "bob"
    theirs["annotations"][-1]["reviewed_by"] = "carol"
    top = max(i["id"] for i in doc["images"]) + 1000
    theirs["images"].append({"id": top, "file_name": "new.jpg", "width": 1, "height": 1})
    return ours, theirs


@pytest.mark.parametrize("rel", COCO_FILES)
def test_realdata_coco_two_annotators(realdata: Path, rel: str) -> None:
    raw = (realdata / rel).read_bytes()
    doc = json.loads(raw)
    ours, theirs = edits(doc)
    out = coco.merge_text(raw, redump(ours, raw), redump(theirs, raw))
    merged = json.loads(out.data)
    anns = doc["annotations"]
    by_image = len({a.get("image_id") for a in anns}) == len(anns)  # panoptic: no ids
    keyed = all("id" in a for a in anns) or by_image
    if keyed and len(anns) > 1:
        assert out.clean
        expected = copy.deepcopy(ours)
        expected["annotations"][-1]["reviewed_by"] = "carol"
        expected["images"] = theirs["images"]
        assert merged == expected
    elif keyed:  # one annotation, the same field set to two values: a real conflict
        (record,) = merged["annotations"]
        assert record[CONFLICT_KEY] == 1 and record["fields"] == ["reviewed_by"]
    else:  # annotations without ids (panoptic) cannot be keyed: one plain value
        assert not out.clean and CONFLICT_KEY in merged["annotations"]
    assert merged["images"] == theirs["images"]


def test_realdata_coco_through_git(tmp_path: Path, realdata: Path) -> None:
    raw = (realdata / "review-odm-voc2012-100/coco_format_v1/instances_default.json").read_bytes()
    ours, theirs = edits(json.loads(raw))
    result = merge3(tmp_path, "labels/instances.json", raw, redump(ours, raw), redump(theirs, raw))
    assert result.returncode == 0, result.output
    merged = json.loads(result.data)
    assert merged["annotations"][0]["reviewed_by"] == "bob"
    assert merged["annotations"][-1]["reviewed_by"] == "carol"
    assert merged["images"][-1]["file_name"] == "new.jpg"


def _enc(doc: Any) -> bytes:
    return (json.dumps(doc, indent=2) + "\n").encode()


def test_panoptic_keys_by_image_and_never_rekeys() -> None:
    base: dict[str, Any] = {
        "images": [{"id": 1}],
        "categories": [],
        "annotations": [{"image_id": 1, "file_name": "1.png", "segments_info": []}],
    }
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    ours["annotations"].append({"image_id": 2, "file_name": "o.png", "segments_info": []})
    theirs["annotations"].append({"image_id": 2, "file_name": "t.png", "segments_info": []})
    out = coco.merge_text(_enc(base), _enc(ours), _enc(theirs))
    (conflict,) = out.conflicts  # same image, two different annotations: a real conflict
    assert conflict.key == 2 and conflict.reason == "add/add" and conflict.fields == ["file_name"]


def test_unkeyable_annotations_merge_as_one_value() -> None:
    base = {"images": [], "annotations": [{"bbox": [1]}, {"bbox": [2]}], "categories": []}
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    ours["annotations"][0]["bbox"] = [9]
    theirs["annotations"][1]["bbox"] = [8]
    out = coco.merge_text(_enc(base), _enc(ours), _enc(theirs))
    merged = json.loads(out.data)
    assert merged["annotations"][CONFLICT_KEY] == 1
    assert merged["annotations"]["ours"] == ours["annotations"]
    theirs_only = coco.merge_text(_enc(base), _enc(base), _enc(theirs))
    assert json.loads(theirs_only.data) == theirs


def test_panoptic_annotation_follows_its_rekeyed_image() -> None:
    """Both sides adding image 2: theirs' image is re-keyed, and its panoptic annotation
    (keyed by image_id) moves with it instead of clashing with ours' annotation."""
    base: dict[str, Any] = {"images": [{"id": 1}], "categories": [], "annotations": []}
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    for side, name in ((ours, "o"), (theirs, "t")):
        side["images"].append({"id": 2, "file_name": f"{name}.jpg"})
        side["annotations"].append({"image_id": 2, "file_name": f"{name}.png"})
    out = coco.merge_text(_enc(base), _enc(ours), _enc(theirs))
    assert out.conflicts == []
    merged = json.loads(out.data)
    assert merged["images"] == [{"id": 1}, ours["images"][1], {"id": 3, "file_name": "t.jpg"}]
    assert merged["annotations"] == [ours["annotations"][0], {"image_id": 3, "file_name": "t.png"}]


def test_realdata_coco_without_annotations_through_git(tmp_path: Path, realdata: Path) -> None:
    """A COCO file with images and categories but no annotations yet (panopticapi's
    images_info): the validator reads it as COCO, so the driver merges it per image, not
    by lines (one-line JSON would conflict on any two edits)."""
    raw = (realdata / "panopticapi/images_info_examples.json").read_bytes()
    doc = json.loads(raw)
    ours, theirs = copy.deepcopy(doc), copy.deepcopy(doc)
    ours["images"].append({"id": 1, "file_name": "o.jpg", "width": 1, "height": 1})
    theirs["images"].append({"id": 2, "file_name": "t.jpg", "width": 1, "height": 1})
    result = merge3(tmp_path, "labels/info.json", raw, redump(ours, raw), redump(theirs, raw))
    assert result.returncode == 0, result.output
    assert "git merge-file" not in result.output  # the COCO adapter merged it
    merged = json.loads(result.data)
    assert merged["images"] == [*doc["images"], ours["images"][-1], theirs["images"][-1]]
