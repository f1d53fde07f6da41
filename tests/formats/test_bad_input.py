"""Hostile and broken input: a clear finding naming the file, never an exception, and
memory bounded by the input rather than by what the input asks for."""

import tracemalloc

import orjson
import pytest

from gitannot.core.findings import Severity
from gitannot.formats import FormatOptions, parse_file
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


def _peak_bytes(fn: object, *args: object, **kw: object) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = fn(*args, **kw)  # type: ignore[operator]
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _rules(pf: object) -> list[str]:
    return [f.rule for f in pf.findings]  # type: ignore[attr-defined]


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
    data = coco(lambda d: None)
    pf = parse_file("labels/big.json", data, options=FormatOptions(max_file_bytes=len(data) - 1))
    [finding] = pf.findings
    assert finding.rule == "file.too-large" and finding.path == "labels/big.json"
    assert str(len(data)) in finding.message


def test_huge_numbers_are_range_checked_not_crashing() -> None:
    huge = coco(lambda d: d["annotations"][0].update(bbox=[1e308, 1e308, 1e308, 1e308]))
    assert set(_rules(parse_file("a.json", huge))) <= {
        "coco.bbox-outside-image",
        "coco.bbox-not-enclosing-segmentation",
    }
    big_int = coco(lambda d: None).replace(b'"area":400', b'"area":' + b"9" * 400)
    assert _rules(parse_file("a.json", big_int))  # reported one way or another, no raise
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
    assert _rules(pf) == ["yolo-data.names"]
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
