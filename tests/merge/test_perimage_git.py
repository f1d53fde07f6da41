"""gitannot per-image JSON through real `git merge`."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from gitannot.constants import CONFLICT_KEY
from tests.merge.gitmerge import MergeRun, merge3

REL = "labels/images/img_0001.json"


def uid(n: int) -> str:
    return str(uuid.UUID(int=n))


def base_doc() -> dict[str, Any]:
    return {
        "version": 1,
        "item": {"id": "img_0001", "file_name": "img_0001.jpg", "width": 640, "height": 480},
        "annotations": [
            {
                "id": uid(i),
                "label": "car" if i % 2 else "person",
                "bbox": [10 * i, 10, 20, 20],
                "attributes": {"occluded": False},
            }
            for i in range(1, 8)
        ],
    }


def find(doc: dict[str, Any], n: int) -> dict[str, Any]:
    return next(a for a in doc["annotations"] if a.get("id") == uid(n))


@pytest.fixture(params=[2, None], ids=["pretty", "compact"])
def indent(request: pytest.FixtureRequest) -> int | None:
    return request.param  # type: ignore[no-any-return]


def dump(doc: Any, indent: int | None) -> bytes:
    return (json.dumps(doc, indent=indent) + "\n").encode()


def run(tmp_path: Path, indent: int | None, ours: Any, theirs: Any) -> tuple[MergeRun, Any]:
    result = merge3(
        tmp_path, REL, dump(base_doc(), indent), dump(ours, indent), dump(theirs, indent)
    )
    return result, json.loads(result.data)


@pytest.mark.parametrize("a,b", [(1, 7), (3, 4)], ids=["far", "adjacent"])
def test_edits_merge(tmp_path: Path, indent: int | None, a: int, b: int) -> None:
    ours, theirs = base_doc(), base_doc()
    find(ours, a)["label"] = "bus"
    find(theirs, b)["bbox"] = [0, 0, 1, 1]
    result, merged = run(tmp_path, indent, ours, theirs)
    assert result.returncode == 0, result.output
    expected = copy.deepcopy(ours)
    find(expected, b)["bbox"] = [0, 0, 1, 1]
    assert merged == expected
    assert result.data == dump(expected, indent)


def test_both_append_and_item_fields_merge(tmp_path: Path, indent: int | None) -> None:
    ours, theirs = base_doc(), base_doc()
    ours["annotations"].append(
        {"id": uid(100), "label": "car", "polygon": [[1, 1], [2, 2], [3, 1]]}
    )
    theirs["annotations"].append({"id": uid(200), "label": "dog", "bbox": [1, 1, 1, 1]})
    theirs["item"]["width"] = 641
    result, merged = run(tmp_path, indent, ours, theirs)
    assert result.returncode == 0
    assert [a["id"] for a in merged["annotations"]][-2:] == [uid(100), uid(200)]
    assert merged["item"]["width"] == 641


def test_delete_vs_edit_neighbour_and_different_fields(tmp_path: Path, indent: int | None) -> None:
    ours, theirs = base_doc(), base_doc()
    ours["annotations"] = [a for a in ours["annotations"] if a["id"] != uid(4)]
    find(ours, 2)["label"] = "truck"
    find(theirs, 5)["label"] = "bike"
    find(theirs, 2)["attributes"] = {"occluded": True}
    result, merged = run(tmp_path, indent, ours, theirs)
    assert result.returncode == 0
    assert uid(4) not in [a["id"] for a in merged["annotations"]]
    assert find(merged, 2)["label"] == "truck" and find(merged, 2)["attributes"]["occluded"]
    assert find(merged, 5)["label"] == "bike"


@pytest.mark.parametrize("kind", ["delete/modify", "modify/modify"])
def test_conflicts_stay_parseable(tmp_path: Path, indent: int | None, kind: str) -> None:
    ours, theirs = base_doc(), base_doc()
    if kind == "delete/modify":
        ours["annotations"] = [a for a in ours["annotations"] if a["id"] != uid(3)]
    else:
        find(ours, 3)["label"] = "bus"
    find(theirs, 3)["label"] = "tram"
    result, merged = run(tmp_path, indent, ours, theirs)
    assert result.returncode != 0
    records = [a for a in merged["annotations"] if CONFLICT_KEY in a]
    assert [r["reason"] for r in records] == [kind]
    assert records[0]["key"] == uid(3) and records[0]["theirs"]["label"] == "tram"


def test_reformat_on_one_side_while_the_other_edits(tmp_path: Path) -> None:
    ours, theirs = base_doc(), base_doc()
    find(ours, 6)["label"] = "van"
    theirs_bytes = (json.dumps(theirs, indent=4, sort_keys=True) + "\n").encode()
    result = merge3(tmp_path, REL, dump(base_doc(), 2), dump(ours, 2), theirs_bytes)
    assert result.returncode == 0, result.output
    assert json.loads(result.data) == ours
    assert result.data.startswith(
        b'{\n    "version": 1,\n    "item": {\n        "'
    )  # theirs' indent


def test_resolve_ours_of_delete_modify_removes_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gitannot.main import main

    ours, theirs = base_doc(), base_doc()
    ours["annotations"] = [a for a in ours["annotations"] if a["id"] != uid(2)]
    find(theirs, 2)["label"] = "tram"
    result = merge3(tmp_path, REL, dump(base_doc(), 2), dump(ours, 2), dump(theirs, 2))
    assert result.returncode != 0
    monkeypatch.chdir(result.repo)
    assert main(["resolve", REL, "--ours"]) == 0
    assert (result.repo / REL).read_bytes() == dump(ours, 2)
