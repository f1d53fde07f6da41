"""JSON layouts no adapter knows, merged structurally through real `git merge`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitannot.constants import CONFLICT_KEY
from gitannot.merge import anyjson
from tests.merge.gitmerge import MergeRun, merge3

REL = "labels/frame_0001.json"


def per_image() -> dict[str, Any]:
    """A per-image COCO-like object with integer ids (no "images" member)."""
    return {
        "image": {"id": 7, "file_name": "frame_0001.jpg", "width": 640, "height": 480},
        "annotations": [
            {"id": i, "category": "car", "bbox": [10 * i, 10, 20, 20], "occluded": False}
            for i in range(1, 6)
        ],
    }


def supervisely() -> dict[str, Any]:
    return {
        "description": "",
        "tags": ["day", "city"],
        "size": {"height": 480, "width": 640},
        "objects": [
            {
                "id": 1000 + i,
                "classTitle": "car",
                "geometryType": "rectangle",
                "points": {"exterior": [[i, i], [i + 9, i + 9]], "interior": []},
            }
            for i in range(4)
        ],
    }


def dump(doc: Any, indent: int | None) -> bytes:
    return (json.dumps(doc, indent=indent) + "\n").encode()


@pytest.fixture(params=[2, None], ids=["pretty", "compact"])
def indent(request: pytest.FixtureRequest) -> int | None:
    return request.param  # type: ignore[no-any-return]


def run(tmp_path: Path, base: Any, ours: Any, theirs: Any, indent: int | None) -> MergeRun:
    return merge3(tmp_path, REL, dump(base, indent), dump(ours, indent), dump(theirs, indent))


def clean(result: MergeRun) -> Any:
    assert result.returncode == 0, result.output
    assert "git merge-file" not in result.output, result.output
    return json.loads(result.data)


def test_edits_to_different_annotations(tmp_path: Path, indent: int | None) -> None:
    base, ours, theirs = per_image(), per_image(), per_image()
    ours["annotations"][1]["category"] = "truck"
    theirs["annotations"][2]["bbox"] = [35, 12, 20, 20]
    result = run(tmp_path, base, ours, theirs, indent)
    want = copy.deepcopy(ours)
    want["annotations"][2]["bbox"] = [35, 12, 20, 20]
    assert clean(result) == want
    assert result.data == dump(want, indent)  # layout kept: same bytes json.dumps writes


def test_same_annotation_different_fields(tmp_path: Path, indent: int | None) -> None:
    base, ours, theirs = supervisely(), supervisely(), supervisely()
    ours["objects"][0]["classTitle"] = "truck"
    theirs["objects"][0]["points"]["exterior"] = [[1, 1], [5, 5]]
    want = copy.deepcopy(ours)
    want["objects"][0]["points"]["exterior"] = [[1, 1], [5, 5]]
    assert clean(run(tmp_path, base, ours, theirs, indent)) == want


def test_same_field_changed_twice_is_one_conflict_record(tmp_path: Path) -> None:
    base, ours, theirs = per_image(), per_image(), per_image()
    ours["annotations"][0]["category"] = "truck"
    theirs["annotations"][0]["category"] = "bus"
    result = run(tmp_path, base, ours, theirs, 2)
    assert result.returncode != 0
    doc = json.loads(result.data)
    record = doc["annotations"][0]
    assert record[CONFLICT_KEY] == 1 and record["key"] == 1 and record["fields"] == ["category"]
    assert (record["ours"]["category"], record["theirs"]["category"]) == ("truck", "bus")
    assert doc["annotations"][1:] == base["annotations"][1:]


def test_colliding_appends_rekey_theirs(tmp_path: Path, indent: int | None) -> None:
    base, ours, theirs = per_image(), per_image(), per_image()
    mine = {"id": 6, "category": "person", "bbox": [1, 1, 2, 2], "occluded": True}
    other = {"id": 6, "category": "dog", "bbox": [3, 3, 4, 4], "occluded": False}
    ours["annotations"].append(mine)
    theirs["annotations"].append(other)
    doc = clean(run(tmp_path, base, ours, theirs, indent))
    assert doc["annotations"] == [*base["annotations"], mine, {**other, "id": 7}]


def test_delete_vs_modify_is_a_conflict_record(tmp_path: Path) -> None:
    base, ours, theirs = supervisely(), supervisely(), supervisely()
    del ours["objects"][2]
    theirs["objects"][2]["classTitle"] = "bus"
    result = run(tmp_path, base, ours, theirs, 2)
    assert result.returncode != 0
    records = [o for o in json.loads(result.data)["objects"] if CONFLICT_KEY in o]
    assert [(r["key"], r["reason"], r["ours"]) for r in records] == [(1002, "delete/modify", None)]
    assert records[0]["theirs"]["classTitle"] == "bus"


def test_compact_vs_pretty_takes_the_reformat(tmp_path: Path) -> None:
    base, ours, theirs = per_image(), per_image(), per_image()
    ours["annotations"][0]["occluded"] = True
    result = merge3(tmp_path, REL, dump(base, None), dump(ours, None), dump(theirs, 2))
    want = copy.deepcopy(ours)
    assert result.returncode == 0, result.output
    assert result.data == dump(want, 2)  # theirs alone reformatted: its layout wins


def test_key_order_change_is_no_edit(tmp_path: Path) -> None:
    base, ours = per_image(), per_image()
    theirs = {"annotations": [dict(reversed(a.items())) for a in base["annotations"]]}
    theirs["image"] = base["image"]
    ours["annotations"][3]["bbox"] = [0, 0, 1, 1]
    doc = clean(run(tmp_path, base, ours, theirs, 2))
    assert doc == ours and list(doc) == ["image", "annotations"]  # ours' key order


def test_plain_arrays_merge_element_wise(tmp_path: Path) -> None:
    base, ours, theirs = supervisely(), supervisely(), supervisely()
    ours["tags"] = ["dawn", "day", "city"]
    theirs["tags"] = ["day", "city", "rain"]
    assert clean(run(tmp_path, base, ours, theirs, 2))["tags"] == ["dawn", "day", "city", "rain"]


def test_plain_array_clash_is_one_conflict_record(tmp_path: Path) -> None:
    base, ours, theirs = supervisely(), supervisely(), supervisely()
    ours["tags"] = ["night", "city"]
    theirs["tags"] = ["dusk", "city"]
    result = run(tmp_path, base, ours, theirs, 2)
    record = json.loads(result.data)["tags"]
    assert result.returncode != 0 and record["key"] == "tags"
    assert (record["base"], record["ours"], record["theirs"]) == (
        base["tags"],
        ours["tags"],
        theirs["tags"],
    )


def test_uuid_keyed_team_format(tmp_path: Path) -> None:
    base = {"shapes": [{"uuid": f"u{i}", "label": "a"} for i in range(3)]}
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    ours["shapes"].insert(0, {"uuid": "new-ours", "label": "b"})
    theirs["shapes"][2]["label"] = "c"
    theirs["shapes"].append({"uuid": "new-theirs", "label": "d"})
    labels = [s["label"] for s in clean(run(tmp_path, base, ours, theirs, 2))["shapes"]]
    assert labels == ["b", "a", "a", "c", "d"]


# -- properties: nothing lost, output parses ---------------------------------------------

_ids = st.integers(1, 12)


@st.composite
def edited(draw: st.DrawFn, base: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for rec in base:
        choice = draw(st.sampled_from(["keep", "keep", "drop", "relabel", "move"]))
        if choice == "keep":
            out.append(rec)
        elif choice == "relabel":
            out.append({**rec, "label": draw(st.sampled_from(["car", "bus", "dog"]))})
        elif choice == "move":
            out.append({**rec, "x": draw(st.integers(0, 9))})
    for _ in range(draw(st.integers(0, 2))):
        out.append({"id": draw(st.integers(20, 24)), "label": "new", "x": draw(st.integers(0, 9))})
    seen: set[int] = set()
    return [r for r in out if not (r["id"] in seen or seen.add(r["id"]))]  # type: ignore[func-returns-value]


@st.composite
def triples(draw: st.DrawFn) -> tuple[Any, Any, Any]:
    ids = sorted(draw(st.sets(_ids, max_size=6)))
    base = [{"id": i, "label": "car", "x": i} for i in ids]
    return {"objects": base}, {"objects": draw(edited(base))}, {"objects": draw(edited(base))}


def _keys(doc: Any) -> set[Any]:
    return {r["id"] if CONFLICT_KEY not in r else r["key"] for r in doc["objects"]}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(triples(), st.sampled_from([2, None]))
def test_nothing_lost_and_output_parses(docs: tuple[Any, Any, Any], layout: int | None) -> None:
    base, ours, theirs = docs
    outcome = anyjson.merge_text(*(dump(d, layout) for d in docs))
    merged = json.loads(outcome.content())
    keys = _keys(merged)
    values = [json.dumps(r, sort_keys=True) for r in merged["objects"]]
    for side in (ours, theirs):
        for rec in side["objects"]:
            if rec not in base["objects"]:  # an edit or an addition on this side
                # a side's edit or addition is kept as itself, inside a conflict record,
                # or (an id collision) re-keyed with its content unchanged
                rekeyed = any(
                    {**json.loads(v), "id": rec["id"]} == rec
                    for v in values
                    if CONFLICT_KEY not in v
                )
                assert rec["id"] in keys or rekeyed
    assert outcome.clean == (not any(CONFLICT_KEY in r for r in merged["objects"]))


def regions(*names: str) -> dict[str, Any]:
    return {"regions": [{"name": n, "label": "car", "score": 1} for n in names]}


def declared_merge(tmp_path: Path, project: str | None) -> MergeRun:
    """Both sides edit different fields of region b: keyed, that merges; element-wise
    (diff3), both sides changed one element and the array conflicts."""
    from tests.gitenv import git
    from tests.merge.gitmerge import init_repo, write_commit

    repo = init_repo(tmp_path / "repo")
    if project is not None:
        write_commit(repo, "configs/project.yaml", project.encode(), "project")
    base = regions("a", "b")
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    ours["regions"][1]["label"] = "truck"
    theirs["regions"][1]["score"] = 2
    write_commit(repo, REL, dump(base, 2), "base")
    git("branch", "theirs", cwd=repo)
    write_commit(repo, REL, dump(ours, 2), "ours")
    git("checkout", "-q", "theirs", cwd=repo)
    write_commit(repo, REL, dump(theirs, 2), "theirs")
    git("checkout", "-q", "main", cwd=repo)
    proc = git("merge", "--no-edit", "theirs", cwd=repo, check=False)
    return MergeRun(proc.returncode, proc.stdout + proc.stderr, (repo / REL).read_bytes(), repo)


def test_identity_field_declared_per_glob_in_project_yaml(tmp_path: Path) -> None:
    project = 'merge:\n  identity:\n    "labels/frame_*.json": name\n'
    doc = clean(declared_merge(tmp_path / "declared", project))
    assert doc["regions"][1] == {"name": "b", "label": "truck", "score": 2}
    undeclared = declared_merge(tmp_path / "detected", None)  # "name" is no usual id
    assert undeclared.returncode != 0
    assert json.loads(undeclared.data)["regions"]["key"] == "regions"


def test_a_bad_identity_declaration_warns_and_still_merges(tmp_path: Path) -> None:
    result = declared_merge(tmp_path, 'merge:\n  identity:\n    "labels/**": [1]\n')
    assert "merge.identity['labels/**'] must be a field name" in result.output
    assert json.loads(result.data)["regions"]["key"] == "regions"  # detected: diff3
