"""Report output for `gitannot validate`: the hook's text lines, or JSON for CI."""

import json
import sys
from collections.abc import Sequence
from typing import TextIO

from gitannot.core.findings import Finding, format_findings
from gitannot.validation.service import FileResult
from gitannot.validation.summary import counts, summary_line


def text_report(
    files: Sequence[FileResult], findings: Sequence[Finding], notes: Sequence[str], limit: int
) -> list[str]:
    """The same lines a push prints after `remote: gitannot:`."""
    return [*notes, summary_line(files, findings), *format_findings(findings, limit=limit)]


def json_report(files: Sequence[FileResult], findings: Sequence[Finding]) -> str:
    per_file = []
    for result in files:
        by = counts(result.findings)
        per_file.append({"path": result.path, "format": result.format, **by})
    doc = {
        "ok": not any(f.blocks for f in findings),
        "summary": {
            "files": len(files),
            "cached": sum(r.cached for r in files),
            **counts(findings),
        },
        "files": per_file,
        "findings": [f.to_dict() for f in findings],
    }
    return json.dumps(doc, indent=2, sort_keys=True)


class Progress:
    """`validating 120/5000 labels/x.json` on stderr, only on a terminal, only when large."""

    def __init__(self, total: int, stream: TextIO | None = None, threshold: int = 20) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.enabled = total >= threshold and self.stream.isatty()

    def update(self, done: int, path: str) -> None:
        if self.enabled:
            self.stream.write(f"\r\x1b[Kvalidating {done}/{self.total} {path[-60:]}")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
