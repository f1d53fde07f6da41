"""Issue 17: every COCO id field and every field referring to one must be an integer
(`coco.type`); a string "1" never matches the integer 1, so tools drop what it points at."""

import json
from typing import Any

import pytest

from gitannot.formats import parse_file


def _coco(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 10, 10], "area": 100,
             "iscrowd": 0, "segmentation": []}
        ],
        "categories": [{"id": 1, "name": "car", "supercategory": ""}],
    }  # fmt: skip
    for where, value in changes.items():
        section, key = where.split("__")
        doc[section][0][key] = value
    return doc


def _type_findings(path: str, doc: Any, fmt: str) -> list[str]:
    parsed = parse_file(path, json.dumps(doc).encode(), format=fmt)
    return [f.message for f in parsed.findings if f.rule == "coco.type"]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("annotations__id", "annotation #0: `id` must be an integer, not '7'"),
        ("annotations__image_id", "annotation 1: `image_id` must be an integer, not '1'"),
        ("annotations__category_id", "annotation 1: `category_id` must be an integer, not '1'"),
        ("images__id", "images[0].id must be an integer, not '1'"),
        ("categories__id", "categories[0]: id must be an integer, name a string"),
    ],
)
def test_string_ids_are_type_errors(where: str, expected: str) -> None:
    value = "7" if where == "annotations__id" else "1"
    assert expected in _type_findings("labels/a.json", _coco(**{where: value}), "coco")


def test_an_integer_coco_file_has_no_type_finding() -> None:
    assert _type_findings("labels/a.json", _coco(), "coco") == []


@pytest.mark.parametrize("key", ["image_id", "category_id"])
def test_results_references_must_be_integers(key: str) -> None:
    result = {"image_id": 1, "category_id": 1, "bbox": [1, 1, 5, 5], "score": 0.5}
    result[key] = "1"
    found = _type_findings("labels/results.json", [result], "coco-results")
    assert found == [f"annotation #0: `{key}` must be an integer, not '1'"]


def test_panoptic_ids_must_be_integers() -> None:
    doc = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
        "annotations": [
            {"image_id": 1, "file_name": "a.png", "segments_info": [
                {"id": "5", "category_id": 1, "bbox": [0, 0, 2, 2], "area": 4, "iscrowd": 0}]},
            {"image_id": "1", "file_name": "b.png", "segments_info": []},
        ],
        "categories": [{"id": 1, "name": "car", "isthing": 1}],
    }  # fmt: skip
    found = _type_findings("labels/panoptic.json", doc, "coco-panoptic")
    assert found == [
        "segment '5' in image 1: id and category_id must be integers",
        "annotations[1].image_id must be an integer, not '1'",
    ]
