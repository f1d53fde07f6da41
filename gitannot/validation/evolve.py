"""Tree-aware evolution checks: labels still in use, class index/id mappings."""

import posixpath
from functools import cached_property

from gitannot.core.findings import Finding, Severity
from gitannot.schema.evolution import check_evolution
from gitannot.schema.model import version_key
from gitannot.validation.cache import ResultCache
from gitannot.validation.context import ContextReader
from gitannot.validation.names import NAME_FILES, Names, parse_names
from gitannot.validation.rules import Rules
from gitannot.validation.service import FileResult, Report, Validator
from gitannot.validation.sources import Entry, EntryKind, Source, size_of

# Past this many label files the (non-blocking) re-check of unchanged files is skipped.
MAX_RECHECK_FILES = 20_000


def evolution_findings(
    base: Rules,
    pushed: Rules,
    source: Source,
    cache: ResultCache | None = None,
    changed: set[str] | None = None,
) -> list[Finding]:
    if base.ontology is None:
        return []  # the first ontology: nothing to evolve from
    if pushed.ontology is None:
        return [
            Finding(
                rule="schema.removed",
                path=base.ontology.source,
                message=f"the ontology {base.ontology.source} is deleted (or no longer named by "
                "configs/project.yaml); label files would go unchecked",
                hint="keep the ontology; change it with a version bump and changelog entry",
            )
        ]
    scan = TreeScan(source, pushed, cache)
    findings = check_evolution(base.ontology, pushed.ontology, scan.labels_in_use)
    same_ontology = base.ontology.signature() == pushed.ontology.signature()
    same_project = base.applied.get("project") == pushed.applied.get("project")
    if not (same_ontology and same_project):
        findings.extend(scan.existing_invalid(changed or set(), pushed.ontology.source))
    return findings


class TreeScan:
    """Every label file of a tree under one set of rules, validated once (per blob, via
    the cache): which labels are in use, and which unchanged files the new rules break."""

    def __init__(self, source: Source, rules: Rules, cache: ResultCache | None) -> None:
        self.rules = rules
        self.validator = Validator(rules, source, cache)
        self.source = source

    @cached_property
    def _entries(self) -> list[Entry]:
        project = self.rules.project
        return [
            e
            for e in self.source.walk()
            if e.kind is EntryKind.FILE and project.format_for(e.path) is not None
        ]

    @cached_property
    def _results(self) -> list[FileResult]:
        project = self.rules.project
        return [
            self.validator.check_file(e, project.format_for(e.path) or "") for e in self._entries
        ]

    def labels_in_use(self) -> dict[str, str]:
        """Every label name annotations in the tree use -> one file that uses it."""
        used: dict[str, str] = {}
        for result in self._results:
            for label in result.labels:
                used.setdefault(label, result.path)
        return used

    def existing_invalid(self, changed: set[str], schema_source: str) -> list[Finding]:
        """A warning when files this change does not touch fail under the new rules (they
        are not blocked: they get fixed as they are next changed)."""
        if len(self._entries) > MAX_RECHECK_FILES:
            return []
        broken = [
            (r.path, f.rule)
            for r in self._results
            if r.path not in changed
            for f in r.findings
            if f.blocks
        ]
        if not broken:
            return []
        files = sorted({path for path, _ in broken})
        example_path, example_rule = broken[0]
        return [
            Finding(
                rule="schema.existing-files-invalid",
                severity=Severity.WARNING,
                path=schema_source,
                message=f"{len(files)} label file(s) this change does not touch have errors "
                f"under the new rules (e.g. {example_path}: {example_rule})",
                hint="run `gitannot validate` once the change lands and fix them, or migrate "
                "them in the same push",
            )
        ]


def ontology_bumped(rules: Rules, base: Rules | None) -> bool:
    if base is None or base.ontology is None or rules.ontology is None:
        return False
    old, new = version_key(base.ontology.version), version_key(rules.ontology.version)
    return old is not None and new is not None and new > old


def mapping_findings(
    report: Report,
    rules: Rules,
    base: Rules | None,
    old_source: Source | None,
    tip: Source,
    changed: set[str],
    cache: ResultCache | None,
) -> list[Finding]:
    """A class index or category id that now names a different label changes what every
    model trained on the data means; it may only happen with an ontology version bump.
    Names files of one folder must agree whatever the version: tools read different ones."""
    findings = names_agreement(rules, tip, changed)
    if old_source is None or ontology_bumped(rules, base):
        return findings
    findings.extend(_file_mappings(report, rules, old_source, cache))
    compared = {r.path for r in report.files if r.label_ids}
    findings.extend(_row_names_mappings(rules, old_source, tip, changed, compared))
    return findings


