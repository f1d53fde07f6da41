"""Matching of id-less shapes: IoU, the three passes, stable keys, merged order."""

from __future__ import annotations

import pytest

from gitannot.merge.geometry_match import (
    Shape,
    assign_keys,
    center_box,
    iou,
    match,
    merged_order,
    points_box,
)
from gitannot.merge.xml_objects import expand, parse_doc


def shape(
    label: str, x: float, y: float = 0, w: float = 10, h: float = 10, kind: str = ""
) -> Shape:
    box = (x, y, x + w, y + h)
    return Shape(label, box, (label, box), kind)


def test_iou_values() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert iou((0, 0, 10, 10), (10, 0, 20, 10)) == 0.0  # touching edges do not overlap
    assert iou((3, 3, 3, 3), (3, 3, 3, 3)) == 1.0  # identical degenerate boxes (tags, points)
    assert iou((3, 3, 3, 3), (3, 3, 4, 4)) == 0.0


def test_boxes_from_yolo_centres_and_polygons() -> None:
    assert center_box(0.5, 0.5, 0.2, 0.4) == pytest.approx((0.4, 0.3, 0.6, 0.7))
    assert points_box([(1, 5), (4, 2), (3, 9)]) == (1, 2, 4, 9)


def test_exact_pass_pairs_duplicates_in_order() -> None:
    base = [shape("a", 0), shape("a", 0), shape("b", 50)]
    side = [shape("b", 50), shape("a", 0), shape("a", 0)]
    assert match(base, side, 0.5) == {0: 2, 1: 0, 2: 1}


def test_moved_shape_pairs_by_label_and_best_iou() -> None:
    base = [shape("person", 0), shape("person", 6)]
    # each base person moved by 1; side 0 overlaps both, but best pairs win first
    side = [shape("person", 7), shape("person", 1)]
    assert match(base, side, 0.3) == {1: 0, 0: 1}


def test_below_threshold_or_other_label_does_not_pair() -> None:
    base = [shape("cat", 0)]
    assert match(base, [shape("cat", 6)], 0.5) == {}  # IoU 0.25
    assert match(base, [shape("cat", 6)], 0.2) == {0: 0}  # threshold is configurable
    assert match(base, [shape("dog", 1)], 0.5) == {}  # other label, moved: not a relabel


def test_relabel_pairs_only_near_identical_geometry_of_the_same_kind() -> None:
    base = [shape("cat", 0, kind="box")]
    assert match(base, [shape("dog", 0, kind="box")], 0.5) == {0: 0}
    assert match(base, [shape("dog", 0, kind="polygon")], 0.5) == {}


def test_keys_for_adds_on_both_sides() -> None:
    base = [shape("a", 0)]
    ours = [shape("a", 0), shape("b", 100), shape("c", 200)]
    theirs = [shape("c", 201), shape("a", 0), shape("d", 300)]
    keys = assign_keys(base, ours, theirs, 0.5)
    assert keys.base == ["base:0"]
    assert keys.ours == ["base:0", "ours:1", "ours:2"]
    # theirs' c overlaps ours' new c: the same added object (merged or add/add conflict)
    assert keys.theirs == ["ours:2", "base:0", "theirs:2"]


def test_merged_order_keeps_one_side_and_slots_the_other_in() -> None:
    base = ["1", "2", "3"]
    assert merged_order(base, ["1", "x", "2", "3"], ["1", "2", "y", "3"]) == [
        "1",
        "x",
        "2",
        "y",
        "3",
    ]
    # both append after the same key: ours' additions first, then theirs'
    assert merged_order(base, [*base, "x"], [*base, "y"]) == [*base, "x", "y"]
    # ours untouched: theirs' order wins (so merge(b, b, y) == y)
    assert merged_order(base, base, ["3", "1", "2"]) == ["3", "1", "2"]
    # a key only base has (deleted on one side, maybe a conflict) stays in place
    assert merged_order(base, ["1", "3"], ["1", "3"]) == ["1", "2", "3"]


def test_xml_spans_with_empty_children_and_tricky_attributes() -> None:
    data = b'<a>\n <b><c><d><d>x</d></d><e/></c><f a=">/"/></b>\n</a>'
    doc = parse_doc(data, "p", "s")
    (b,) = doc.root.children
    assert b.children == [] and b.elem is None  # the root's children are parsed lazily
    expand(doc, b)
    c, f = b.children
    assert data[c.start : c.end] == b"<c><d><d>x</d></d><e/></c>"
    assert data[f.start : f.end] == b'<f a=">/"/>' and f.empty
    assert [data[n.start : n.end] for n in c.children] == [b"<d><d>x</d></d>", b"<e/>"]
