"""Hypothesis properties over generated row / object sets, shortcuts bypassed.

merge(b, x, b) = x, merge(b, b, y) = y and merge(b, x, x) = x byte for byte; any
merge of arbitrary versions never crashes, and a clean result holds only rows whose
class and geometry come from the inputs.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gitannot.merge import cvat, voc, yolo
from gitannot.merge.outcome import MergeOutcome

COORD = st.sampled_from([0.1, 0.2, 0.25, 0.3, 0.5, 0.52, 0.7, 0.9])
SIZE = st.sampled_from([0.05, 0.1, 0.2, 0.21, 0.4])
ROW = st.builds(
    lambda c, x, y, w, h: f"{c} {x:.6f} {y:.6f} {w:.6f} {h:.6f}",
    st.integers(0, 3),
    COORD,
    COORD,
    SIZE,
    SIZE,
)
POLY = st.lists(st.tuples(COORD, COORD), min_size=3, max_size=5).map(
    lambda pts: "2 " + " ".join(f"{x:.4f} {y:.4f}" for x, y in pts)
)
ROWS = st.lists(st.one_of(ROW, ROW, POLY), max_size=8)


@st.composite
def label_file(draw: st.DrawFn) -> bytes:
    rows = draw(ROWS)
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    final = draw(st.booleans()) and bool(rows)
    return (eol.join(rows) + (eol if final else "")).encode()


def merge_yolo(b: bytes, o: bytes, t: bytes) -> MergeOutcome:
    files = [yolo.parse(d, "p.txt", side) for d, side in ((b, "b"), (o, "o"), (t, "t"))]
    return yolo.merge_rows(*files)


@settings(max_examples=150, deadline=None)
@given(label_file(), label_file())
def test_yolo_one_side_changed_gives_that_side(b: bytes, x: bytes) -> None:
    for merged in (merge_yolo(b, x, b), merge_yolo(b, b, x), merge_yolo(b, x, x)):
        assert merged.clean
        assert merged.data == x


@settings(max_examples=150, deadline=None)
@given(label_file(), label_file(), label_file())
def test_yolo_any_merge_is_sound(b: bytes, x: bytes, y: bytes) -> None:
    merged = merge_yolo(b, x, y)
    if not merged.clean:
        assert merged.data.count(b"<<<<<<< ours") == len(merged.conflicts)
        return
    out = yolo.parse(merged.data, "p.txt", "merged")  # a clean result always parses
    inputs = [r for d in (b, x, y) for r in yolo.parse(d, "p.txt", "in").rows]
    classes = {r.cls for r in inputs}
    geometries = {r.coords for r in inputs}
    for row in out.rows:
        assert row.cls in classes and row.coords in geometries
    # a geometry only one side introduced survives a clean merge (else it conflicts)
    base_geo = {r.coords for r in yolo.parse(b, "p.txt", "b").rows}
    out_geo = {r.coords for r in out.rows}
    for side in (x, y):
        other = y if side is x else x
        other_geo = {r.coords for r in yolo.parse(other, "p.txt", "o").rows}
        for row in yolo.parse(side, "p.txt", "s").rows:
            if row.coords not in base_geo and row.coords not in other_geo:
                assert row.coords in out_geo


BOX = st.tuples(
    st.sampled_from(["cat", "dog", "person"]),
    st.sampled_from([0, 10, 12, 40, 100]),
    st.sampled_from([0, 10, 12, 40, 100]),
    st.sampled_from([5, 20, 22, 60]),
    st.sampled_from([5, 20, 60]),
)


def voc_doc(objects: list[tuple[str, int, int, int, int]]) -> bytes:
    parts = ["<annotation>\n\t<filename>a.jpg</filename>\n"]
    for name, x, y, w, h in objects:
        parts.append(
            f"\t<object>\n\t\t<name>{name}</name>\n\t\t<bndbox>\n"
            f"\t\t\t<xmin>{x}</xmin>\n\t\t\t<ymin>{y}</ymin>\n"
            f"\t\t\t<xmax>{x + w}</xmax>\n\t\t\t<ymax>{y + h}</ymax>\n"
            "\t\t</bndbox>\n\t</object>\n"
        )
    return "".join([*parts, "</annotation>\n"]).encode()


def cvat_doc(objects: list[tuple[str, int, int, int, int]]) -> bytes:
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>\n']
    parts.append('  <image id="0" name="a.jpg" width="200" height="200">\n')
    for name, x, y, w, h in objects:
        parts.append(
            f'    <box label="{name}" occluded="0" xtl="{x}" ytl="{y}" '
            f'xbr="{x + w}" ybr="{y + h}" z_order="0">\n    </box>\n'
        )
    return "".join([*parts, "  </image>\n</annotations>"]).encode()


OBJECTS = st.lists(BOX, max_size=6)


@settings(max_examples=100, deadline=None)
@given(OBJECTS, OBJECTS)
def test_xml_one_side_changed_gives_that_side(base: list, side: list) -> None:  # type: ignore[type-arg]
    for make, module in ((voc_doc, voc), (cvat_doc, cvat)):
        b, x = make(base), make(side)
        for o, t in ((x, b), (b, x), (x, x)):
            merged = module.merge_text(b, o, t, path="a.xml")
            assert merged.clean
            assert merged.data == x


@settings(max_examples=100, deadline=None)
@given(OBJECTS, OBJECTS, OBJECTS)
def test_xml_any_merge_is_well_formed(base: list, ours: list, theirs: list) -> None:  # type: ignore[type-arg]
    import defusedxml.ElementTree as SafeET

    for make, module in ((voc_doc, voc), (cvat_doc, cvat)):
        merged = module.merge_text(make(base), make(ours), make(theirs), path="a.xml")
        root = SafeET.fromstring(merged.data)
        assert len(root.findall(".//gitannot_conflict")) == len(merged.conflicts)


JUNK = st.one_of(
    st.binary(max_size=60),
    label_file(),
    st.lists(BOX, max_size=3).map(voc_doc),
    st.lists(BOX, max_size=3).map(cvat_doc),
)


@settings(max_examples=200, deadline=None)
@given(JUNK, JUNK, JUNK)
def test_adapters_merge_or_refuse_never_crash(b: bytes, o: bytes, t: bytes) -> None:
    """Any input: a refusal (the driver falls back), or output in the format itself."""
    import defusedxml.ElementTree as SafeET

    from gitannot.merge.errors import UnmergeableError

    for module in (yolo, voc, cvat):
        try:
            merged = module.merge_text(b, o, t, path="f")
        except UnmergeableError:
            continue  # the driver falls back to git merge-file
        if module is yolo:  # conflicts are marker blocks, meant to stop YOLO loaders
            if merged.clean:
                yolo.parse(merged.data, "f", "merged")
        else:
            root = SafeET.fromstring(merged.data)
            assert root.tag == module.ROOT
            assert len(root.findall(".//gitannot_conflict")) == len(merged.conflicts)
