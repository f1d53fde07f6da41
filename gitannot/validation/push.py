"""The pre-receive content check: changed label files of each pushed tip, rules from the
trusted base (or from the push itself when it changes them and passes evolution rules).
"""

import dataclasses
from pathlib import Path

import pygit2

from gitannot.constants import SERVER_DIR, ZERO_OID
from gitannot.core.findings import Finding
from gitannot.core.refupdate import RefUpdate
from gitannot.gitio import repo as gitrepo
from gitannot.hook.context import PushContext
from gitannot.project.config import DEFAULT_PROJECT_PATH
from gitannot.validation.cache import ResultCache
from gitannot.validation.evolve import evolution_findings, mapping_findings
from gitannot.validation.rules import Rules, RulesError, load_rules
from gitannot.validation.service import Report, Validator
from gitannot.validation.sources import GitTreeSource
from gitannot.validation.summary import summary_line


def cache_dir(git_dir: Path) -> Path:
    return git_dir / SERVER_DIR / "cache" / "validation"


@dataclasses.dataclass
class _Base:
    rules: Rules | None
    error: RulesError | None
    source: GitTreeSource | None


def check_content(ctx: PushContext) -> list[Finding]:
    if ctx.bypass_reason is not None:
        ctx.notes.append(f"content validation skipped: break-glass ({ctx.bypass_reason})")
        return []
    base = _load_base(ctx)
    cache = ResultCache(cache_dir(ctx.git_dir))
    findings: list[Finding] = []
    totals = Report()
    for update in ctx.updates:
        ref_findings, report = _check_update(ctx, update, base, cache)
        findings.extend(ref_findings)
        totals.files.extend(report.files)
    if totals.files:
        ctx.notes.append(summary_line(totals.files, findings))
    if base.rules is not None:
        for name, blob in base.rules.applied.items():
            ctx.applied.setdefault(name, blob)
    return findings


def _load_base(ctx: PushContext) -> _Base:
    commit = gitrepo.peel_to_commit(ctx.repo, ctx.base.commit) if ctx.base.commit else None
    source = GitTreeSource(ctx.repo, commit.tree) if commit is not None else None
    if source is None:  # empty repository: no rules yet, defaults apply
        return _Base(rules=None, error=None, source=None)
    try:
        return _Base(rules=load_rules(source), error=None, source=source)
    except RulesError as exc:
        return _Base(rules=None, error=exc, source=source)


def _check_update(
    ctx: PushContext, update: RefUpdate, base: _Base, cache: ResultCache
) -> tuple[list[Finding], Report]:
    commits = ctx.new_commits(update)
    tip = gitrepo.peel_to_commit(ctx.repo, update.new) if not update.is_delete else None
    if not commits or tip is None:
        return [], Report()
    changed: set[str] = set()
    for commit in commits:
        changed.update(gitrepo.changed_paths(ctx.repo, commit))
    source = GitTreeSource(ctx.repo, tip.tree)
    found, rules = _rules_for(ctx, base, source, changed, cache)
    if rules is None:
        return _tag(found, update, tip), Report()
    report = Validator(rules, source, cache).validate(sorted(changed))
    found.extend(report.all_findings())
    old_source = _old_source(ctx, update, base)
    found.extend(mapping_findings(report, rules, base.rules, old_source, cache))
    return _tag(found, update, tip), report


def _rules_for(
    ctx: PushContext, base: _Base, source: GitTreeSource, changed: set[str], cache: ResultCache
) -> tuple[list[Finding], Rules | None]:
    """Base rules, unless this push changes them: then the pushed rules, once they load
    and pass the evolution rules against the base (who may change them is the access
    check's decision)."""
    schema_path = base.rules.project.schema_path if base.rules else ""
    touches_rules = any(
        p in (DEFAULT_PROJECT_PATH, schema_path) or p.startswith("schema/") for p in changed
    )
    if not touches_rules and base.error is not None:
        return [_config_finding(base.error, "on the default branch")], None
    if not touches_rules and base.rules is not None:
        return [], base.rules
    try:
        pushed = load_rules(source)
    except RulesError as exc:
        return [_config_finding(exc, "in the pushed commit")], None
    if base.error is not None:
        ctx.notes.append(
            f"the rules on the default branch are unreadable ({base.error.message}); "
            "this push replaces them, so evolution rules are not checked against them"
        )
        return [], pushed
    if base.rules is None:  # first push: it establishes the rules
        return [], pushed
    for name, blob in pushed.applied.items():
        ctx.applied[f"{name}-pushed"] = blob
    return evolution_findings(base.rules, pushed, source, cache), pushed


def _config_finding(exc: RulesError, where: str) -> Finding:
    return Finding(
        rule=exc.rule,
        message=f"{exc.message} ({where}; push rejected: validation rules must be readable)",
        hint=exc.hint or "fix the file; a push that repairs it is validated with the fix",
        source=exc.message.split(": ", 1)[0],
    )


def _old_source(ctx: PushContext, update: RefUpdate, base: _Base) -> GitTreeSource | None:
    """The tree the ref pointed at before (or the base for a new ref), for mapping checks."""
    if update.old != ZERO_OID:
        commit = gitrepo.peel_to_commit(ctx.repo, update.old)
        if commit is not None:
            return GitTreeSource(ctx.repo, commit.tree)
    return base.source


def _tag(findings: list[Finding], update: RefUpdate, tip: pygit2.Commit) -> list[Finding]:
    return [dataclasses.replace(f, ref=update.ref, commit=str(tip.id)) for f in findings]
