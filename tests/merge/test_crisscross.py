"""Criss-cross merges through real `git merge`: a conflict between merge bases survives.

History: base -> A (relabels the dog) and base -> B (deletes it); M1 merges B into A and
M2 merges A into B, each resolving the dog differently; then M1 merges M2. The last
merge has two merge bases (A and B), so git first merges them with the driver into a
virtual base, which holds a conflict for the dog. The final merge must report the dog
as a conflict again (git's own line merge does), not keep one resolution silently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
import pytest

from gitannot.constants import CONFLICT_KEY
from tests.gitenv import git
from tests.merge.gitmerge import MergeRun, init_repo, write_commit


def crisscross(
    tmp_path: Path, rel: str, base: bytes, a: bytes, b: bytes, m1: bytes, m2: bytes
) -> MergeRun:
    """Build the history above (M1 on main, M2 on branch b) and run `git merge b`."""
    repo = init_repo(tmp_path / "repo")
    write_commit(repo, rel, base, "base")
    git("branch", "b", cwd=repo)
    write_commit(repo, rel, a, "A")
    git("branch", "a", cwd=repo)
    git("checkout", "-q", "b", cwd=repo)
    write_commit(repo, rel, b, "B")
    _resolved_merge(repo, "a", rel, m2, "M2")  # on b: A merged in, resolved as m2
    git("checkout", "-q", "main", cwd=repo)
    git("reset", "-q", "--hard", "a", cwd=repo)
    _resolved_merge(repo, "b~1", rel, m1, "M1")  # on main: B merged in, resolved as m1
    bases = git("merge-base", "--all", "main", "b", cwd=repo).stdout.split()
    assert len(bases) == 2, bases  # a real criss-cross: git builds a virtual base
    proc = git("merge", "--no-edit", "b", cwd=repo, check=False)
    data = (repo / rel).read_bytes() if (repo / rel).exists() else b""
    return MergeRun(proc.returncode, proc.stdout + proc.stderr, data, repo)


def _resolved_merge(repo: Path, other: str, rel: str, result: bytes, message: str) -> None:
    git("merge", "--no-commit", "--no-ff", other, cwd=repo, check=False)
    write_commit(repo, rel, result, message)


# Pascal VOC -------------------------------------------------------------------------

VOC_REL = "labels/img.xml"


def voc_object(name: str, x: int) -> str:
    return (
        f"  <object>\n    <name>{name}</name>\n    <difficult>0</difficult>\n"
        f"    <bndbox><xmin>{x}</xmin><ymin>10</ymin><xmax>{x + 40}</xmax>"
        f"<ymax>50</ymax></bndbox>\n  </object>\n"
    )


def voc(*objects: str) -> bytes:
    head = "<annotation>\n  <filename>a.jpg</filename>\n"
    return (head + "".join(objects) + "</annotation>\n").encode()


def conflict_sides(element: Any) -> dict[str, list[str]]:
    """Per side, the labels (VOC <name>, CVAT label=) of what that side holds."""
    out: dict[str, list[str]] = {}
    for side in ("base", "ours", "theirs"):
        held = element.find(side)
        assert held is not None
        out[side] = [(o.findtext("name") or o.get("label") or "") for o in held]
    return out


@pytest.mark.parametrize("keeper", ["ours", "theirs"])
def test_voc_relabel_vs_delete_resolved_differently_stays_a_conflict(
    tmp_path: Path, keeper: str
) -> None:
    dog, cat, wolf = voc_object("dog", 10), voc_object("cat", 200), voc_object("wolf", 10)
    kept, dropped = voc(wolf, cat), voc(cat)
    m1, m2 = (kept, dropped) if keeper == "ours" else (dropped, kept)
    run = crisscross(tmp_path, VOC_REL, voc(dog, cat), voc(wolf, cat), voc(cat), m1, m2)
    assert run.returncode != 0 and "CONFLICT (content)" in run.output, run.output
    assert "git merge-file" not in run.output  # the VOC adapter merged
    root = SafeET.fromstring(run.data)
    assert [o.findtext("name") for o in root.findall("object")] == ["cat"]
    (element,) = root.findall("gitannot_conflict")
    sides = conflict_sides(element)
    assert sides["base"] == ["dog"]
    assert sides[keeper] == ["wolf"]
    assert sides["theirs" if keeper == "ours" else "ours"] == []


def test_voc_same_resolution_on_both_sides_merges_clean(tmp_path: Path) -> None:
    dog, cat, wolf = voc_object("dog", 10), voc_object("cat", 200), voc_object("wolf", 10)
    resolved = voc(wolf, cat)
    ours = voc(wolf, cat, voc_object("bird", 400))  # M1 also adds an object of its own
    run = crisscross(tmp_path, VOC_REL, voc(dog, cat), voc(wolf, cat), voc(cat), ours, resolved)
    assert run.returncode == 0, run.output
    root = SafeET.fromstring(run.data)
    assert [o.findtext("name") for o in root.findall("object")] == ["wolf", "cat", "bird"]


# CVAT for images --------------------------------------------------------------------

CVAT_REL = "labels/annotations.xml"


def cvat_box(label: str, x: int) -> str:
    return (
        f'    <box label="{label}" occluded="0" source="manual" xtl="{x}" ytl="10" '
        f'xbr="{x + 40}" ybr="50" z_order="0">\n    </box>\n'
    )


def cvat(*boxes: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>\n'
        '  <image id="0" name="a.jpg" width="640" height="480">\n'
        + "".join(boxes)
        + "  </image>\n</annotations>\n"
    ).encode()


@pytest.mark.parametrize("keeper", ["ours", "theirs"])
def test_cvat_relabel_vs_delete_resolved_differently_stays_a_conflict(
    tmp_path: Path, keeper: str
) -> None:
    dog, cat, wolf = cvat_box("dog", 10), cvat_box("cat", 200), cvat_box("wolf", 10)
    kept, dropped = cvat(wolf, cat), cvat(cat)
    m1, m2 = (kept, dropped) if keeper == "ours" else (dropped, kept)
    run = crisscross(tmp_path, CVAT_REL, cvat(dog, cat), cvat(wolf, cat), cvat(cat), m1, m2)
    assert run.returncode != 0 and "CONFLICT (content)" in run.output, run.output
    assert "git merge-file" not in run.output
    image = SafeET.fromstring(run.data).find("image")
    assert image is not None
    assert [b.get("label") for b in image.findall("box")] == ["cat"]
    (element,) = image.findall("gitannot_conflict")
    sides = conflict_sides(element)
    assert sides["base"] == ["dog"]
    assert sides[keeper] == ["wolf"]
    assert sides["theirs" if keeper == "ours" else "ours"] == []


def test_cvat_image_deleted_vs_edited_resolved_differently_stays_a_conflict(
    tmp_path: Path,
) -> None:
    """The virtual base holds a whole-image conflict (deleted on one side, edited on the
    other); the two resolutions differ, so the final merge conflicts on the image."""
    dog, cat = cvat_box("dog", 10), cvat_box("cat", 200)
    base = cvat(dog, cat)
    no_image = base.split(b"  <image")[0] + b"</annotations>\n"
    edited = cvat(dog)
    run = crisscross(tmp_path, CVAT_REL, base, edited, no_image, edited, no_image)
    assert run.returncode != 0 and "CONFLICT (content)" in run.output, run.output
    root = SafeET.fromstring(run.data)
    assert root.findall("image") == []
    (element,) = root.findall("gitannot_conflict")
    ours = element.find("ours")
    assert ours is not None and [i.get("id") for i in ours] == ["0"]
    assert list(element.find("theirs") or []) == []


# COCO and per-image JSON ----------------------------------------------------------------

COCO_REL = "labels/train.coco.json"


def coco(*annotations: dict[str, Any]) -> bytes:
    doc = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 640, "height": 480}],
        "categories": [{"id": 1, "name": "dog"}, {"id": 2, "name": "wolf"}],
        "annotations": list(annotations),
    }
    return (json.dumps(doc, indent=2) + "\n").encode()


def coco_ann(ann_id: int, category: int) -> dict[str, Any]:
    return {"id": ann_id, "image_id": 1, "category_id": category, "bbox": [ann_id, 2, 30, 40]}


@pytest.mark.parametrize("keeper", ["ours", "theirs"])
def test_coco_relabel_vs_delete_resolved_differently_stays_one_record_conflict(
    tmp_path: Path, keeper: str
) -> None:
    dog, other, wolf = coco_ann(1, 1), coco_ann(2, 1), coco_ann(1, 2)
    kept, dropped = coco(wolf, other), coco(other)
    m1, m2 = (kept, dropped) if keeper == "ours" else (dropped, kept)
    run = crisscross(tmp_path, COCO_REL, coco(dog, other), coco(wolf, other), coco(other), m1, m2)
    assert run.returncode != 0 and "CONFLICT (content)" in run.output, run.output
    assert "git merge-file" not in run.output
    merged = json.loads(run.data)
    records = merged["annotations"]
    assert isinstance(records, list)  # not the whole array turned into one conflict
    plain = [r for r in records if CONFLICT_KEY not in r]
    conflicts = [r for r in records if CONFLICT_KEY in r]
    assert plain == [other]
    (record,) = conflicts
    assert record["key"] == 1
    assert record["base"] == dog
    assert record[keeper] == wolf
    assert record["theirs" if keeper == "ours" else "ours"] is None


def test_coco_same_resolution_on_both_sides_merges_clean(tmp_path: Path) -> None:
    dog, other, wolf = coco_ann(1, 1), coco_ann(2, 1), coco_ann(1, 2)
    resolved = coco(wolf, other)
    ours = coco(wolf, other, coco_ann(3, 1))
    run = crisscross(
        tmp_path, COCO_REL, coco(dog, other), coco(wolf, other), coco(other), ours, resolved
    )
    assert run.returncode == 0, run.output
    assert json.loads(run.data)["annotations"] == [wolf, other, coco_ann(3, 1)]


def test_coco_both_relabel_resolved_differently_conflicts_without_field_merge(
    tmp_path: Path,
) -> None:
    """Base dog; A makes it category 2, B category 3: the virtual base holds a
    modify/modify record. M1 keeps 2, M2 keeps 3 and also moves the box: nothing of
    either resolution may be merged silently into the other."""
    dog, other = coco_ann(1, 1), coco_ann(2, 1)
    a, b = coco_ann(1, 2), coco_ann(1, 3)
    b_moved = {**b, "bbox": [9, 9, 30, 40]}
    run = crisscross(
        tmp_path, COCO_REL, coco(dog, other), coco(a, other), coco(b, other),
        coco(a, other), coco(b_moved, other),
    )  # fmt: skip
    assert run.returncode != 0, run.output
    (record,) = [r for r in json.loads(run.data)["annotations"] if CONFLICT_KEY in r]
    assert (record["reason"], record["ours"], record["theirs"]) == ("modify/modify", a, b_moved)


PERIMAGE_REL = "labels/images/a.json"


def perimage(*annotations: dict[str, Any]) -> bytes:
    doc = {
        "version": 1,
        "item": {"id": "a", "file_name": "a.jpg"},
        "annotations": list(annotations),
    }
    return (json.dumps(doc, indent=2) + "\n").encode()


def test_perimage_relabel_vs_delete_resolved_differently_stays_a_conflict(
    tmp_path: Path,
) -> None:
    uid = "6f1c2b9e-5a0d-4d8e-9a57-3c2f4f0b7e11"
    keep = {"id": "0b0c2b9e-5a0d-4d8e-9a57-3c2f4f0b7e11", "label": "cat", "bbox": [1, 2, 3, 4]}
    dog = {"id": uid, "label": "dog", "bbox": [10, 20, 30, 40]}
    wolf = {**dog, "label": "wolf"}
    run = crisscross(
        tmp_path, PERIMAGE_REL, perimage(dog, keep), perimage(wolf, keep), perimage(keep),
        perimage(wolf, keep), perimage(keep),
    )  # fmt: skip
    assert run.returncode != 0, run.output
    records = json.loads(run.data)["annotations"]
    assert [r for r in records if CONFLICT_KEY not in r] == [keep]
    (record,) = [r for r in records if CONFLICT_KEY in r]
    assert (record["key"], record["ours"], record["theirs"]) == (uid, wolf, None)


# Label Studio and YOLO: coarser, but the conflict is never lost ----------------------------

LS_REL = "labels/project.json"


def ls_region(region_id: str, label: str) -> dict[str, Any]:
    return {
        "id": region_id,
        "from_name": "label",
        "to_name": "image",
        "type": "rectanglelabels",
        "value": {"x": 1, "y": 2, "width": 3, "height": 4, "rectanglelabels": [label]},
    }


def ls(*regions: dict[str, Any]) -> bytes:
    task = {
        "id": 1,
        "data": {"image": "a.jpg"},
        "annotations": [{"id": 7, "result": list(regions)}],
    }
    return (json.dumps([task], indent=2) + "\n").encode()


def test_labelstudio_relabel_vs_delete_resolved_differently_conflicts(tmp_path: Path) -> None:
    dog, cat, wolf = ls_region("r1", "dog"), ls_region("r2", "cat"), ls_region("r1", "wolf")
    run = crisscross(tmp_path, LS_REL, ls(dog, cat), ls(wolf, cat), ls(cat), ls(wolf, cat), ls(cat))
    assert run.returncode != 0 and "CONFLICT (content)" in run.output, run.output
    (task,) = json.loads(run.data)
    (annotation,) = task["annotations"]
    # Region conflict records are not keyed inside an annotation: the annotation
    # conflicts as a whole, holding both resolutions.
    assert annotation[CONFLICT_KEY] == 1
    assert annotation["ours"]["result"] == [wolf, cat]
    assert annotation["theirs"]["result"] == [cat]


YOLO_REL = "labels/img.txt"


def test_yolo_relabel_vs_delete_resolved_differently_conflicts(tmp_path: Path) -> None:
    """The virtual base holds marker rows, which YOLO cannot parse: the driver falls
    back to git's line merge, which conflicts, as git's own merge would."""
    dog, cat, wolf = "3 0.2 0.2 0.1 0.1\n", "1 0.7 0.7 0.1 0.1\n", "4 0.2 0.2 0.1 0.1\n"
    run = crisscross(
        tmp_path, YOLO_REL, (dog + cat).encode(), (wolf + cat).encode(), cat.encode(),
        (wolf + cat).encode(), cat.encode(),
    )  # fmt: skip
    assert run.returncode != 0 and "CONFLICT (content)" in run.output, run.output
    assert b"<<<<<<<" in run.data and wolf.encode() in run.data


# What the driver tells the user -----------------------------------------------------------


def test_driver_words_the_inner_merge_apart_from_the_final_one(tmp_path: Path) -> None:
    dog, cat, wolf = voc_object("dog", 10), voc_object("cat", 200), voc_object("wolf", 10)
    run = crisscross(
        tmp_path, VOC_REL, voc(dog, cat), voc(wolf, cat), voc(cat), voc(wolf, cat), voc(cat)
    )
    inner = [line for line in run.output.splitlines() if "merging the merge bases" in line]
    final = [line for line in run.output.splitlines() if "see `gitannot conflicts" in line]
    assert len(inner) == 1 and "1 conflict(s) (voc)" in inner[0], run.output
    assert final == [
        f"gitannot: {VOC_REL}: 1 conflict record(s) (voc); see `gitannot conflicts {VOC_REL}`"
    ]


def test_a_larger_configured_marker_size_is_not_taken_for_an_inner_merge(tmp_path: Path) -> None:
    """`conflict-marker-size=9` makes %L 9 in an ordinary merge too: only %L above the
    configured size means git is merging merge bases."""
    repo = init_repo(tmp_path / "repo")
    (repo / ".gitattributes").write_text(
        "labels/** merge=gitannot conflict-marker-size=9\n", encoding="utf-8"
    )
    write_commit(repo, ".gitattributes", (repo / ".gitattributes").read_bytes(), "attrs")
    dog, cat, wolf = voc_object("dog", 10), voc_object("cat", 200), voc_object("wolf", 10)
    write_commit(repo, VOC_REL, voc(dog, cat), "base")
    git("branch", "b", cwd=repo)
    write_commit(repo, VOC_REL, voc(wolf, cat), "ours")
    git("checkout", "-q", "b", cwd=repo)
    write_commit(repo, VOC_REL, voc(cat), "theirs")
    git("checkout", "-q", "main", cwd=repo)
    proc = git("merge", "--no-edit", "b", cwd=repo, check=False)
    assert proc.returncode != 0
    assert "merging the merge bases" not in proc.stderr
    assert f"see `gitannot conflicts {VOC_REL}`" in proc.stderr


def test_coco_base_whose_whole_collection_is_one_conflict_record(tmp_path: Path) -> None:
    """An inner merge that could not key `annotations` (duplicate ids on a side) leaves
    the whole array as one conflict record in the base: the final merge conflicts on
    the member as a whole, in the adapter, never crashing into a line merge."""
    dup = coco(coco_ann(1, 1), coco_ann(1, 1))
    run = crisscross(
        tmp_path, COCO_REL, coco(coco_ann(1, 1)), dup, coco(coco_ann(2, 1)), dup, coco()
    )
    assert run.returncode != 0, run.output
    assert "git merge-file" not in run.output
    record = json.loads(run.data)["annotations"]
    assert record[CONFLICT_KEY] == 1 and record["key"] == "annotations"
