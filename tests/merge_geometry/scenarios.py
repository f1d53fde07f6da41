"""The merge scenarios every id-less format must pass, built from real files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.merge_geometry.edits import Format, cvat, voc, yolo

VOC100 = "review-odm-voc2012-100"
# 2007_000762: eight objects, six of them overlapping persons (a hard matching case).
FORMATS: dict[str, Callable[[Path], Format]] = {
    "yolo": lambda rd: yolo(rd / VOC100 / "yolo_format/obj_train_data/2007_000762.txt"),
    "yolo-crlf": lambda rd: yolo(
        rd / "label-studio-converter/test_import_yolo_data/labels/img_1.txt"
    ),
    "voc": lambda rd: voc(rd / VOC100 / "pascalvoc_format/2007_000762.xml"),
    "voc-cvat-export": lambda rd: voc(rd / VOC100 / "imagenet_format/Annotations/2007_000762.xml"),
    "cvat": lambda rd: cvat(rd / VOC100 / "cvat_format/annotations.xml", image="52"),
}


@dataclass
class Case:
    ours: str
    theirs: str
    clean: bool
    expected: str | None  # exact merged text when known
    objects: int  # objects outside conflicts in the result


def build(name: str, f: Format) -> Case:
    b = f.base()
    n = f.count(b)
    if name == "different objects edited":
        o, t = f.move(0, 0.05)(b), f.move(3, 0.05)(b)
        return Case(o, t, True, f.move(3, 0.05)(o), n)
    if name == "same object, different fields":
        o, t = f.flag(1)(b), f.move(1, 0.05)(b)
        return Case(o, t, True, f.move(1, 0.05)(o), n)
    if name == "same change on both sides":
        o = f.move(2, 0.05)(b)
        t = f.flag(0)(f.move(2, 0.05)(b))
        return Case(o, t, True, t, n)
    if name == "delete vs edit of a neighbour":
        o, t = f.delete(2)(b), f.move(3, 0.05)(b)
        return Case(o, t, True, f.delete(2)(t), n - 1)
    if name == "both add different objects":
        o, t = f.add("dog")(b), f.add("cat")(b)
        return Case(o, t, True, None, n + 2)
    if name == "both add the same object":
        o = f.add("dog")(b)
        t = f.flag(0)(o)  # plus an unrelated edit, so git really runs the driver
        return Case(o, t, True, t, n + 1)
    if name == "same object moved differently":
        o, t = f.move(1, 0.05)(b), f.move(1, -0.05)(b)
        return Case(o, t, False, None, n - 1)
    if name == "delete vs modify":
        o, t = f.delete(1)(b), f.move(1, 0.05)(b)
        return Case(o, t, False, None, n - 1)
    raise KeyError(name)


SCENARIOS = [
    "different objects edited",
    "same object, different fields",
    "same change on both sides",
    "delete vs edit of a neighbour",
    "both add different objects",
    "both add the same object",
    "same object moved differently",
    "delete vs modify",
]
