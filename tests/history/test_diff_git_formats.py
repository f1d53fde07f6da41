"""Every format gitannot reads, diffed by the registered driver through real `git diff`,
`git show` and `git log -p`, on real exports from tests/data/realdata (SOURCES.md).
Per-image JSON is gitannot's own format: no outside export exists, so it is built."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonpatch
import pytest

from tests.conftest import REALDATA
from tests.formats.corpus import pa, perimage, uid
from tests.gitenv import git
from tests.history.test_diff_git import repo_with

LSC = REALDATA / "label-studio-converter"
ODM = REALDATA / "review-odm-voc2012-100"


@dataclass
class Case:
    rel: str
    versions: list[bytes]
    lines: list[str]
    extra: dict[str, bytes] | None = None  # other files committed with the first version


def _json_edit(raw: bytes, edit: Callable[[Any], None], indent: int | None = 2) -> bytes:
    doc = json.loads(raw)
    edit(doc)
    return json.dumps(doc, indent=indent).encode()


def coco_case() -> Case:
    raw = (ODM / "coco_format_v1/instances_default.json").read_bytes()

    def edit(doc: Any) -> None:
        anns = doc["annotations"]
        anns[0]["category_id"] = 5  # another of the file's own categories
        anns[1]["bbox"][0] += 4
        anns[1]["attributes"]["occluded"] = True
        del anns[2]

    old = json.dumps(json.loads(raw), indent=2).encode()
    new = _json_edit(raw, edit)
    cats = {c["id"]: c["name"] for c in json.loads(raw)["categories"]}
    first = json.loads(raw)["annotations"][0]
    return Case(
        "labels/instances_default.json",
        [old, new],
        [
            "gitannot diff a/labels/instances_default.json b/labels/instances_default.json (coco)",
            f"~ annotation 1: label {cats[first['category_id']]} → {cats[5]}",
            "~ annotation 2: bbox moved by (+4, +0); attribute occluded false → true",
            "- annotation 3 (item 1): sofa, bbox (6, 180, 419, 161)",
        ],
    )


def voc_case() -> Case:
    raw = (ODM / "pascalvoc_format/2007_000129.xml").read_bytes()
    text = raw.decode()
    objects = text.split("<object>")
    objects[1] = objects[1].replace("<name>bicycle</name>", "<name>motorbike</name>")
    objects[2] = (
        objects[2]
        .replace("<ymin>242</ymin>", "<ymin>240</ymin>")
        .replace("<ymax>500</ymax>", "<ymax>498</ymax>")
    )
    del objects[4]  # the person at (1, 1, 66, 363)
    new = "<object>".join(objects).encode()
    return Case(
        "labels/2007_000129.xml",
        [raw, new],
        [
            "gitannot diff a/labels/2007_000129.xml b/labels/2007_000129.xml (voc)",
            "~ annotation 0: label bicycle → motorbike",
            "~ annotation 1: bbox moved by (+0, -2)",
            "- annotation 3 (item 2007_000129): person, bbox (0, 0, 66, 363)",
        ],
    )


def cvat_case() -> Case:
    raw = (ODM / "cvat_format/annotations.xml").read_bytes()
    new = raw.replace(
        b'<box label="person" occluded="0" source="manual" xtl="26.00"',
        b'<box label="aeroplane" occluded="0" source="manual" xtl="26.00"',
    ).replace(b'xtl="133.00" ytl="88.00" xbr="197.00"', b'xtl="135.00" ytl="88.00" xbr="199.00"')
    assert new.count(b"aeroplane") == raw.count(b"aeroplane") + 1
    return Case(
        "labels/annotations.xml",
        [raw, new],
        [
            "gitannot diff a/labels/annotations.xml b/labels/annotations.xml (cvat)",
            "~ annotation 1/0: label person → aeroplane",
            "~ annotation 1/1: bbox moved by (+2, +0)",
        ],
    )


def labelstudio_case() -> Case:
    raw = (LSC / "test_export_yolo/data.json").read_bytes()

    def edit(doc: Any) -> None:
        res = doc[0]["annotations"][0]["result"]
        res[0]["value"]["rectanglelabels"] = ["white"]
        res[1]["value"]["x"] += 1.0  # percent of the 2800 px image: 28 px
        del doc[0]["annotations"][1]["result"][0]

    return Case(
        "labels/tasks.json",
        [raw, _json_edit(raw, edit, indent=4)],
        [
            "gitannot diff a/labels/tasks.json b/labels/tasks.json (labelstudio)",
            "~ annotation 1/1/C7oHaRDVVC: label parasites → white",
            "~ annotation 1/1/9GLz8g9skg: bbox moved by (+28, +0)",
            "- annotation 1/2/ipBS_GBGZp (item 1): parasites, "
            "bbox (1060.8379, 2009.4718, 107.1038, 127.5046)",
        ],
    )


def yolo_rows() -> tuple[bytes, bytes]:
    raw = (LSC / "test_import_yolo_data/labels/img_1.txt").read_bytes()
    rows = raw.decode().splitlines()
    first = rows[0].split()
    rows[0] = " ".join(["1", *first[1:]])  # class 2 (bus) -> 1 (opened_door)
    second = rows[1].split()
    rows[1] = " ".join([second[0], str(float(second[1]) + 0.01), *second[2:]])
    del rows[2]  # class 0 (closed_door)
    rows.append("3 0.5 0.5 0.1 0.1")  # a new "number"
    return raw, ("\n".join(rows) + "\n").encode()


YOLO_BODY = [
    "~ annotation line:1: label bus → opened_door",
    "~ annotation line:2: bbox moved by (+0.01, +0)",
    "+ annotation line:4 (item img_1): number, bbox (0.45, 0.45, 0.1, 0.1)",
    "- annotation line:3 (item img_1): closed_door, bbox (0.3703, 0.1793, 0.1219, 0.7052)",
]


def yolo_case() -> Case:
    old, new = yolo_rows()
    classes = (LSC / "test_import_yolo_data/classes.txt").read_bytes()
    return Case(
        "labels/img_1.txt",
        [old, new],
        ["gitannot diff a/labels/img_1.txt b/labels/img_1.txt (yolo)", "NAMES", *YOLO_BODY],
        extra={"labels/classes.txt": classes},
    )


def perimage_case() -> Case:
    old = perimage([pa(1), pa(2, bbox=[50, 50, 10, 10])])
    new = perimage([{**pa(1), "label": "dog"}, pa(3)])
    return Case(
        "labels/a.json",
        [old, new],
        [
            "gitannot diff a/labels/a.json b/labels/a.json (gitannot)",
            f"~ annotation {uid(1)}: label cat → dog",
            f"+ annotation {uid(3)} (item a): cat, bbox (10, 10, 20, 20)",
            f"- annotation {uid(2)} (item a): cat, bbox (50, 50, 10, 10)",
        ],
    )


CASES = {
    "coco": coco_case,
    "voc": voc_case,
    "cvat": cvat_case,
    "labelstudio": labelstudio_case,
    "yolo": yolo_case,
    "perimage": perimage_case,
}


def build(tmp_path: Path, case: Case) -> Path:
    repo = repo_with(tmp_path, case.rel, case.versions[:1])
    for rel, data in (case.extra or {}).items():
        (repo / rel).write_bytes(data)
        git("add", rel, cwd=repo)
    git("commit", "-q", "--amend", "--no-edit", cwd=repo)
    (repo / case.rel).write_bytes(case.versions[1])
    git("commit", "-q", "-am", "edit", cwd=repo)
    return repo


def body(lines: list[str]) -> list[str]:
    """The annotation lines: the label-count summary is checked per format below."""
    return [x for x in lines if not x.startswith("labels: ")]


def expected(case: Case, repo: Path) -> list[str]:
    revs = git("rev-list", "HEAD", cwd=repo).stdout.split()
    names = [
        "class names a: labels/classes.txt at " + revs[1][:12],
        "class names b: labels/classes.txt at " + revs[0][:12],
    ]
    out: list[str] = []
    for line in case.lines:
        out += names if line == "NAMES" else [line]
    return out


@pytest.mark.parametrize("fmt", list(CASES))
def test_git_diff_show_and_log_p(tmp_path: Path, fmt: str) -> None:
    case = CASES[fmt]()
    repo = build(tmp_path, case)
    want = expected(case, repo)
    diff = git("diff", "HEAD~1", "HEAD", cwd=repo).stdout.splitlines()
    assert body(diff) == want
    assert len([x for x in diff if x.startswith("labels: ")]) == 1
    shown = git("show", "--ext-diff", "--format=", "HEAD", "--", case.rel, cwd=repo).stdout
    assert shown.splitlines() == diff
    log = git("log", "-p", "--ext-diff", "--format=commit %s", "--", case.rel, cwd=repo).stdout
    lines = [x for x in log.splitlines() if x]
    assert lines[: len(diff) + 1] == ["commit edit", *diff]


def test_yolo_label_counts_use_names(tmp_path: Path) -> None:
    repo = build(tmp_path, yolo_case())
    diff = git("diff", "HEAD~1", "HEAD", cwd=repo).stdout.splitlines()
    assert diff[-1] == "labels: bus 1 → 0, closed_door 2 → 1, number 1 → 2, opened_door 0 → 1"


def test_yolo_names_are_read_at_each_sides_revision(tmp_path: Path) -> None:
    """A later commit renames class 0: the old side reads it with the old names, the new
    side with the new ones, so an untouched closed_door row shows as relabelled."""
    case = yolo_case()
    repo = build(tmp_path, case)
    classes = (repo / "labels/classes.txt").read_bytes()
    (repo / "labels/classes.txt").write_bytes(re.sub(rb"closed_door", b"door", classes))
    git("commit", "-q", "-am", "rename class 3", cwd=repo)
    revs = git("rev-list", "HEAD", cwd=repo).stdout.split()
    lines = git("diff", "HEAD~1", "HEAD", "--", "labels/img_1.txt", cwd=repo).stdout
    assert lines == ""  # the label file did not change in that commit: git runs no driver
    lines = git("diff", "HEAD~2", "HEAD", "--", "labels/img_1.txt", cwd=repo).stdout
    got = lines.splitlines()
    assert got[1:3] == [
        f"class names a: labels/classes.txt at {revs[2][:12]}",
        f"class names b: labels/classes.txt at {revs[0][:12]}",
    ]
    assert "~ annotation line:4 → line:3: label closed_door → door" in got  # untouched row
    assert got[-1] == "labels: bus 1 → 0, closed_door 2 → 0, door 0 → 1, number 1 → 2, " + (
        "opened_door 0 → 1"
    )


def test_yolo_working_tree_side_reads_the_working_tree(tmp_path: Path) -> None:
    repo = build(tmp_path, yolo_case())
    (repo / "labels/classes.txt").write_bytes(b"a\nb\nc\nd\n")  # not committed
    (repo / "labels/img_1.txt").write_bytes(b"0 0.5 0.5 0.2 0.2\n")
    got = git("diff", "--", "labels/img_1.txt", cwd=repo).stdout.splitlines()
    head = git("rev-parse", "HEAD", cwd=repo).stdout.strip()
    assert got[1:3] == [
        f"class names a: labels/classes.txt at {head[:12]}",
        "class names b: labels/classes.txt in the working tree",
    ]
    assert got[-1] == "labels: a 0 → 1, closed_door 1 → 0, number 2 → 0, opened_door 1 → 0"


def test_yolo_without_names_shows_class_indexes_and_says_so(tmp_path: Path) -> None:
    old, new = yolo_rows()
    repo = repo_with(tmp_path, "labels/img_1.txt", [old, new])
    revs = git("rev-list", "HEAD", cwd=repo).stdout.split()
    got = git("diff", "HEAD~1", "HEAD", cwd=repo).stdout.splitlines()
    none = "none found (no data.yaml, data.yml, classes.txt, obj.names in labels or above"
    assert got[1:] == [
        f"class names a: {none} at {revs[1][:12]}); classes shown as numeric ids",
        f"class names b: {none} at {revs[0][:12]}); classes shown as numeric ids",
        "~ annotation line:1: label 2 → 1",
        "~ annotation line:2: bbox moved by (+0.01, +0)",
        "+ annotation line:4 (item img_1): 3, bbox (0.45, 0.45, 0.1, 0.1)",
        "- annotation line:3 (item img_1): 0, bbox (0.3703, 0.1793, 0.1219, 0.7052)",
        "labels: 0 2 → 1, 1 0 → 1, 2 1 → 0, 3 1 → 2",
    ]


@pytest.mark.parametrize("fmt", ["labelstudio", "coco", "perimage"])
def test_json_patch_through_git_gives_the_new_version(tmp_path: Path, fmt: str) -> None:
    """jsonpatch applies the driver's --format json patch to the old version and gets
    the new one exactly (COCO by raw records, the others by jsonpatch.make_patch)."""
    case = CASES[fmt]()
    repo = build(tmp_path, case)
    command = f"{sys.executable} -m gitannot diff --format json"
    out = git("-c", f"diff.gitannot.command={command}", "diff", "HEAD~1", cwd=repo).stdout
    doc = json.loads(out)
    assert doc["target"] == "document"
    old, new = (json.loads(v) for v in case.versions)
    assert jsonpatch.apply_patch(old, doc["patch"]) == new


def test_yolo_names_in_a_bare_repository(tmp_path: Path) -> None:
    """No work tree to discover from: the driver finds the repository by the GIT_DIR git
    exports to it, and reads the names file from the commit holding each blob."""
    repo = build(tmp_path, yolo_case())
    bare = tmp_path / "bare.git"
    git("clone", "-q", "--bare", str(repo), str(bare), cwd=tmp_path)
    (bare / "info").mkdir(exist_ok=True)
    (bare / "info" / "attributes").write_text("*.txt diff=gitannot\n", encoding="utf-8")
    command = f"{sys.executable} -m gitannot diff"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    log = git(
        f"--git-dir={bare}", "-c", f"diff.gitannot.command={command}",
        "log", "-p", "--ext-diff", "-1", "--format=", "--", "labels/img_1.txt", cwd=outside,
    ).stdout  # fmt: skip
    counts = "labels: bus 1 → 0, closed_door 2 → 1, number 1 → 2, opened_door 0 → 1"
    want = expected(yolo_case(), repo)  # header, both names lines, the body
    assert [x for x in log.splitlines() if x] == [*want, counts]
