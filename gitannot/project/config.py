"""configs/project.yaml as a value, with defaults that accept real exports."""

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from gitannot.core.findings import Severity
from gitannot.errors import ConfigError
from gitannot.project.globs import match
from gitannot.schema.model import DEFAULT_SCHEMA_PATH
from gitannot.schema.yamlsrc import LineDict, load_yaml, only_keys, where

DEFAULT_PROJECT_PATH = "configs/project.yaml"
# Where the Label Studio labeling config is looked for when `labelstudio_config` is unset.
DEFAULT_LABELSTUDIO_CONFIG = "configs/labelstudio.xml"
DETECT = "detect"
KNOWN_FORMATS = frozenset(
    {"coco", "coco-results", "coco-panoptic", "coco-categories", "yolo", "yolo-data", "voc"}
    | {"yolo-names"}
    | {"labelstudio", "cvat", "gitannot"}
)
DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024
OFF = "off"
# Rules a project cannot switch off or soften: they protect the rules themselves.
FIXED_RULES = frozenset(
    {
        "schema.invalid",
        "project.invalid",
        "schema.removed",
        "schema.version-not-bumped",
        "schema.changelog-missing",
        "schema.label-removed-in-use",
        "schema.label-renamed-in-use",
        "schema.label-id-reused",
        "schema.class-mapping-changed",
        "schema.migration-missing",
        "schema.migration-invalid",
        "schema.migration-inconsistent",
        "validate.symlink",
        "validate.submodule",
        "file.too-large",
        # A file still holding merge conflict records, or one a validator crashed on,
        # must never pass, whatever a severity pattern like "*": off says.
        "merge.unresolved-conflict",
        "format.internal-error",
    }
)


@dataclass(frozen=True)
class FormatRule:
    glob: str
    format: str  # a KNOWN_FORMATS name, "detect", or "ignore"
    line: int = 0


@dataclass(frozen=True)
class DriftThresholds:
    """When a label mix counts as drifted: chi-squared for small samples, JS above."""

    min_annotations: int = 20  # smaller samples are not judged
    chi2_max_count: int = 1000  # up to this many annotations: chi-squared, p < alpha
    alpha: float = 0.001
    js_threshold: float = 0.1  # bits; above chi2_max_count


DRIFT_KEYS = ("min_annotations", "chi2_max_count", "alpha", "js_threshold")


@dataclass
class ProjectConfig:
    dataset_name: str = ""
    dataset_type: str = ""
    dataset_version: str = ""
    schema_path: str = DEFAULT_SCHEMA_PATH
    # Label Studio labeling config (XML) that exports are checked against; "" means
    # DEFAULT_LABELSTUDIO_CONFIG if that file exists.
    labelstudio_config: str = ""
    label_roots: tuple[str, ...] = ("labels/",)
    formats: list[FormatRule] = field(default_factory=list)
    # rule id or fnmatch pattern ("coco.*") -> Severity or OFF; the most specific wins.
    severities: dict[str, Severity | str] = field(default_factory=dict)
    tolerances: dict[str, float] = field(default_factory=dict)
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    source: str = DEFAULT_PROJECT_PATH
    # merge.identity: glob -> identity fields of the JSON arrays in matching files, for
    # layouts no merge adapter knows (merge/anyjson.py); tried before the usual names.
    merge_identity: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    # checks.annotator_drift: each annotator's label mix against their task peers'.
    annotator_drift: DriftThresholds = DriftThresholds()

    def identity_fields(self, path: str) -> tuple[str, ...]:
        return next((names for glob, names in self.merge_identity if match(glob, path)), ())

    def format_for(self, path: str) -> str | None:
        """The declared format of `path`; "detect" for unmatched files under a label root;
        None when the file is no annotation file."""
        for rule in self.formats:
            if match(rule.glob, path):
                return None if rule.format == "ignore" else rule.format
        if self.under_label_root(path):
            return DETECT
        return None

    def under_label_root(self, path: str) -> bool:
        return any(path.startswith(root) for root in self.label_roots)

    def severity_for(self, rule: str, default: Severity) -> Severity | None:
        """The effective severity; None when the project switched the rule off."""
        if rule in FIXED_RULES:
            return default
        chosen = self.severities.get(rule)
        if chosen is None:
            patterns = [p for p in self.severities if fnmatch.fnmatchcase(rule, p)]
            if patterns:  # longest pattern is the most specific
                chosen = self.severities[max(patterns, key=len)]
        if chosen is None:
            return default
        return None if chosen == OFF else chosen  # type: ignore[return-value]


def load_project(data: bytes, source: str = DEFAULT_PROJECT_PATH) -> ProjectConfig:
    doc = load_yaml(data, source)
    if doc is None:
        return ProjectConfig(source=source)
    if not isinstance(doc, LineDict):
        raise ConfigError(f"{source}:1: the project config must be a YAML mapping")
    allowed = {"dataset", "schema", "label_roots", "formats", "checks", "limits"}
    allowed |= {"labelstudio_config", "merge"}
    only_keys(doc, allowed, source)
    dataset = mapping(doc, "dataset", source)
    checks = mapping(doc, "checks", source)
    limits = mapping(doc, "limits", source)
    return ProjectConfig(
        dataset_name=str(dataset.get("name", "")),
        dataset_type=str(dataset.get("type", "")),
        dataset_version=str(dataset.get("version", "")),
        schema_path=str(doc.get("schema", DEFAULT_SCHEMA_PATH)),
        labelstudio_config=str(doc.get("labelstudio_config") or ""),
        label_roots=_roots(doc, source),
        formats=_formats(doc, source),
        severities=_severities(checks, source),
        tolerances=_tolerances(checks, source),
        max_file_bytes=_max_bytes(limits, source),
        source=source,
        merge_identity=_identity(mapping(doc, "merge", source), source),
        annotator_drift=drift_thresholds(mapping(checks, "annotator_drift", source), source),
    )


