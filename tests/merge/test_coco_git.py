"""COCO through real `git merge` with the driver configured, pretty and compact."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitannot.constants import CONFLICT_KEY
from gitannot.main import main
from tests.merge.cocodata import STYLES, ann, base_doc, clone, dump, ids
from tests.merge.gitmerge import MergeRun, merge3

REL = "labels/train.coco.json"


def run(
    tmp_path: Path, style: str, ours: Any, theirs: Any, base: Any = None
) -> tuple[MergeRun, Any]:
    base = base_doc() if base is None else base
    result = merge3(tmp_path, REL, dump(base, style), dump(ours, style), dump(theirs, style))
    return result, json.loads(result.data)


def assert_layout(data: bytes, style: str) -> None:
    if style == "pretty":
        assert data.endswith(b"\n") and data.startswith(b'{\n  "info": {\n    "description"')
    else:
        assert b"\n" not in data and data.startswith(b'{"info": {"description": ')


@pytest.fixture(params=STYLES)
def style(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("ours_id,theirs_id", [(1, 10), (4, 5)], ids=["far", "adjacent"])
def test_edits_to_far_and_adjacent_annotations(
    tmp_path: Path, style: str, ours_id: int, theirs_id: int
) -> None:
    ours, theirs = clone(base_doc()), clone(base_doc())
    ann(ours, ours_id)["bbox"] = [1, 2, 3, 4]
    ann(theirs, theirs_id)["category_id"] = 7
    result, merged = run(tmp_path, style, ours, theirs)
    assert result.returncode == 0, result.output
    expected = clone(ours)
    ann(expected, theirs_id)["category_id"] = 7
    assert merged == expected
    assert_layout(result.data, style)


def test_unchanged_records_keep_their_bytes(tmp_path: Path, style: str) -> None:
    ours, theirs = clone(base_doc()), clone(base_doc())
    ann(ours, 2)["iscrowd"] = 1
    ann(theirs, 9)["iscrowd"] = 1
    result, _merged = run(tmp_path, style, ours, theirs)
    expected = clone(ours)
    ann(expected, 9)["iscrowd"] = 1
    assert result.returncode == 0
    assert result.data == dump(expected, style)  # byte-identical to the writer's output


def test_both_append_distinct_ids(tmp_path: Path, style: str) -> None:
    ours, theirs = clone(base_doc()), clone(base_doc())
    new_o = dict(ann(ours, 1), id=11, bbox=[1, 1, 1, 1])
    new_t = dict(ann(theirs, 2), id=12, bbox=[2, 2, 2, 2])
    ours["annotations"].append(new_o)
    theirs["annotations"].append(new_t)
    result, merged = run(tmp_path, style, ours, theirs)
    assert result.returncode == 0
    assert ids(merged, "annotations") == [*range(1, 12), 12]
    assert ann(merged, 11) == new_o and ann(merged, 12) == new_t


def test_colliding_ids_are_rekeyed_with_references(tmp_path: Path, style: str) -> None:
    ours, theirs = clone(base_doc()), clone(base_doc())
    ours["images"].append({"id": 4, "file_name": "ours.jpg", "width": 1, "height": 1})
    ours["annotations"].append(dict(ann(ours, 1), id=11, image_id=4, bbox=[1, 1, 1, 1]))
    theirs["categories"].append({"id": 3, "name": "bike", "supercategory": "vehicle"})
    ours["categories"].append({"id": 3, "name": "tree", "supercategory": "plant"})
    theirs["images"].append({"id": 4, "file_name": "theirs.jpg", "width": 2, "height": 2})
    theirs["annotations"].append(
        dict(ann(theirs, 1), id=11, image_id=4, category_id=3, bbox=[2, 2, 2, 2])
    )
    result, merged = run(tmp_path, style, ours, theirs)
    assert result.returncode == 0, result.output
    images = {i["file_name"]: i["id"] for i in merged["images"]}
    cats = {c["name"]: c["id"] for c in merged["categories"]}
    assert images["ours.jpg"] == 4 and images["theirs.jpg"] == 5  # above max id 4
    assert cats["tree"] == 3 and cats["bike"] == 4
    by_bbox = {tuple(a["bbox"]): a for a in merged["annotations"]}
    assert by_bbox[(1, 1, 1, 1)]["id"] == 11 and by_bbox[(1, 1, 1, 1)]["image_id"] == 4
    theirs_ann = by_bbox[(2, 2, 2, 2)]
    assert theirs_ann["id"] == 12
    assert theirs_ann["image_id"] == images["theirs.jpg"]
    assert theirs_ann["category_id"] == cats["bike"]
    for collection in ("images", "annotations", "categories"):
        assert len(set(ids(merged, collection))) == len(merged[collection])


def test_delete_vs_edit_of_neighbour(tmp_path: Path, style: str) -> None:
    ours, theirs = clone(base_doc()), clone(base_doc())
    ours["annotations"] = [a for a in ours["annotations"] if a["id"] != 5]
    ann(theirs, 6)["bbox"] = [6, 6, 6, 6]
    result, merged = run(tmp_path, style, ours, theirs)
    assert result.returncode == 0
    assert 5 not in ids(merged, "annotations")
    assert ann(merged, 6)["bbox"] == [6, 6, 6, 6]


def test_both_delete_the_same_annotation(tmp_path: Path, style: str) -> None:
    ours, theirs = clone(base_doc()), clone(base_doc())
    for doc in (ours, theirs):
        doc["annotations"] = [a for a in doc["annotations"] if a["id"] != 3]
    ann(theirs, 4)["iscrowd"] = 1
    result, merged = run(tmp_path, style, ours, theirs)
    assert result.returncode == 0
    assert 3 not in ids(merged, "annotations") and ann(merged, 4)["iscrowd"] == 1


def test_delete_vs_modify_is_a_parseable_conflict(
    tmp_path: Path, style: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, theirs = clone(base_doc()), clone(base_doc())
    ours["annotations"] = [a for a in ours["annotations"] if a["id"] != 5]
    ann(theirs, 5)["bbox"] = [5, 5, 5, 5]
    ann(theirs, 8)["iscrowd"] = 1
    result, merged = run(tmp_path, style, ours, theirs)
    assert result.returncode != 0
    assert "CONFLICT" in result.output
    records = [a for a in merged["annotations"] if CONFLICT_KEY in a]
    assert len(records) == 1
    rec = records[0]
    assert rec["key"] == 5 and rec["reason"] == "delete/modify"
    assert rec["ours"] is None and rec["base"] == ann(base_doc(), 5)
    assert rec["theirs"]["bbox"] == [5, 5, 5, 5]
    assert ann(merged, 8)["iscrowd"] == 1  # the clean part merged anyway
    assert_layout(result.data, style)

    monkeypatch.chdir(result.repo)
    assert main(["conflicts"]) == 1
    assert f"{REL}: /annotations/" in capsys.readouterr().out
    assert main(["resolve", REL, "--theirs"]) == 0
    resolved = json.loads((result.repo / REL).read_bytes())
    assert ann(resolved, 5)["bbox"] == [5, 5, 5, 5]
    assert main(["conflicts", REL]) == 0
    assert_layout((result.repo / REL).read_bytes(), style)


def test_same_annotation_different_fields_is_clean(tmp_path: Path, style: str) -> None:
    ours, theirs = clone(base_doc()), clone(base_doc())
    ann(ours, 3)["bbox"] = [3, 3, 3, 3]
    ann(theirs, 3)["category_id"] = 2
    ann(theirs, 3)["attributes"] = {"occluded": True}
    result, merged = run(tmp_path, style, ours, theirs)
    assert result.returncode == 0
    assert ann(merged, 3) == dict(ann(ours, 3), category_id=2, attributes={"occluded": True})


def test_same_field_different_values_conflicts(
    tmp_path: Path, style: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ours, theirs = clone(base_doc()), clone(base_doc())
    ann(ours, 3)["bbox"] = [3, 3, 3, 3]
    ann(theirs, 3)["bbox"] = [4, 4, 4, 4]
    ann(theirs, 3)["iscrowd"] = 1
    result, merged = run(tmp_path, style, ours, theirs)
    assert result.returncode != 0
    rec = next(a for a in merged["annotations"] if CONFLICT_KEY in a)
    assert rec["fields"] == ["bbox"] and rec["reason"] == "modify/modify"
    assert rec["ours"]["bbox"] == [3, 3, 3, 3] and rec["theirs"]["bbox"] == [4, 4, 4, 4]
    monkeypatch.chdir(result.repo)
    assert main(["resolve", REL, "--pick", "33=theirs"]) == 1  # a typo: nothing taken
    assert "no conflict with key '33'" in capsys.readouterr().err
    assert main(["resolve", REL, "--pick", "3=ours"]) == 0
    resolved = json.loads((result.repo / REL).read_bytes())
    assert ann(resolved, 3) == ann(ours, 3)


def test_both_add_images_with_annotations(tmp_path: Path, style: str) -> None:
    ours, theirs = clone(base_doc()), clone(base_doc())
    ours["images"].append({"id": 10, "file_name": "o.jpg", "width": 5, "height": 5})
    ours["annotations"].append(dict(ann(ours, 1), id=100, image_id=10))
    theirs["images"].append({"id": 20, "file_name": "t.jpg", "width": 5, "height": 5})
    theirs["annotations"].append(dict(ann(theirs, 1), id=200, image_id=20))
    result, merged = run(tmp_path, style, ours, theirs)
    assert result.returncode == 0
    assert ids(merged, "images") == [1, 2, 3, 10, 20]
    assert ann(merged, 100)["image_id"] == 10 and ann(merged, 200)["image_id"] == 20


@pytest.mark.parametrize("change", ["reformat", "reorder-keys"])
def test_one_side_reformats_while_the_other_edits(tmp_path: Path, change: str) -> None:
    base, ours, theirs = base_doc(), base_doc(), base_doc()
    ann(ours, 7)["bbox"] = [7, 7, 7, 7]
    if change == "reformat":
        theirs_bytes = dump(theirs, "compact")
    else:
        theirs_bytes = (json.dumps(theirs, indent=2, sort_keys=True) + "\n").encode()
    result = merge3(tmp_path, REL, dump(base, "pretty"), dump(ours, "pretty"), theirs_bytes)
    assert result.returncode == 0, result.output
    merged = json.loads(result.data)
    assert merged == ours
    if change == "reformat":  # theirs changed the layout: the result takes it
        assert result.data == dump(ours, "compact")


def test_add_add_with_empty_base(tmp_path: Path, style: str) -> None:
    ours, theirs = clone(base_doc()), clone(base_doc())
    ann(ours, 1)["bbox"] = [1, 1, 1, 1]
    theirs["annotations"].append(dict(ann(theirs, 2), id=11))
    result = merge3(tmp_path, REL, None, dump(ours, style), dump(theirs, style))
    assert result.returncode == 0, result.output
    merged = json.loads(result.data)
    assert ann(merged, 1)["bbox"] == [1, 1, 1, 1] and 11 in ids(merged, "annotations")


def test_file_deleted_on_one_side_keeps_the_edit(tmp_path: Path, style: str) -> None:
    theirs = clone(base_doc())
    ann(theirs, 1)["bbox"] = [1, 1, 1, 1]
    result = merge3(tmp_path, REL, dump(base_doc(), style), None, dump(theirs, style))
    assert result.returncode != 0  # modify/delete: git asks the user, nothing lost
    assert json.loads(result.data) == theirs


def test_info_fields_merge_as_plain_json(tmp_path: Path, style: str) -> None:
    ours, theirs = clone(base_doc()), clone(base_doc())
    ours["info"]["version"] = "1.1"
    theirs["info"]["contributor"] = "carol"
    theirs["licenses"].append({"id": 2, "name": "CC0"})
    result, merged = run(tmp_path, style, ours, theirs)
    assert result.returncode == 0
    assert merged["info"] == {"description": "test set", "version": "1.1", "contributor": "carol"}
    assert merged["licenses"] == theirs["licenses"]


def test_unparseable_side_falls_back_to_line_merge(tmp_path: Path) -> None:
    base = dump(base_doc(), "pretty")
    ours = base.replace(b'"test set"', b'"ours set"')
    theirs = base.replace(b'"test set"', b'"theirs set"').replace(b"{\n", b"{ oops\n", 1)
    result = merge3(tmp_path, REL, base, ours, theirs)
    assert result.returncode != 0
    assert b"<<<<<<<" in result.data and b'"ours set"' in result.data
    assert b"oops" in result.data
    assert "line merge" in result.output


def test_conflicts_command_lists_xml_conflict_elements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.xml").write_text(
        "<annotation><gitannot_conflict reason='modify/modify'/></annotation>\n"
    )
    (tmp_path / "b.json").write_text('{"annotations": []}\n')
    monkeypatch.chdir(tmp_path)
    assert main(["conflicts", "a.xml"]) == 1
    assert "a.xml: line 1 key='' reason=modify/modify" in capsys.readouterr().out
    assert main(["conflicts", "b.json"]) == 0
    assert main(["resolve", "b.json", "--ours"]) == 1  # nothing to resolve
    assert main(["resolve", "a.xml", "--ours"]) == 0  # no <ours> inside: the element goes
    assert (tmp_path / "a.xml").read_text() == "<annotation></annotation>\n"
    (tmp_path / "c.md").write_text("<<<<<<< ours (x, y)\n")
    assert main(["conflicts", "c.md"]) == 2  # neither JSON nor a label file gitannot merges
