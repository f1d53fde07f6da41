"""Format-specific merges on real files: CVAT images, attributes and tracks, VOC header
fields, empty bases, unparseable inputs, the YOLO conflict layout, the IoU threshold."""

from __future__ import annotations

from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest

from gitannot.merge import cvat, voc, yolo
from gitannot.merge.errors import UnmergeableError

PROJECT = "datumaro-fixtures/cvat_dataset/for_images/export_project/annotations.xml"
VIDEO = "datumaro-fixtures/cvat_dataset/for_video/annotations.xml"
VOC = "review-odm-voc2012-100/pascalvoc_format/2007_000645.xml"
YOLO = "review-odm-voc2012-100/yolo_format/obj_train_data/2007_000515.txt"


def read(realdata: Path, rel: str) -> str:
    return (realdata / rel).read_text(encoding="utf-8")


def nth_replace(text: str, old: str, new: str, n: int) -> str:
    """Replace the n-th (0-based) occurrence only."""
    at = -1
    for _ in range(n + 1):
        at = text.index(old, at + 1)
    return text[:at] + new + text[at + len(old) :]


def merge(module, base: str, ours: str, theirs: str, **kw):  # type: ignore[no-untyped-def]
    return module.merge_text(base.encode(), ours.encode(), theirs.encode(), path="f", **kw)


def test_cvat_project_subsets_shape_add_and_attribute_edit(realdata: Path) -> None:
    base = read(realdata, PROJECT)  # image ids repeat per subset: keys are subset/id
    poly = '    <polygon label="label1" points="1,2;3,4;6,5" z_order="1"/>\n'
    added = poly + '    <polygon label="label2" points="7,7;9,7;9,9" z_order="1"/>\n'
    ours = nth_replace(base, poly, added, 1)  # Train img1 gains a polygon
    theirs = nth_replace(base, '"a2">v3<', '"a2">v1<', 2)  # Validation img0 attribute
    merged = merge(cvat, base, ours, theirs)
    assert merged.clean
    assert merged.data.decode() == nth_replace(ours, '"a2">v3<', '"a2">v1<', 2)


def test_cvat_same_box_attribute_and_geometry_merge_field_by_field(realdata: Path) -> None:
    base = read(realdata, PROJECT)
    ours = nth_replace(base, 'xbr="4" xtl="0"', 'xbr="5" xtl="1"', 0)
    theirs = nth_replace(base, '"a4">2.4<', '"a4">3.0<', 0)
    merged = merge(cvat, base, ours, theirs)
    assert merged.clean
    assert merged.data.decode() == nth_replace(ours, '"a4">2.4<', '"a4">3.0<', 0)


def test_cvat_image_deleted_vs_edited_is_one_conflict(realdata: Path) -> None:
    base = read(realdata, PROJECT)
    start = base.index('  <image height="10" id="1" name="img1.jpg" subset="Test"')
    end = base.index("</image>\n", start) + len("</image>\n")
    ours = base[:start] + base[end:]
    theirs = nth_replace(base, 'points="1,2;3,4;6,5"', 'points="1,2;3,4;6,6"', 0)
    merged = merge(cvat, base, ours, theirs)
    assert [c.reason for c in merged.conflicts] == ["delete/modify"]
    root = SafeET.fromstring(merged.data)
    (mark,) = root.findall("gitannot_conflict")
    ours_mark = mark.find("ours")
    assert ours_mark is not None and len(ours_mark) == 0
    assert mark.find("theirs/image") is not None
    assert len(root.findall("image")) == 5


def test_cvat_tracks_merge_whole_by_id(realdata: Path) -> None:
    base = read(realdata, VIDEO)
    ours = base.replace('<track id="0" label="II">', '<track id="0" label="III">')
    theirs = base.replace('<track id="2" label="II">', '<track id="2" label="IV">')
    merged = merge(cvat, base, ours, theirs)
    assert merged.clean
    assert merged.data.decode() == ours.replace('id="2" label="II"', 'id="2" label="IV"')
    both = merge(cvat, base, ours, base.replace('id="0" label="II"', 'id="0" label="V"'))
    assert [c.key for c in both.conflicts] == ["track 0"]


def test_voc_header_fields_merge_whole(realdata: Path) -> None:
    base = read(realdata, VOC)
    ours = base.replace("<width>500</width>", "<width>501</width>")
    theirs = base.replace("<filename>2007_000645.jpg", "<filename>renamed.jpg")
    merged = merge(voc, base, ours, theirs)
    assert merged.clean and b"<width>501</width>" in merged.data and b"renamed.jpg" in merged.data
    clash = merge(voc, base, ours, base.replace("<width>500</width>", "<width>499</width>"))
    assert [(c.key, c.reason) for c in clash.conflicts] == [("size", "modify/modify")]


def test_empty_base_both_sides_added_the_file(realdata: Path) -> None:
    base = read(realdata, VOC)
    first = base.index("\t<object>")
    second = base.index("\t<object>", first + 1)
    ours = base[:second] + "</annotation>\n"  # only the first bird
    theirs = base[:first] + base[second:]  # only the second bird
    merged = merge(voc, "", ours, theirs)
    assert merged.clean
    assert merged.data.decode() == base
    rows = read(realdata, YOLO).splitlines(keepends=True)
    got = merge(yolo, "", "".join(rows[:2]), "".join(rows[2:]))
    assert got.clean and got.data.decode() == "".join(rows)


