"""Layouts are kept: the merged file is byte-identical to what the writer would write."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from gitannot.merge import coco, jsonfmt
from tests.merge.cocodata import ann, base_doc, clone

WRITERS: dict[str, Callable[[Any], str]] = {
    "indent2": lambda d: json.dumps(d, indent=2) + "\n",
    "indent4-no-newline": lambda d: json.dumps(d, indent=4),
    "tabs": lambda d: json.dumps(d, indent="\t") + "\n",
    "compact-spaces": lambda d: json.dumps(d),
    "compact-tight": lambda d: json.dumps(d, separators=(",", ":")) + "\n",
    "non-ascii": lambda d: json.dumps(d, indent=1, ensure_ascii=False) + "\n",
    "crlf": lambda d: (json.dumps(d, indent=2) + "\n").replace("\n", "\r\n"),
    "compact-crlf": lambda d: json.dumps(d) + "\r\n",
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


def test_resolve_keeps_every_other_byte() -> None:
    """resolve touches only conflict records: odd spacing elsewhere survives."""
    from gitannot.merge.resolving import resolve_bytes

    record = (
        '{"__gitannot_conflict__": 1, "key": 2, "reason": "modify/modify", "fields": ["x"],'
        ' "base": {"id": 2, "x": 0}, "ours": {"id": 2, "x": 1}, "theirs": {"id": 2, "x": 2}}'
    )
    text = '{"info":   {"a" : 1}, "annotations": [{"id": 1,  "x": 0}, ' + record + ", "
    text += '{"id": 3, "x":0}], "images": []}\n'
    out, left = resolve_bytes(text.encode(), {}, "theirs")
    assert left == 0
    assert out.startswith(b'{"info": {"a" : 1}, "annotations": [{"id": 1,  "x": 0}, {"id": 2')
    assert json.loads(out)["annotations"][1] == {"id": 2, "x": 2}
    assert b'{"id": 3, "x":0}]' in out
    gone, _ = resolve_bytes(
        text.replace('"ours": {"id": 2, "x": 1}', '"ours": null').encode(), {}, "ours"
    )
    assert [a["id"] for a in json.loads(gone)["annotations"]] == [1, 3]
    kept, left = resolve_bytes(text.encode(), {"7": "ours"}, None)
    assert left == 1 and kept == text.encode().replace(b'"info":   {', b'"info": {')
