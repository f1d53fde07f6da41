"""Pre-receive check: does the label mix a push brings differ from the base's?

The pushed sample is what the push adds (new annotations, and relabelled ones under
their new label); the reference is every annotation on the trusted base. Up to
drift.chi2_max_count pushed annotations: a chi-squared homogeneity test (flag when
p < alpha). Above it every real shift is "significant", so the size of the shift is
judged instead: Jensen-Shannon divergence above js_threshold bits. Severity comes from
configs/project.yaml (`checks.severity: {drift.label-distribution: error}`); warning
by default, so drift is reported and becomes an event, not a rejection.
"""

import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pygit2

from gitannot.constants import SERVER_DIR
from gitannot.core.findings import Finding, Severity
from gitannot.core.refupdate import RefUpdate
from gitannot.errors import ConfigError
from gitannot.events import stats
from gitannot.events.annotations import TreeReader, diff_trees, label_counts
from gitannot.events.config import AUTOMATION_PATH, Drift, load_automation
from gitannot.gitio import repo as gitrepo
from gitannot.project.config import DriftThresholds
from gitannot.push.context import PushContext

RULE = "drift.label-distribution"
# Of the hook's time limit, per push, for reading the pushed files and again for base
# files not yet cached: past it the push is not judged (a note says so), never timed out.
BUDGET_SECONDS = 1.0


def check_drift(ctx: PushContext) -> list[Finding]:
    """PUSH_CHECKS entry."""
    if ctx.bypass_reason is not None or ctx.base.commit is None:
        return []
    try:
        settings = load_automation(ctx.base.read(AUTOMATION_PATH)).drift
    except ConfigError:
        settings = Drift()  # the config check reports it; drift runs at its defaults
    base_commit = gitrepo.peel_to_commit(ctx.repo, ctx.base.commit)
    if base_commit is None:
        return []
    base_reader = TreeReader(ctx.repo, base_commit.tree)
    reference: Counter[str] | None = None
    findings: list[Finding] = []
    for update in ctx.updates:
        brought = _brought(ctx, update, base_commit)
        if brought is None or sum(brought.values()) < settings.min_annotations:
            continue
        if reference is None:
            reference = base_counts(ctx.git_dir, ctx.base.commit, base_reader, settings)
            if reference is None:
                ctx.notes.append("drift: base label counts still being gathered; not judged")
                return findings
        message = judge(brought, reference, settings)
        severity = _severity(base_reader)
        if message is not None and severity is not None:
            hint = (
                "check the labels against the guidelines; drift settings are in "
                f"{AUTOMATION_PATH}, its severity in configs/project.yaml"
            )
            findings.append(finding(RULE, severity, update, message, hint))
    return findings


def finding(rule: str, severity: Severity, update: RefUpdate, message: str, hint: str) -> Finding:
    """A drift finding on the pushed tip of `update` (push drift and annotator drift)."""
    return Finding(
        rule=rule, severity=severity, ref=update.ref, commit=update.new, message=message, hint=hint
    )


def _brought(
    ctx: PushContext, update: RefUpdate, base_commit: pygit2.Commit
) -> Counter[str] | None:
    """Labels a branch update brings; None when it is no branch update or too large to
    read within the budget."""
    if not update.ref.startswith("refs/heads/") or update.is_delete:
        return None
    new = gitrepo.peel_to_commit(ctx.repo, update.new)
    if new is None:
        return None
    old = gitrepo.peel_to_commit(ctx.repo, update.old) if not update.is_create else None
    diff = diff_trees(
        TreeReader(ctx.repo, (old or base_commit).tree),
        TreeReader(ctx.repo, new.tree),
        [c.path for c in ctx.net_change(update)],
        deadline=time.monotonic() + BUDGET_SECONDS,
    )
    if diff.skipped:
        ctx.notes.append(f"drift: {update.ref} too large to judge in time; not judged")
        return None
    return diff.brought()


def judge(
    pushed: Counter[str],
    base: Counter[str],
    settings: DriftThresholds,
    sample: str = "pushed annotations",
    reference: str = "the base",
) -> str | None:
    """The message for a shift beyond the thresholds, None when there is none.
    `sample` and `reference` name the two mixes in the message."""
    n = sum(pushed.values())
    if sum(base.values()) == 0:
        return None
    shift = largest_shifts(pushed, base)
    if n <= settings.chi2_max_count:
        stat, dof, p = stats.chi2_homogeneity(pushed, base)
        if dof == 0 or p >= settings.alpha:
            return None
        return (
            f"label mix of {n} {sample} differs from {reference} "
            f"(chi-squared {stat:.2f}, {dof} dof, p={p:.2g} < {settings.alpha:g}); {shift}"
        )
    js = stats.js_divergence(pushed, base)
    if js <= settings.js_threshold:
        return None
    return (
        f"label mix of {n} {sample} differs from {reference} (Jensen-Shannon "
        f"{js:.3f} bits > {settings.js_threshold:g}); {shift}"
    )


def largest_shifts(pushed: Counter[str], base: Counter[str], top: int = 3) -> str:
    n, m = sum(pushed.values()), sum(base.values())
    diffs = sorted(
        ((pushed[k] / n - base[k] / m, k) for k in set(pushed) | set(base)),
        key=lambda d: (-abs(d[0]), d[1]),
    )[:top]
    return ", ".join(
        f"{label} {base[label] / m:.0%} -> {pushed[label] / n:.0%}" for _d, label in diffs
    )


def _severity(reader: TreeReader) -> Severity | None:
    if reader.rules is None:
        return Severity.WARNING
    return reader.rules.project.severity_for(RULE, Severity.WARNING)


def base_counts(
    git_dir: Path, commit: str, reader: TreeReader, settings: Drift
) -> Counter[str] | None:
    """Label counts of the whole base tree; None while they are still being gathered.

    Counts are cached per file version (rules, context, path and blob id), so a new base
    costs only the files that changed. Reading is bounded by BUDGET_SECONDS per push: a
    push never times out because of the drift check; a later push continues the work.
    """
    folder = git_dir / SERVER_DIR / "cache" / "drift"
    done = folder / f"{commit}.json"
    whole = _read_json(done)
    if whole is not None:
        return Counter({str(k): int(v) for k, v in whole.items()})
    per_file = _read_json(folder / "files.json") or {}
    counts: Counter[str] = Counter()
    deadline = time.monotonic() + BUDGET_SECONDS
    complete = True
    kept: dict[str, Any] = {}
    for path in reader.annotation_paths()[: settings.max_base_files]:
        key = reader.key(path)
        if key is None:
            continue
        if key not in per_file:
            if time.monotonic() > deadline:
                complete = False
                continue
            per_file[key] = dict(label_counts(reader.parse(path)))
        kept[key] = per_file[key]
        counts.update({str(k): int(v) for k, v in per_file[key].items()})
    _write_json(folder / "files.json", kept if complete else per_file)
    if not complete:
        return None
    _write_json(done, dict(counts))
    return counts


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = orjson.loads(path.read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError):
        return None  # absent or damaged: recomputed
    return value if isinstance(value, dict) else None


def _write_json(path: Path, value: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(orjson.dumps(value))
    tmp.replace(path)
