"""Pre-receive check: does the label mix a push brings differ from the base's?

The pushed sample is what the push adds (new annotations, and relabelled ones under
their new label); the reference is every annotation on the trusted base. Up to
drift.chi2_max_count pushed annotations: a chi-squared homogeneity test (flag when
p < alpha). Above it every real shift is "significant", so the size of the shift is
judged instead: Jensen-Shannon divergence above js_threshold bits. Severity comes from
configs/project.yaml (`checks.severity: {drift.label-distribution: error}`); warning
by default, so drift is reported and becomes an event, not a rejection.
"""

from collections import Counter
from pathlib import Path

import orjson

from gitannot.constants import SERVER_DIR
from gitannot.core.findings import Finding, Severity
from gitannot.errors import ConfigError
from gitannot.events import stats
from gitannot.events.annotations import TreeReader, diff_trees, label_counts
from gitannot.events.config import AUTOMATION_PATH, Drift, load_automation
from gitannot.gitio import repo as gitrepo
from gitannot.hook.context import PushContext

RULE = "drift.label-distribution"


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
        if not update.ref.startswith("refs/heads/") or update.is_delete:
            continue
        new = gitrepo.peel_to_commit(ctx.repo, update.new)
        if new is None:
            continue
        old = gitrepo.peel_to_commit(ctx.repo, update.old) if not update.is_create else None
        paths = [c.path for c in ctx.net_change(update)]
        brought = diff_trees(
            TreeReader(ctx.repo, (old or base_commit).tree), TreeReader(ctx.repo, new.tree), paths
        ).brought()
        if sum(brought.values()) < settings.min_annotations:
            continue
        if reference is None:
            reference = base_counts(ctx.git_dir, ctx.base.commit, base_reader, settings)
        message = judge(brought, reference, settings)
        if message is None:
            continue
        severity = _severity(base_reader)
        if severity is not None:
            findings.append(
                Finding(
                    rule=RULE,
                    severity=severity,
                    ref=update.ref,
                    commit=str(new.id),
                    message=message,
                    hint="check the labels against the guidelines; drift settings are in "
                    f"{AUTOMATION_PATH}, its severity in configs/project.yaml",
                )
            )
    return findings


def judge(pushed: Counter[str], base: Counter[str], settings: Drift) -> str | None:
    """The message for a shift beyond the thresholds, None when there is none."""
    n = sum(pushed.values())
    if sum(base.values()) == 0:
        return None
    shift = _largest_shifts(pushed, base)
    if n <= settings.chi2_max_count:
        stat, dof, p = stats.chi2_homogeneity(pushed, base)
        if dof == 0 or p >= settings.alpha:
            return None
        return (
            f"label mix of {n} pushed annotations differs from the base "
            f"(chi-squared {stat:.2f}, {dof} dof, p={p:.2g} < {settings.alpha:g}); {shift}"
        )
    js = stats.js_divergence(pushed, base)
    if js <= settings.js_threshold:
        return None
    return (
        f"label mix of {n} pushed annotations differs from the base (Jensen-Shannon "
        f"{js:.3f} bits > {settings.js_threshold:g}); {shift}"
    )


def _largest_shifts(pushed: Counter[str], base: Counter[str], top: int = 3) -> str:
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


def base_counts(git_dir: Path, commit: str, reader: TreeReader, settings: Drift) -> Counter[str]:
    """Label counts of the whole base tree, cached per base commit (the base moves only
    when the default branch does)."""
    cache = git_dir / SERVER_DIR / "cache" / "drift" / f"{commit}.json"
    if cache.exists():
        try:
            return Counter({str(k): int(v) for k, v in orjson.loads(cache.read_bytes()).items()})
        except (orjson.JSONDecodeError, ValueError, AttributeError):
            pass  # a damaged cache entry is recomputed
    counts: Counter[str] = Counter()
    for path in reader.annotation_paths()[: settings.max_base_files]:
        counts.update(label_counts(reader.parse(path)))
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_bytes(orjson.dumps(dict(counts)))
    tmp.replace(cache)
    return counts
