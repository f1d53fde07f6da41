"""Every scenario on every id-less format: in-process, then through a real `git merge`."""

from __future__ import annotations

import importlib
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest

from gitannot.merge.outcome import MergeOutcome
from tests.merge.gitmerge import merge3
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


def git_merge(tmp_path: Path, rel: str, base: str, ours: str, theirs: str) -> tuple[int, bytes]:
    """A real merge through the driver, which must not have fallen back to merge-file."""
    run = merge3(tmp_path, rel, base.encode(), ours.encode(), theirs.encode())
    assert "git merge-file" not in run.output, run.output  # the adapter merged, no fallback
    return run.returncode, run.data


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
    run = merge3(
        tmp_path, "obj.names", names.encode(), (names + "zebra\n").encode(),
        (names + "yak\n").encode(), attributes="* merge=gitannot\n",
    )  # fmt: skip
    assert run.returncode != 0 and "git merge-file" in run.output
    data = run.data
    assert b"zebra" in data and b"yak" in data and b"<<<<<<< obj.names (ours)" in data
