"""Incremental validation of COCO files equals a full validation, edit after edit.

A seeded random walk of edits over one file (moved boxes, broken references, duplicate
ids and boxes, changed image sizes, deleted categories still in use, exclusive-group
clashes, mistyped and missing fields, inserted and deleted records): after each edit the
verdict of the incremental validator (which reuses the record index of the previous
version) must equal that of a validator that parses every file whole.
"""

import dataclasses
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from gitannot.core.findings import Finding
from gitannot.validation.cache import ResultCache
from gitannot.validation.rules import Rules, load_rules
from gitannot.validation.service import FileResult, Validator
from gitannot.validation.sources import WorkTreeSource

SCHEMA = """\
version: 1
attributes:
  occluded: bool
labels:
  - {id: 1, name: vehicle, abstract: true, geometry: [bbox, polygon]}
  - {id: 2, name: car, parent: vehicle,
     attributes: {doors: {type: int, min: 2, max: 5, required: true}}}
  - {id: 3, name: person, geometry: [bbox, polygon]}
  - {id: 4, name: day}
  - {id: 5, name: night}
exclusive_groups:
  - {name: time-of-day, labels: [day, night]}
changelog:
  - {version: 1, changes: [first]}
"""
NAMES = ["vehicle", "car", "person", "day", "night", "zebra"]
PATH = "labels/a.json"


def _ann(rng: random.Random, aid: int, images: int) -> dict[str, Any]:
    x, y = rng.uniform(0, 80), rng.uniform(0, 60)
    w, h = rng.uniform(2, 20), rng.uniform(2, 20)
    ann: dict[str, Any] = {
        "id": aid,
        "image_id": rng.randint(1, images),
        "category_id": rng.randint(1, len(NAMES)),
        "bbox": [round(x, 1), round(y, 1), round(w, 1), round(h, 1)],
        "area": round(w * h, 1),
        "iscrowd": 0,
    }
    if rng.random() < 0.3:
        ann["segmentation"] = [[x, y, x + w, y, x + w, y + h, x, y + h]]
    if rng.random() < 0.3:
        ann["attributes"] = {"doors": rng.choice([1, 3, "x"]), "occluded": True}
    return ann


def _doc(rng: random.Random, n: int) -> dict[str, Any]:
    images = 6
    return {
        "info": {"description": "t"},
        "images": [
            {"id": i, "file_name": f"{i}.jpg", "width": 100, "height": 80}
            for i in range(1, images + 1)
        ],
        "annotations": [_ann(rng, i, images) for i in range(1, n + 1)],
        "categories": [{"id": i + 1, "name": name} for i, name in enumerate(NAMES)],
    }


Edit = Callable[[random.Random, dict[str, Any]], None]


def _pick(rng: random.Random, doc: dict[str, Any]) -> dict[str, Any]:
    anns: list[Any] = doc["annotations"]
    index = rng.randrange(len(anns))
    ann = anns[index]
    if type(ann) is not dict:
        ann = anns[index] = {"id": 10_000 + index, "image_id": 1, "category_id": 3}
    return ann


def _move(rng: random.Random, doc: dict[str, Any]) -> None:
    ann = _pick(rng, doc)
    ann["bbox"] = [rng.uniform(-5, 95), rng.uniform(-5, 75), rng.uniform(0, 30), 5]


def _dangling(rng: random.Random, doc: dict[str, Any]) -> None:
    _pick(rng, doc)["image_id"] = rng.choice([99, "1", 2])


def _duplicate_id(rng: random.Random, doc: dict[str, Any]) -> None:
    _pick(rng, doc)["id"] = _pick(rng, doc).get("id")


def _duplicate_record(rng: random.Random, doc: dict[str, Any]) -> None:
    ann = dict(_pick(rng, doc))
    ann["id"] = rng.randint(1, 10_000)
    doc["annotations"].insert(rng.randrange(len(doc["annotations"]) + 1), ann)


def _image_size(rng: random.Random, doc: dict[str, Any]) -> None:
    image = rng.choice(doc["images"])
    image["width"] = rng.choice([20, 100, 0, 300, "x"])


def _delete_category(rng: random.Random, doc: dict[str, Any]) -> None:
    if len(doc["categories"]) > 1:
        doc["categories"].pop(rng.randrange(len(doc["categories"])))


def _rename_category(rng: random.Random, doc: dict[str, Any]) -> None:
    rng.choice(doc["categories"])["name"] = rng.choice([*NAMES, "", "car"])


def _recategorise(rng: random.Random, doc: dict[str, Any]) -> None:
    _pick(rng, doc)["category_id"] = rng.choice([4, 5, 2, 77])


