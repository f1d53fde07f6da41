"""Property: edits to different objects always merge clean, to exactly the file you get
by applying both sides' edits one after the other; an object both sides moved
differently is one conflict each, and resolving all of them to one side gives exactly
that side's edits (all formats, generated files)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from hypothesis import given, settings
from hypothesis import strategies as st

from gitannot.merge import cvat, voc, yolo
from gitannot.merge.geometry_resolve import resolve
from tests.merge_geometry.edits import Edit, Format
from tests.merge_geometry.edits import cvat as cvat_format
from tests.merge_geometry.edits import voc as voc_format
from tests.merge_geometry.edits import yolo as yolo_format

Obj = tuple[str, int, int, int, int]  # label, x, y, w, h on a 200 x 200 image


@st.composite
def objects(draw: st.DrawFn) -> list[Obj]:
    """Objects on separate cells of a 4 x 4 grid: no two overlap."""
    n = draw(st.integers(2, 7))
    cells = draw(st.permutations(range(16)))[:n]
    out: list[Obj] = []
    for cell in cells:
        label = draw(st.sampled_from(["cat", "dog"]))
        w, h = draw(st.integers(20, 40)), draw(st.integers(20, 40))
        out.append((label, (cell % 4) * 50 + 2, (cell // 4) * 50 + 2, w, h))
    return out


def voc_text(objs: list[Obj]) -> str:
    body = "".join(
        f"\t<object>\n\t\t<name>{n}</name>\n\t\t<difficult>0</difficult>\n\t\t<bndbox>\n"
        f"\t\t\t<xmin>{x}</xmin>\n\t\t\t<ymin>{y}</ymin>\n"
        f"\t\t\t<xmax>{x + w}</xmax>\n\t\t\t<ymax>{y + h}</ymax>\n\t\t</bndbox>\n\t</object>\n"
        for n, x, y, w, h in objs
    )
    return f"<annotation>\n\t<filename>a.jpg</filename>\n{body}</annotation>\n"


def cvat_text(objs: list[Obj]) -> str:
    body = "".join(
        f'    <box label="{n}" occluded="0" xtl="{x:.2f}" ytl="{y:.2f}" '
        f'xbr="{x + w:.2f}" ybr="{y + h:.2f}" z_order="0">\n    </box>\n'
        for n, x, y, w, h in objs
    )
    image = f'  <image id="0" name="a.jpg" width="200" height="200">\n{body}  </image>\n'
    return f"<annotations>\n  <version>1.1</version>\n{image}</annotations>\n"


def yolo_text(objs: list[Obj]) -> str:
    cls = {"cat": 1, "dog": 2}
    return "".join(
        f"{cls[n]} {(x + w / 2) / 200:.6f} {(y + h / 2) / 200:.6f} {w / 200:.6f} {h / 200:.6f}\n"
        for n, x, y, w, h in objs
    )


FORMATS: list[tuple[Format, Callable[[list[Obj]], str], ModuleType]] = [
    (yolo_format(Path("-")), yolo_text, yolo),
    (voc_format(Path("-")), voc_text, voc),
    (cvat_format(Path("-"), image="0"), cvat_text, cvat),
]
OP = st.sampled_from(["keep", "move", "flag", "delete", "both-move", "clash"])


def op_edit(fmt: Format, op: str, k: int) -> Edit:
    if op in ("move", "both-move", "clash-ours"):
        return fmt.move(k, 0.1)
    if op == "clash-theirs":
        return fmt.move(k, -0.1)
    if op == "flag":
        return fmt.flag(k)
    if op == "delete":
        return fmt.delete(k)
    return lambda text: text


def apply(fmt: Format, text: str, ops: list[tuple[int, str]]) -> str:
    for k, op in sorted(ops, reverse=True):  # from the last object: indices stay valid
        text = op_edit(fmt, op, k)(text)
    return text


@settings(max_examples=60, deadline=None)
@given(objects(), st.data())
def test_edits_to_different_objects_merge_to_both(objs: list[Obj], data: st.DataObject) -> None:
    n = len(objs)
    ops = data.draw(st.lists(OP, min_size=n, max_size=n))
    owner = data.draw(st.lists(st.sampled_from(["ours", "theirs"]), min_size=n, max_size=n))
    mine = [(k, op) for k, op in enumerate(ops) if owner[k] == "ours" or op == "both-move"]
    other = [(k, op) for k, op in enumerate(ops) if owner[k] == "theirs" or op == "both-move"]
    mine = [(k, "clash-ours" if op == "clash" else op) for k, op in mine]
    other = [(k, "clash-theirs" if op == "clash" else op) for k, op in other]
    clashes = [k for k, op in enumerate(ops) if op == "clash"]
    mine += [(k, "clash-ours") for k in clashes if owner[k] == "theirs"]
    other += [(k, "clash-theirs") for k in clashes if owner[k] == "ours"]
    for fmt, make, module in FORMATS:
        base = make(objs)
        ours, theirs = apply(fmt, base, mine), apply(fmt, base, other)
        enc = base.encode(), ours.encode(), theirs.encode()
        if module is yolo:
            files = [yolo.parse(d, "f", s) for d, s in zip(enc, ("b", "o", "t"), strict=True)]
            merged = yolo.merge_rows(*files)
        else:
            merged = module.merge_text(*enc, path="f")
        assert len(merged.conflicts) == len(clashes), (fmt.name, merged.data.decode())
        for side, clash in (("ours", "clash-ours"), ("theirs", "clash-theirs")):
            resolved = [(k, clash if op == "clash" else op) for k, op in enumerate(ops)]
            expected = apply(fmt, base, resolved)
            data_out, left = resolve(merged.data, fmt.name, {}, side)
            assert left == 0 and data_out.decode() == expected, (fmt.name, side)
