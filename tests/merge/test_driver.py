"""The driver service: dispatch by format, fallback to git merge-file, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitannot.merge import coco, driver
from gitannot.merge.driver import detect, run_driver
from tests.merge.cocodata import ann, base_doc, clone, dump


def files(tmp_path: Path, base: bytes, ours: bytes, theirs: bytes) -> tuple[Path, Path, Path]:
    paths = (tmp_path / "O", tmp_path / "A", tmp_path / "B")
    for path, data in zip(paths, (base, ours, theirs), strict=True):
        path.write_bytes(data)
    return paths


def test_unknown_json_falls_back_to_line_merge(tmp_path: Path) -> None:
    base = b'{"a": 1,\n "b": 2}\n'
    paths = files(tmp_path, base, b'{"a": 5,\n "b": 2}\n', b'{"a": 1,\n "b": 7}\n')
    result = run_driver(*paths, "labels/other.json")
    assert result.format == "merge-file" and result.note == "format not recognised"
    assert result.exit_code == 1  # the two neighbouring lines touch: git conflicts
    assert b"<<<<<<<" in paths[1].read_bytes()


def test_an_adapter_crash_falls_back_and_keeps_both_sides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("adapter bug")

    monkeypatch.setattr(coco, "merge_stream", boom)
    ours, theirs = clone(base_doc()), clone(base_doc())
    ann(ours, 1)["iscrowd"] = 1
    ann(theirs, 10)["iscrowd"] = 1
    paths = files(
        tmp_path, dump(base_doc(), "pretty"), dump(ours, "pretty"), dump(theirs, "pretty")
    )
    result = run_driver(*paths, "labels/a.coco.json")
    assert result.format == "merge-file" and "adapter bug" in result.note
    assert result.exit_code == 0  # far apart lines: git's line merge is clean here
    assert json.loads(paths[1].read_bytes()) == dict(
        ours, annotations=[*ours["annotations"][:-1], theirs["annotations"][-1]]
    )


def test_mixed_formats_fall_back(tmp_path: Path) -> None:
    coco_bytes = dump(base_doc(), "compact")
    per_image = b'{"version": 1, "item": {"id": "x"}, "annotations": []}'
    paths = files(tmp_path, coco_bytes, coco_bytes.replace(b"test set", b"x"), per_image)
    assert run_driver(*paths, "labels/a.json").format == "merge-file"


@pytest.mark.parametrize(
    "data,path,fmt",
    [
        (b"0 0.5 0.5 0.1 0.1\n", "labels/a.txt", "yolo"),
        (b"<annotation><object/></annotation>", "a.xml", "voc"),
        (b'<?xml version="1.0"?>\n<annotations><image/></annotations>', "a.xml", "cvat"),
        (b'[{"id": 1, "data": {"image": "a.jpg"}}]', "a.json", "labelstudio"),
        (b'[{"image_id": 1, "score": 0.5}]', "a.json", None),
        (b'{"item": {}, "annotations": []}', "a.json", "perimage"),
    ],
)
def test_detect(data: bytes, path: str, fmt: str | None) -> None:
    assert detect(data, path) == fmt


def test_yolo_goes_to_its_adapter(tmp_path: Path) -> None:
    base = b"0 0.5 0.5 0.1 0.1\n1 0.2 0.2 0.1 0.1\n"
    ours = base + b"2 0.8 0.8 0.1 0.1\n"
    theirs = base.replace(b"1 0.2", b"3 0.2")
    paths = files(tmp_path, base, ours, theirs)
    result = run_driver(*paths, "labels/img.txt")
    assert result.format == "yolo" and result.exit_code == 0, result
    lines = paths[1].read_bytes().splitlines()
    assert b"2 0.8 0.8 0.1 0.1" in lines and any(line.startswith(b"3 0.2") for line in lines)


def test_report_lines(capsys: pytest.CaptureFixture[str]) -> None:
    driver.report(driver.DriverResult(1, "coco", 2), "labels/a.json")
    driver.report(driver.DriverResult(0, "merge-file", 0, "format not recognised"), "x")
    err = capsys.readouterr().err
    assert "2 conflict record(s) (coco)" in err and "line merge (git merge-file)" in err
