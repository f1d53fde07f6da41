"""`gitannot diff` as git's diff driver, through real `git diff` / `git log -p`."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonpatch
import pytest

from tests.formats.corpus import BOX, cvat, pa, perimage, uid, voc, voc_obj
from tests.gitenv import git

ATTRIBUTES = "*.json diff=gitannot\n*.xml diff=gitannot\n*.txt diff=gitannot\n"
HEADER_COCO = "gitannot diff a/labels/a.json b/labels/a.json (coco)"


def repo_with(tmp_path: Path, rel: str, versions: list[bytes]) -> Path:
    """A clone with the drivers registered by `gitannot install-driver`, one commit per
    version of `rel`."""
    repo = tmp_path / "clone"
    repo.mkdir()
    git("init", "-q", "-b", "main", cwd=repo)
    proc = subprocess.run(
        [sys.executable, "-m", "gitannot", "install-driver", str(repo)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "diff.gitannot.command" in proc.stdout
    (repo / ".gitattributes").write_text(ATTRIBUTES, encoding="utf-8")
    git("add", ".gitattributes", cwd=repo)
    for n, data in enumerate(versions):
        target = repo / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        git("add", rel, cwd=repo)
        git("commit", "-q", "-m", f"v{n}", cwd=repo)
    return repo


def coco_doc() -> dict[str, Any]:
    return {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
        "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "truck"}],
        "annotations": [
            {"id": i, "image_id": 1, "category_id": 1, "bbox": [i, i, 10, 10], "area": 100}
            for i in range(1, 5)
        ],
    }


def coco_edit() -> dict[str, Any]:
    doc = coco_doc()
    doc["annotations"][0]["category_id"] = 2
    doc["annotations"][1]["bbox"] = [5, -1, 10, 10]
    doc["annotations"][1]["attributes"] = {"occluded": True}
    del doc["annotations"][2]
    doc["annotations"].append(
        {"id": 9, "image_id": 1, "category_id": 2, "bbox": [1, 2, 3, 4], "area": 12}
    )
    return doc


COCO_LINES = [
    HEADER_COCO,
    "~ annotation 1: label car → truck",
    "~ annotation 2: bbox moved by (+3, -3); attribute occluded added: true",
    "+ annotation 9 (item 1): truck, bbox (1, 2, 3, 4)",
    "- annotation 3 (item 1): car, bbox (3, 3, 10, 10)",
    "labels: car 4 → 2, truck 0 → 2",
]


def out_lines(proc_stdout: str) -> list[str]:
    return proc_stdout.splitlines()


@pytest.mark.parametrize("indent", [2, None], ids=["pretty", "compact"])
def test_git_diff_coco(tmp_path: Path, indent: int | None) -> None:
    versions = [json.dumps(d, indent=indent).encode() for d in (coco_doc(), coco_edit())]
    repo = repo_with(tmp_path, "labels/a.json", versions)
    assert out_lines(git("diff", "HEAD~1", "HEAD", cwd=repo).stdout) == COCO_LINES


def test_git_log_p_runs_the_driver_per_commit(tmp_path: Path) -> None:
    third = coco_edit()
    third["annotations"][0]["bbox"] = [1, 1, 12, 10]
    versions = [json.dumps(d).encode() for d in (coco_doc(), coco_edit(), third)]
    repo = repo_with(tmp_path, "labels/a.json", versions)
    log = git("log", "-p", "--ext-diff", "--format=commit %s", "--", "labels/a.json", cwd=repo)
    lines = [line for line in log.stdout.splitlines() if line]
    assert lines[:4] == [
        "commit v2",
        HEADER_COCO,
        "~ annotation 1: bbox resized 10×10 → 12×10",
        "labels: car 2, truck 2",
    ]
    assert lines[4:11] == ["commit v1", *COCO_LINES]
    assert lines[11] == "commit v0" and "+ annotation 4 (item 1): car, bbox (4, 4, 10, 10)" in lines


def test_git_diff_perimage(tmp_path: Path) -> None:
    old = perimage([pa(1), pa(2, bbox=[50, 50, 10, 10])])
    moved = pa(2, bbox=[52, 47, 10, 10])
    moved["attributes"] = {"occluded": True}
    new = perimage([{**pa(1), "label": "dog"}, moved, pa(3)])
    repo = repo_with(tmp_path, "labels/a.json", [old, new])
    assert out_lines(git("diff", "HEAD~1", cwd=repo).stdout) == [
        "gitannot diff a/labels/a.json b/labels/a.json (gitannot)",
        f"~ annotation {uid(1)}: label cat → dog",
        f"~ annotation {uid(2)}: bbox moved by (+2, -3); attribute occluded added: true",
        f"+ annotation {uid(3)} (item a): cat, bbox (10, 10, 20, 20)",
        "labels: cat 2, dog 0 → 1",
    ]


def test_git_diff_voc_pairs_objects_by_overlap_not_position(tmp_path: Path) -> None:
    old = voc(voc_obj("cat", (10, 10, 30, 30)) + voc_obj("dog", (50, 50, 80, 80)))
    new = voc(voc_obj("dog", (52, 50, 82, 80)))  # first object deleted, second moved
    repo = repo_with(tmp_path, "labels/img.xml", [old, new])
    lines = out_lines(git("diff", "HEAD~1", cwd=repo).stdout)
    assert lines == [
        "gitannot diff a/labels/img.xml b/labels/img.xml (voc)",
        "~ annotation 1 → 0: bbox moved by (+2, +0)",  # VOC ids are object positions
        "- annotation 0 (item img): cat, bbox (9, 9, 21, 21)",  # 1-based pixels, read 0-based
        "labels: cat 1 → 0, dog 1",
    ]


def test_git_diff_cvat_attribute(tmp_path: Path) -> None:
    old = cvat(BOX)
    new = cvat(BOX.replace('occluded="0"', 'occluded="1"'))
    repo = repo_with(tmp_path, "labels/a.xml", [old, new])
    lines = out_lines(git("diff", "HEAD~1", cwd=repo).stdout)
    assert lines == [
        "gitannot diff a/labels/a.xml b/labels/a.xml (cvat)",
        '~ annotation 0/0: attribute occluded "0" → "1"',  # CVAT's own attribute text
        "labels: cat 1",
    ]


def test_added_and_deleted_files(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, "labels/a.json", [json.dumps(coco_doc()).encode()])
    shown = out_lines(
        git("show", "--ext-diff", "--format=", "HEAD", "--", "labels/a.json", cwd=repo).stdout
    )
    assert shown[0] == HEADER_COCO and shown[-1] == "labels: car 0 → 4"
    assert len([x for x in shown if x.startswith("+ annotation")]) == 4
    git("rm", "-q", "labels/a.json", cwd=repo)
    staged = out_lines(git("diff", "--cached", cwd=repo).stdout)
    assert staged[-1] == "labels: car 4 → 0" and sum(x.startswith("- ") for x in staged) == 4


@pytest.mark.parametrize("indent", [2, None], ids=["pretty", "compact"])
def test_json_patch_applies_to_give_the_new_version(tmp_path: Path, indent: int | None) -> None:
    old, new = coco_doc(), coco_edit()
    versions = [json.dumps(d, indent=indent).encode() for d in (old, new)]
    repo = repo_with(tmp_path, "labels/a.json", versions)
    command = f"{sys.executable} -m gitannot diff --format json"
    out = git("-c", f"diff.gitannot.command={command}", "diff", "HEAD~1", cwd=repo).stdout
    doc = json.loads(out)
    assert (doc["target"], doc["format"]) == ("document", "coco")
    assert jsonpatch.apply_patch(copy.deepcopy(old), doc["patch"]) == new
    assert doc["summary"]["added"] == ["9"] and doc["summary"]["removed"] == ["3"]
    assert doc["summary"]["changed"]["1"] == ["label car → truck"]


def test_json_patch_of_xml_applies_to_the_normalized_view(tmp_path: Path) -> None:
    from gitannot.formats import parse_file
    from gitannot.history.patch import normalized

    old, new = cvat(BOX), cvat(BOX.replace('xtl="10"', 'xtl="12"'))
    (tmp_path / "old.xml").write_bytes(old)
    (tmp_path / "new.xml").write_bytes(new)
    proc = subprocess.run(
        [sys.executable, "-m", "gitannot", "diff", "--format", "json", "old.xml", "new.xml"],
        cwd=tmp_path,
        capture_output=True,
        check=True,
    )
    doc = json.loads(proc.stdout)
    assert doc["target"] == "normalized"
    view = normalized(parse_file("old.xml", old))
    assert jsonpatch.apply_patch(view, doc["patch"]) == normalized(parse_file("new.xml", new))


def test_a_file_that_is_no_label_format_gets_a_line_diff(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, "notes.txt", [b"hello\n", b"hello\nworld\n"])
    lines = out_lines(git("diff", "HEAD~1", cwd=repo).stdout)
    assert lines[0].endswith("(not a label file gitannot reads: line diff)")
    assert "+world" in lines
