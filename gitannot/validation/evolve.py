"""Tree-aware evolution checks: labels still in use, class index/id mappings."""

from gitannot.core.findings import Finding
from gitannot.schema.evolution import check_evolution
from gitannot.schema.model import version_key
from gitannot.validation.cache import ResultCache
from gitannot.validation.rules import Rules
from gitannot.validation.service import Report, Validator
from gitannot.validation.sources import EntryKind, Source


def evolution_findings(
    base: Rules, pushed: Rules, source: Source, cache: ResultCache | None = None
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
    return check_evolution(
        base.ontology, pushed.ontology, lambda: labels_in_use(source, pushed, cache)
    )


def labels_in_use(source: Source, rules: Rules, cache: ResultCache | None) -> dict[str, str]:
    """Every label name annotations in the tree use -> one file that uses it."""
    validator = Validator(rules, source, cache)
    used: dict[str, str] = {}
    for entry in source.walk():
        fmt = rules.project.format_for(entry.path)
        if fmt is None or entry.kind is not EntryKind.FILE:
            continue
        for label in validator.check_file(entry, fmt).labels:
            used.setdefault(label, entry.path)
    return used


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
    cache: ResultCache | None,
) -> list[Finding]:
    """A class index or category id that now names a different label changes what every
    model trained on the data means; it may only happen with an ontology version bump."""
    if old_source is None or ontology_bumped(rules, base):
        return []
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
            if key in old_ids and old_ids[key] != name
        ]
        if moved:
            findings.append(_moved(result.path, moved))
    return findings


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
