"""The label diff of two COCO versions from their unshared records only
(coco_incremental.changed_records) equals the diff of the two whole files."""

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from gitannot.core.annotation import Annotation, GeometryKind, ParsedFile
from gitannot.events import types as T
from gitannot.events.annotations import diff_file
from gitannot.formats import parse_file
from gitannot.formats.coco_incremental import changed_records
from gitannot.formats.options import FormatOptions
from gitannot.validation.cache import ResultCache
from gitannot.validation.incremental import MIN_BYTES, changes_key, file_key
from gitannot.validation.rules import load_rules
from gitannot.validation.service import Validator
from gitannot.validation.sources import WorkTreeSource
from tests.events.helpers import bootstrap, coco, events
from tests.gitenv import Client, ServerRepo
from tests.validation.test_incremental import (
    PATH,
    Edit,
    _ann,
    _dangling,
    _delete,
    _doc,
    _image_size,
    _mistype,
    _move,
    _not_object,
    _recategorise,
    _rename_category,
)


def _insert_new_id(rng: random.Random, doc: dict[str, Any]) -> None:
    anns = doc["annotations"]
    anns.insert(rng.randrange(len(anns) + 1), _ann(rng, 50_000 + rng.randrange(10**6), 6))


# Edits that keep annotation ids unique (validation requires it; the diff matches by id).
EDITS: list[Edit] = [
    _move, _dangling, _recategorise, _mistype, _not_object, _delete, _insert_new_id,
]  # fmt: skip
HEAD_EDITS: list[Edit] = [_image_size, _rename_category]
NONE = GeometryKind.NONE


def _full(old: bytes, new: bytes) -> Any:
    before, after = parse_file(PATH, old, format="coco"), parse_file(PATH, new, format="coco")
    return diff_file(PATH, before, after).to_dict()


@pytest.mark.parametrize("seed", range(40))
def test_diff_from_changed_records_equals_the_whole_file_diff(seed: int) -> None:
    rng = random.Random(seed)
    doc = _doc(rng, 400)
    old = orjson.dumps(doc)
    for _ in range(rng.randint(1, 6)):
        rng.choice(EDITS)(rng, doc)
    new = orjson.dumps(doc)
    changed = changed_records(PATH, old, new, FormatOptions())
    assert changed is not None  # a few records of 400: the fast path applies
    fast = diff_file(
        PATH,
        ParsedFile(PATH, "coco", annotations=changed.old),
        ParsedFile(PATH, "coco", annotations=changed.new),
    )
    assert fast.to_dict() == _full(old, new)


@pytest.mark.parametrize("edit", HEAD_EDITS, ids=lambda e: e.__name__)
def test_changed_images_or_categories_mean_a_whole_file_diff(edit: Edit) -> None:
    rng = random.Random(7)
    doc = _doc(rng, 400)
    old = orjson.dumps(doc)
    before = orjson.dumps(doc)
    while orjson.dumps(doc) == before:
        edit(rng, doc)
    assert changed_records(PATH, old, orjson.dumps(doc), FormatOptions()) is None


def test_a_rewritten_file_means_a_whole_file_diff() -> None:
    rng = random.Random(3)
    doc = _doc(rng, 400)
    old = orjson.dumps(doc)
    for ann in doc["annotations"][::3]:
        ann["bbox"][0] += 1  # a third of the records: over the eighth
    assert changed_records(PATH, old, orjson.dumps(doc), FormatOptions()) is None


