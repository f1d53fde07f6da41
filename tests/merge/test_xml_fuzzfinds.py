"""Pascal VOC / CVAT merges an outside differential fuzzer broke, through real `git merge`.

Each case once exited 0 while losing or changing data, wrote XML that no longer
parsed, or fell back to git's line merge for no reason. The expected results are
written out by hand here, not computed by the driver's code.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import defusedxml.ElementTree as SafeET
import pytest

from gitannot.main import main
from gitannot.merge import cvat as cvat_adapter
from gitannot.merge import voc
from tests.gitenv import git
from tests.merge.gitmerge import MergeRun, merge3

VOC_REL = "labels/img.xml"
CVAT_REL = "labels/annotations.xml"


def merged(tmp_path: Path, rel: str, base: str, ours: str, theirs: str) -> MergeRun:
    run = merge3(tmp_path, rel, base.encode(), ours.encode(), theirs.encode())
    assert "git merge-file" not in run.output, run.output  # the XML adapter merged
    return run


# 1. VOC <part>s are members of a set, not positions --------------------------------------


def part(name: str, x: int) -> str:
    return (
        f"    <part>\n      <name>{name}</name>\n      <bndbox><xmin>{x}</xmin><ymin>5</ymin>"
        f"<xmax>{x + 8}</xmax><ymax>13</ymax></bndbox>\n    </part>\n"
    )


def person(*parts: str) -> str:
    return (
        "<annotation>\n  <filename>a.jpg</filename>\n  <object>\n    <name>person</name>\n"
        "    <bndbox><xmin>0</xmin><ymin>0</ymin><xmax>100</xmax><ymax>200</ymax></bndbox>\n"
        + "".join(parts)
        + "  </object>\n</annotation>\n"
    )


def part_names(data: bytes) -> list[str]:
    obj = SafeET.fromstring(data).find("object")
    assert obj is not None
    return [p.findtext("name") or "" for p in obj.findall("part")]


def test_voc_each_side_deletes_a_different_part_deletes_both(tmp_path: Path) -> None:
    head, hand = part("head", 10), part("hand", 60)
    run = merged(tmp_path, VOC_REL, person(head, hand), person(head), person(hand))
    assert run.returncode == 0, run.output
    assert run.data == person().encode()


def test_voc_both_sides_add_a_different_part_keeps_both(tmp_path: Path) -> None:
    head, hand, foot = part("head", 10), part("hand", 60), part("foot", 40)
    run = merged(tmp_path, VOC_REL, person(head), person(head, hand), person(head, foot))
    assert run.returncode == 0, run.output
    assert part_names(run.data) == ["head", "hand", "foot"]


def test_voc_part_edited_and_another_deleted_merge(tmp_path: Path) -> None:
    head, hand = part("head", 10), part("hand", 60)
    moved_head = part("head", 12)
    run = merged(tmp_path, VOC_REL, person(head, hand), person(moved_head, hand), person(head))
    assert run.returncode == 0, run.output
    assert run.data == person(moved_head).encode()


def test_voc_part_deleted_and_edited_conflicts(tmp_path: Path) -> None:
    head, hand = part("head", 10), part("hand", 60)
    run = merged(
        tmp_path, VOC_REL, person(head, hand), person(head), person(head, part("hand", 62))
    )
    assert run.returncode != 0, run.output
    (element,) = SafeET.fromstring(run.data).findall("gitannot_conflict")
    # the object conflicts on that one part: ours deleted it, theirs moved it
    assert (element.get("reason"), element.get("fields")) == ("modify/modify", "part(base:1)")


# 6. CVAT tags never pair across labels --------------------------------------------------


def tag(label: str, confidence: str) -> str:
    return (
        f'    <tag label="{label}" source="manual">\n'
        f'      <attribute name="confidence">{confidence}</attribute>\n    </tag>\n'
    )


def cvat(*shapes: str, image: str = 'id="0" name="a.jpg" width="640" height="480"') -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>\n'
        f"  <image {image}>\n" + "".join(shapes) + "  </image>\n</annotations>\n"
    )


def test_cvat_tag_relabel_does_not_pair_with_another_labels_tag(tmp_path: Path) -> None:
    indoor, night = tag("indoor", "0.5"), tag("night", "0.5")
    ours = cvat(tag("day", "0.5"))  # deletes indoor, relabels night -> day
    theirs = cvat(tag("indoor", "0.9"), night)  # raises indoor's confidence
    run = merged(tmp_path, CVAT_REL, cvat(indoor, night), ours, theirs)
    assert run.returncode != 0, run.output  # indoor: deleted by ours, edited by theirs
    image = SafeET.fromstring(run.data).find("image")
    assert image is not None
    tags = [(t.get("label"), t.findtext("attribute")) for t in image.findall("tag")]
    assert tags == [("day", "0.5")]
    (element,) = image.findall("gitannot_conflict")
    assert element.get("reason") == "delete/modify"
    ours_side, theirs_side = element.find("ours"), element.find("theirs")
    assert ours_side is not None and list(ours_side) == []
    assert theirs_side is not None
    assert [(t.get("label"), t.findtext("attribute")) for t in theirs_side] == [("indoor", "0.9")]


# 7. A CVAT image that became <image .../> stays well-formed -------------------------------


BOX = '    <box label="dog" occluded="0" xtl="1" ytl="2" xbr="30" ybr="40" z_order="0"/>\n'
WIDE = 'id="0" name="a.jpg" width="800" height="480"'
EMPTY = (
    '<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>\n'
    '  <image id="0" name="a.jpg" width="640" height="480"/>\n</annotations>\n'
)


@pytest.mark.parametrize("emptied_by", ["theirs", "ours"])
def test_cvat_width_change_and_image_emptied_to_self_closing(
    tmp_path: Path, emptied_by: str
) -> None:
    wide = cvat(BOX, image=WIDE)
    ours, theirs = (wide, EMPTY) if emptied_by == "theirs" else (EMPTY, wide)
    run = merged(tmp_path, CVAT_REL, cvat(BOX), ours, theirs)
    assert run.returncode == 0, run.output
    image = SafeET.fromstring(run.data).find("image")  # parses
    assert image is not None and list(image) == []
    assert dict(image.attrib) == {"id": "0", "name": "a.jpg", "width": "800", "height": "480"}
    assert b'<image id="0" name="a.jpg" width="800" height="480"/>' in run.data


# 8. One-line VOC after an XML declaration: the conflict element stays well-formed ------------


def one_line(*objects: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<annotation><folder>f</folder>'
        "<filename>a.jpg</filename>" + "".join(objects) + "</annotation>"
    )


def flat(name: str, difficult: int, x: int) -> str:
    return (
        f"<object><name>{name}</name><difficult>{difficult}</difficult><bndbox><xmin>{x}</xmin>"
        f"<ymin>1</ymin><xmax>{x + 20}</xmax><ymax>21</ymax></bndbox></object>"
    )


def test_one_line_voc_conflict_parses_lists_and_resolves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dog, cat = flat("dog", 0, 10), flat("cat", 0, 100)
    theirs = one_line(flat("dog", 1, 10), cat)
    run = merged(tmp_path, VOC_REL, one_line(dog, cat), one_line(cat), theirs)
    assert run.returncode != 0, run.output  # deleted by ours, edited by theirs
    root = SafeET.fromstring(run.data)  # well-formed
    assert [o.findtext("name") for o in root.findall("object")] == ["cat"]
    assert run.data.count(b"<annotation>") == 1
    monkeypatch.chdir(run.repo)
    capsys.readouterr()
    assert main(["conflicts", VOC_REL]) == 1
    assert "reason=delete/modify" in capsys.readouterr().out
    assert main(["resolve", VOC_REL, "--theirs"]) == 0
    data = (run.repo / VOC_REL).read_bytes()
    resolved = SafeET.fromstring(data)
    assert [(o.findtext("name"), o.findtext("difficult")) for o in resolved.iter("object")] == [
        ("dog", "1"),
        ("cat", "0"),
    ]
    git("add", VOC_REL, cwd=run.repo)
    git("commit", "-q", "--no-edit", cwd=run.repo)


# 10. A child added to an empty element merges with the other side's edit ------------------


@pytest.mark.parametrize("adder", ["theirs", "ours"])
def test_cvat_attribute_added_to_empty_box_while_other_side_moves_it(
    tmp_path: Path, adder: str
) -> None:
    empty = '    <box label="dog" occluded="0" xtl="1" ytl="2" xbr="30" ybr="40" z_order="0"/>\n'
    moved = '    <box label="dog" occluded="0" xtl="3" ytl="2" xbr="32" ybr="40" z_order="0"/>\n'
    with_attr = (
        '    <box label="dog" occluded="0" xtl="1" ytl="2" xbr="30" ybr="40" z_order="0">\n'
        '      <attribute name="color">red</attribute>\n    </box>\n'
    )
    expected = (
        '    <box label="dog" occluded="0" xtl="3" ytl="2" xbr="32" ybr="40" z_order="0">\n'
        '      <attribute name="color">red</attribute>\n    </box>\n'
    )
    ours, theirs = (moved, with_attr) if adder == "theirs" else (with_attr, moved)
    run = merged(tmp_path, CVAT_REL, cvat(empty), cvat(ours), cvat(theirs))
    assert run.returncode == 0, run.output
    assert run.data == cvat(expected).encode()


# Seeded random VOC merges checked by an oracle that shares no code with the driver ---------
#
# Random edits on both sides of a random VOC file; each object and part carries a hidden
# id, and edits are drawn so that the documented matching rules leave no doubt which
# object is which (objects sit in slots 40 px apart, moves are 3 px, a relabel never
# moves, a new object takes a slot no version used). The oracle merges by those ids,
# field by field, as docs/merge.md and docs/merge-geometry.md describe; the driver's
# result must equal it, parse, and (as a criss-cross base) never make a conflict clean.
# GITANNOT_FUZZ_TRIALS / GITANNOT_FUZZ_SEED run more or other trials.

FUZZ_TRIALS = int(os.environ.get("GITANNOT_FUZZ_TRIALS", "300"))
FUZZ_SEED = int(os.environ.get("GITANNOT_FUZZ_SEED", "21"))
LABELS = ("dog", "cat", "wolf", "bird")


@dataclass(frozen=True)
class FObj:
    name: str
    slot: int
    dx: int
    difficult: int
    parts: tuple[tuple[int, str, int], ...]  # (hidden part id, name, x)


FDoc = tuple[int, dict[int, FObj]]  # (image width, hidden object id -> object)


def fuzz_render(doc: FDoc, pretty: bool) -> bytes:
    width, objects = doc
    nl, inner = ("\n  ", "\n    ") if pretty else ("", "")
    out = f'<?xml version="1.0"?>\n<annotation>{nl}<filename>a.jpg</filename>'
    out += f"{nl}<size><width>{width}</width><height>480</height></size>"
    for obj in objects.values():
        x = obj.slot * 40 + obj.dx
        out += f"{nl}<object>{inner}<name>{obj.name}</name>{inner}<difficult>{obj.difficult}"
        out += f"</difficult>{inner}<bndbox><xmin>{x}</xmin><ymin>1</ymin><xmax>{x + 30}</xmax>"
        out += "<ymax>31</ymax></bndbox>"
        for _, name, px in obj.parts:
            out += f"{inner}<part><name>{name}</name><bndbox><xmin>{px}</xmin><ymin>1</ymin>"
            out += f"<xmax>{px + 5}</xmax><ymax>6</ymax></bndbox></part>"
        out += f"{nl}</object>"
    return (out + ("\n" if pretty else "") + "</annotation>\n").encode()


def fuzz_base(rng: random.Random) -> FDoc:
    objects = {}
    for uid, slot in enumerate(rng.sample(range(10), rng.randint(0, 4))):
        names = rng.sample(("head", "hand", "foot"), rng.randint(0, 3))
        parts = tuple((i, n, 10 * i) for i, n in enumerate(names))
        objects[uid] = FObj(rng.choice(LABELS), slot, 0, rng.randint(0, 1), parts)
    return 640, objects


def fuzz_edit(rng: random.Random, doc: FDoc, side: int) -> FDoc:  # noqa: C901 — one branch per random edit kind, read as a table
    """1-3 edits; side 0 / 1 take disjoint new slots, part names and part positions."""
    width, objects = doc[0], dict(doc[1])
    moved: set[int] = set()  # moved or relabelled here: never both (that is delete + add)
    for _ in range(rng.randint(1, 3)):
        uid = rng.choice(list(objects)) if objects else None
        op = rng.randrange(9)
        if op == 0:
            width = rng.choice((800, 1024)) + side
        elif op == 1 or uid is None:
            new = 1000 * (side + 1) + len(objects) + rng.randrange(100)
            slot = 20 + 2 * rng.randrange(10) + side  # never a slot base or the other uses
            if new not in objects and all(o.slot != slot for o in objects.values()):
                objects[new] = FObj(rng.choice(LABELS), slot, 0, 0, ())
        elif op == 2:
            del objects[uid]
        elif op == 3 and uid not in moved:
            others = [n for n in LABELS if n != objects[uid].name]
            objects[uid] = replace(objects[uid], name=rng.choice(others))
            moved.add(uid)
        elif op == 4 and uid not in moved:
            objects[uid] = replace(objects[uid], dx=rng.choice((-3, 3)))
            moved.add(uid)
        elif op == 5:
            objects[uid] = replace(objects[uid], difficult=1 - objects[uid].difficult)
        elif op == 6 and objects[uid].parts:
            parts = list(objects[uid].parts)
            del parts[rng.randrange(len(parts))]
            objects[uid] = replace(objects[uid], parts=tuple(parts))
        elif op == 7:
            pid = 100 * (side + 1) + len(objects[uid].parts)
            name = ("tail", "wing")[side]
            if all(p[0] != pid and p[1] != name for p in objects[uid].parts):
                part = (pid, name, 100 + 50 * side)
                objects[uid] = replace(objects[uid], parts=(*objects[uid].parts, part))
        elif op == 8 and objects[uid].parts:
            parts = list(objects[uid].parts)
            k = rng.randrange(len(parts))
            pid, name, px = parts[k]
            if pid < 100 and px % 10 == 0:  # a base part, moved once
                parts[k] = (pid, name, px + rng.choice((-1, 1)))
                objects[uid] = replace(objects[uid], parts=tuple(parts))
    return width, objects


Content = tuple[str, int, int, frozenset[tuple[str, int]]]
_CLASH = object()


def _three(b: Any, o: Any, t: Any) -> Any:
    if o == t or t == b:
        return o
    return t if o == b else _CLASH


def fuzz_oracle(b: FDoc, o: FDoc, t: FDoc) -> tuple[object, list[Content], list[tuple[Any, Any]]]:
    """(width or _CLASH, plain objects, (ours, theirs) of each conflicting object)."""
    plain: list[Content] = []
    conflicts: list[tuple[Any, Any]] = []
    for uid in {*b[1], *o[1], *t[1]}:
        bo, oo, to = (cast(Any, d[1].get(uid)) for d in (b, o, t))
        merged = _three(bo, oo, to)
        if merged is _CLASH and None not in (bo, oo, to):
            merged = _merge_fields(bo, oo, to)
        if merged is _CLASH:
            conflicts.append((_content(oo), _content(to)))
        elif merged is not None:
            content = _content(merged)
            assert content is not None
            plain.append(content)
    return _three(b[0], o[0], t[0]), sorted(plain), sorted(conflicts, key=repr)


def _merge_fields(b: FObj, o: FObj, t: FObj) -> Any:
    fields: dict[str, Any] = {}
    for name in ("name", "difficult"):
        fields[name] = _three(getattr(b, name), getattr(o, name), getattr(t, name))
    fields["box"] = _three((b.slot, b.dx), (o.slot, o.dx), (t.slot, t.dx))
    parts: list[Any] = []
    maps = [{p[0]: p for p in x.parts} for x in (b, o, t)]
    for pid in {*maps[0], *maps[1], *maps[2]}:
        part = _three(*(m.get(pid) for m in maps))
        if part is _CLASH:
            return _CLASH
        if part is not None:
            parts.append(part)
    if _CLASH in fields.values():
        return _CLASH
    slot, dx = fields["box"]
    return FObj(fields["name"], slot, dx, fields["difficult"], tuple(parts))


def _content(obj: FObj | None) -> Content | None:
    if obj is None:
        return None
    parts = frozenset((name, px) for _, name, px in obj.parts)
    return (obj.name, obj.difficult, obj.slot * 40 + obj.dx, parts)


def _parsed(elem: Any) -> Content:
    def x(e: Any) -> int:
        return int(e.findtext("bndbox/xmin"))

    parts = frozenset((p.findtext("name"), x(p)) for p in elem.findall("part"))
    return (elem.findtext("name"), int(elem.findtext("difficult")), x(elem), parts)


def test_random_voc_merges_match_an_independent_oracle() -> None:
    rng = random.Random(FUZZ_SEED)
    clean = conflicted = 0
    for trial in range(FUZZ_TRIALS):
        b = fuzz_base(rng)
        o, t = fuzz_edit(rng, b, 0), fuzz_edit(rng, b, 1)
        pretty = rng.random() < 0.5
        raw = [fuzz_render(d, pretty) for d in (b, o, t)]
        width, plain, conflicts = fuzz_oracle(b, o, t)
        out = voc.merge_text(*raw, path=VOC_REL)
        where = f"trial {trial} (seed {FUZZ_SEED}):\n" + "\n".join(r.decode() for r in raw)
        root = SafeET.fromstring(out.data)  # always well-formed
        got_plain = sorted(_parsed(e) for e in root.findall("object"))
        assert got_plain == plain, where
        got_conflicts = []
        for element in root.findall("gitannot_conflict"):
            if element.find("*/size") is not None:
                continue
            sides = [[_parsed(e) for e in element.find(s) or []] for s in ("ours", "theirs")]
            got_conflicts.append(tuple(s[0] if s else None for s in sides))
        assert sorted(got_conflicts, key=repr) == conflicts, where
        size_conflict = root.find("gitannot_conflict/base/size") is not None
        assert size_conflict == (width is _CLASH), where
        if width is not _CLASH:
            assert root.findtext("size/width") == str(width), where
        assert out.clean == (not conflicts and width is not _CLASH), where
        if not out.clean:  # as a criss-cross base, the same two sides conflict again
            again = voc.merge_text(out.data, raw[1], raw[2], path=VOC_REL)
            SafeET.fromstring(again.data)
            assert not again.clean, where
        clean, conflicted = clean + out.clean, conflicted + (not out.clean)
    assert clean > FUZZ_TRIALS // 4 and conflicted > FUZZ_TRIALS // 10  # both kinds ran


# The same for CVAT: images (some written <image .../>), boxes (some <box .../>, some with
# an <attribute> child) and tags. A tag has no geometry: base tags, ours' new tags and
# theirs' new tags have disjoint labels, and relabelling a tag is a delete plus an add.


@dataclass(frozen=True)
class FShape:
    kind: str  # "box" or "tag"
    label: str
    slot: int
    dx: int
    occluded: int
    attr: str | None  # the <attribute name="c"> child's text, None: <shape .../>


@dataclass(frozen=True)
class FImage:
    width: int
    self_closing: bool  # layout only: how the image is written when it has no shapes
    shapes: dict[int, FShape]


CDoc = dict[int, FImage]
TAGS = (("indoor", "night"), ("day",), ("outdoor",))  # base, ours, theirs


def cvat_render(doc: CDoc, pretty: bool) -> bytes:
    nl, inner, deep = ("\n  ", "\n    ", "\n      ") if pretty else ("", "", "")
    out = '<?xml version="1.0" encoding="utf-8"?>\n<annotations>' + nl + "<version>1.1</version>"
    for ident, image in sorted(doc.items()):
        head = f'<image id="{ident}" name="{ident}.jpg" width="{image.width}" height="480"'
        if not image.shapes and image.self_closing:
            out += f"{nl}{head}/>"
            continue
        out += f"{nl}{head}>"
        for shape in image.shapes.values():
            attrs = f'label="{shape.label}" occluded="{shape.occluded}"'
            if shape.kind == "box":
                x = shape.slot * 40 + shape.dx
                attrs += f' xtl="{x}" ytl="1" xbr="{x + 30}" ybr="31" z_order="0"'
            if shape.attr is None:
                out += f"{inner}<{shape.kind} {attrs}/>"
            else:
                out += f'{inner}<{shape.kind} {attrs}>{deep}<attribute name="c">{shape.attr}'
                out += f"</attribute>{inner}</{shape.kind}>"
        out += f"{nl}</image>"
    return (out + ("\n" if pretty else "") + "</annotations>\n").encode()


def cvat_base(rng: random.Random) -> CDoc:
    doc = {}
    for ident in range(rng.randint(1, 3)):
        shapes = {}
        for uid, slot in enumerate(rng.sample(range(10), rng.randint(0, 3))):
            attr = rng.choice((None, "1"))
            shapes[uid] = FShape("box", rng.choice(LABELS), slot, 0, 0, attr)
        for uid, label in enumerate(rng.sample(TAGS[0], rng.randint(0, 2)), start=50):
            shapes[uid] = FShape("tag", label, 0, 0, 0, rng.choice((None, "0.5")))
        doc[ident] = FImage(640, rng.random() < 0.5, shapes)
    return doc


def cvat_edit(rng: random.Random, doc: CDoc, side: int) -> CDoc:  # noqa: C901 — one branch per random edit kind, read as a table
    doc = dict(doc)
    moved: set[tuple[int, int]] = set()
    for _ in range(rng.randint(1, 3)):
        ident = rng.choice(list(doc))
        image = doc[ident]
        shapes = dict(image.shapes)
        uid = rng.choice(list(shapes)) if shapes else None
        op = rng.randrange(10)
        if op == 0:
            image = replace(image, width=rng.choice((800, 1024)) + side)
        elif op == 1:
            image = replace(image, self_closing=not image.self_closing)
        elif op == 2 and len(doc) > 1:
            del doc[ident]
            continue
        elif op == 3:
            new = 100 * (side + 1) + rng.randrange(50)
            if new not in doc:
                doc[new] = FImage(640, rng.random() < 0.5, {})
        elif op == 4:
            new, slot = 1000 * (side + 1) + len(shapes), 20 + 2 * rng.randrange(10) + side
            if all(s.slot != slot for s in shapes.values()):
                shapes[new] = FShape("box", rng.choice(LABELS), slot, 0, 0, rng.choice((None, "1")))
        elif op == 5 and uid is not None:
            del shapes[uid]
        elif op == 6 and uid is not None and (ident, uid) not in moved:
            shape = shapes[uid]
            moved.add((ident, uid))
            if shape.kind == "box":
                others = [n for n in LABELS if n != shape.label]
                shapes[uid] = replace(shape, label=rng.choice(others))
            elif all(s.label != TAGS[side + 1][0] for s in shapes.values()):
                del shapes[uid]  # a tag relabelled is a new tag
                shapes[2000 * (side + 1) + uid] = replace(shape, label=TAGS[side + 1][0])
        elif op == 7 and uid is not None and (ident, uid) not in moved:
            if shapes[uid].kind == "box":
                shapes[uid] = replace(shapes[uid], dx=rng.choice((-3, 3)))
                moved.add((ident, uid))
        elif op == 8 and uid is not None:
            shapes[uid] = replace(shapes[uid], attr=rng.choice((None, "1", "2", "0.9")))
        elif op == 9 and uid is not None:
            shapes[uid] = replace(shapes[uid], occluded=1 - shapes[uid].occluded)
        doc[ident] = replace(image, shapes=shapes)
    return doc


SContent = tuple[str, str, int, int, str | None]


def _shape_content(shape: FShape | None) -> SContent | None:
    if shape is None:
        return None
    x = shape.slot * 40 + shape.dx if shape.kind == "box" else -1
    return (shape.kind, shape.label, x, shape.occluded, shape.attr)


def _image_content(image: FImage | None) -> Any:
    if image is None:
        return None
    shapes: list[Any] = sorted(_shape_content(s) for s in image.shapes.values())
    return (image.width, tuple(shapes), ())


def cvat_oracle(b: CDoc, o: CDoc, t: CDoc) -> tuple[dict[int, Any], list[tuple[Any, Any]]]:
    """(image id -> (width, plain shapes, (ours, theirs) of conflicting shapes),
    (ours, theirs) of each conflicting image)."""
    images: dict[int, Any] = {}
    conflicts: list[tuple[Any, Any]] = []
    for ident in {*b, *o, *t}:
        bi, oi, ti = (cast(Any, d.get(ident)) for d in (b, o, t))
        contents = [_image_content(i) for i in (bi, oi, ti)]
        picked = _three(*contents)
        if picked is _CLASH and None not in (bi, oi, ti):
            picked = _merge_image(bi, oi, ti)
        if picked is _CLASH:
            conflicts.append((contents[1], contents[2]))
        elif picked is not None:
            images[ident] = picked
    return images, sorted(conflicts, key=repr)


def _merge_image(b: FImage, o: FImage, t: FImage) -> Any:
    width = _three(b.width, o.width, t.width)
    if width is _CLASH:
        return _CLASH
    plain: list[Any] = []
    conflicts: list[Any] = []
    for uid in {*b.shapes, *o.shapes, *t.shapes}:
        bs, os_, ts = (cast(Any, i.shapes.get(uid)) for i in (b, o, t))
        value = _three(bs, os_, ts)
        if value is _CLASH and None not in (bs, os_, ts):
            fields = [_three(*(getattr(s, f) for s in (bs, os_, ts))) for f in FSHAPE_FIELDS]
            if _CLASH not in fields:
                value = FShape(*fields)
        if value is _CLASH:
            conflicts.append((_shape_content(os_), _shape_content(ts)))
        elif value is not None:
            plain.append(_shape_content(value))
    return (width, tuple(sorted(plain)), tuple(sorted(conflicts, key=repr)))


FSHAPE_FIELDS = ("kind", "label", "slot", "dx", "occluded", "attr")


def _parsed_shape(elem: Any) -> SContent:
    x = int(elem.get("xtl")) if elem.tag == "box" else -1
    return (elem.tag, elem.get("label"), x, int(elem.get("occluded")), elem.findtext("attribute"))


def _parsed_image(elem: Any) -> Any:
    plain = sorted(_parsed_shape(s) for s in elem if s.tag != "gitannot_conflict")
    conflicts = []
    for element in elem.findall("gitannot_conflict"):
        sides = [[_parsed_shape(s) for s in element.find(n) or []] for n in ("ours", "theirs")]
        conflicts.append(tuple(s[0] if s else None for s in sides))
    return (int(elem.get("width")), tuple(plain), tuple(sorted(conflicts, key=repr)))


def test_random_cvat_merges_match_an_independent_oracle() -> None:
    rng = random.Random(FUZZ_SEED)
    clean = conflicted = 0
    for trial in range(FUZZ_TRIALS):
        b = cvat_base(rng)
        o, t = cvat_edit(rng, b, 0), cvat_edit(rng, b, 1)
        pretty = rng.random() < 0.6
        raw = [cvat_render(d, pretty) for d in (b, o, t)]
        images, conflicts = cvat_oracle(b, o, t)
        out = cvat_adapter.merge_text(*raw, path=CVAT_REL)
        where = f"trial {trial} (seed {FUZZ_SEED}):\n" + "\n".join(r.decode() for r in raw)
        root = SafeET.fromstring(out.data)  # always well-formed
        got = {int(e.get("id")): _parsed_image(e) for e in root.findall("image")}
        assert got == images, where
        got_conflicts = []
        for element in root.findall("gitannot_conflict"):
            sides = [[_parsed_image(i) for i in element.find(n) or []] for n in ("ours", "theirs")]
            got_conflicts.append(tuple(s[0] if s else None for s in sides))
        assert sorted(got_conflicts, key=repr) == conflicts, where
        expect_clean = not conflicts and not any(i[2] for i in images.values())
        assert out.clean == expect_clean, where
        if not out.clean:  # as a criss-cross base, the same two sides conflict again
            again = cvat_adapter.merge_text(out.data, raw[1], raw[2], path=CVAT_REL)
            SafeET.fromstring(again.data)
            assert not again.clean, where
        clean, conflicted = clean + out.clean, conflicted + (not out.clean)
    assert clean > FUZZ_TRIALS // 4 and conflicted > FUZZ_TRIALS // 10  # both kinds ran
