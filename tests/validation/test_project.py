"""Project config: format globs with detection fallback, severities, tolerances, limits."""

import pytest

from gitannot.core.findings import Finding, Severity
from gitannot.errors import ConfigError
from gitannot.project.config import ProjectConfig, load_project
from gitannot.project.globs import match
from gitannot.validation.findings_io import apply_severities
from gitannot.validation.rules import format_options

PROJECT = b"""\
dataset: {name: street, type: detection, version: 1.0.0}
label_roots: [labels/, annotations]
formats:
  - {glob: "labels/coco/*.json", format: coco}
  - {glob: "labels/**/README.md", format: ignore}
  - {glob: "labels/**/*.txt", format: yolo}
checks:
  severity:
    coco.area-mismatch: error
    "coco.*": info
    annotation.duplicate: off
    schema.version-not-bumped: off
    "merge.*": off
    "format.*": warning
  tolerances:
    bbox_tolerance_px: 5
    voc_accept_zero_based: false
limits:
  max_file_bytes: 1000
"""


@pytest.mark.parametrize(
    ("pattern", "path", "ok"),
    [
        ("labels/**/*.json", "labels/a.json", True),
        ("labels/**/*.json", "labels/x/y/a.json", True),
        ("labels/*.json", "labels/x/a.json", False),
        ("labels/coco/*.json", "labels/coco/a.json", True),
        ("**/*.xml", "a.xml", True),
        ("labels/?.txt", "labels/ab.txt", False),
    ],
)
def test_globs(pattern: str, path: str, ok: bool) -> None:
    assert match(pattern, path) is ok


def test_format_for_uses_globs_then_detection_under_label_roots() -> None:
    project = load_project(PROJECT)
    assert project.format_for("labels/coco/a.json") == "coco"
    assert project.format_for("labels/train/x.txt") == "yolo"
    assert project.format_for("labels/new/dropped.json") == "detect"
    assert project.format_for("annotations/v.xml") == "detect"
    assert project.format_for("labels/x/README.md") is None
    assert project.format_for("docs/a.json") is None


def test_severity_overrides_exact_pattern_off_and_fixed() -> None:
    project = load_project(PROJECT)
    findings = [
        Finding("coco.area-mismatch", "m", Severity.WARNING),
        Finding("coco.bbox-outside-image", "m", Severity.ERROR),
        Finding("annotation.duplicate", "m", Severity.WARNING),
        Finding("schema.version-not-bumped", "m", Severity.ERROR),
        Finding("schema.unknown-label", "m", Severity.ERROR),
        Finding("merge.unresolved-conflict", "m", Severity.ERROR),
        Finding("format.internal-error", "m", Severity.ERROR),
    ]
    out = {f.rule: f.severity for f in apply_severities(findings, project)}
    assert out == {
        "coco.area-mismatch": Severity.ERROR,  # exact beats pattern
        "coco.bbox-outside-image": Severity.INFO,
        "schema.version-not-bumped": Severity.ERROR,  # governance rules cannot be softened
        "schema.unknown-label": Severity.ERROR,
        "merge.unresolved-conflict": Severity.ERROR,  # a conflict record never passes
        "format.internal-error": Severity.ERROR,  # nor a file a validator crashed on
    }


def test_tolerances_and_limit_reach_format_options() -> None:
    options = format_options(load_project(PROJECT))
    assert options.bbox_tolerance_px == 5.0
    assert options.voc_accept_zero_based is False
    assert options.max_file_bytes == 1000


def test_unknown_tolerance_is_a_config_error() -> None:
    project = ProjectConfig(tolerances={"bbox_tolerance": 1.0})
    with pytest.raises(ConfigError, match="unknown tolerance 'bbox_tolerance'"):
        format_options(project)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"formats:\n  - {glob: a, format: png}\n", "configs/project.yaml:2: unknown format 'png'"),
        (b"checks:\n  severity:\n    x.y: fatal\n", "configs/project.yaml:3: severity of 'x.y'"),
        (b"limits: {max_file_bytes: -1}\n", "configs/project.yaml:1: must be a positive"),
        (b"colour: red\n", "configs/project.yaml:1: unknown key 'colour'"),
        (b"formats: [\n", "configs/project.yaml:2: invalid YAML"),
    ],
)
def test_project_errors_name_file_and_line(text: bytes, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_project(text)
    assert expected in info.value.message


def test_empty_project_file_means_defaults() -> None:
    project = load_project(b"")
    assert project.label_roots == ("labels/",)
    assert project.schema_path == "schema/labels.yaml"


def test_names_files() -> None:
    from gitannot.validation.names import parse_names

    assert parse_names("data.yaml", b"names: [a, b]\nnc: 2\n") == ("a", "b")
    assert parse_names("data.yaml", b"names: {0: a, 2: c, 1: b}\n") == ("a", "b", "c")
    # Read as the names file's own checks read it: a blank line inside shifts the indexes
    # (and is a yolo-data.empty-name error there), conflict markers are no names.
    assert parse_names("classes.txt", b"\xef\xbb\xbfa\n\nb\n") == ("a", "", "b")
    assert parse_names("classes.txt", b"a\n<<<<<<< ours\nb\n=======\nc\n>>>>>>> x\n") == ("a",)
    assert parse_names("data.yaml", b"names: {0: a, 2: c}\n") is None  # a gap: no clean list
    assert parse_names("data.yaml", b"x: &a [1]\nnames: *a\n") is None  # aliases refused
    assert parse_names("data.yaml", b"names: [unterminated\n") is None