def test_big_coco_edit_pushed_gives_the_whole_file_counts(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    """Through real pushes, a COCO file over MIN_BYTES (the size from which drift and the
    push event diff big files once per push, from the records the versions do not
    share): the push event's counts are the whole-file counts."""
    n = 2500
    base = [(i, 1) for i in range(1, n + 1)]
    assert len(coco(base)) >= MIN_BYTES
    alice = bootstrap(server, make_client, "protected: [main]\n", {"labels/big.json": coco(base)})
    first = events(server)
    assert [e.data["annotations"]["added"] for e in first if e.type == T.PUSH] == [{"cat": n}]
    edited = [(i, 2) if i <= 10 else (i, c) for i, c in base if i != 20] + [(100_000, 2)]
    alice.commit({"labels/big.json": coco(edited)}, "relabel ten, drop one, add one")
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    push = next(e for e in events(server, after=first[-1].seq) if e.type == T.PUSH)
    assert push.data["annotations"]["relabelled"] == {"cat -> dog": 10}
    assert push.data["annotations"]["removed"] == {"cat": 1}
    assert push.data["annotations"]["added"] == {"dog": 1}


def _index_changes(tmp_path: Path, old: bytes, new: bytes) -> Any:
    """The label diff the record check of `new` leaves when the index is `old`'s (what
    drift reads instead of the old version), or None when none was left."""
    (tmp_path / "labels").mkdir(exist_ok=True)
    with ResultCache(tmp_path / "cache") as cache:
        keys = []
        for data in (old, new):
            (tmp_path / PATH).write_bytes(data)
            source = WorkTreeSource(tmp_path)
            rules = load_rules(source)
            Validator(rules, source, cache, incremental_min_bytes=0).check_records(PATH)
            fmt = rules.project.format_for(PATH) or ""
            keys.append(file_key(rules.rules_id, "", fmt, PATH, source.entry(PATH).blob_id))
        hit = cache.get(changes_key(*keys))
    if hit is None:
        return None
    sides = [
        ParsedFile(PATH, "coco", annotations=[Annotation(i, "", x, NONE) for i, x in hit[s]])
        for s in ("old", "new")
    ]
    return diff_file(PATH, *sides).to_dict()


@pytest.mark.parametrize("seed", range(20))
def test_diff_from_the_record_index_equals_the_whole_file_diff(tmp_path: Path, seed: int) -> None:
    """The record check of a new version, against the index of the old one, names the
    unshared records with their labels: the diff from those equals the whole-file diff,
    and the old version's bytes are never read for it (they come from the index)."""
    rng = random.Random(seed)
    doc = _doc(rng, 400)
    old = orjson.dumps(doc)
    for _ in range(rng.randint(1, 6)):
        rng.choice(EDITS)(rng, doc)
    new = orjson.dumps(doc)
    assert _index_changes(tmp_path, old, new) == _full(old, new)


def test_changed_categories_leave_no_diff_from_the_index(tmp_path: Path) -> None:
    """A renamed category relabels records whose bytes did not change: the index cannot
    tell, so it leaves nothing and the label diff reads both versions."""
    rng = random.Random(7)
    doc = _doc(rng, 400)
    old = orjson.dumps(doc)
    doc["categories"][2]["name"] = "zebra2"
    assert _index_changes(tmp_path, old, orjson.dumps(doc)) is None


def test_a_big_coco_edit_is_diffed_without_reading_the_old_version(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    """Issue 11: drift's label diff of a 1% edit comes from the record index of the old
    version. The proof: the old version's blob is taken out of the server's object store
    before the edit is pushed, and the push event still counts the relabels, the
    removal and the addition (reading the old version would find no annotations: all
    counted as added)."""
    n = 2500
    base = [(i, 1) for i in range(1, n + 1)]
    alice = bootstrap(server, make_client, "protected: [main]\n", {"labels/big.json": coco(base)})
    first = events(server)
    old_blob = server.git("rev-parse", "main:labels/big.json").stdout.strip()
    loose = server.path / "objects" / old_blob[:2] / old_blob[2:]
    assert loose.is_file()  # a small push is unpacked into loose objects
    edited = [(i, 2) if i <= 10 else (i, c) for i, c in base if i != 20] + [(100_000, 2)]
    alice.commit({"labels/big.json": coco(edited)}, "relabel ten, drop one, add one")
    alice.git("config", "pack.window", "0")  # the new blob is sent whole, not as a delta
    loose.unlink()
    assert server.git("cat-file", "-e", old_blob, check=False).returncode != 0
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    push = next(e for e in events(server, after=first[-1].seq) if e.type == T.PUSH)
    assert push.data["annotations"]["relabelled"] == {"cat -> dog": 10}
    assert push.data["annotations"]["removed"] == {"cat": 1}
    assert push.data["annotations"]["added"] == {"dog": 1}