@pytest.mark.parametrize(
    "module,data",
    [
        (voc, b'<!DOCTYPE a [<!ENTITY x "xxxx">]><annotation>&x;</annotation>'),
        (cvat, b"<annotations><image id='0'></annotations>"),
        (voc, b"<annotations></annotations>"),  # not VOC
        (yolo, b"person 0.1 0.1 0.2 0.2\n"),  # obj.names, not labels
        (yolo, b"0 0.1 0.1 0.2\n"),  # too few numbers
        (yolo, b"0 0.1 nan 0.2 0.2\n"),
    ],
)
def test_unparseable_input_is_refused_for_the_fallback(module, data: bytes) -> None:  # type: ignore[no-untyped-def]
    good = {voc: b"<annotation/>", cvat: b"<annotations/>", yolo: b"0 0.5 0.5 0.1 0.1\n"}[module]
    with pytest.raises(UnmergeableError):
        module.merge_text(good, data, good + b" ", path="f")


def test_yolo_conflict_markers_wrap_only_the_conflicting_row(realdata: Path) -> None:
    base = read(realdata, YOLO)
    ours = base.replace("3 0.215000", "3 0.220000")
    theirs = base.replace("3 0.215000", "3 0.210000").replace("5 0.041000", "5 0.042000")
    merged = merge(yolo, base, ours, theirs, marker_size=9)
    assert merged.data.decode() == (
        "5 0.042000 0.656000 0.078000 0.250667\n"
        "0 0.030000 0.485333 0.056000 0.517333\n"
        "<<<<<<<<< ours (modify/modify, base:2)\n"
        "3 0.220000 0.498667 0.174000 0.122667\n"
        "||||||||| base\n"
        "3 0.215000 0.498667 0.174000 0.122667\n"
        "=========\n"
        "3 0.210000 0.498667 0.174000 0.122667\n"
        ">>>>>>>>> theirs\n"
        "3 0.333000 0.489333 0.078000 0.088000\n"
    )
    (conflict,) = merged.conflicts
    assert conflict.fields == ["geometry"] and conflict.ours.startswith("3 0.220000")


def test_iou_threshold_decides_what_counts_as_the_same_object(realdata: Path) -> None:
    base = read(realdata, YOLO)
    # row 2 (w 0.174) moved by 40% of its width: IoU 0.43 with where it was
    ours = base.replace("3 0.215000", f"3 {0.215 + 0.4 * 0.174:.6f}")
    theirs = base.replace("3 0.215000", "4 0.215000")  # relabelled in place
    strict = merge(yolo, base, ours, theirs, iou_threshold=0.5)
    assert [c.reason for c in strict.conflicts] == ["delete/modify"]  # a new row + a delete
    loose = merge(yolo, base, ours, theirs, iou_threshold=0.3)
    assert loose.clean and f"4 {0.215 + 0.4 * 0.174:.6f} 0.498667".encode() in loose.data


def test_container_attributes_survive_when_the_other_side_shapes_the_children() -> None:
    base = (
        '<annotations a="1">\n  <image id="0" name="x" width="5">\n'
        '    <box label="c" xtl="1" ytl="1" xbr="3" ybr="3"/>\n  </image>\n</annotations>\n'
    )
    ours = base.replace('a="1"', 'a="2"').replace('width="5"', 'width="6"')
    new_box = '    <box label="d" xtl="4" ytl="4" xbr="5" ybr="5"/>\n'
    theirs = base.replace("  </image>", new_box + "  </image>").replace('xbr="3"', 'xbr="3.2"')
    merged = merge(cvat, base, ours, theirs)
    assert merged.clean
    assert merged.data.decode() == theirs.replace('a="1"', 'a="2"').replace('"5">', '"6">')


def test_xml_in_another_encoding_is_refused() -> None:
    latin = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<annotation>\xe9</annotation>\n'
    with pytest.raises(UnmergeableError, match="not UTF-8"):
        voc.merge_text(latin, latin + b" ", latin + b"  ", path="f")


def test_cvat_image_added_on_both_sides_merges_shape_by_shape(realdata: Path) -> None:
    full = read(realdata, PROJECT)
    start = full.index('  <image height="10" id="1" name="img1.jpg" subset="Test"')
    end = full.index("</image>\n", start) + len("</image>\n")
    base = full[:start] + full[end:]  # Test img1 not there yet
    ours = full  # adds it with its polygon and points
    extra = '    <box label="label1" xtl="5" ytl="5" xbr="9" ybr="9" z_order="3"/>\n'
    at = full.index("  </image>", start)
    theirs = full[:at] + extra + full[at:]  # adds it with one more box
    merged = merge(cvat, base, ours, theirs)
    assert merged.clean
    assert merged.data.decode() == theirs
    clash = merge(
        cvat, base, ours, theirs.replace('points="1,2;3,4;6,5"', 'points="1,2;3,4;6,6"', 1)
    )
    assert [c.reason for c in clash.conflicts] == ["add/add"]
