"""Push checks for the ontology's reach into label files and tools, per pushed ref,
against the trusted base: migrations (validation/migrations.py) and tool configs kept
in sync (validation/tool_sync.py)."""

import dataclasses

import pygit2

from gitannot.core.findings import Finding
from gitannot.gitio import repo as gitrepo
from gitannot.push.context import PushContext
from gitannot.validation.cache import ResultCache
from gitannot.validation.change import BaseRules
from gitannot.validation.migrations import migration_findings
from gitannot.validation.push import cache_dir
from gitannot.validation.sources import GitTreeSource
from gitannot.validation.tool_sync import tool_config_findings


def check_migrations(ctx: PushContext) -> list[Finding]:
    if ctx.bypass_reason is not None:
        return []  # break-glass skips content checks (noted by the content check)
    base_commit = gitrepo.peel_to_commit(ctx.repo, ctx.base.commit) if ctx.base.commit else None
    if base_commit is None:
        return []
    base_src = GitTreeSource(ctx.repo, base_commit.tree)
    base = BaseRules.load(base_src)
    if base.rules is None:
        return []  # no rules, or unreadable ones (the content check says which)
    findings: list[Finding] = []
    with ResultCache(cache_dir(ctx.git_dir)) as cache:
        for update in ctx.updates:
            if update.is_delete or not ctx.incoming_commits(update):
                continue
            tip = gitrepo.peel_to_commit(ctx.repo, update.new)
            if tip is None:
                continue
            changed = _changed_paths(base_commit.tree, tip.tree)
            tip_src = GitTreeSource(ctx.repo, tip.tree)
            found = migration_findings(base.rules, base_src, tip_src, cache, changed)
            findings.extend(
                dataclasses.replace(f, ref=update.ref, commit=str(tip.id)) for f in found
            )
    return findings


def check_tool_configs(ctx: PushContext) -> list[Finding]:
    if ctx.bypass_reason is not None:
        return []
    base_commit = gitrepo.peel_to_commit(ctx.repo, ctx.base.commit) if ctx.base.commit else None
    base_src = GitTreeSource(ctx.repo, base_commit.tree) if base_commit is not None else None
    findings: list[Finding] = []
    for update in ctx.updates:
        if update.is_delete or not ctx.incoming_commits(update):
            continue
        tip = gitrepo.peel_to_commit(ctx.repo, update.new)
        if tip is None:
            continue
        found = tool_config_findings(base_src, GitTreeSource(ctx.repo, tip.tree))
        findings.extend(dataclasses.replace(f, ref=update.ref, commit=str(tip.id)) for f in found)
    return findings


def _changed_paths(base: pygit2.Tree, tip: pygit2.Tree) -> set[str]:
    """Paths that differ between the trusted base and the pushed tip (a tree diff: equal
    subtrees are skipped by id, so this is cheap on large trees)."""
    diff = base.diff_to_tree(tip)
    return {p for d in diff.deltas for p in (d.old_file.path, d.new_file.path)}
