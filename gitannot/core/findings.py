"""Findings: what a check reports about a push, a file or a merge, and how it prints."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum


class Severity(Enum):
    ERROR = "error"  # blocks the push
    WARNING = "warning"  # reported, does not block
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Finding:
    """One reason. `rule` is a stable id like `access.denied` or `coco.bbox-inside-image`."""

    rule: str
    message: str
    severity: Severity = Severity.ERROR
    ref: str = ""
    commit: str = ""
    path: str = ""
    item: str = ""  # image / annotation id inside the file
    hint: str = ""
    # Where the deciding rule lives, e.g. "configs/access.yaml:12".
    source: str = ""
    # Evaluate-mode findings are reported but never block.
    evaluate_only: bool = False
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def blocks(self) -> bool:
        return self.severity is Severity.ERROR and not self.evaluate_only

    def location(self) -> str:
        parts = []
        if self.ref:
            parts.append(self.ref)
        if self.commit:
            parts.append(self.commit[:12])
        if self.path:
            parts.append(self.path + (f"#{self.item}" if self.item else ""))
        return " ".join(parts)

    def to_dict(self) -> dict[str, str | bool]:
        data: dict[str, str | bool] = {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
        }
        for key in ("ref", "commit", "path", "item", "hint", "source"):
            value = getattr(self, key)
            if value:
                data[key] = value
        if self.evaluate_only:
            data["evaluate_only"] = True
        return data


def format_finding(finding: Finding) -> list[str]:
    """Lines in the style of gitolite's `DENIED by` messages."""
    label = finding.severity.value.upper()
    if finding.evaluate_only:
        label = f"EVALUATE ({label.lower()}, not enforced)"
    head = f"{label} [{finding.rule}]"
    where = finding.location()
    lines = [f"{head} {where}: {finding.message}" if where else f"{head} {finding.message}"]
    if finding.source:
        lines.append(f"  decided by {finding.source}")
    if finding.hint:
        lines.append(f"  hint: {finding.hint}")
    return lines


def format_findings(findings: Iterable[Finding], *, limit: int = 10) -> list[str]:
    """Errors first, then warnings and info; beyond `limit`, a count per rule."""
    ordered = sorted(findings, key=lambda f: (f.severity.rank, f.evaluate_only))
    lines: list[str] = []
    for finding in ordered[:limit]:
        lines.extend(format_finding(finding))
    rest = ordered[limit:]
    if rest:
        counts: dict[str, int] = {}
        for finding in rest:
            counts[finding.rule] = counts.get(finding.rule, 0) + 1
        summary = ", ".join(f"{rule} x{n}" for rule, n in sorted(counts.items()))
        lines.append(f"... and {len(rest)} more ({summary})")
    return lines