def _mistype(rng: random.Random, doc: dict[str, Any]) -> None:
    ann = _pick(rng, doc)
    key = rng.choice(["bbox", "id", "area", "segmentation", "image_id"])
    ann[key] = rng.choice(["oops", [1, 2], None, {"a": 1}])


def _not_object(rng: random.Random, doc: dict[str, Any]) -> None:
    anns = doc["annotations"]
    anns.insert(rng.randrange(len(anns) + 1), rng.choice([7, "x", [1]]))


def _delete(rng: random.Random, doc: dict[str, Any]) -> None:
    anns = doc["annotations"]
    if len(anns) > 1:
        anns.pop(rng.randrange(len(anns)))


def _insert(rng: random.Random, doc: dict[str, Any]) -> None:
    anns = doc["annotations"]
    anns.insert(rng.randrange(len(anns) + 1), _ann(rng, rng.randint(1, 500), 6))


EDITS: list[Edit] = [
    _move,
    _dangling,
    _duplicate_id,
    _duplicate_record,
    _image_size,
    _delete_category,
    _rename_category,
    _recategorise,
    _mistype,
    _not_object,
    _delete,
    _insert,
]


def _key(f: Finding) -> tuple[str, ...]:
    return (f.rule, f.item, f.message, f.severity.value, f.hint, f.path)


def _verdict(result: FileResult) -> tuple[Any, ...]:
    return (
        result.format,
        sorted(_key(f) for f in result.findings),
        result.labels,
        result.label_ids,
    )


def _rules(root: Path, cap: int) -> Rules:
    rules = load_rules(WorkTreeSource(root))
    return dataclasses.replace(
        rules, options=dataclasses.replace(rules.options, max_findings_per_rule=cap)
    )


@pytest.mark.parametrize("seed", range(6))
def test_incremental_equals_full_on_random_edits(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema/labels.yaml").write_text(SCHEMA)
    (tmp_path / "labels").mkdir()
    doc = _doc(rng, 40)
    cap = rng.choice([2, 50])
    indent = rng.choice([0, orjson.OPT_INDENT_2])
    with ResultCache(tmp_path / "cache") as cache:
        for step in range(18):
            (tmp_path / PATH).write_bytes(orjson.dumps(doc, option=indent))
            source = WorkTreeSource(tmp_path)
            rules = _rules(tmp_path, cap)
            fast = Validator(rules, source, cache, incremental_min_bytes=0)
            fast_result = fast.validate([PATH]).files[0]
            full = Validator(rules, source, incremental=False).validate([PATH]).files[0]
            assert fast_result.cached or fast_result.rechecked is not None
            assert full.rechecked is None
            assert _verdict(fast_result) == _verdict(full), f"seed {seed}, step {step}"
            for _ in range(rng.randint(1, 3)):
                rng.choice(EDITS)(rng, doc)


def test_an_edit_rechecks_only_the_changed_records(tmp_path: Path) -> None:
    """The record index is what makes the second check cheap: one record is re-read."""
    from gitannot.validation.incremental import Version, check_incremental, index_key

    rng = random.Random(1)
    (tmp_path / "labels").mkdir()
    doc = _doc(rng, 200)
    rules = load_rules(WorkTreeSource(tmp_path))
    key = Version(index_key(rules, "detect", PATH, ""), "", "", "")  # no blob id: no memo
    with ResultCache(tmp_path / "cache") as cache:
        first = check_incremental(rules, PATH, orjson.dumps(doc), cache, key)
        doc["annotations"][17]["bbox"][0] += 1
        second = check_incremental(rules, PATH, orjson.dumps(doc), cache, key)
        doc["images"][0]["width"] = 10
        third = check_incremental(rules, PATH, orjson.dumps(doc), cache, key)
    assert first is not None and second is not None and third is not None
    assert first[3] == 200
    assert second[3] == 1
    on_image_1 = sum(1 for a in doc["annotations"] if a["image_id"] == 1)
    assert third[3] == on_image_1


def test_small_files_are_checked_whole(tmp_path: Path) -> None:
    """Below MIN_BYTES a file is parsed whole: no record index is worth its upkeep."""
    (tmp_path / "labels").mkdir()
    (tmp_path / PATH).write_bytes(orjson.dumps(_doc(random.Random(2), 40)))
    source = WorkTreeSource(tmp_path)
    with ResultCache(tmp_path / "cache") as cache:
        result = Validator(load_rules(source), source, cache).validate([PATH]).files[0]
    assert result.format == "coco"
    assert result.rechecked is None
