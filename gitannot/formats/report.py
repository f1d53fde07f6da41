"""Findings with a per-rule cap (bounded output on huge broken files), and the Reporter
that collects one file's format findings: default severities, overrides."""

from gitannot.core.findings import Finding, Severity
from gitannot.formats.options import FormatOptions
from gitannot.formats.rules import RULES


class CappedFindings:
    """Keeps the first `cap` findings of each rule; the rest are counted and summarised
    by finish() in one finding per rule (severity and hint of the first one kept)."""

    def __init__(self, path: str, cap: int) -> None:
        self.path = path
        self.cap = max(1, cap)
        self.kept: list[Finding] = []
        self._counts: dict[str, int] = {}

    def admit(self, rule: str) -> bool:
        """Count one finding of `rule`; True when it is still to be kept."""
        count = self._counts.get(rule, 0) + 1
        self._counts[rule] = count
        return count <= self.cap

    def append(self, finding: Finding) -> None:
        if self.admit(finding.rule):
            self.kept.append(finding)

    def extend(self, findings: list[Finding]) -> None:
        for finding in findings:
            self.append(finding)

    def finish(self) -> list[Finding]:
        out = list(self.kept)
        for rule, count in sorted(self._counts.items()):
            if count > self.cap:
                first = next(f for f in self.kept if f.rule == rule)
                out.append(
                    Finding(
                        rule=rule,
                        severity=first.severity,
                        path=self.path,
                        message=f"{count - self.cap} more like this not listed",
                        hint=first.hint,
                    )
                )
        return out


class Reporter:
    def __init__(self, path: str, options: FormatOptions) -> None:
        self.options = options
        self._findings = CappedFindings(path, options.max_findings_per_rule)

    @property
    def findings(self) -> list[Finding]:
        """The findings kept so far."""
        return self._findings.kept

    def add(
        self, rule: str, message: str, item: object = "", severity: Severity | None = None
    ) -> None:
        """Record a finding; `severity` replaces the rule's default (a config override
        still wins)."""
        if rule in self.options.disabled_rules or not self._findings.admit(rule):
            return  # past the cap no Finding is even built: memory stays bounded
        spec = RULES[rule]
        self._findings.kept.append(
            Finding(
                rule=rule,
                message=message,
                severity=self.options.severity_overrides.get(rule, severity or spec.severity),
                path=self._findings.path,
                item=str(item),
                hint=spec.hint,
            )
        )

    def finish(self) -> list[Finding]:
        return self._findings.finish()
