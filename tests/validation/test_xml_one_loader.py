"""Issue 9 (smaller): the merge driver reads XML under the same policy as the
validators (formats/xmlutil.py: DTDs, entities and external references refused).

A VOC file with a DOCTYPE (no entity in it) is refused by the validators; a real
`git merge` of two edits to it must not be merged object by object either: the driver
refuses it and git's own line merge decides (here: a conflict, nothing lost).
"""

from pathlib import Path

import pytest

from gitannot.formats import parse_file
from gitannot.merge import voc
from gitannot.merge.errors import UnmergeableError
from tests.merge.gitmerge import merge3

DOCTYPE = b"<!DOCTYPE annotation>\n"


def _voc(first: str, second: str) -> bytes:
    def obj(name: str, xmin: int) -> str:
        return (
            f"<object><name>{name}</name><bndbox><xmin>{xmin}</xmin><ymin>1</ymin>"
            f"<xmax>{xmin + 5}</xmax><ymax>9</ymax></bndbox></object>\n"
        )

    return (
        "<annotation><filename>a.jpg</filename>"
        "<size><width>100</width><height>100</height><depth>3</depth></size>\n"
        + obj(first, 1)
        + obj(second, 20)
        + "</annotation>\n"
    ).encode()


def test_validators_refuse_a_doctype() -> None:
    pf = parse_file("labels/voc/a.xml", DOCTYPE + _voc("person", "car"), format="voc")
    assert [f.rule for f in pf.findings] == ["xml.entities"]


def test_merge_adapter_refuses_what_the_validators_refuse() -> None:
    good = _voc("person", "car")
    with pytest.raises(UnmergeableError, match="DTDs, entities and external references"):
        voc.merge_text(good, DOCTYPE + _voc("dog", "car"), good, path="a.xml")


def test_git_merge_of_a_file_with_a_doctype_falls_back_to_lines(tmp_path: Path) -> None:
    """Object by object these edits merge cleanly (one object each); line by line they
    touch adjacent lines and conflict. The driver must not parse the DOCTYPE file."""
    base = DOCTYPE + _voc("person", "car")
    ours = DOCTYPE + _voc("dog", "car")
    theirs = DOCTYPE + _voc("person", "bicycle")
    run = merge3(tmp_path, "labels/voc/a.xml", base, ours, theirs)
    assert run.returncode != 0, run.output
    assert b"<<<<<<<" in run.data
    assert b"dog" in run.data and b"bicycle" in run.data
    # without the DOCTYPE the same edits merge per object, cleanly
    clean = merge3(tmp_path / "clean", "labels/voc/a.xml", base[len(DOCTYPE) :],
                   ours[len(DOCTYPE) :], theirs[len(DOCTYPE) :])  # fmt: skip
    assert clean.returncode == 0, clean.output
    assert clean.data == _voc("dog", "bicycle")
