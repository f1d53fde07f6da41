"""Findings to and from the cache, and the project's severity overrides applied to them."""

import dataclasses
from collections.abc import Iterable
from typing import Any

from gitannot.core.findings import Finding, Severity
from gitannot.project.config import ProjectConfig

_FIELDS = ("rule", "message", "item", "hint", "source")


def to_cache(finding: Finding) -> dict[str, str]:
    data = {key: getattr(finding, key) for key in _FIELDS if getattr(finding, key)}
    data["severity"] = finding.severity.value
    return data


def from_cache(data: dict[str, Any], path: str) -> Finding:
    return Finding(
        rule=str(data["rule"]),
        message=str(data["message"]),
        severity=Severity(data["severity"]),
        path=path,
        item=str(data.get("item", "")),
        hint=str(data.get("hint", "")),
        source=str(data.get("source", "")),
    )


def apply_severities(findings: Iterable[Finding], project: ProjectConfig) -> list[Finding]:
    """Project overrides: a new severity, or the finding dropped ("off")."""
    if not project.severities:
        return list(findings)
    out = []
    for finding in findings:
        severity = project.severity_for(finding.rule, finding.severity)
        if severity is None:
            continue
        out.append(
            finding
            if severity is finding.severity
            else dataclasses.replace(finding, severity=severity)
        )
    return out
