"""The merge driver keeps its own layout-preserving reader per format beside the
validator's (docs/architecture.md says why). This proves the pair: on every real export
in tests/data, both readers find the same annotations — same item, same label, same
geometry within float tolerance — so a file the validator accepts is merged as the
annotations the validator saw."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from gitannot.core.annotation import Annotation, ParsedFile
from gitannot.formats import FormatContext, parse_file
from gitannot.merge import labelstudio as merge_ls
from gitannot.merge import records
from gitannot.merge import yolo as merge_yolo
from gitannot.merge.cvat import _shapes as cvat_shapes
from gitannot.merge.driver import detect
from gitannot.merge.voc import _shape as voc_shape
from gitannot.merge.xml_objects import expand, parse_doc
from tests.conftest import REALDATA
from tests.formats.realctx import context_for, real_files

# The validator's format name -> the merge driver's adapter for it.
MERGED_AS = {
    "coco": "coco",
    "coco-panoptic": "coco",
    "yolo": "yolo",
    "voc": "voc",
    "cvat": "cvat",
    "labelstudio": "labelstudio",
}
DIGITS = 3  # geometry agrees to 1/1000 of a pixel (or of the unit image for YOLO)

Box = tuple[float, float, float, float] | None
Seen = Counter[tuple[str, str, Box]]


def _parsed(path: Path, context: FormatContext | None = None) -> ParsedFile:
    return parse_file(str(path), path.read_bytes(), context=context or context_for(path, REALDATA))


def _by_format() -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for path in real_files(REALDATA):
        fmt = _parsed(path).format
        if fmt in MERGED_AS:
            out.setdefault(fmt, []).append(path)
    return out


FILES = _by_format()


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(REALDATA)) for p in paths]


def _round(box: Box) -> Box:
    if box is None:
        return None
    x, y, w, h = box
    return (round(x, DIGITS), round(y, DIGITS), round(w, DIGITS), round(h, DIGITS))


def _xywh(corners: tuple[float, float, float, float]) -> Box:
    x1, y1, x2, y2 = corners
    return _round((x1, y1, x2 - x1, y2 - y1))


def _validator(pf: ParsedFile, item_of: Any = None) -> Seen:
    def item(a: Annotation) -> str:
        return item_of(pf, a) if item_of else a.item

    return Counter((item(a), a.label, _round(a.bbox)) for a in pf.annotations)


def test_every_label_format_with_real_exports_is_checked() -> None:
    assert set(FILES) == set(MERGED_AS)
    for fmt, paths in FILES.items():  # and not only empty files
        assert any(_parsed(p).annotations for p in paths), fmt


@pytest.mark.parametrize("fmt", sorted(MERGED_AS))
def test_the_driver_picks_the_adapter_for_what_the_validator_read(fmt: str) -> None:
    for path in FILES[fmt]:
        assert detect(path.read_bytes(), str(path)) == MERGED_AS[fmt], path


@pytest.mark.parametrize("path", FILES["yolo"], ids=_ids(FILES["yolo"]))
def test_yolo_rows(path: Path) -> None:
    # A 1 x 1 image makes the validator's pixel boxes YOLO's normalised ones.
    base = context_for(path, REALDATA)
    names = base.class_names or ()
    context = FormatContext(class_names=names, image_sizes={path.stem: (1.0, 1.0)})
    pf = _parsed(path, context)
    rows = merge_yolo.parse(path.read_bytes(), str(path), "base").rows
    merged = Counter(
        (path.stem, names[row.cls] if row.cls < len(names) else "", _xywh(row.shape().box))
        for row in rows
    )
    assert len(rows) == len(pf.annotations) > 0
    assert merged == _validator(pf)


def _voc_xywh(corners: tuple[float, float, float, float], origin: float) -> Box:
    x1, y1, x2, y2 = corners
    return _round((x1 - origin, y1 - origin, x2 - x1 + origin, y2 - y1 + origin))


@pytest.mark.parametrize("path", FILES["voc"], ids=_ids(FILES["voc"]))
def test_voc_objects(path: Path) -> None:
    pf = _parsed(path)
    doc = parse_doc(path.read_bytes(), str(path), "base")
    elems = [expand(doc, c).elem for c in doc.root.children if c.tag == "object"]
    assert None not in elems  # expand always parses the object's element
    shapes = [voc_shape(e) for e in elems if e is not None]
    # VOC is 1-based (pixel i spans [i-1, i]) unless a box touches 0: a 0-based file.
    zero_based = any(s.box[0] == 0 or s.box[1] == 0 for s in shapes)
    origin = 0.0 if zero_based else 1.0
    merged = Counter(("", s.label, _voc_xywh(s.box, origin)) for s in shapes)
    objects = [a for a in pf.annotations if ".part" not in a.id]  # parts ride inside objects
    validator = Counter(("", a.label, _round(a.bbox)) for a in objects)
    assert len(shapes) == len(objects)
    assert merged == validator


@pytest.mark.parametrize("path", FILES["cvat"], ids=_ids(FILES["cvat"]))
def test_cvat_image_shapes(path: Path) -> None:
    pf = _parsed(path)
    doc = parse_doc(path.read_bytes(), str(path), "base")
    merged: Seen = Counter()
    for child in doc.root.children:
        if child.tag != "image":
            continue  # <track>s merge whole, by id: the merge does not read their shapes
        image = expand(doc, child)
        for shape in cvat_shapes(image):
            label = shape.label.split(":", 1)[1]
            merged[(image.attrs.get("name", ""), label, _xywh(shape.box))] += 1
    images = [a for a in pf.annotations if not a.id.startswith("track")]
    validator = Counter((pf.items[a.item].file_name, a.label, _round(a.bbox)) for a in images)
    assert merged == validator
    assert merged or all(c.tag != "image" for c in doc.root.children)  # video: tracks only


def _coco_records(data: bytes) -> tuple[dict[Any, Any], dict[Any, str]]:
    """The annotation records as the merge keys them, and the category names."""
    members = records.members(data)
    anns = records.keyed(members.get("annotations"))
    cats = records.keyed(members.get("categories"))
    names = {k: records.parse(raw).get("name", "") for k, raw in cats.records.items()}
    return {k: records.parse(raw) for k, raw in anns.records.items()}, names


def _without_boxes(seen: Seen) -> Seen:
    out: Seen = Counter()
    for (item, label, _), n in seen.items():
        out[(item, label, None)] += n
    return out


@pytest.mark.parametrize("path", FILES["coco"], ids=_ids(FILES["coco"]))
def test_coco_annotations(path: Path) -> None:
    pf = _parsed(path)
    anns, names = _coco_records(path.read_bytes())
    merged: Seen = Counter()
    for key, rec in anns.items():
        bbox = rec.get("bbox")
        box = _round(tuple(bbox)) if isinstance(bbox, list) and len(bbox) == 4 else None
        merged[(f"{key}@{rec.get('image_id')}", names.get(rec.get("category_id"), ""), box)] += 1
    validator = Counter((f"{a.id}@{a.item}", a.label, _round(a.bbox)) for a in pf.annotations)
    if any(b is None for _, _, b in merged):  # no bbox field: the validator derives one
        merged, validator = _without_boxes(merged), _without_boxes(validator)
    assert merged == validator
    assert merged or not anns


@pytest.mark.parametrize("path", FILES["coco-panoptic"], ids=_ids(FILES["coco-panoptic"]))
def test_coco_panoptic_segments_are_keyed_by_image(path: Path) -> None:
    """Panoptic records are merged whole per image (keyed by image_id): every segment the
    validator reads lives in the record of its image."""
    pf = _parsed(path)
    anns = records.keyed(records.members(path.read_bytes()).get("annotations"), "image_id")
    segments = Counter(
        str(key)
        for key, raw in anns.records.items()
        for _ in records.parse(raw).get("segments_info", [])
    )
    assert segments == Counter(a.item for a in pf.annotations)


@pytest.mark.parametrize("path", FILES["labelstudio"], ids=_ids(FILES["labelstudio"]))
def test_labelstudio_regions(path: Path) -> None:
    """Each region the validator reads is exactly one result the merge keys (task id /
    annotation id / region key), with the label and pixel box written in that result."""
    pf = _parsed(path)
    merged: Seen = Counter()
    tasks = orjson.loads(path.read_bytes())
    # Both readers key annotations and model predictions (the validator's ids mark a
    # prediction with "p"); unsubmitted drafts are one value to the driver.
    lists = [(t, a, "") for t in tasks for a in t.get("annotations", [])]
    lists += [(t, a, "p") for t in tasks for a in t.get("predictions", [])]
    for task, ann, mark in lists:
        for res in ann.get("result", []):
            key = merge_ls._region_key(res)
            value = res.get("value", {})
            labels = value.get(res.get("type"), [])
            if key is None or not labels:
                continue
            box = None
            sized = "original_width" in res and "original_height" in res
            if sized and {"x", "y", "width", "height"} <= set(value) and not value.get("rotation"):
                sx, sy = res["original_width"] / 100, res["original_height"] / 100
                box = _round(
                    (value["x"] * sx, value["y"] * sy, value["width"] * sx,
                     value["height"] * sy)
                )  # fmt: skip
            rid = f"{task['id']}/{mark}{ann['id']}/{key.split('/')[0]}"
            merged[(rid, labels[0], box)] += 1
    validator: Seen = Counter()
    for a in pf.annotations:
        rotated = merged[(a.id, a.label, None)] > 0
        validator[(a.id, a.label, None if rotated or a.bbox is None else _round(a.bbox))] += 1
    assert merged == validator
    assert sum(merged.values()) > 0
