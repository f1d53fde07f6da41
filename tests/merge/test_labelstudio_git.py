"""Label Studio exports from realdata through real `git merge`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from gitannot.constants import CONFLICT_KEY
from gitannot.main import main
from gitannot.merge.driver import detect
from tests.merge.gitmerge import merge3

REL = "labels/project.json"


@pytest.fixture
def export(realdata: Path) -> tuple[bytes, list[Any]]:
    raw = (realdata / "label-studio-converter/test_export_yolo/data.json").read_bytes()
    return raw, json.loads(raw)


def regions(tasks: list[Any], task: int, ann: int) -> list[Any]:
    result: list[Any] = tasks[task]["annotations"][ann]["result"]
    return result


def dump(tasks: list[Any]) -> bytes:
    return json.dumps(tasks, indent=4).encode()


def test_realdata_is_detected(export: tuple[bytes, list[Any]]) -> None:
    raw, _ = export
    assert detect(raw, REL) == "labelstudio"


def test_regions_of_one_annotation_edited_on_both_sides(
    tmp_path: Path, export: tuple[bytes, list[Any]]
) -> None:
    raw, tasks = export
    ours, theirs = copy.deepcopy(tasks), copy.deepcopy(tasks)
    regions(ours, 0, 0)[0]["value"]["x"] = 1.5
    regions(theirs, 0, 0)[1]["value"]["rectanglelabels"] = ["parasites"]
    result = merge3(tmp_path, REL, raw, dump(ours), dump(theirs))
    assert result.returncode == 0, result.output
    expected = copy.deepcopy(ours)
    regions(expected, 0, 0)[1]["value"]["rectanglelabels"] = ["parasites"]
    assert json.loads(result.data) == expected


def test_both_add_regions_and_one_deletes_a_task(
    tmp_path: Path, export: tuple[bytes, list[Any]]
) -> None:
    raw, tasks = export
    ours, theirs = copy.deepcopy(tasks), copy.deepcopy(tasks)
    added_o = dict(regions(ours, 0, 0)[0], id="oursNEW001")
    added_t = dict(regions(theirs, 0, 1)[0], id="theirsNEW1")
    regions(ours, 0, 0).append(added_o)
    regions(theirs, 0, 1).append(added_t)
    theirs.pop()  # delete the last task
    result = merge3(tmp_path, REL, raw, dump(ours), dump(theirs))
    assert result.returncode == 0, result.output
    merged = json.loads(result.data)
    assert len(merged) == len(tasks) - 1
    assert regions(merged, 0, 0)[-1] == added_o and regions(merged, 0, 1)[-1] == added_t


def test_same_region_same_field_conflicts_inside_the_annotation(
    tmp_path: Path, export: tuple[bytes, list[Any]]
) -> None:
    raw, tasks = export
    ours, theirs = copy.deepcopy(tasks), copy.deepcopy(tasks)
    regions(ours, 0, 0)[0]["value"] = dict(regions(ours, 0, 0)[0]["value"], x=1.0)
    regions(theirs, 0, 0)[0]["value"] = dict(regions(theirs, 0, 0)[0]["value"], x=2.0)
    regions(theirs, 1, 0)[0]["origin"] = "prediction-changed"
    result = merge3(tmp_path, REL, raw, dump(ours), dump(theirs))
    assert result.returncode != 0
    merged = json.loads(result.data)
    record = regions(merged, 0, 0)[0]
    assert record[CONFLICT_KEY] == 1 and record["fields"] == ["value"]
    assert record["ours"]["value"]["x"] == 1.0 and record["theirs"]["value"]["x"] == 2.0
    assert regions(merged, 1, 0)[0]["origin"] == "prediction-changed"


def test_unchanged_tasks_keep_their_bytes(tmp_path: Path, export: tuple[bytes, list[Any]]) -> None:
    raw, tasks = export
    ours = copy.deepcopy(tasks)
    theirs = copy.deepcopy(tasks)
    ours[0]["annotations"][0]["lead_time"] = 1.0
    theirs[-1]["annotations"][0]["lead_time"] = 2.0
    result = merge3(tmp_path, REL, raw, dump(ours), dump(theirs))
    assert result.returncode == 0
    expected = copy.deepcopy(ours)
    expected[-1]["annotations"][0]["lead_time"] = 2.0
    assert result.data == dump(expected)  # byte for byte, indent 4, no final newline


def test_task_field_conflict_record_keeps_the_annotations(
    tmp_path: Path, export: tuple[bytes, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task whose own field conflicts becomes one record holding whole tasks: resolving
    it to a side keeps that side's annotations (none may be stripped from the record)."""
    raw, tasks = export
    ours, theirs = copy.deepcopy(tasks), copy.deepcopy(tasks)
    ours[0]["data"] = dict(ours[0]["data"], image="ours.jpg")
    theirs[0]["data"] = dict(theirs[0]["data"], image="theirs.jpg")
    regions(ours, 0, 0)[0]["value"] = dict(regions(ours, 0, 0)[0]["value"], x=1.0)
    regions(theirs, 0, 0)[0]["value"] = dict(regions(theirs, 0, 0)[0]["value"], x=2.0)
    result = merge3(tmp_path, REL, raw, dump(ours), dump(theirs))
    assert result.returncode != 0
    record = json.loads(result.data)[0]
    assert record[CONFLICT_KEY] == 1 and record["fields"] == ["data"]
    assert (record["base"], record["ours"], record["theirs"]) == (tasks[0], ours[0], theirs[0])
    assert result.data.count(CONFLICT_KEY.encode()) == 1  # nothing nested, counted once
    monkeypatch.chdir(result.repo)
    assert main(["resolve", REL, "--ours"]) == 0
    assert json.loads((result.repo / REL).read_bytes())[0] == ours[0]
