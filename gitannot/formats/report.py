"""Collects findings for one file: default severities, overrides, a per-rule cap."""

from gitannot.core.findings import Finding, Severity
from gitannot.formats.options import FormatOptions
from gitannot.formats.rules import RULES


class Reporter:
    def __init__(self, path: str, options: FormatOptions) -> None:
        self.path = path
        self.options = options
        self.findings: list[Finding] = []
        self._counts: dict[str, int] = {}
        self._cap = max(1, options.max_findings_per_rule)

    def add(
        self, rule: str, message: str, item: object = "", severity: Severity | None = None
    ) -> None:
        """Record a finding; `severity` replaces the rule's default (a config override
        still wins)."""
        if rule in self.options.disabled_rules:
            return
        count = self._counts.get(rule, 0) + 1
        self._counts[rule] = count
        if count > self._cap:
            return  # summarised in finish(); keeps memory bounded on huge broken files
        self.findings.append(self._make(rule, message, str(item), severity))

    def count(self, rule: str) -> int:
        return self._counts.get(rule, 0)

    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def _make(
        self, rule: str, message: str, item: str, severity: Severity | None = None
    ) -> Finding:
        spec = RULES[rule]
        severity = self.options.severity_overrides.get(rule, severity or spec.severity)
        return Finding(
            rule=rule, message=message, severity=severity, path=self.path, item=item, hint=spec.hint
        )

    def finish(self) -> list[Finding]:
        out = list(self.findings)
        for rule, count in sorted(self._counts.items()):
            if count > self._cap:
                out.append(self._make(rule, f"{count - self._cap} more like this not listed", ""))
        return out
