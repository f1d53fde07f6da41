"""The merge-driver/ shim and snippets, used the way a clone would use them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.merge.cocodata import ann, base_doc, clone, dump
from tests.merge.gitmerge import merge3

ROOT = Path(__file__).resolve().parents[2]
SHIM = ROOT / "merge-driver" / "gitannot-merge-driver"
REL = "labels/a.coco.json"


def sides() -> tuple[bytes, bytes, bytes, dict[str, Any]]:
    ours, theirs = clone(base_doc()), clone(base_doc())
    ann(ours, 1)["bbox"] = [1, 1, 1, 1]
    ann(theirs, 2)["bbox"] = [2, 2, 2, 2]
    expected = clone(ours)
    ann(expected, 2)["bbox"] = [2, 2, 2, 2]
    return dump(base_doc(), "compact"), dump(ours, "compact"), dump(theirs, "compact"), expected


def test_shim_runs_gitannot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITANNOT_PYTHON", sys.executable)
    base, ours, theirs, expected = sides()
    result = merge3(tmp_path, REL, base, ours, theirs, driver=f"{SHIM} %O %A %B %P %L")
    assert result.returncode == 0, result.output
    assert json.loads(result.data) == expected


def test_shim_without_gitannot_falls_back_to_line_merge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = Path("/usr/bin/python3")
    if not python.exists():
        pytest.skip("needs a python without gitannot installed")
    monkeypatch.setenv("GITANNOT_PYTHON", str(python))
    monkeypatch.setenv("PYTHONPATH", "")
    base, ours, theirs, _ = sides()
    result = merge3(tmp_path, REL, base, ours, theirs, driver=f"{SHIM} %O %A %B %P %L")
    assert result.returncode != 0  # one-line COCO: git's line merge conflicts
    assert "cannot import gitannot" in result.output
    assert b"<<<<<<< labels/a.coco.json (ours)" in result.data
    assert ours.strip() in result.data and theirs.strip() in result.data


def test_snippets_match_the_driver_contract() -> None:
    config = (ROOT / "merge-driver" / "gitconfig.snippet").read_text()
    attributes = (ROOT / "merge-driver" / "gitattributes.snippet").read_text()
    assert '[merge "gitannot"]' in config and "%O %A %B %P %L" in config
    assert "labels/** merge=gitannot" in attributes
