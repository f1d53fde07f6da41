"""Hypothesis properties of the merge: identities, no change lost, always parseable."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitannot.constants import CONFLICT_KEY
from gitannot.merge import coco, labelstudio, perimage
from gitannot.merge.driver import merge_bytes, run_driver
from gitannot.merge.resolving import resolve_bytes

FIELDS = ("category_id", "bbox", "iscrowd", "segmentation")
# More examples for a deeper run: GITANNOT_HYPOTHESIS_EXAMPLES=2000 pytest ...
EXAMPLES = int(os.environ.get("GITANNOT_HYPOTHESIS_EXAMPLES", "60"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

values = st.one_of(
    st.integers(0, 5),
    st.lists(st.integers(0, 9), min_size=4, max_size=4),
    st.text(max_size=4),
)


@st.composite
def coco_doc(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 8))
    anns = [
        {"id": i, "image_id": 1, "category_id": draw(st.integers(1, 2)), "bbox": [i, 0, 1, 1]}
        for i in range(1, n + 1)
    ]
    return {
        "info": {"v": draw(st.integers(0, 2))},
        "images": [{"id": 1, "file_name": "a.jpg"}],
        "annotations": anns,
        "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
    }


@st.composite
def edited(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(base)
    anns = doc["annotations"]
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["modify", "delete", "add", "info"]))
        if op == "modify" and anns:
            ann = draw(st.sampled_from(anns))
            ann[draw(st.sampled_from(FIELDS))] = draw(values)
        elif op == "delete" and anns:
            anns.remove(draw(st.sampled_from(anns)))
        elif op == "add":
            new_id = draw(st.integers(1, 12))
            if new_id not in {a["id"] for a in anns}:
                anns.append({"id": new_id, "image_id": 1, "category_id": 1, "bbox": draw(values)})
        elif op == "info":
            doc["info"][draw(st.sampled_from(["v", "w"]))] = draw(values)
    return doc


@st.composite
def triple(draw: st.DrawFn) -> tuple[Any, Any, Any, int | None]:
    base = draw(coco_doc())
    indent = draw(st.sampled_from([None, 2, 4]))
    return base, draw(edited(base)), draw(edited(base)), indent


def enc(doc: Any, indent: int | None) -> bytes:
    return (json.dumps(doc, indent=indent) + "\n").encode()


@SETTINGS
@given(triple())
def test_identities(t: tuple[Any, Any, Any, int | None]) -> None:
    base, x, y, indent = t
    b, xb, yb = enc(base, indent), enc(x, indent), enc(y, indent)
    # The adapter itself, below the driver's byte-level shortcuts.
    assert coco.merge_text(b, xb, b).data == xb
    assert coco.merge_text(b, b, yb).data == yb
    assert coco.merge_text(b, xb, xb).data == xb
    merged = merge_bytes(b, xb, yb, "a.json")
    assert merged is not None  # recognised as COCO
    assert merged.content() == coco.merge_stream(b, xb, yb).content()
    streamed = coco.merge_stream(b, xb, yb)
    assert streamed.data == b"" and streamed.content() == coco.merge_text(b, xb, yb).data


def _by_id(doc: Any) -> dict[Any, Any]:
    return {a["id"]: a for a in doc["annotations"] if CONFLICT_KEY not in a}


def _conflict_keys(doc: Any) -> set[Any]:
    found = {a["key"] for a in doc["annotations"] if CONFLICT_KEY in a}
    return found | {k for k, v in doc.items() if isinstance(v, dict) and CONFLICT_KEY in v}


def _assert_side_kept(base: Any, side: Any, merged: Any, rekeyed_ok: bool) -> None:
    b, s, m = _by_id(base), _by_id(side), _by_id(merged)
    conflicted = _conflict_keys(merged)
    for key, rec in s.items():
        if b.get(key) == rec or key in conflicted:
            continue
        if key in m and all(
            m[key].get(f) == v for f, v in rec.items() if b.get(key, {}).get(f) != v
        ):
            continue
        # an id collision: the record is kept under a fresh id above every other id
        assert rekeyed_ok and key not in b
        stripped = {f: v for f, v in rec.items() if f != "id"}
        assert any({f: v for f, v in r.items() if f != "id"} == stripped for r in m.values())
    for key in b:
        if key not in s:  # deleted on this side: gone, or only in a conflict record
            assert key not in m


@SETTINGS
@given(triple())
def test_every_change_is_kept_or_in_a_conflict(t: tuple[Any, Any, Any, int | None]) -> None:
    base, x, y, indent = t
    out = coco.merge_text(enc(base, indent), enc(x, indent), enc(y, indent))
    merged = json.loads(out.data)  # the output always parses
    _assert_side_kept(base, x, merged, rekeyed_ok=False)
    _assert_side_kept(base, y, merged, rekeyed_ok=True)
    ids = [a["id"] for a in merged["annotations"] if CONFLICT_KEY not in a]
    assert len(ids) == len(set(ids))
    assert bool(out.conflicts) == bool(_conflict_keys(merged))
    for key in ("v", "w"):
        if x["info"].get(key) != base["info"].get(key) and "info" not in _conflict_keys(merged):
            assert merged["info"].get(key) == x["info"].get(key)


@SETTINGS
@given(triple())
def test_per_image_identities_and_parse(t: tuple[Any, Any, Any, int | None]) -> None:
    base, x, y, indent = t

    def wrap(d: Any) -> dict[str, Any]:
        return {"version": 1, "item": {"id": "i"}, "annotations": d["annotations"]}

    b, xb, yb = (enc(wrap(d), indent) for d in (base, x, y))
    assert perimage.merge_text(b, xb, b).data == xb
    assert perimage.merge_text(b, b, yb).data == yb
    json.loads(perimage.merge_text(b, xb, yb).data)


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    doc = enc(draw(coco_doc()), draw(st.sampled_from([None, 2])))
    if draw(st.booleans()):
        return draw(st.binary(max_size=200))
    cut = draw(st.integers(0, len(doc)))
    return doc[:cut] + draw(st.binary(max_size=8)) + doc[cut + draw(st.integers(0, 5)) :]


@settings(
    max_examples=max(EXAMPLES // 2, 10),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(mangled(), mangled(), mangled())
def test_driver_never_crashes_and_keeps_bytes(tmp_path: Path, b: bytes, o: bytes, t: bytes) -> None:
    paths = (tmp_path / "base", tmp_path / "ours", tmp_path / "theirs")
    for path, data in zip(paths, (b, o, t), strict=True):
        path.write_bytes(data)
    result = run_driver(*paths, "labels/x.coco.json")
    out = paths[1].read_bytes()
    if result.format == "trivial":  # one side changed: that side, byte for byte
        assert out == (o if b == t else t) and result.exit_code == 0
    elif result.format == "merge-file":  # git's line merge: clean, or conflicted
        assert result.exit_code != 0 or b"<<<<<<<" not in out
    else:
        json.loads(out)
        assert (result.exit_code == 0) == (result.conflicts == 0)


def test_type_changes_are_changes() -> None:
    """0 -> false and 1 -> 1.0 are edits even though Python calls the values equal."""
    base: dict[str, Any] = {
        "images": [],
        "annotations": [{"id": 1, "iscrowd": 0, "area": 1}],
        "categories": [],
    }
    ours = copy.deepcopy(base)
    ours["annotations"][0]["iscrowd"] = False
    theirs = copy.deepcopy(base)
    theirs["annotations"][0]["area"] = 1.0
    out = coco.merge_text(enc(base, 2), enc(ours, 2), enc(theirs, 2))
    assert json.loads(out.data)["annotations"] == [{"id": 1, "iscrowd": False, "area": 1.0}]


@st.composite
def ls_tasks(draw: st.DrawFn) -> list[Any]:
    def region(i: int) -> dict[str, Any]:
        return {
            "id": f"r{i}",
            "from_name": "label",
            "type": "rectanglelabels",
            "value": {"x": draw(st.integers(0, 3)), "rectanglelabels": ["a"]},
        }

    return [
        {
            "id": t,
            "data": {"image": f"{t}.jpg"},
            "annotations": [
                {"id": 10 * t + a, "result": [region(r) for r in range(draw(st.integers(0, 3)))]}
                for a in range(draw(st.integers(0, 2)))
            ],
        }
        for t in range(1, draw(st.integers(1, 4)) + 1)
    ]


@st.composite
def ls_edit(draw: st.DrawFn, base: list[Any]) -> list[Any]:
    tasks = copy.deepcopy(base)
    for _ in range(draw(st.integers(0, 3))):
        regions = [r for t in tasks for a in t["annotations"] for r in a["result"]]
        op = draw(st.sampled_from(["move", "delete", "add", "data"]))
        if op == "data":  # a task's own field: conflicts with the other side's edit
            draw(st.sampled_from(tasks))["data"]["image"] = draw(st.sampled_from("xyz"))
        elif op == "move" and regions:
            draw(st.sampled_from(regions))["value"]["x"] = draw(st.integers(0, 3))
        elif op == "delete" and regions:
            target = draw(st.sampled_from(regions))
            for t in tasks:
                for a in t["annotations"]:
                    a["result"] = [r for r in a["result"] if r is not target]
        elif op == "add" and tasks and tasks[0]["annotations"]:
            new = {"id": f"n{draw(st.integers(0, 3))}", "from_name": "label", "value": {"x": 9}}
            result = tasks[0]["annotations"][0]["result"]
            if new["id"] not in {r["id"] for r in result}:
                result.append(new)
    return tasks


@SETTINGS
@given(st.data())
def test_label_studio_identities_and_parse(data: st.DataObject) -> None:
    base = data.draw(ls_tasks())
    x, y = data.draw(ls_edit(base)), data.draw(ls_edit(base))
    b, xb, yb = (json.dumps(v, indent=2).encode() for v in (base, x, y))
    assert labelstudio.merge_text(b, xb, b).data == xb
    assert labelstudio.merge_text(b, b, yb).data == yb
    assert labelstudio.merge_text(b, xb, xb).data == xb
    out = labelstudio.merge_text(b, xb, yb)
    merged = json.loads(out.data)
    assert [str(t.get("id", t.get("key"))) for t in merged] == [str(t["id"]) for t in base]
    assert len(out.conflicts) == out.data.count(CONFLICT_KEY.encode())  # one record each
    for side in ("ours", "theirs"):  # a conflicted task holds each side's whole task
        resolved = json.loads(resolve_bytes(out.data, {}, side)[0])
        for task, tx, ty in zip(merged, x, y, strict=True):
            if CONFLICT_KEY in task:
                assert resolved[merged.index(task)] == (tx if side == "ours" else ty)


@SETTINGS
@given(triple(), st.sampled_from(["ours", "theirs", "base"]))
def test_resolve_settles_every_conflict(t: tuple[Any, Any, Any, int | None], side: str) -> None:
    from gitannot.merge.resolving import resolve_bytes

    base, x, y, indent = t
    out = coco.merge_text(enc(base, indent), enc(x, indent), enc(y, indent))
    resolved, left = resolve_bytes(out.data, {}, side)
    doc = json.loads(resolved)
    assert left == 0 and CONFLICT_KEY.encode() not in resolved
    chosen = {c.key: getattr(c, side) for c in out.conflicts}
    by_id = _by_id(doc)
    for key, value in chosen.items():
        if isinstance(key, int):
            assert by_id.get(key) == value  # None: the record is gone
    if not out.conflicts:
        assert resolved == out.data


def test_an_empty_base_object_is_kept_in_the_conflict_record() -> None:
    """`{}` in base is present, not absent: resolving --base restores it."""
    from gitannot.merge.resolving import resolve_bytes

    base: dict[str, Any] = {"info": {}, "images": [], "annotations": [], "categories": []}
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    ours["info"]["v"], theirs["info"]["v"] = 1, 2
    out = coco.merge_text(enc(base, 2), enc(ours, 2), enc(theirs, 2))
    assert [(c.key, c.base) for c in out.conflicts] == [("info", {})]
    resolved, left = resolve_bytes(out.data, {}, "base")
    assert left == 0 and json.loads(resolved) == base


@st.composite
def adds(draw: st.DrawFn, side: str) -> dict[str, Any]:
    """Base (images 1-2, categories 1-2, annotations 10-11) plus images, categories and
    annotations this side adds under ids the other side may use too (names carry the
    side, or not); ours may point annotation 10 at what it added, theirs annotation 11."""
    doc: dict[str, Any] = {
        "images": [{"id": i, "file_name": f"base{i}.jpg"} for i in (1, 2)],
        "categories": [{"id": c, "name": f"base{c}"} for c in (1, 2)],
        "annotations": [
            {"id": a, "image_id": 1, "category_id": 1, "note": f"base{a}"} for a in (10, 11)
        ],
    }
    for i in draw(st.sets(st.integers(3, 5), max_size=3)):
        doc["images"].append({"id": i, "file_name": f"{side}{i}.jpg"})
    for c in draw(st.sets(st.integers(3, 4), max_size=2)):
        doc["categories"].append({"id": c, "name": f"{side}{c}"})
    image_ids = [i["id"] for i in doc["images"]]
    category_ids = [c["id"] for c in doc["categories"]]
    edited = doc["annotations"][0 if side == "ours" else 1]
    edited["image_id"] = draw(st.sampled_from(image_ids))
    edited["category_id"] = draw(st.sampled_from(category_ids))
    for a in draw(st.sets(st.integers(1, 4), max_size=4)):
        ref = {"image_id": draw(st.sampled_from(image_ids))}
        ref["category_id"] = draw(st.sampled_from(category_ids))
        note = f"{side}{a}" if draw(st.booleans()) else f"new{a}"  # maybe alike on both
        doc["annotations"].append({"id": a, **ref, "note": note})
    return doc


def _resolved(doc: dict[str, Any]) -> set[tuple[str, str, str]]:
    """Each annotation as (note, its image's file name, its category's name)."""
    images = {i["id"]: i["file_name"] for i in doc["images"]}
    cats = {c["id"]: c["name"] for c in doc["categories"]}
    return {(a["note"], images[a["image_id"]], cats[a["category_id"]]) for a in doc["annotations"]}


@SETTINGS
@given(adds("ours"), adds("theirs"), st.sampled_from([None, 2]))
def test_rekeying_keeps_every_reference(ours: Any, theirs: Any, indent: int | None) -> None:
    """Both sides adding under the same ids merges clean; every annotation of either
    side still points at the same image and category (by content) as on its side."""
    base = {name: ours[name][:2] for name in ("images", "categories")}
    base["annotations"] = [
        {"id": a, "image_id": 1, "category_id": 1, "note": f"base{a}"} for a in (10, 11)
    ]
    out = coco.merge_text(enc(base, indent), enc(ours, indent), enc(theirs, indent))
    assert out.conflicts == []
    merged = json.loads(out.data)
    for name in ("images", "categories", "annotations"):
        assert len({r["id"] for r in merged[name]}) == len(merged[name])
    mine = {r for r in _resolved(ours) if r[0] != "base11"}  # theirs edited base11
    assert _resolved(merged) == mine | {r for r in _resolved(theirs) if r[0] != "base10"}


def test_integers_beyond_64_bits_survive_a_field_merge() -> None:
    """orjson reads such integers as floats: a re-serialized record must not round them."""
    big, neg = 2**70 + 1, -(2**63) - 1
    base = {"images": [], "annotations": [{"id": 1, "a": 0, "b": 0, "ext": big, "n": neg}]}
    base["categories"] = []
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    ours["annotations"][0]["a"], theirs["annotations"][0]["b"] = 1, 2
    out = coco.merge_text(enc(base, 2), enc(ours, 2), enc(theirs, 2))
    merged = json.loads(out.data)["annotations"][0]
    assert (merged["a"], merged["b"], merged["ext"], merged["n"]) == (1, 2, big, neg)


def test_identical_annotations_on_colliding_images_are_both_kept() -> None:
    """Both sides add image 4 (different files) and the same annotation on it: theirs'
    annotation is about theirs' image, so it follows that image to its new id."""
    base: dict[str, Any] = {"images": [], "categories": [{"id": 1}], "annotations": []}
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    for side, name in ((ours, "o.jpg"), (theirs, "t.jpg")):
        side["images"].append({"id": 4, "file_name": name})
        side["annotations"].append({"id": 11, "image_id": 4, "category_id": 1})
    out = coco.merge_text(enc(base, 2), enc(ours, 2), enc(theirs, 2))
    assert out.conflicts == []
    merged = json.loads(out.data)
    assert merged["images"] == [ours["images"][0], {"id": 5, "file_name": "t.jpg"}]
    assert merged["annotations"] == [
        ours["annotations"][0],
        {"id": 12, "image_id": 5, "category_id": 1},
    ]
