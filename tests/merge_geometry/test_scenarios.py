"""Every scenario on every id-less format: in-process, then through a real `git merge`."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest

from gitannot.merge.outcome import MergeOutcome
from tests.merge_geometry.edits import Format
from tests.merge_geometry.scenarios import FORMATS, SCENARIOS, Case, build

scenarios = pytest.mark.parametrize("scenario", SCENARIOS)
formats = pytest.mark.parametrize("fmt_name", list(FORMATS))


def adapter_merge(fmt: Format, base: str, case: Case) -> MergeOutcome:
    module = importlib.import_module(f"gitannot.merge.{fmt.name}")
    enc = [s.encode() for s in (base, case.ours, case.theirs)]
    outcome: MergeOutcome = module.merge_text(*enc, path=fmt.rel)
    return outcome


def check(fmt: Format, case: Case, data: bytes, clean: bool) -> None:
    text = data.decode("utf-8")
    assert clean == case.clean, text
    if case.expected is not None:
        assert text == case.expected
    assert fmt.count(text) == case.objects, text
    if fmt.name == "yolo":
        assert ("<<<<<<< ours" in text) == (not case.clean)
        return
    root = SafeET.fromstring(data)  # conflicts keep the XML well-formed
    marks = root.findall(".//gitannot_conflict")
    assert len(marks) == (0 if case.clean else 1)
    for mark in marks:  # the conflict record carries every side's version
        assert [c.tag for c in mark] == ["base", "ours", "theirs"]
        assert mark.get("reason") in {"modify/modify", "delete/modify"}


@scenarios
@formats
def test_adapter(realdata: Path, fmt_name: str, scenario: str) -> None:
    fmt = FORMATS[fmt_name](realdata)
    case = build(scenario, fmt)
    outcome = adapter_merge(fmt, fmt.base(), case)
    check(fmt, case, outcome.data, outcome.clean)
    if not case.clean:
        assert len(outcome.conflicts) == 1


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)


def git_merge(tmp_path: Path, rel: str, base: str, ours: str, theirs: str) -> tuple[int, bytes]:
    """A real merge through the driver, which must not have fallen back to merge-file."""
    code, data, stderr = git_merge_raw(tmp_path, rel, base, ours, theirs)
    assert "git merge-file" not in stderr, stderr  # the adapter merged, no fallback
    return code, data


def git_merge_raw(
    tmp_path: Path, rel: str, base: str, ours: str, theirs: str
) -> tuple[int, bytes, str]:
    """base on main, theirs on a branch, ours on main, then `git merge theirs`."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    driver = f"{sys.executable} -m gitannot merge-driver %O %A %B %P %L"
    git(repo, "config", "merge.gitannot.driver", driver)
    (repo / ".gitattributes").write_text("* merge=gitannot\n", encoding="utf-8")
    target = repo / rel
    target.parent.mkdir(parents=True, exist_ok=True)

    def commit(text: str, msg: str) -> None:
        target.write_bytes(text.encode())
        git(repo, "add", "-A")
        assert git(repo, "commit", "-q", "-m", msg).returncode == 0

    commit(base, "base")
    git(repo, "branch", "theirs")
    commit(ours, "ours")
    git(repo, "checkout", "-q", "theirs")
    commit(theirs, "theirs")
    git(repo, "checkout", "-q", "main")
    proc = git(repo, "merge", "--no-edit", "theirs")
    return proc.returncode, target.read_bytes(), proc.stderr


@scenarios
@formats
def test_git_merge(tmp_path: Path, realdata: Path, fmt_name: str, scenario: str) -> None:
    fmt = FORMATS[fmt_name](realdata)
    case = build(scenario, fmt)
    code, data = git_merge(tmp_path, fmt.rel, fmt.base(), case.ours, case.theirs)
    check(fmt, case, data, code == 0)


def test_git_merge_of_a_text_file_that_is_not_yolo_falls_back(
    tmp_path: Path, realdata: Path
) -> None:
    names = (realdata / "review-odm-voc2012-100/yolo_format/obj.names").read_text()
    repo_run = git_merge_raw(tmp_path, "obj.names", names, names + "zebra\n", names + "yak\n")
    code, data, stderr = repo_run
    assert code != 0 and "git merge-file" in stderr
    assert b"zebra" in data and b"yak" in data and b"<<<<<<< obj.names (ours)" in data
