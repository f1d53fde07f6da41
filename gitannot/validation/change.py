"""Validate one change (base tree -> tip tree, with the paths it touches): the logic the
hook runs per pushed ref and `gitannot validate --range` runs locally."""

from dataclasses import dataclass, field

from gitannot.core.findings import Finding
from gitannot.project.config import DEFAULT_PROJECT_PATH
from gitannot.validation.cache import ResultCache
from gitannot.validation.dependents import context_dependents
from gitannot.validation.evolve import evolution_findings, mapping_findings
from gitannot.validation.rules import Rules, RulesError, load_rules
from gitannot.validation.service import Report, Validator
from gitannot.validation.sources import Source


@dataclass
class BaseRules:
    """The trusted rules: from the default branch before the push (or range start)."""

    rules: Rules | None
    error: RulesError | None
    source: Source | None

    @classmethod
    def load(cls, source: Source | None) -> "BaseRules":
        if source is None:  # empty repository: no rules yet
            return cls(rules=None, error=None, source=None)
        try:
            return cls(rules=load_rules(source), error=None, source=source)
        except RulesError as exc:
            return cls(rules=None, error=exc, source=source)


@dataclass
class ChangeResult:
    findings: list[Finding] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    notes: list[str] = field(default_factory=list)
    rules: Rules | None = None
    rules_changed: bool = False


def validate_change(
    base: BaseRules,
    tip: Source,
    old: Source | None,
    changed: set[str],
    cache: ResultCache | None = None,
) -> ChangeResult:
    """Changed annotation files of `tip`, under the base rules, or under the tip's rules
    when the change edits them and they pass the evolution rules against the base.
    `old` is where the changed files were before (for class-mapping checks)."""
    out = ChangeResult()
    rules = _rules_for(base, tip, changed, cache, out)
    if rules is None:
        return out
    out.rules = rules
    base_project = base.rules.project if base.rules is not None else None
    # Files whose context (names file, labeling config) changed are judged again too.
    dependents = context_dependents(rules.project, tip, changed, base=base_project)
    out.report = Validator(rules, tip, cache).validate(sorted(changed | dependents))
    out.findings.extend(out.report.all_findings())
    # Mappings are compared for the files the change touches; a dependent's remap is
    # reported once, at the names file that caused it.
    touched = Report(files=[r for r in out.report.files if r.path in changed])
    out.findings.extend(mapping_findings(touched, rules, base.rules, old, tip, changed, cache))
    return out


def _rules_for(
    base: BaseRules, tip: Source, changed: set[str], cache: ResultCache | None, out: ChangeResult
) -> Rules | None:
    schema_path = base.rules.project.schema_path if base.rules else ""
    touches = any(
        p in (DEFAULT_PROJECT_PATH, schema_path) or p.startswith("schema/") for p in changed
    )
    if not touches and base.error is not None:
        out.findings.append(config_finding(base.error, "on the default branch"))
        return None
    if not touches and base.rules is not None:
        return base.rules
    try:
        pushed = load_rules(tip)
    except RulesError as exc:
        out.findings.append(config_finding(exc, "in the pushed commit"))
        return None
    out.rules_changed = touches
    if base.error is not None:
        out.notes.append(
            f"the rules on the default branch are unreadable ({base.error.message}); "
            "this change replaces them, so evolution rules are not checked against them"
        )
    elif base.rules is not None:
        out.findings.extend(evolution_findings(base.rules, pushed, tip, cache, changed))
    return pushed


def config_finding(exc: RulesError, where: str) -> Finding:
    return Finding(
        rule=exc.rule,
        message=f"{exc.message} ({where}; rejected: validation rules must be readable)",
        hint=exc.hint or "fix the file; a push that repairs it is validated with the fix",
        source=exc.message.split(": ", 1)[0],
    )