def _identity(merge: LineDict, source: str) -> list[tuple[str, tuple[str, ...]]]:
    """merge: {identity: {"labels/sv/**": "id" | [field, ...]}} in file order."""
    table = mapping(merge, "identity", source)
    out: list[tuple[str, tuple[str, ...]]] = []
    for glob, value in table.items():
        names = [value] if isinstance(value, str) else value
        if (
            not isinstance(names, list)
            or not names
            or not all(n and isinstance(n, str) for n in names)
        ):
            raise ConfigError(
                f"{where(source, table, glob)}: merge.identity[{glob!r}] must be a field name "
                "or a list of field names",
                'e.g. merge: {identity: {"labels/supervisely/**": "id"}}',
            )
        out.append((str(glob), tuple(names)))
    return out


def mapping(doc: LineDict, key: str, source: str) -> LineDict:
    """The mapping under `key` (an empty one when absent); shared by the config loaders."""
    value = doc.get(key)
    if value is None:
        empty = LineDict()
        empty.key_lines = {}
        return empty
    if not isinstance(value, LineDict):
        raise ConfigError(f"{where(source, doc, key)}: `{key}` must be a mapping")
    return value


def _roots(doc: LineDict, source: str) -> tuple[str, ...]:
    raw = doc.get("label_roots", ["labels/"])
    if not isinstance(raw, list) or not all(isinstance(r, str) and r for r in raw):
        raise ConfigError(f"{where(source, doc, 'label_roots')}: must be a list of folders")
    return tuple(r.rstrip("/") + "/" for r in raw)


def _formats(doc: LineDict, source: str) -> list[FormatRule]:
    raw = doc.get("formats", [])
    if not isinstance(raw, list):
        raise ConfigError(f"{where(source, doc, 'formats')}: must be a list of glob/format")
    rules = []
    for item in raw:
        if not isinstance(item, LineDict) or not {"glob", "format"} <= set(item):
            raise ConfigError(
                f"{where(source, doc, 'formats')}: each entry needs `glob` and `format`",
                'e.g. `- {glob: "labels/coco/*.json", format: coco}`',
            )
        fmt = str(item["format"])
        if fmt not in KNOWN_FORMATS | {DETECT, "ignore"}:
            raise ConfigError(
                f"{where(source, item, 'format')}: unknown format {fmt!r}",
                f"use one of: {', '.join(sorted(KNOWN_FORMATS | {DETECT, 'ignore'}))}",
            )
        rules.append(FormatRule(str(item["glob"]), fmt, item.line))
    return rules


def _severities(checks: LineDict, source: str) -> dict[str, Severity | str]:
    raw = checks.get("severity")
    if raw is None:
        return {}
    if not isinstance(raw, LineDict):
        raise ConfigError(f"{where(source, checks, 'severity')}: must map rule ids to severities")
    out: dict[str, Severity | str] = {}
    names = {s.value: s for s in Severity}
    for rule, value in raw.items():
        text = "off" if value is False else str(value).lower()
        if text == OFF:
            out[rule] = OFF
        elif text in names:
            out[rule] = names[text]
        else:
            raise ConfigError(
                f"{where(source, raw, rule)}: severity of {rule!r} must be "
                "error, warning, info or off"
            )
    return out


def _tolerances(checks: LineDict, source: str) -> dict[str, float]:
    raw = checks.get("tolerances")
    if raw is None:
        return {}
    if not isinstance(raw, LineDict):
        raise ConfigError(f"{where(source, checks, 'tolerances')}: must be a mapping")
    out = {}
    for name, value in raw.items():
        if not isinstance(value, int | float):  # bools too: voc_accept_zero_based
            raise ConfigError(f"{where(source, raw, name)}: tolerance {name!r} must be a number")
        out[name] = float(value)
    return out


def number(node: LineDict, key: str, default: float, source: str) -> float:
    """A number >= 0 under `key` (the default when absent); bools are refused."""
    value = node.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{where(source, node, key)}: `{key}` must be a number >= 0")
    return float(value)


def drift_thresholds(node: LineDict, source: str, extra: tuple[str, ...] = ()) -> DriftThresholds:
    """DRIFT_KEYS of a mapping (configs/project.yaml checks.annotator_drift, and the
    drift section of configs/automation.yaml, which may allow `extra` keys)."""
    only_keys(node, (*DRIFT_KEYS, *extra), source)
    base = DriftThresholds()
    return DriftThresholds(
        min_annotations=int(number(node, "min_annotations", base.min_annotations, source)),
        chi2_max_count=int(number(node, "chi2_max_count", base.chi2_max_count, source)),
        alpha=number(node, "alpha", base.alpha, source),
        js_threshold=number(node, "js_threshold", base.js_threshold, source),
    )


def _max_bytes(limits: LineDict, source: str) -> int:
    value: Any = limits.get("max_file_bytes", DEFAULT_MAX_FILE_BYTES)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(
            f"{where(source, limits, 'max_file_bytes')}: must be a positive integer (bytes)"
        )
    return value
