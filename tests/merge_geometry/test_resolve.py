"""Resolving the adapters' conflicts: one conflict, take a side, get that side's file."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitannot.merge.geometry_resolve import find, resolve
from tests.merge_geometry.scenarios import FORMATS, Case, build
from tests.merge_geometry.test_scenarios import adapter_merge


@pytest.mark.parametrize("scenario", ["same object moved differently", "delete vs modify"])
@pytest.mark.parametrize("fmt_name", list(FORMATS))
def test_taking_a_side_gives_back_that_sides_file(
    realdata: Path, fmt_name: str, scenario: str
) -> None:
    fmt = FORMATS[fmt_name](realdata)
    case = build(scenario, fmt)
    merged = adapter_merge(fmt, fmt.base(), case)
    (conflict,) = merged.conflicts
    (found,) = find(merged.data, fmt.name)
    assert (found.key, found.reason) == (str(conflict.key), conflict.reason)
    for side, want in (("ours", case.ours), ("theirs", case.theirs), ("base", fmt.base())):
        assert resolve(merged.data, fmt.name, {}, side) == (want.encode(), 0)
        assert resolve(merged.data, fmt.name, {found.key: side}, None) == (want.encode(), 0)
    assert resolve(merged.data, fmt.name, {}, None) == (merged.data, 1)


@pytest.mark.parametrize("fmt_name", ["yolo", "voc", "cvat"])
def test_picking_per_key_with_two_conflicts(realdata: Path, fmt_name: str) -> None:
    fmt = FORMATS[fmt_name](realdata)
    b = fmt.base()
    ours = fmt.move(3, 0.05)(fmt.move(1, 0.05)(b))
    theirs = fmt.move(3, -0.05)(fmt.move(1, -0.05)(b))
    merged = adapter_merge(fmt, b, Case(ours, theirs, False, None, 0))
    first, second = find(merged.data, fmt.name)
    data, left = resolve(merged.data, fmt.name, {first.key: "ours", second.key: "theirs"}, None)
    assert left == 0
    assert data.decode() == fmt.move(3, -0.05)(fmt.move(1, 0.05)(b))
    partly, left = resolve(merged.data, fmt.name, {second.key: "base"}, None)
    assert left == 1 and [f.key for f in find(partly, fmt.name)] == [first.key]
