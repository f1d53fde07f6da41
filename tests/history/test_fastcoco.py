"""The record-level COCO diff says exactly what the full diff says, on real exports."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonpatch
import pytest

from gitannot.formats import parse_file
from gitannot.history.diff import diff_versions
from gitannot.history.fastcoco import diff_records
from gitannot.history.recpatch import record_patch
from gitannot.history.render import text_lines
from tests.conftest import REALDATA


def coco_files() -> list[Path]:
    found = []
    for path in sorted(REALDATA.rglob("*.json")):
        pf = parse_file(str(path), path.read_bytes())
        if pf.format == "coco" and len(pf.annotations) >= 3:
            found.append(path)
    return found


def edited(doc: dict[str, Any]) -> dict[str, Any]:
    """Relabel the first annotation, move the second, delete the third, add one."""
    out: dict[str, Any] = json.loads(json.dumps(doc))
    anns = out["annotations"]
    first = anns[0]
    other = [c["id"] for c in out["categories"] if c["id"] != first["category_id"]]
    if not other:  # a one-category file: give it a second one
        other = [max(c["id"] for c in out["categories"]) + 1]
        out["categories"].append({"id": other[0], "name": "added-class"})
    first["category_id"] = other[0]
    anns[1]["bbox"] = [anns[1]["bbox"][0] + 3, anns[1]["bbox"][1] - 2, *anns[1]["bbox"][2:]]
    del anns[2]
    anns.append({**anns[0], "id": max(a["id"] for a in anns) + 1})
    return out


FILES = coco_files()


def test_the_corpus_has_real_coco_files() -> None:
    assert len(FILES) >= 8  # the walk below must not pass by finding nothing


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REALDATA)))
@pytest.mark.parametrize("indent", [2, None], ids=["pretty", "compact"])
def test_record_diff_equals_the_full_diff(path: Path, indent: int | None) -> None:
    doc = json.loads(path.read_bytes())
    old = json.dumps(doc, indent=indent).encode()
    new = json.dumps(edited(doc), indent=indent).encode()
    assert diff_records(old, new) is not None  # the record path ran
    fast = text_lines(diff_versions("labels/a.json", old, new))
    full = text_lines(diff_versions("labels/a.json", old, new, fast=False))
    assert fast == full
    assert fast[1].startswith(f"~ annotation {doc['annotations'][0]['id']}: label ")
    assert any(line.startswith("- annotation ") for line in fast)


def test_a_renamed_category_reads_the_whole_file() -> None:
    real = REALDATA / "mmdetection/coco_dummy/annotations/instances_val2017.json"
    doc = json.loads(real.read_bytes())
    new = json.loads(json.dumps(doc))
    used = doc["annotations"][0]["category_id"]
    for cat in new["categories"]:
        if cat["id"] == used:
            cat["name"] = "renamed"
    old_b, new_b = json.dumps(doc).encode(), json.dumps(new).encode()
    assert diff_records(old_b, new_b) is None  # every record of it is relabelled: full read
    lines = text_lines(diff_versions("labels/a.json", old_b, new_b))
    relabelled = [x for x in lines if x.startswith("~ ") and "→ renamed" in x]
    assert len(relabelled) == sum(a["category_id"] == used for a in doc["annotations"])


def test_a_conflict_record_is_left_to_the_full_reader() -> None:
    from gitannot.constants import CONFLICT_KEY

    doc = json.loads((FILES[0]).read_bytes())
    new = json.loads(json.dumps(doc))
    new["annotations"][0]["bbox"] = {CONFLICT_KEY: 1, "ours": [1, 2, 3, 4], "theirs": [0, 0, 1, 1]}
    old_b, new_b = json.dumps(doc).encode(), json.dumps(new).encode()
    assert diff_records(old_b, new_b) is None
    assert diff_records(old_b, json.dumps(edited(doc)).encode()) is not None


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REALDATA)))
def test_record_patch_applied_gives_the_new_version(path: Path) -> None:
    doc = json.loads(path.read_bytes())
    new = edited(doc)
    new["info"] = {"description": "edited"}  # a small member changes too
    ops = record_patch(json.dumps(doc, indent=2).encode(), json.dumps(new, indent=2).encode())
    assert ops is not None
    assert jsonpatch.apply_patch(copy.deepcopy(doc), ops) == new
    assert sum(op["path"].startswith("/annotations/") for op in ops) == 4  # 2 edits, 1 + 1


def test_a_resorted_file_is_patched_whole() -> None:
    doc = json.loads(FILES[0].read_bytes())
    new = json.loads(json.dumps(doc))
    new["annotations"].reverse()
    assert record_patch(json.dumps(doc).encode(), json.dumps(new).encode()) is None


@pytest.mark.parametrize("member", ["info", "x-tool"], ids=["known", "unknown"])
def test_members_beside_the_annotations_do_not_count(member: str) -> None:
    """A "category_id" in another member is no annotation's: one scan of a usual file
    (known members) subtracts it; a file with an unknown member is split member-wise."""
    doc = json.loads(FILES[0].read_bytes())
    doc[member] = {"category_id": doc["annotations"][0]["category_id"], "note": "x"}
    old = json.dumps(doc, indent=2).encode()
    new = json.dumps(edited(doc), indent=2).encode()
    assert diff_records(old, new) is not None
    fast = text_lines(diff_versions("labels/a.json", old, new))
    assert fast == text_lines(diff_versions("labels/a.json", old, new, fast=False))
