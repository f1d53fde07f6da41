"""Validation names git's conflict markers instead of a bare JSON syntax error."""

from __future__ import annotations

from gitannot.formats import parse_file


def test_json_with_line_merge_markers_says_what_happened() -> None:
    data = b'<<<<<<< HEAD\n{"images": []}\n=======\n{"images": [1]}\n>>>>>>> theirs\n'
    pf = parse_file("labels/train.coco.json", data, format="coco")
    messages = [f.message for f in pf.findings if f.rule == "json.parse"]
    assert messages == [
        "git's conflict markers at line 1: merged without gitannot's merge driver; "
        "run `gitannot remerge` on this file, then `gitannot setup` in this clone"
    ]


def test_plain_syntax_error_is_unchanged() -> None:
    pf = parse_file("labels/train.coco.json", b'{"images": [}', format="coco")
    [finding] = [f for f in pf.findings if f.rule == "json.parse"]
    assert "conflict markers" not in finding.message
