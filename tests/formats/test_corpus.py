"""Each broken file yields exactly its check id; every registered check has a case."""

from collections import Counter

import pytest

from gitannot.core.findings import Severity
from gitannot.formats import RULES, FormatOptions, parse_file
from gitannot.formats import api as formats_api
from tests.formats.corpus import CASES, Case, coco, voc, voc_obj

# Rules that a corpus file cannot trigger (a validator bug) are tested separately below.
NOT_IN_CORPUS = {"format.internal-error"}

# The default severity of every check, written here from docs/formats.md (not read from
# RULES): a check whose severity changes by accident, or a new check, fails below.
SEVERITY: dict[str, Severity] = {
    **dict.fromkeys(
        [
            "annotation.empty-label",
            "coco.bbox-non-positive",
            "coco.bbox-outside-image",
            "coco.dangling-image-ref",
            "coco.duplicate-id",
            "coco.image-size",
            "coco.outside-image",
            "coco.keypoints-length",
            "coco.keypoints-visibility",
            "coco.polygon-odd-coordinates",
            "coco.polygon-too-few-points",
            "coco.required-key",
            "coco.rle-counts",
            "coco.rle-size-mismatch",
            "coco.type",
            "coco.unknown-category",
            "cvat.bbox-non-positive",
            "cvat.duplicate-id",
            "cvat.frame-out-of-range",
            "cvat.number",
            "cvat.track-duplicate-frame",
            "cvat.outside-image",
            "cvat.required-attribute",
            "cvat.too-few-points",
            "cvat.unknown-label",
            "file.encoding",
            "file.too-large",
            "format.internal-error",
            "format.lfs-pointer",
            "gitannot.bbox-non-positive",
            "gitannot.duplicate-id",
            "gitannot.geometry",
            "gitannot.invalid-id",
            "gitannot.outside-image",
            "gitannot.polygon-too-few-points",
            "gitannot.required-key",
            "gitannot.rle-size-mismatch",
            "gitannot.type",
            "json.nan",
            "json.number-range",
            "json.parse",
            "json.root-type",
            "json.too-deep",
            "labelstudio.bbox-non-positive",
            "labelstudio.dangling-from-name",
            "labelstudio.structure",
            "labelstudio.value-range",
            "merge.unresolved-conflict",
            "value.not-finite",
            "voc.bbox-non-positive",
            "voc.bbox-outside-image",
            "voc.number",
            "voc.required-element",
            "xml.entities",
            "xml.parse",
            "xml.root",
            "xml.too-deep",
            "yolo-data.duplicate-name",
            "yolo-data.empty-name",
            "yolo-data.kpt-shape",
            "yolo-data.names",
            "yolo-data.nc-mismatch",
            "yolo-data.parse",
            "yolo.bbox-non-positive",
            "yolo.class-out-of-range",
            "yolo.coordinate-range",
            "yolo.keypoint-visibility",
            "yolo.number",
            "yolo.token-count",
        ],
        Severity.ERROR,
    ),
    **dict.fromkeys(
        [
            "annotation.duplicate",
            "coco.area-mismatch",
            "coco.bbox-not-enclosing-segmentation",
            "coco.duplicate-category-name",
            "coco.duplicate-file-name",
            "coco.num-keypoints-mismatch",
            "coco.score-range",
            "cvat.attribute-value",
            "cvat.unknown-attribute",
            "file.empty",
            "gitannot.version",
            "labelstudio.duplicate-id",
            "labelstudio.outside-image",
            "labelstudio.unknown-label",
            "voc.filename-mismatch",
            "yolo.outside-image",
        ],
        Severity.WARNING,
    ),
    **dict.fromkeys(
        [
            "coco.crowd-area-mismatch",
            "file.bom",
            "format.unknown",
            "format.unsupported",
            "voc.coordinates-zero-based",
            "voc.missing-size",
            "yolo.no-names",
        ],
        Severity.INFO,
    ),
}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}:{c.name}")
def test_broken_file_yields_exactly_its_rule(case: Case) -> None:
    pf = parse_file(
        case.path, case.data, format=case.format, options=case.options, context=case.context
    )
    assert {f.rule for f in pf.findings} == {case.rule}, [f.message for f in pf.findings]
    for finding in pf.findings:
        assert finding.path == case.path
        assert finding.severity is SEVERITY[case.rule]
        assert finding.hint.strip(), f"{case.rule}: a finding must say how to fix it"


def test_every_registered_check_has_its_written_severity() -> None:
    assert {rule.id: rule.severity for rule in RULES.values()} == SEVERITY


def test_every_rule_has_a_corpus_case() -> None:
    covered = {case.rule for case in CASES}
    assert set(RULES) - covered == NOT_IN_CORPUS


def test_validator_bug_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setitem(formats_api.JSON_FORMATS, "coco", boom)
    pf = parse_file("a.json", coco(lambda _: None))
    assert [(f.rule, f.severity) for f in pf.findings] == [
        ("format.internal-error", Severity.ERROR)
    ]


def test_severity_override_and_disabled_rules() -> None:
    data = coco(lambda d: d["annotations"][0].update(area=1000))
    opts = FormatOptions(severity_overrides={"coco.area-mismatch": Severity.ERROR})
    assert [f.severity for f in parse_file("a.json", data, options=opts).findings] == [
        Severity.ERROR
    ]
    opts = FormatOptions(disabled_rules=frozenset({"coco.area-mismatch"}))
    assert parse_file("a.json", data, options=opts).findings == []


def test_zero_based_voc_can_be_forbidden() -> None:
    data = voc(voc_obj(box=(0, 10, 30, 30)))
    opts = FormatOptions(voc_accept_zero_based=False)
    [finding] = parse_file("img.xml", data, options=opts).findings
    assert finding.rule == "voc.coordinates-zero-based" and finding.severity is Severity.ERROR


def test_findings_are_capped_per_rule() -> None:
    def many_dangling(doc: dict[str, object]) -> None:
        base = doc["annotations"][0]  # type: ignore[index]
        doc["annotations"] = [
            {
                **base,
                "id": i,
                "image_id": 99,
                "bbox": [i % 100, i // 100, 5, 5],
                "area": 25,
                "segmentation": [],
            }
            for i in range(5000)
        ]

    pf = parse_file("a.json", coco(many_dangling))
    counts = Counter(f.rule for f in pf.findings)
    assert counts == {"coco.dangling-image-ref": 51}
    assert "4950 more" in pf.findings[-1].message
    assert len(pf.annotations) == 5000


def test_conflict_record_does_not_hide_other_problems() -> None:
    from tests.formats.corpus import CONFLICT

    def both(doc: dict[str, object]) -> None:
        doc["annotations"].append(CONFLICT)  # type: ignore[attr-defined]
        doc["annotations"][0]["category_id"] = 42  # type: ignore[index]

    rules = Counter(f.rule for f in parse_file("a.json", coco(both)).findings)
    assert rules == {"merge.unresolved-conflict": 1, "coco.unknown-category": 1}


def test_docs_table_matches_the_registry() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "formats.md").read_text()
    for rule in RULES.values():
        assert f"| `{rule.id}` | {rule.severity.value} |" in text, rule.id
