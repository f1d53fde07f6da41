"""Pascal VOC / CVAT merges an outside differential fuzzer broke, through real `git merge`.

Each case once exited 0 while losing or changing data, wrote XML that no longer
parsed, or fell back to git's line merge for no reason. The expected results are
written out by hand here, not computed by the driver's code.
"""

from __future__ import annotations

from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest

from gitannot.main import main
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
