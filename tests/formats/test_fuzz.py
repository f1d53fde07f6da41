"""parse_file never raises and never hits its internal-error guard, whatever the bytes;
every finding it returns names its rule and the file."""

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitannot.core.annotation import ParsedFile
from gitannot.formats import RULES, parse_file, supported_formats
from tests.conftest import REALDATA
from tests.formats.corpus import NAMES, coco_doc, ls, ls_result, pa, perimage

# GITANNOT_FUZZ_EXAMPLES=5000 for a long run; the default keeps the suite fast.
FUZZ = settings(
    max_examples=int(os.environ.get("GITANNOT_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FORMATS = [None, *supported_formats()]
PATHS = ["a.json", "labels/a.txt", "a.xml", "data.yaml", "classes.txt", "x.bin"]
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=20,
)
SMALL_REAL = [
    REALDATA / "datumaro-fixtures/coco_dataset/coco_instances/annotations/instances_val.json",
    REALDATA
    / "datumaro-fixtures/coco_dataset/coco_person_keypoints/annotations/person_keypoints_val.json",
    REALDATA / "label-studio-converter/test_export_json_min/data.json",
    REALDATA / "datumaro-fixtures/cvat_dataset/for_images/export_project/annotations.xml",
    REALDATA / "datumaro-fixtures/voc_dataset/voc_dataset1/Annotations/2007_000001.xml",
    REALDATA / "label-studio-converter/test_import_yolo_data/labels/img_1.txt",
    REALDATA / "datumaro-fixtures/roboflow_dataset/yolo/data.yaml",
    REALDATA / "panopticapi/panoptic_examples.json",
]


def _check(pf: ParsedFile, path: str) -> None:
    """No internal error, and every finding (an error rejects the file) names a known
    rule, the file it is about, what is wrong and how to fix it."""
    assert "format.internal-error" not in {f.rule for f in pf.findings}, pf.findings
    for finding in pf.findings:
        assert finding.rule in RULES, finding
        assert finding.path == path, finding
        assert finding.message.strip() and finding.hint.strip(), finding


@FUZZ
@given(data=st.binary(max_size=300), fmt=st.sampled_from(FORMATS), path=st.sampled_from(PATHS))
def test_arbitrary_bytes(data: bytes, fmt: str | None, path: str) -> None:
    _check(parse_file(path, data, format=fmt, context=NAMES), path)


@FUZZ
@given(
    value=JSON,
    fmt=st.sampled_from(
        [
            None,
            "coco",
            "coco-results",
            "labelstudio",
            "gitannot",
            "coco-panoptic",
            "coco-categories",
        ]
    ),
)
def test_arbitrary_json_documents(value: Any, fmt: str | None) -> None:
    _check(parse_file("a.json", json.dumps(value).encode(), format=fmt), "a.json")


def _replace_somewhere(doc: Any, path: list[int], value: Any) -> Any:
    """Replace the node reached by following `path` (indices modulo children) with value."""
    if not path or not isinstance(doc, dict | list) or not doc:
        return value
    keys = list(doc) if isinstance(doc, dict) else list(range(len(doc)))
    key = keys[path[0] % len(keys)]
    doc[key] = _replace_somewhere(doc[key], path[1:], value)
    return doc


TEMPLATES: dict[str, Callable[[], Any]] = {
    "coco": coco_doc,
    "labelstudio": lambda: orjson.loads(
        ls(
            [
                ls_result(),
                {
                    **ls_result("p"),
                    "type": "polygonlabels",
                    "value": {"points": [[1, 2], [3, 4], [5, 1]]},
                },
            ]
        )
    ),
    "gitannot": lambda: orjson.loads(
        perimage(
            [
                pa(1),
                pa(2, polygon=[[1, 1, 5, 1, 5, 5]]),
                pa(3, mask={"size": [100, 100], "counts": [5, 5, 9990]}),
            ]
        )
    ),
}


@FUZZ
@given(
    fmt=st.sampled_from(sorted(TEMPLATES)),
    where=st.lists(st.integers(0, 50), max_size=6),
    value=JSON,
)
def test_valid_documents_with_one_value_replaced(fmt: str, where: list[int], value: Any) -> None:
    doc = _replace_somewhere(TEMPLATES[fmt](), where, value)
    _check(parse_file("a.json", json.dumps(doc).encode(), format=fmt), "a.json")


@FUZZ
@given(
    index=st.integers(0, len(SMALL_REAL) - 1),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.binary(max_size=3), st.integers(0, 3)), max_size=4
    ),
)
def test_mutated_real_files(index: int, edits: list[tuple[float, bytes, int]]) -> None:
    path: Path = SMALL_REAL[index]
    data = bytearray(path.read_bytes())
    for at, insert, drop in edits:
        pos = int(at * len(data))
        data[pos : pos + drop] = insert
    _check(parse_file(str(path), bytes(data), context=NAMES), str(path))


TOKENS = st.sampled_from(["0", "1", "7", "-1", "0.5", "1e9", "nan", "inf", "x", "", "1.0", "0x1"])


@FUZZ
@given(rows=st.lists(st.lists(TOKENS, max_size=9), max_size=6))
def test_yolo_rows(rows: list[list[str]]) -> None:
    text = "\n".join(" ".join(r) for r in rows).encode()
    _check(parse_file("labels/a.txt", text, format="yolo", context=NAMES), "labels/a.txt")


ATTR = st.text(alphabet="0123456789.-,;eEnaif x", max_size=12)


@FUZZ
@given(
    values=st.lists(ATTR, min_size=6, max_size=6),
    tag=st.sampled_from(
        ["box", "polygon", "polyline", "points", "mask", "ellipse", "tag", "skeleton"]
    ),
)
def test_cvat_attribute_values(values: list[str], tag: str) -> None:
    from xml.sax.saxutils import quoteattr

    names = ["xtl", "ytl", "xbr", "ybr", "points", "left"]
    attrs = " ".join(f"{n}={quoteattr(v)}" for n, v in zip(names, values, strict=True))
    xml = (
        f'<annotations><image id="0" name="a" width="{values[0]}" height="10">'
        f'<{tag} label="a" {attrs} top="1" width="{values[1]}" height="2"/></image></annotations>'
    )
    _check(parse_file("a.xml", xml.encode(), format="cvat"), "a.xml")


@FUZZ
@given(values=st.lists(st.text(max_size=10), min_size=7, max_size=7))
def test_voc_element_values(values: list[str]) -> None:
    from xml.sax.saxutils import escape

    v = [escape(x) for x in values]
    xml = (
        f"<annotation><filename>{v[0]}</filename><size><width>{v[1]}</width>"
        f"<height>{v[2]}</height></size><object><name>{v[3]}</name><bndbox>"
        f"<xmin>{v[4]}</xmin><ymin>{v[5]}</ymin><xmax>{v[6]}</xmax><ymax>5</ymax>"
        "</bndbox></object></annotation>"
    )
    _check(parse_file("a.xml", xml.encode(), format="voc"), "a.xml")
