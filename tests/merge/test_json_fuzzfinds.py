"""Cases a differential fuzzer found (issue 21 items 3, 4, 5, 9), through real `git merge`."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gitannot.constants import CONFLICT_KEY
from tests.merge.cocodata import ann, base_doc, clone, dump
from tests.merge.gitmerge import merge3

REL = "labels/train.coco.json"
LONG = "0.12345678901234567890123"  # more digits than a float keeps


def exact(data: bytes) -> Any:
    """The document with every decimal as written (a float would round LONG)."""
    return json.loads(data, parse_float=Decimal)


# --- item 3: re-keying rewrites nested references (panoptic segments_info) ------------


def panoptic_base() -> dict[str, Any]:
    return {
        "images": [{"id": i, "file_name": f"{i}.jpg", "width": 4, "height": 4} for i in (1, 2)],
        "annotations": [
            {
                "image_id": i,
                "file_name": f"{i}.png",
                "segments_info": [{"id": 7, "category_id": 1, "area": 3, "iscrowd": 0}],
            }
            for i in (1, 2)
        ],
        "categories": [{"id": 1, "name": "person", "isthing": 1}],
    }


def test_panoptic_rekeyed_category_is_rewritten_inside_segments_info(tmp_path: Path) -> None:
    base = panoptic_base()
    ours, theirs = clone(base), clone(base)
    ours["categories"].append({"id": 2, "name": "tree", "isthing": 0})
    ours["annotations"][0]["segments_info"].append({"id": 8, "category_id": 2, "area": 1})
    theirs["categories"].append({"id": 2, "name": "car", "isthing": 1})
    theirs["annotations"][1]["segments_info"].append({"id": 9, "category_id": 2, "area": 2})
    result = merge3(
        tmp_path, REL, dump(base, "pretty"), dump(ours, "pretty"), dump(theirs, "pretty")
    )
    assert result.returncode == 0, result.output
    merged = json.loads(result.data)
    names = {c["id"]: c["name"] for c in merged["categories"]}
    assert names == {1: "person", 2: "tree", 3: "car"}
    segs = {a["image_id"]: a["segments_info"] for a in merged["annotations"]}
    assert segs[1][-1] == {"id": 8, "category_id": 2, "area": 1}  # ours' tree
    assert segs[2][-1] == {"id": 9, "category_id": 3, "area": 2}  # theirs' car, re-keyed
    assert segs[2][0]["category_id"] == 1  # references to other ids untouched


def test_rekeyed_license_and_lvis_category_lists_are_rewritten(tmp_path: Path) -> None:
    base = base_doc()
    ours, theirs = clone(base), clone(base)
    ours["licenses"].append({"id": 2, "name": "ours-license"})
    ours["categories"].append({"id": 3, "name": "tree", "supercategory": "plant"})
    theirs["licenses"].append({"id": 2, "name": "theirs-license"})
    theirs["categories"].append({"id": 3, "name": "bike", "supercategory": "vehicle"})
    theirs["images"].append(
        {"id": 4, "file_name": "t.jpg", "width": 1, "height": 1, "license": 2}
        | {"neg_category_ids": [1, 3], "not_exhaustive_category_ids": [3]}
    )
    result = merge3(
        tmp_path, REL, dump(base, "compact"), dump(ours, "compact"), dump(theirs, "compact")
    )
    assert result.returncode == 0, result.output
    merged = json.loads(result.data)
    assert [lic["name"] for lic in merged["licenses"]] == [
        "CC-BY",
        "ours-license",
        "theirs-license",
    ]
    assert merged["licenses"][-1]["id"] == 3
    image = merged["images"][-1]
    assert image["license"] == 3
    assert image["neg_category_ids"] == [1, 4]  # theirs' bike is category 4 now
    assert image["not_exhaustive_category_ids"] == [4]
    assert merged["categories"][-1] == {"id": 4, "name": "bike", "supercategory": "vehicle"}


# --- item 4: numbers are kept exactly as written -------------------------------------


def with_long_area(style: str) -> tuple[dict[str, Any], bytes]:
    doc = base_doc()
    ann(doc, 1)["area"] = 0.5  # replaced by LONG in the bytes below
    raw = dump(doc, style).replace(b'"area": 0.5', b'"area": ' + LONG.encode())
    assert raw.count(LONG.encode()) == 1
    return doc, raw


@pytest.mark.parametrize("style", ["pretty", "compact"])
def test_long_decimal_survives_a_field_by_field_merge(tmp_path: Path, style: str) -> None:
    _doc, base = with_long_area(style)
    ours = base.replace(b'"iscrowd": 0', b'"iscrowd": 1', 1)  # annotation 1, both sides
    theirs = base.replace(b'"category_id": 2', b'"category_id": 9', 1)
    assert ours != base and theirs != base
    result = merge3(tmp_path, REL, base, ours, theirs)
    assert result.returncode == 0, result.output
    merged = exact(result.data)
    first = merged["annotations"][0]
    assert (first["iscrowd"], first["category_id"], first["area"]) == (1, 9, Decimal(LONG))
    assert LONG.encode() in result.data


def test_long_decimal_survives_a_reformat_by_the_other_side(tmp_path: Path) -> None:
    _doc, base = with_long_area("pretty")
    theirs = re.sub(rb"(?m)^( +)", lambda m: m[1] * 2, base)  # re-indented, nothing else
    assert exact(theirs) == exact(base)
    ours = base.replace(b'"iscrowd": 0', b'"iscrowd": 1', 1)
    result = merge3(tmp_path, REL, base, ours, theirs)
    assert result.returncode == 0, result.output
    assert LONG.encode() in result.data
    assert exact(result.data)["annotations"][0]["area"] == Decimal(LONG)
    assert result.data.startswith(b'{\n    "info"')  # theirs' layout taken


def test_label_studio_long_decimal_survives_a_field_merge(tmp_path: Path) -> None:
    task = {
        "id": 1,
        "data": {"image": "a.jpg"},
        "annotations": [
            {
                "id": 5,
                "result": [
                    {
                        "id": "r1",
                        "from_name": "label",
                        "to_name": "image",
                        "type": "rectanglelabels",
                        "value": {"x": 0.5, "y": 2.5, "rectanglelabels": ["cat"]},
                    }
                ],
            }
        ],
    }
    base = json.dumps([task], indent=2).encode().replace(b'"x": 0.5', b'"x": ' + LONG.encode())
    ours = base.replace(b'"y": 2.5', b'"y": 3.5')
    theirs = base.replace(b'"to_name": "image"', b'"to_name": "img"')
    result = merge3(tmp_path, "labels/project.json", base, ours, theirs)
    assert result.returncode == 0, result.output
    region = exact(result.data)[0]["annotations"][0]["result"][0]
    assert region["value"]["x"] == Decimal(LONG) and region["value"]["y"] == Decimal("3.5")
    assert region["to_name"] == "img"
    assert LONG.encode() in result.data


def test_a_changed_digit_far_behind_the_point_is_a_change(tmp_path: Path) -> None:
    """Two texts one float would equate are different values: theirs' edit is kept."""
    _doc, base = with_long_area("pretty")
    edited = LONG[:-1] + "9"
    theirs = base.replace(LONG.encode(), edited.encode())
    ours = base.replace(b'"iscrowd": 0', b'"iscrowd": 1', 1)
    result = merge3(tmp_path, REL, base, ours, theirs)
    assert result.returncode == 0, result.output
    first = exact(result.data)["annotations"][0]
    assert first["area"] == Decimal(edited) and first["iscrowd"] == 1