def names_agreement(rules: Rules, tip: Source, changed: set[str]) -> list[Finding]:
    """In each folder holding a changed names file, every names file (data.yaml,
    classes.txt, obj.names) must list the same classes in the same order: Ultralytics reads
    data.yaml, Darknet obj.names, other tools classes.txt, and gitannot the first of
    NAME_FILES, so two lists would give one row two meanings."""
    findings = []
    folders = {posixpath.dirname(p) for p in changed if posixpath.basename(p) in NAME_FILES}
    for folder in sorted(folders):
        lists = [
            (path, names)
            for path in (posixpath.join(folder, n) if folder else n for n in NAME_FILES)
            if (names := _names_at(rules, tip, path)) is not None
        ]
        if not lists:
            continue
        first_path, first = lists[0]
        for path, names in lists[1:]:
            if names != first:
                findings.append(_disagree(path, names, first_path, first))
    return findings


def _names_at(rules: Rules, tip: Source, path: str) -> Names | None:
    """A names file's list; None when absent, over the size limit or without a clean list
    (its own checks say why)."""
    entry = tip.entry(path)
    if entry.kind is not EntryKind.FILE or size_of(tip, entry) > rules.project.max_file_bytes:
        return None
    data = tip.read(path)
    return parse_names(path, data) if data is not None else None


def _disagree(path: str, names: Names, first_path: str, first: Names) -> Finding:
    differ = [
        f"{i}: {a!r} / {b!r}" for i, (a, b) in enumerate(zip(first, names, strict=False)) if a != b
    ]
    if len(first) != len(names):
        differ.append(f"{len(first)} names / {len(names)}")
    more = f" and {len(differ) - 5} more" if len(differ) > 5 else ""
    return Finding(
        rule="schema.names-files-disagree",
        path=path,
        message=f"its class names differ from {first_path} in the same folder "
        f"({first_path} / this file: {'; '.join(differ[:5])}{more}); tools that read one or "
        "the other would see different classes",
        hint=f"list the same classes in the same order as {first_path}, or delete this file",
    )


def _row_names_mappings(
    rules: Rules, old_source: Source, tip: Source, changed: set[str], compared: set[str]
) -> list[Finding]:
    """YOLO rows take their names from the nearest names file: adding, deleting or
    moving one remaps every row below it without touching them. Compare, per folder
    holding a changed names file, the names a row there got before and gets now."""
    old_ctx = ContextReader(rules.project, rules.options, old_source)
    new_ctx = ContextReader(rules.project, rules.options, tip)
    findings = []
    folders = {posixpath.dirname(p) for p in changed if posixpath.basename(p) in NAME_FILES}
    for folder in sorted(folders):
        probe = posixpath.join(folder, "row.txt")  # where a row file of that folder sits
        old_path, old_names = old_ctx.yolo_names(probe)
        new_path, new_names = new_ctx.yolo_names(probe)
        if old_names is None or new_names is None or new_path is None:
            continue
        if old_path == new_path and new_path in compared:
            continue  # the same file, edited: its own mapping was compared above
        moved = [
            (str(i), before, after)
            for i, (before, after) in enumerate(zip(old_names, new_names, strict=False))
            if not same_label(rules, before, after)
        ]
        if moved:
            findings.append(_moved(new_path, moved))
    return findings


def _file_mappings(
    report: Report, rules: Rules, old_source: Source, cache: ResultCache | None
) -> list[Finding]:
    old_validator = Validator(rules, old_source, cache)
    findings = []
    for result in report.files:
        if not result.label_ids:
            continue
        old_entry = old_source.entry(result.path)
        fmt = rules.project.format_for(result.path)
        if old_entry.kind is not EntryKind.FILE or fmt is None:
            continue
        old_ids = old_validator.check_file(old_entry, fmt).label_ids
        moved = [
            (key, old_ids[key], name)
            for key, name in result.label_ids.items()
            if key in old_ids and not same_label(rules, old_ids[key], name)
        ]
        if moved:
            findings.append(_moved(result.path, moved))
    return findings


def same_label(rules: Rules, a: str, b: str) -> bool:
    """Equal names, or a name and its alias: writing `bicycle` where `bike` was is no
    remap."""
    if a == b:
        return True
    labels = rules.compiled.labels if rules.compiled is not None else {}
    return a in labels and b in labels and labels[a].spec.id == labels[b].spec.id


def _moved(path: str, moved: list[tuple[str, str, str]]) -> Finding:
    shown = "; ".join(f"{key}: {old!r} -> {new!r}" for key, old, new in moved[:5])
    more = f" and {len(moved) - 5} more" if len(moved) > 5 else ""
    return Finding(
        rule="schema.class-mapping-changed",
        path=path,
        message=f"class index/id mapping changed ({shown}{more})",
        hint="append new classes instead of reordering; an intended remap needs an ontology "
        "version bump with a changelog entry in the same push",
    )
