"""Layouts are kept: the merged file is byte-identical to what the writer would write."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gitannot.merge import coco, jsonfmt
from tests.merge.cocodata import ann, base_doc, clone

WRITERS = {
    "indent2": lambda d: json.dumps(d, indent=2) + "\n",
    "indent4-no-newline": lambda d: json.dumps(d, indent=4),
    "tabs": lambda d: json.dumps(d, indent="\t") + "\n",
    "compact-spaces": lambda d: json.dumps(d),
    "compact-tight": lambda d: json.dumps(d, separators=(",", ":")) + "\n",
    "non-ascii": lambda d: json.dumps(d, indent=1, ensure_ascii=False) + "\n",
    "crlf": lambda d: (json.dumps(d, indent=2) + "\n").replace("\n", "\r\n"),
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_merge_output_is_what_the_writer_writes(name: str) -> None:
    write = WRITERS[name]
    base = base_doc()
    base["info"]["description"] = "Straße ✓"
    ours, theirs = clone(base), clone(base)
    ann(ours, 2)["bbox"] = [2, 2, 2, 2]
    ann(theirs, 3)["category_id"] = 1
    theirs["annotations"].append(dict(ann(theirs, 1), id=11, area=5.5))
    expected = clone(ours)
    ann(expected, 3)["category_id"] = 1
    expected["annotations"].append(theirs["annotations"][-1])
    sides: list[bytes] = [write(d).encode() for d in (base, ours, theirs)]
    out = coco.merge_text(*sides)
    assert out.data == write(expected).encode()


def test_detect() -> None:
    layout = jsonfmt.detect(b'{\n\t"a": [1,\n\t\t2]\n}')
    assert layout.indent == b"\t" and layout.key_sep == b": " and not layout.final_newline
    tight = jsonfmt.detect(b'{"a":"x, y: z","b":1}\n')
    assert tight.indent is None and tight.item_sep == b"," and tight.key_sep == b":"
    assert jsonfmt.detect(b"").indent == b"  "


def test_value_dumps_at_depth() -> None:
    layout = jsonfmt.detect(json.dumps({"a": [{"b": 1}]}, indent=2).encode())
    value: Any = {"b": [1, 2]}
    assert (
        jsonfmt.dumps(value, layout, 2) == b'{\n      "b": [\n        1,\n        2\n      ]\n    }'
    )


def test_theirs_adding_non_ascii_keeps_raw_records() -> None:
    """One side adding the first non-ASCII character is not a reformat of every record."""
    base = base_doc()
    ours, theirs = clone(base), clone(base)
    ann(ours, 1)["bbox"] = [1, 1, 1, 1]
    theirs["info"]["description"] = "Straße"
    sides = [
        (json.dumps(d, indent=2, ensure_ascii=False) + "\n").encode() for d in (base, ours, theirs)
    ]
    out = coco.merge_text(*sides)
    expected = clone(ours)
    expected["info"]["description"] = "Straße"
    assert out.data == (json.dumps(expected, indent=2, ensure_ascii=False) + "\n").encode()
