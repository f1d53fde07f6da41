"""Validate annotation files of one tree under one set of rules, cached by blob id."""

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from gitannot.core.annotation import ParsedFile
from gitannot.core.findings import Finding, Severity
from gitannot.formats import parse_file
from gitannot.formats.options import FormatContext
from gitannot.project.config import DETECT
from gitannot.validation.cache import ResultCache, cache_key
from gitannot.validation.context import ContextReader
from gitannot.validation.findings_io import apply_severities, from_cache, to_cache
from gitannot.validation.incremental import MIN_BYTES, Version, check_incremental, index_key
from gitannot.validation.rules import Rules
from gitannot.validation.sources import Entry, EntryKind, Source, size_of

# Bumped whenever what a verdict depends on changes without a change to any blob id (v2:
# pose kpt_shape from data.yaml), so results cached by an older gitannot of the same
# version number are not served.
RESULT_KEY = "result-v2"


@dataclass
class FileResult:
    path: str
    format: str
    findings: list[Finding]
    labels: list[str]  # label names the file uses (for schema evolution)
    label_ids: dict[str, str]  # class index / category id -> name
    cached: bool = False
    rechecked: int | None = None  # records re-read by an incremental check (None: whole)


@dataclass
class Report:
    files: list[FileResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # tree-level (symlinks, ...)

    def all_findings(self) -> list[Finding]:
        out = list(self.findings)
        for result in self.files:
            out.extend(result.findings)
        return out

    @property
    def cached(self) -> int:
        return sum(1 for r in self.files if r.cached)


class Validator:
    def __init__(
        self,
        rules: Rules,
        source: Source,
        cache: ResultCache | None = None,
        incremental: bool = True,  # False: every file parsed whole (tests compare the two)
        incremental_min_bytes: int = MIN_BYTES,
    ) -> None:
        self.rules = rules
        self.incremental = incremental
        self.incremental_min_bytes = incremental_min_bytes
        self.source = source
        self.cache = cache or ResultCache(None)
        self.context = ContextReader(rules.project, rules.options, source)

    def is_annotation_path(self, path: str) -> bool:
        return self.rules.project.format_for(path) is not None

    def validate(self, paths: Iterable[str]) -> Report:
        report = Report()
        for path in paths:
            self._one(path, report)
        return report

    def _one(self, path: str, report: Report) -> None:
        fmt = self.rules.project.format_for(path)
        if fmt is None:
            return
        entry = self.source.entry(path)
        if entry.kind is EntryKind.FILE:
            report.files.append(self.check_file(entry, fmt))
        elif entry.kind in (EntryKind.SYMLINK, EntryKind.SUBMODULE):
            report.findings.append(_not_a_file(entry))

    def check_records(self, path: str) -> None:
        """The record check of a big COCO file alone, no verdict stored: the label diff
        (drift, before the content check) needs what it leaves in the cache, and the
        content check of the same version then reuses its result (check_incremental)."""
        fmt = self.rules.project.format_for(path)
        entry = self.source.entry(path)
        if fmt is None or entry.kind is not EntryKind.FILE:
            return
        size = size_of(self.source, entry)
        if size > self.rules.project.max_file_bytes or not self._by_records(path, fmt, size):
            return
        _context, context_id = self.context.for_file(path, fmt)
        if isinstance(self.cache.get(self._result_key(entry, fmt, context_id)), dict):
            return  # checked before: the content check will not ask again
        key = index_key(self.rules, fmt, path, context_id)
        data = self.source.read(path)
        if data is not None:
            version = Version(key, context_id, fmt, entry.blob_id)
            check_incremental(self.rules, path, data, self.cache, version)

    def check_file(self, entry: Entry, fmt: str) -> FileResult:
        # The path changes verdicts (detection by extension, VOC's file name check), and
        # so do context files (names, kpt_shape, labeling config): their blob ids join too.
        context, context_id = self.context.for_file(entry.path, fmt)
        key = self._result_key(entry, fmt, context_id)
        hit = self.cache.get(key)
        if isinstance(hit, dict):
            return _from_cached(entry.path, hit)
        version = Version(
            index_key(self.rules, fmt, entry.path, context_id), context_id, fmt, entry.blob_id
        )
        result = self._run(entry, fmt, context, version)
        if not _completed(result):
            return result  # a crash is no verdict: the next attempt must run the check again
        self.cache.put(
            key,
            {
                "format": result.format,
                "findings": [to_cache(f) for f in result.findings],
                "labels": result.labels,
                "label_ids": result.label_ids,
            },
        )
        return result

    def _by_records(self, path: str, fmt: str, size: int) -> bool:
        """Whether a file of this size is checked record by record (when it can be)."""
        return self.incremental and size >= self.incremental_min_bytes and _may_be_coco(path, fmt)

    def _result_key(self, entry: Entry, fmt: str, context_id: str) -> str:
        return cache_key(
            RESULT_KEY, self.rules.rules_id, fmt, entry.path, entry.blob_id, context_id
        )

    def _run(self, entry: Entry, fmt: str, context: FormatContext, version: Version) -> FileResult:
        size = size_of(self.source, entry)
        limit = self.rules.project.max_file_bytes
        if size > limit:  # refused before reading or parsing: bounded memory
            finding = Finding(
                rule="file.too-large",
                path=entry.path,
                message=f"{size} bytes is over the limit of {limit} bytes",
                hint="split the file, or raise limits.max_file_bytes in configs/project.yaml",
            )
            return FileResult(entry.path, fmt, [finding], [], {})
        data = self.source.read(entry.path) or b""
        if self._by_records(entry.path, fmt, len(data)):
            done = check_incremental(self.rules, entry.path, data, self.cache, version)
            if done is not None:
                findings, labels, label_ids, rechecked = done
                findings = apply_severities(findings, self.rules.project)
                return FileResult(entry.path, "coco", findings, labels, label_ids, False, rechecked)
        parsed = parse_file(
            entry.path,
            data,
            format=None if fmt == DETECT else fmt,
            options=self.rules.options,
            context=context,
        )
        findings = [_undetected(f) for f in parsed.findings]
        if self.rules.compiled is not None and not _has_errors(parsed):
            findings.extend(
                self.rules.compiled.check(parsed, self.rules.options.max_findings_per_rule)
            )
        findings = apply_severities(findings, self.rules.project)
        labels = sorted({a.label for a in parsed.annotations})
        return FileResult(entry.path, parsed.format, findings, labels, dict(parsed.label_ids))


def _may_be_coco(path: str, fmt: str) -> bool:
    """Where a COCO instances file may be read record by record (incremental.py)."""
    return fmt == "coco" or (fmt == DETECT and path.lower().endswith(".json"))


def _undetected(finding: Finding) -> Finding:
    """A file under a label root (or a `detect` glob) whose format is not recognised is
    at least a warning here: unknown data is unchecked data. `checks.severity` in the
    project config can make `format.unknown` an error."""
    if finding.rule == "format.unknown" and finding.severity is Severity.INFO:
        return dataclasses.replace(
            finding,
            severity=Severity.WARNING,
            hint="declare this path's format under `formats:` in configs/project.yaml "
            "(then it is always read as that format), or move it out of the label folders",
        )
    return finding


# Findings that say the check did not finish; a result holding one is never cached.
INCOMPLETE_RULES = frozenset({"format.internal-error"})


def _completed(result: FileResult) -> bool:
    return not any(f.rule in INCOMPLETE_RULES for f in result.findings)


def _has_errors(parsed: ParsedFile) -> bool:
    """A file that does not parse cleanly has no trustworthy annotations to check."""
    return not parsed.annotations and any(f.severity is Severity.ERROR for f in parsed.findings)


def _from_cached(path: str, hit: dict[str, object]) -> FileResult:
    raw_findings = hit.get("findings")
    raw_labels = hit.get("labels")
    raw_ids = hit.get("label_ids")
    return FileResult(
        path=path,
        format=str(hit.get("format", "")),
        findings=[from_cache(f, path) for f in raw_findings if isinstance(f, dict)]
        if isinstance(raw_findings, list)
        else [],
        labels=[str(x) for x in raw_labels] if isinstance(raw_labels, list) else [],
        label_ids={str(k): str(v) for k, v in raw_ids.items()} if isinstance(raw_ids, dict) else {},
        cached=True,
    )


def _not_a_file(entry: Entry) -> Finding:
    if entry.kind is EntryKind.SYMLINK:
        return Finding(
            rule="validate.symlink",
            path=entry.path,
            message="a symbolic link where label files belong",
            hint="commit the file itself; links can point outside the checked tree",
        )
    return Finding(
        rule="validate.submodule",
        path=entry.path,
        message="a submodule where label files belong",
        hint="label files must live in this repository so they are validated and audited",
    )
