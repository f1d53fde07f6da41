"""The release gates: what must hold at a commit before a tag may make it a release.

One function runs them all, for the hook and for `gitannot release check` alike, so both
give the same answers. Each gate passes, fails (with findings) or is skipped with a note.
"""

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field

from gitannot.core.findings import Finding, Severity
from gitannot.core.manifest import Manifest
from gitannot.errors import ConfigError
from gitannot.release.freeze import Frozen, freeze_findings
from gitannot.release.policy import ReleasePolicy
from gitannot.release.tree import LabeledItems, labeled_items, load_manifest
from gitannot.validation.rules import Rules, load_rules
from gitannot.validation.service import Validator
from gitannot.validation.sources import Source

PASS, FAIL, SKIPPED = "pass", "fail", "skipped"
CONFLICT_RULES = ("merge.",)  # rules that mean an unresolved merge conflict remains
# Where the task/review workflow may plug its gates in (see docs/releases.md).
WORKFLOW_GATES_MODULE = "gitannot.workflow.release_gates"


@dataclass
class GateResult:
    name: str
    status: str  # PASS / FAIL / SKIPPED
    detail: str
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "status": self.status, "detail": self.detail}


# A workflow gate: (tree, policy) -> result, or None when that workflow is not in use.
WorkflowGate = Callable[[Source, ReleasePolicy], GateResult | None]


@dataclass
class GateRun:
    gates: list[GateResult]
    manifest: Manifest
    items: LabeledItems
    rules: Rules | None

    @property
    def passed(self) -> bool:
        return all(g.status != FAIL for g in self.gates)


def run_gates(source: Source, policy: ReleasePolicy, frozen: Frozen) -> GateRun:
    manifest = load_manifest(source, policy.splits)
    try:
        rules: Rules | None = load_rules(source)
    except ConfigError as exc:
        rules = None
        error = Finding(rule="release.rules-invalid", message=exc.message, hint=exc.hint)
    gates: list[GateResult] = []
    if rules is None:
        gates.append(GateResult("validation", FAIL, "project rules unreadable", [error]))
        items = LabeledItems()
    else:
        gates.extend(_validation(rules, source))
        items = labeled_items(rules, source)
    gates.append(_workflow("tasks", source, policy))
    gates.append(_workflow("approvals", source, policy))
    gates.append(_manifest_hashes(manifest, items))
    gates.append(_leakage(manifest))
    gates.append(_freeze(manifest, frozen, policy))
    return GateRun(gates, manifest, items, rules)


def _validation(rules: Rules, source: Source) -> list[GateResult]:
    """A full check of every label file (no cache: a release must not rest on it)."""
    validator = Validator(rules, source)
    report = validator.validate(
        e.path for e in source.walk() if validator.is_annotation_path(e.path)
    )
    errors = [f for f in report.all_findings() if f.severity is Severity.ERROR]
    conflicts = [f for f in errors if f.rule.startswith(CONFLICT_RULES)]
    others = [f for f in errors if not f.rule.startswith(CONFLICT_RULES)]
    files = len(report.files)
    return [
        _result("validation", others, f"{files} label file(s) valid, no errors"),
        _result("conflicts", conflicts, "no unresolved merge conflict"),
    ]


def _workflow(name: str, source: Source, policy: ReleasePolicy) -> GateResult:
    """Tasks/approvals come from the workflow package when it is installed."""
    gate = _workflow_gate(name)
    result = gate(source, policy) if gate is not None else None
    if result is not None:
        return result
    if name == "approvals" and policy.required_approvals:  # asked for, cannot be proven
        finding = Finding(
            rule="release.gate.approvals",
            message=f"required_approvals is {policy.required_approvals} but no review "
            "workflow is installed to count them",
            hint="install the review workflow or set required_approvals: 0",
        )
        return GateResult(name, FAIL, finding.message, [finding])
    return GateResult(name, SKIPPED, f"not configured: no {name} workflow in use")


def _workflow_gate(name: str) -> WorkflowGate | None:
    if importlib.util.find_spec("gitannot.workflow") is None:
        return None
    if importlib.util.find_spec(WORKFLOW_GATES_MODULE) is None:
        return None
    module = importlib.import_module(WORKFLOW_GATES_MODULE)
    gate = getattr(module, f"{name}_gate", None)
    return gate if callable(gate) else None


def _manifest_hashes(manifest: Manifest, items: LabeledItems) -> GateResult:
    findings = [f for f in manifest.findings if f.rule != "manifest.split-leakage"]
    findings = [f for f in findings if f.severity is Severity.ERROR]
    findings += dangling(manifest, items, Severity.ERROR)
    detail = f"{len(items.items)} labeled item(s) have a manifest sha256"
    return _result("manifest-hashes", findings, detail)


def dangling(manifest: Manifest, items: LabeledItems, severity: Severity) -> list[Finding]:
    """Labeled items no manifest lists (so no sha256): an error for a release, a
    warning on a push (labels may arrive before their manifest rows)."""
    known = manifest.lookup()
    out = []
    for name, paths in sorted(items.items.items()):
        if name in known or name.rsplit(".", 1)[0] in known:
            continue
        out.append(
            Finding(
                rule="manifest.dangling-item",
                severity=severity,
                path=sorted(paths)[0],
                item=name,
                message=f"item {name!r} is labeled but no manifest in data/ lists it "
                "(no sha256 for it)",
                hint="add a row with id, uri, sha256 and split to a data/ manifest",
            )
        )
    return out


def _leakage(manifest: Manifest) -> GateResult:
    found = [f for f in manifest.findings if f.rule == "manifest.split-leakage"]
    return _result("split-leakage", found, "no image (sha256) in two splits")


def _freeze(manifest: Manifest, frozen: Frozen, policy: ReleasePolicy) -> GateResult:
    if not frozen.items:
        return GateResult("split-freeze", PASS, "no split frozen by an earlier release")
    found = freeze_findings(manifest.entries, frozen, policy)
    return _result("split-freeze", found, f"{len(frozen.items)} frozen item(s) kept in place")


def _result(name: str, findings: list[Finding], ok: str) -> GateResult:
    if not findings:
        return GateResult(name, PASS, ok)
    return GateResult(name, FAIL, f"{len(findings)} problem(s)", findings)


def unlabeled(manifest: Manifest, items: LabeledItems) -> list[Finding]:
    """Manifest items no label file names: reported (info), never blocking."""
    names = set(items.items) | {n.rsplit(".", 1)[0] for n in items.items}
    out = []
    for entry in manifest.entries:
        base = entry.uri.rsplit("/", 1)[-1]
        if not names & {entry.id, base, base.rsplit(".", 1)[0]}:
            out.append(
                Finding(
                    rule="manifest.unlabeled-item",
                    severity=Severity.INFO,
                    path=entry.path,
                    item=entry.id,
                    message=f"line {entry.line}: item {entry.id!r} has no labels yet",
                )
            )
    return out
