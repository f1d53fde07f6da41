"""YOLO / VOC / CVAT through real `git merge`, then `gitannot conflicts` and `resolve`.

Also the driver's per-repository settings: git's `%L` marker size reaches the YOLO
adapter, and `gitannot.merge.iouThreshold` from git config changes matching.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest

from gitannot.main import main
from gitannot.merge import yolo
from tests.gitenv import git
from tests.merge.gitmerge import MergeRun, merge3
from tests.merge_geometry.edits import Format
from tests.merge_geometry.scenarios import FORMATS

formats = pytest.mark.parametrize("fmt_name", ["yolo", "voc", "cvat"])


def merge(
    tmp_path: Path,
    fmt: Format,
    ours: str,
    theirs: str,
    config: dict[str, str] | None = None,
    attributes: str = "",
) -> MergeRun:
    """base on main, theirs on a branch, ours on main, then `git merge theirs`."""
    run = merge3(
        tmp_path, fmt.rel, fmt.base().encode(), ours.encode(), theirs.encode(),
        config=config, attributes=attributes,
    )  # fmt: skip
    assert "git merge-file" not in run.output, run.output  # the adapter merged
    return run


def assert_parses_clean(fmt: Format, data: bytes) -> None:
    if fmt.name == "yolo":
        yolo.parse(data, fmt.rel, "resolved")  # raises on any marker line
    else:
        root = SafeET.fromstring(data)
        assert root.findall(".//gitannot_conflict") == []


def listed_keys(out: str, rel: str) -> list[str]:
    """The `key=` of each line `gitannot conflicts` printed for rel."""
    keys = []
    for line in out.splitlines():
        if line.startswith(f"{rel}: line "):
            keys += [t[4:] for t in shlex.split(line) if t.startswith("key=")]
    return keys


@formats
def test_conflict_listed_then_theirs_taken(
    tmp_path: Path,
    realdata: Path,
    fmt_name: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fmt = FORMATS[fmt_name](realdata)
    b = fmt.base()
    ours, theirs = fmt.move(1, 0.05)(b), fmt.move(1, -0.05)(b)
    result = merge(tmp_path, fmt, ours, theirs)
    assert result.returncode != 0 and "CONFLICT" in result.output
    monkeypatch.chdir(result.repo)
    capsys.readouterr()

    assert main(["conflicts"]) == 1  # no path: found by git grep
    out = capsys.readouterr().out
    assert len(listed_keys(out, fmt.rel)) == 1, out
    assert "reason=modify/modify" in out and "1 conflict(s)" in out

    assert main(["resolve", fmt.rel, "--theirs"]) == 0
    data = (result.repo / fmt.rel).read_bytes()
    assert data == theirs.encode()  # exactly theirs: the only conflict took their side
    assert_parses_clean(fmt, data)
    assert main(["conflicts", fmt.rel]) == 0
    assert main(["resolve", fmt.rel, "--ours"]) == 1  # nothing left to resolve
    assert (result.repo / fmt.rel).read_bytes() == data
    git("add", fmt.rel, cwd=result.repo)
    git("commit", "-q", "--no-edit", cwd=result.repo)  # the merge concludes


@formats
def test_pick_per_key_from_the_listing(
    tmp_path: Path,
    realdata: Path,
    fmt_name: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fmt = FORMATS[fmt_name](realdata)
    b = fmt.base()
    ours = fmt.move(3, 0.05)(fmt.move(1, 0.05)(b))
    theirs = fmt.delete(1)(fmt.move(3, -0.05)(b))  # modify/delete on 1, modify/modify on 3
    result = merge(tmp_path, fmt, ours, theirs)
    assert result.returncode != 0
    monkeypatch.chdir(result.repo)
    capsys.readouterr()
    assert main(["conflicts", fmt.rel]) == 1
    out = capsys.readouterr().out
    first, second = listed_keys(out, fmt.rel)
    assert "reason=modify/delete" in out and "reason=modify/modify" in out

    assert main(["resolve", fmt.rel, "--pick", f"{second}=theirs"]) == 1  # one left
    assert "1 conflict(s) left" in capsys.readouterr().out
    assert listed_keys(_listing(fmt.rel, capsys), fmt.rel) == [first]

    assert main(["resolve", fmt.rel, "--pick", "no such key=ours"]) == 1
    assert "no such key" in capsys.readouterr().err  # a typo is reported, nothing taken

    assert main(["resolve", fmt.rel, "--pick", f"{first}=ours"]) == 0
    data = (result.repo / fmt.rel).read_bytes()
    assert data.decode() == fmt.move(3, -0.05)(fmt.move(1, 0.05)(b))
    assert_parses_clean(fmt, data)


def _listing(rel: str, capsys: pytest.CaptureFixture[str]) -> str:
    main(["conflicts", rel])
    out: str = capsys.readouterr().out
    return out


def test_bad_side_is_a_usage_error(
    tmp_path: Path,
    realdata: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fmt = FORMATS["yolo"](realdata)
    b = fmt.base()
    result = merge(tmp_path, fmt, fmt.move(1, 0.05)(b), fmt.move(1, -0.05)(b))
    monkeypatch.chdir(result.repo)
    assert main(["resolve", fmt.rel, "--pick", "base:1=mine"]) == 2
    assert main(["resolve", fmt.rel]) == 2
    assert (result.repo / fmt.rel).read_bytes() == result.data  # untouched


def test_git_marker_size_reaches_the_yolo_adapter(
    tmp_path: Path, realdata: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fmt = FORMATS["yolo"](realdata)
    b = fmt.base()
    ours, theirs = fmt.move(1, 0.05)(b), fmt.move(1, -0.05)(b)
    result = merge(tmp_path, fmt, ours, theirs, attributes="labels/** conflict-marker-size=11\n")
    lines = result.data.decode().splitlines()
    marks = [line for line in lines if line[:1] in "<|=>"]
    assert [m.split(" ")[0] for m in marks] == ["<" * 11, "|" * 11, "=" * 11, ">" * 11]
    monkeypatch.chdir(result.repo)
    assert main(["conflicts"]) == 1  # git grep finds the longer markers too
    assert main(["resolve", fmt.rel, "--ours"]) == 0
    assert (result.repo / fmt.rel).read_bytes() == ours.encode()


# IoU threshold from git config ----------------------------------------------------

KEY = "gitannot.merge.iouThreshold"


@formats
def test_a_higher_threshold_turns_a_small_move_into_delete_plus_add(
    tmp_path: Path, realdata: Path, fmt_name: str
) -> None:
    # Ours shifts object 1 by 20% of its width (IoU with base ~0.67); theirs edits
    # another field of it. At 0.5 that is one object; at 0.8 ours deleted it and drew a
    # new one, so theirs' edit of the deleted object is a conflict.
    fmt = FORMATS[fmt_name](realdata)
    b = fmt.base()
    ours, theirs = fmt.move(1, 0.2)(b), fmt.flag(1)(b)
    default = merge(tmp_path / "default", fmt, ours, theirs)
    assert default.returncode == 0, default.output
    assert default.data.decode() == fmt.flag(1)(ours)
    strict = merge(tmp_path / "strict", fmt, ours, theirs, {KEY: "0.8"})
    assert strict.returncode != 0
    assert strict.data.count(b"delete/modify") == 1 and b"modify/delete" not in strict.data
    assert "warning" not in strict.output


@formats
def test_a_lower_threshold_pairs_a_big_move(tmp_path: Path, realdata: Path, fmt_name: str) -> None:
    fmt = FORMATS[fmt_name](realdata)
    b = fmt.base()
    ours, theirs = fmt.move(1, 0.7)(b), fmt.flag(1)(b)  # IoU with base ~0.18
    assert merge(tmp_path / "default", fmt, ours, theirs).returncode != 0
    loose = merge(tmp_path / "loose", fmt, ours, theirs, {KEY: "0.1"})
    assert loose.returncode == 0, loose.output
    assert loose.data.decode() == fmt.flag(1)(ours)


@pytest.mark.parametrize("value", ["abc", "1.5", "0", "-0.2", "nan", ""])
def test_an_invalid_threshold_warns_and_merges_with_the_default(
    tmp_path: Path, realdata: Path, value: str
) -> None:
    fmt = FORMATS["yolo"](realdata)
    b = fmt.base()
    ours, theirs = fmt.move(1, 0.2)(b), fmt.flag(1)(b)
    result = merge(tmp_path, fmt, ours, theirs, {KEY: value})
    assert result.returncode == 0, result.output  # 0.5 pairs the moved row
    assert result.data.decode() == fmt.flag(1)(ours)
    assert f"warning: {KEY}" in result.output and "using the default 0.5" in result.output


def test_only_label_files_are_listed(
    tmp_path: Path,
    realdata: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fmt = FORMATS["yolo"](realdata)
    b = fmt.base()
    result = merge(tmp_path, fmt, fmt.move(1, 0.05)(b), fmt.move(1, -0.05)(b))
    notes = result.repo / "NOTES.md"  # marker-like text outside a .txt is not a conflict
    notes.write_text("<<<<<<< ours (modify/modify, base:1)\n", encoding="utf-8")
    git("add", "NOTES.md", cwd=result.repo)
    monkeypatch.chdir(result.repo)
    capsys.readouterr()
    assert main(["conflicts"]) == 1
    out = capsys.readouterr().out
    assert "NOTES.md" not in out and listed_keys(out, fmt.rel) == ["base:1"]


@pytest.mark.parametrize(
    "rel,text",
    [  # what git merge-file leaves when the driver falls back; a half-edited XML
        ("labels/a.txt", "<<<<<<< labels/a.txt (ours)\n0 1 1 1 1\n=======\n>>>>>>> x\n"),
        ("labels/a.xml", "<annotation>\n<<<<<<< a\n<object/>\n=======\n>>>>>>> b\n"),
        ("labels/a.xml", "<annotation><gitannot_conflict key='k'><ours>"),
    ],
)
def test_unreadable_conflicts_are_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rel: str, text: str
) -> None:
    (tmp_path / rel).parent.mkdir(parents=True)
    (tmp_path / rel).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["conflicts", rel]) == 2
    assert main(["resolve", rel, "--ours"]) == 2
    assert (tmp_path / rel).read_text(encoding="utf-8") == text