# --- item 9: compact, non-ASCII, an integer beyond 64 bits ---------------------------


def test_compact_non_ascii_file_with_a_huge_integer_merges(tmp_path: Path) -> None:
    doc = base_doc()
    doc["info"]["description"] = "Straßen"
    huge = 2**64 + 5
    ann(doc, 3)["source_id"] = huge

    def write(d: dict[str, Any]) -> bytes:
        return json.dumps(d, separators=(",", ":"), ensure_ascii=False).encode()

    ours, theirs = clone(doc), clone(doc)
    ann(ours, 3)["iscrowd"] = 1
    ann(theirs, 3)["category_id"] = 9
    result = merge3(tmp_path, REL, write(doc), write(ours), write(theirs))
    assert result.returncode == 0, result.output
    assert b"<<<<<<<" not in result.data
    expected = clone(ours)
    ann(expected, 3)["category_id"] = 9
    assert json.loads(result.data) == expected
    assert result.data == write(expected)  # the layout kept, byte for byte
    assert CONFLICT_KEY not in result.data.decode()


# --- item 5: YOLO, both sides relabel and nudge one box ------------------------------


def test_yolo_both_relabel_and_nudge_one_box_is_a_conflict(tmp_path: Path) -> None:
    base = b"3 0.500000 0.500000 0.200000 0.200000\n0 0.100000 0.100000 0.050000 0.050000\n"
    ours = b"13 0.510000 0.500000 0.200000 0.200000\n0 0.100000 0.100000 0.050000 0.050000\n"
    theirs = b"15 0.490000 0.500000 0.200000 0.200000\n0 0.100000 0.100000 0.050000 0.050000\n"
    result = merge3(tmp_path, "labels/img.txt", base, ours, theirs)
    assert result.returncode != 0, result.data
    assert "CONFLICT (content)" in result.output
    text = result.data.decode()
    assert text.count("<<<<<<< ours (modify/modify, base:0)") == 1
    # Only the untouched row sits outside the markers: no second box for the object.
    head, body = text.split(">>>>>>> theirs\n", 1)
    assert head.startswith("<<<<<<< ours")
    assert body == "0 0.100000 0.100000 0.050000 0.050000\n"


def test_yolo_one_side_relabels_and_nudges_the_other_edits_is_no_duplicate(
    tmp_path: Path,
) -> None:
    base = b"3 0.500000 0.500000 0.200000 0.200000\n"
    ours = b"13 0.510000 0.500000 0.200000 0.200000\n"
    theirs = b"3 0.500000 0.500000 0.200000 0.300000\n"  # theirs grows the same box
    result = merge3(tmp_path, "labels/img.txt", base, ours, theirs)
    assert result.returncode != 0, result.data
    assert result.data.decode().count("<<<<<<< ours") == 1
