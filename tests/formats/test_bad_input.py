"""Hostile and broken input: a clear finding naming the file, never an exception, and
memory bounded by the input rather than by what the input asks for."""

import tracemalloc
from collections.abc import Callable
from typing import ParamSpec, SupportsIndex, TypeVar

import orjson
import pytest

from gitannot.core.annotation import ParsedFile
from gitannot.core.findings import Severity
from gitannot.formats import FormatContext, FormatOptions, parse_file
from gitannot.formats.geometry import decode_compressed_rle
from tests.formats.corpus import coco

LAUGHS = (
    b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
"""
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n'.encode() for i in range(1, 10)
    ).replace(b"&lol0;", b"&lol;")
    + b"""]>
<annotations><meta>&lol9;</meta></annotations>"""
)
P = ParamSpec("P")
T = TypeVar("T")


def _peak_bytes(fn: Callable[P, T], *args: P.args, **kw: P.kwargs) -> tuple[T, int]:
    tracemalloc.start()
    try:
        result = fn(*args, **kw)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _rules(pf: ParsedFile) -> list[str]:
    return [f.rule for f in pf.findings]


def test_billion_laughs_refused_without_expansion() -> None:
    pf, peak = _peak_bytes(parse_file, "labels/a.xml", LAUGHS)
    assert _rules(pf) == ["xml.entities"]
    assert peak < 2_000_000  # 10^9 "lol"s would be gigabytes


def test_deep_json_and_xml_are_refused_cheaply() -> None:
    deep_json = b'{"images": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    pf, peak = _peak_bytes(parse_file, "a.json", deep_json)
    assert _rules(pf) == ["json.too-deep"]
    deep_xml = b"<annotation>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</annotation>"
    pf = parse_file("a.xml", deep_xml)
    assert _rules(pf) == ["xml.too-deep"]
    assert peak < 5_000_000


def test_oversized_file_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_parsing(*args: object) -> None:
        raise AssertionError("parsed an oversized file")

    monkeypatch.setattr(orjson, "loads", no_parsing)
    data = coco(lambda _: None)
    pf = parse_file("labels/big.json", data, options=FormatOptions(max_file_bytes=len(data) - 1))
    [finding] = pf.findings
    assert finding.rule == "file.too-large" and finding.path == "labels/big.json"
    assert str(len(data)) in finding.message


def test_huge_numbers_are_range_checked_not_crashing() -> None:
    huge = coco(lambda d: d["annotations"][0].update(bbox=[1e308, 1e308, 1e308, 1e308]))
    assert _rules(parse_file("a.json", huge)) == [
        "coco.bbox-outside-image",
        "coco.bbox-not-enclosing-segmentation",
    ]
    big_int = coco(lambda _: None).replace(b'"area":400', b'"area":' + b"9" * 400)
    assert _rules(parse_file("a.json", big_int)) == ["json.number-range"]
    yolo = parse_file("labels/a.txt", b"0 1e999 0.5 0.1 0.1\n", format="yolo")
    assert "value.not-finite" in _rules(yolo)


def test_yaml_alias_bomb_is_cheap() -> None:
    bomb = (
        b"a: &a [x, x, x, x, x, x, x, x, x]\n"
        + b"".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
            f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n".encode()
            for i in range(12)
        )
        + b"names: *m\n"
    )
    pf, peak = _peak_bytes(parse_file, "data.yaml", bomb)
    assert _rules(pf) == ["yolo-data.parse"]  # aliases refused, as in every rules file
    assert peak < 5_000_000


@pytest.mark.parametrize(
    ("path", "data", "rule"),
    [
        ("a.json", b"\xff\xfe{\x00}\x00", "file.encoding"),
        ("a.json", b"\x00\x01\x02", "json.parse"),
        ("a.xml", b"\x00<annotation/>", "xml.parse"),
        ("labels/a.txt", b"\xc3\x28 0.1\n", "file.encoding"),
        ("a.json", b"\xef\xbb\xbf\xef\xbb\xbf{}", "file.encoding"),  # a second BOM
    ],
)
def test_binary_garbage_gets_a_named_error(path: str, data: bytes, rule: str) -> None:
    fmt = "yolo" if path.endswith(".txt") else None
    pf = parse_file(path, data, format=fmt)
    errors = [f for f in pf.findings if f.severity is Severity.ERROR]
    assert [f.rule for f in errors] == [rule]
    assert errors[0].path == path


def test_bom_is_accepted_for_every_text_format() -> None:
    bom = b"\xef\xbb\xbf"
    assert _rules(parse_file("classes.txt", bom + b"cat\ndog\n")) == ["file.bom"]
    voc = b"<annotation><filename>a.jpg</filename><size><width>9</width><height>9</height>"
    voc += b"</size></annotation>"
    assert _rules(parse_file("a.xml", bom + voc)) == ["file.bom"]


def test_deeply_nested_yaml_is_refused() -> None:
    nested = b"names: " + b"[" * 20_000 + b"]" * 20_000
    assert _rules(parse_file("data.yaml", nested)) == ["yolo-data.parse"]


def test_xml_with_a_declared_latin1_encoding_is_read() -> None:
    head = b'<?xml version="1.0" encoding="ISO-8859-1"?>'
    body = b"<annotation><filename>caf\xe9.jpg</filename><size><width>10</width>"
    body += b"<height>10</height></size><object><name>caf\xe9</name><bndbox><xmin>1</xmin>"
    body += b"<ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object></annotation>"
    pf = parse_file("café.xml", head + body)
    assert pf.findings == [] and pf.annotations[0].label == "café"
    # The same bytes without the declaration are not UTF-8: refused with a clear id.
    assert _rules(parse_file("café.xml", body)) == ["file.encoding"]


def _alias_bomb(key: str) -> bytes:
    """Eight levels of nine aliases: 9^9 leaves (hundreds of MB once repr'd or walked)."""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefg", "bcdefgh", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    return ("\n".join(lines) + f"\nnames: [p, q]\n{key}: *h\n").encode()


@pytest.mark.parametrize("key", ["nc", "kpt_shape"])
def test_yaml_alias_bomb_under_any_key_is_refused_cheaply(key: str) -> None:
    pf, peak = _peak_bytes(parse_file, "data.yaml", _alias_bomb(key))
    assert _rules(pf) == ["yolo-data.parse"]
    assert "alias" in pf.findings[0].message
    assert peak < 5_000_000


def test_yolo_class_index_too_long_for_int_is_out_of_range() -> None:
    """int() refuses strings over 4300 digits: the adapter must not crash on one."""
    row = b"9" * 5000 + b" 0.5 0.5 0.1 0.1\n"
    names = FormatContext(class_names=("a",))
    assert _rules(parse_file("labels/a.txt", row, format="yolo", context=names)) == [
        "yolo.class-out-of-range"
    ]
    assert _rules(parse_file("labels/a.txt", row, format="yolo")) == ["yolo.no-names"]


def test_panoptic_segment_with_an_unhashable_category_id() -> None:
    doc = {
        "images": [{"id": 1, "width": 4, "height": 4, "file_name": "a.jpg"}],
        "categories": [{"id": 1, "name": "a"}],
        "annotations": [
            {"image_id": 1, "file_name": "a.png", "segments_info": [{"id": 1, "category_id": [1]}]}
        ],
    }
    pf = parse_file("a.json", orjson.dumps(doc))
    assert pf.format == "coco-panoptic" and _rules(pf) == ["coco.unknown-category"]


class CountingStr(str):
    """A string that counts the characters read from it by index."""

    reads = 0

    def __getitem__(self, key: SupportsIndex | slice) -> str:
        type(self).reads += 1
        return super().__getitem__(key)


def test_compressed_rle_with_endless_continuation_is_refused_in_linear_time() -> None:
    """A count that never ends ('o' has the continuation bit) used to build ever larger
    ints: quadratic, minutes for a few MB. A count longer than 64 bits is refused after
    reading at most 13 characters, however long the string (timing: bench/bench_hostile.py)."""
    CountingStr.reads = 0
    assert decode_compressed_rle(CountingStr("o" * 2_000_000 + "0")) is None
    assert CountingStr.reads <= 13
    CountingStr.reads = 0
    valid = "1" * 100_000  # 100k one-character counts: every character read once
    assert decode_compressed_rle(CountingStr(valid)) is not None
    assert CountingStr.reads == len(valid)
    segmentation = {"size": [10, 10], "counts": "o" * 2_000_000 + "0"}
    data = coco(lambda d: d["annotations"][0].update(segmentation=segmentation))
    assert "coco.rle-counts" in _rules(parse_file("a.json", data))


def test_format_findings_are_capped_per_rule_with_a_blocking_summary() -> None:
    rows = b"0 0.5 0.5 0.1\n" * 500 + b"0 0.5 0.5 0.1 0.1 0.2\n" * 3
    pf = parse_file(
        "labels/a.txt", rows, format="yolo", options=FormatOptions(max_findings_per_rule=4)
    )
    token = [f for f in pf.findings if f.rule == "yolo.token-count"]
    assert len(token) == 5 and [f.item for f in token[:4]] == [f"line:{n}" for n in range(1, 5)]
    summary = token[-1]
    assert summary.message == "499 more like this not listed" and summary.item == ""
    assert summary.severity is Severity.ERROR and summary.hint == token[0].hint
