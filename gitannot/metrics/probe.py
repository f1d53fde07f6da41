"""What one hook run measured, kept in process memory until the hook writes its record.

Standard library only and import-free: the audit writer and the validator call it on the
push path, where it must cost nothing and never raise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# name -> observed seconds (audit_append, audit_lock_wait)
_timings: dict[str, list[float]] = {}
# (format, severity) -> number of validation findings
_findings: Counter[tuple[str, str]] = Counter()


def reset() -> None:
    """Start of a hook run (a forked service child inherits the parent's empty state,
    an in-process hook starts empty; this guards a second run in one process)."""
    _timings.clear()
    _findings.clear()


def observe(name: str, seconds: float) -> None:
    _timings.setdefault(name, []).append(seconds)


def validation_findings(pairs: Iterable[tuple[str, str]]) -> None:
    _findings.update(pairs)


def snapshot() -> dict[str, object]:
    return {
        "timings": {name: list(values) for name, values in _timings.items()},
        "findings": [[fmt, sev, n] for (fmt, sev), n in sorted(_findings.items())],
    }
