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
from gitannot.push.context import PushContext
from gitannot.validation.cache import ResultCache
from gitannot.validation.change import BaseRules, validate_change
from gitannot.validation.service import FileResult
from gitannot.validation.sources import GitTreeSource
from gitannot.validation.summary import summary_line


def cache_dir(git_dir: Path) -> Path:
    return git_dir / SERVER_DIR / "cache" / "validation"


def check_content(ctx: PushContext) -> list[Finding]:
    if ctx.bypass_reason is not None:
        ctx.notes.append(f"content validation skipped: break-glass ({ctx.bypass_reason})")
        return []
    base = BaseRules.load(_tree_source(ctx.repo, ctx.base.commit))
    with ResultCache(cache_dir(ctx.git_dir)) as cache:
        findings, files = _check_updates(ctx, base, cache)
    if files:
        ctx.notes.append(summary_line(files, findings))
    if base.rules is not None:
        for name, blob in base.rules.applied.items():
            ctx.applied.setdefault(name, blob)
    return findings


def _check_updates(
    ctx: PushContext, base: BaseRules, cache: ResultCache
) -> tuple[list[Finding], list[FileResult]]:
    findings: list[Finding] = []
    files: list[FileResult] = []
    for update in ctx.updates:
        commits = ctx.incoming_commits(update)
        tip = gitrepo.peel_to_commit(ctx.repo, update.new) if not update.is_delete else None
        if tip is None:
            continue
        changed: set[str] = set()
        for commit in commits:
            changed.update(change.path for change in ctx.changes.changes(commit))
        # What the ref's tree becomes: a file a merge brings back from an older parent,
        # or a rewind onto old commits (no new commits at all) brings back.
        changed.update(change.path for change in ctx.net_change(update))
        if not commits and not changed:
            continue
        old = _tree_source(ctx.repo, update.old) if update.old != ZERO_OID else base.source
        result = validate_change(base, GitTreeSource(ctx.repo, tip.tree), old, changed, cache)
        findings.extend(_tag(result.findings, update, tip))
        files.extend(result.report.files)
        ctx.notes.extend(result.notes)
        if result.rules_changed and result.rules is not None:
            for name, blob in result.rules.applied.items():
                ctx.applied[f"{name}-pushed"] = blob
    return findings, files


def _tree_source(repo: pygit2.Repository, oid: str | None) -> GitTreeSource | None:
    commit = gitrepo.peel_to_commit(repo, oid) if oid else None
    return GitTreeSource(repo, commit.tree) if commit is not None else None


def _tag(findings: list[Finding], update: RefUpdate, tip: pygit2.Commit) -> list[Finding]:
    return [dataclasses.replace(f, ref=update.ref, commit=str(tip.id)) for f in findings]
