"""YOLO txt labels: rows `class cx cy w h` (or segmentation / keypoint rows), no ids.

Rows are matched across base, ours and theirs by class + IoU (geometry_match), then
merged per row with the keyed three-way core: fields `class` and `geometry` (atomic).
A conflicting row is written between git-style markers (diff3 layout, ours / base /
theirs), so YOLO loaders fail on the file instead of silently training on one side.
Untouched rows keep their bytes; line endings and the final newline follow the skeleton
side (ours, or theirs when ours is unchanged).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from gitannot.merge.errors import UnmergeableError
from gitannot.merge.geometry_match import (
    Box,
    Shape,
    assign_keys,
    center_box,
    merged_order,
    points_box,
)
from gitannot.merge.outcome import MergeOutcome
from gitannot.merge.threeway import MISSING, Conflict, is_missing, merge_record

FORMAT = "yolo"


@dataclass
class Row:
    text: str  # the line without its end-of-line
    tokens: list[str]
    cls: int
    coords: tuple[float, ...]

    @property
    def record(self) -> dict[str, Any]:
        return {"class": self.cls, "geometry": self.coords}

    def shape(self) -> Shape:
        return Shape(str(self.cls), _row_box(self.coords), (self.cls, self.coords))


@dataclass
class LabelFile:
    rows: list[Row]
    eol: str
    final_newline: bool


def merge_text(
    base: bytes,
    ours: bytes,
    theirs: bytes,
    *,
    path: str,
    iou_threshold: float = 0.5,
    marker_size: int = 7,
) -> MergeOutcome:
    """Three-way merge of one YOLO label file; raises UnmergeableError if unparsable.
    Whole-file shortcuts (a side unchanged) are the driver's: this always parses."""
    sides = ((base, "base"), (ours, "ours"), (theirs, "theirs"))
    b, o, t = (parse(data, path, side) for data, side in sides)
    return merge_rows(b, o, t, iou_threshold=iou_threshold, marker_size=marker_size)


def parse(data: bytes, path: str, side: str) -> LabelFile:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnmergeableError(f"{path} ({side}): not UTF-8 text: {exc}") from exc
    eol = "\r\n" if "\r\n" in text else "\n"
    rows: list[Row] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            rows.append(_parse_row(line, f"{path} ({side}) line {number}"))
    final = text.endswith("\n") or not text
    return LabelFile(rows, eol, final)


def _parse_row(line: str, where: str) -> Row:
    tokens = line.split()
    if not (tokens[0].isascii() and tokens[0].isdigit()):  # int() would take "+1", "1_0"
        raise UnmergeableError(f"{where}: not a YOLO row: {line!r}")
    try:
        cls = int(tokens[0])
        coords = tuple(float(tok) for tok in tokens[1:])
    except ValueError as exc:
        raise UnmergeableError(f"{where}: not a YOLO row: {line!r}") from exc
    if cls < 0 or len(coords) < 4 or not all(math.isfinite(c) for c in coords):
        raise UnmergeableError(f"{where}: not a YOLO row: {line!r}")
    return Row(line, tokens, cls, coords)


def _row_box(coords: tuple[float, ...]) -> Box:
    # 4 numbers: box; 5: box + confidence; odd >= 7: box + keypoints (x, y, visibility);
    # even >= 6: polygon / oriented box as x y pairs, matched by its bounding box.
    if len(coords) % 2 == 0 and len(coords) >= 6:
        return points_box(list(zip(coords[0::2], coords[1::2], strict=True)))
    return center_box(*coords[:4])


def merge_rows(
    base: LabelFile,
    ours: LabelFile,
    theirs: LabelFile,
    *,
    iou_threshold: float = 0.5,
    marker_size: int = 7,
) -> MergeOutcome:
    """Row-level three-way merge of parsed files."""
    keys = assign_keys(
        [r.shape() for r in base.rows],
        [r.shape() for r in ours.rows],
        [r.shape() for r in theirs.rows],
        iou_threshold,
    )
    rows_b = dict(zip(keys.base, base.rows, strict=True))
    rows_o = dict(zip(keys.ours, ours.rows, strict=True))
    rows_t = dict(zip(keys.theirs, theirs.rows, strict=True))
    skeleton = theirs if _same(ours, base) else ours  # layout of the side that changed
    lines: list[str] = []
    conflicts: list[Conflict] = []
    for key in merged_order(keys.base, keys.ours, keys.theirs):
        b, o, t = rows_b.get(key), rows_o.get(key), rows_t.get(key)
        value, conflict = merge_record(key, _rec(b), _rec(o), _rec(t))
        if conflict is not None:
            conflict.base, conflict.ours, conflict.theirs = _text(b), _text(o), _text(t)
            conflicts.append(conflict)
            lines.extend(_conflict_lines(b, o, t, marker_size, conflict))
        elif not is_missing(value):
            lines.append(_render(value, o, t))
    text = skeleton.eol.join(lines)
    if lines and (skeleton.final_newline or conflicts):
        text += skeleton.eol
    return MergeOutcome(text.encode("utf-8"), conflicts, FORMAT)


def _same(a: LabelFile, b: LabelFile) -> bool:
    layout = (a.eol, a.final_newline) == (b.eol, b.final_newline)
    return layout and [r.record for r in a.rows] == [r.record for r in b.rows]


def _rec(row: Row | None) -> Any:
    return MISSING if row is None else row.record


def _text(row: Row | None) -> str | None:
    return None if row is None else row.text


def _render(value: dict[str, Any], ours: Row | None, theirs: Row | None) -> str:
    """The side's own line when the merged row is one side's; else splice the fields."""
    for row in (ours, theirs):
        if row is not None and row.record == value:
            return row.text

    # Field-merged: each field's value is ours' or theirs'; reuse that side's tokens.
    def source(name: str) -> Row:
        assert ours is not None and theirs is not None  # both sides changed this row
        return ours if ours.record[name] == value[name] else theirs

    cls_tok = source("class").tokens[0]
    return " ".join([cls_tok, *source("geometry").tokens[1:]])


def _conflict_lines(
    base: Row | None, ours: Row | None, theirs: Row | None, size: int, conflict: Conflict
) -> list[str]:
    size = max(size, 7)  # shorter markers would slip past git's and validation's checks

    def section(row: Row | None) -> list[str]:
        return [] if row is None else [row.text]

    return [
        "<" * size + f" ours ({conflict.reason}, {conflict.key})",
        *section(ours),
        "|" * size + " base",
        *section(base),
        "=" * size,
        *section(theirs),
        ">" * size + " theirs",
    ]
