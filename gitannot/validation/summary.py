"""One-line summaries of a validation run, the same locally and in `remote:` lines."""

from collections.abc import Iterable, Sequence
from typing import Protocol

from gitannot.core.findings import Finding, Severity


class _HasCached(Protocol):
    cached: bool


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    out = {s.value: 0 for s in Severity}
    for finding in findings:
        out[finding.severity.value] += 1
    return out


def summary_line(files: Sequence[_HasCached], findings: Iterable[Finding]) -> str:
    by = counts(findings)
    cached = sum(1 for f in files if f.cached)
    line = (
        f"validated {len(files)} label file(s) ({cached} from cache): "
        f"{by['error']} error(s), {by['warning']} warning(s), {by['info']} info"
    )
    # Big COCO files checked record by record (incremental.py): how much was re-read.
    records = [r for r in (getattr(f, "rechecked", None) for f in files) if r is not None]
    if records:
        line += f"; {len(records)} checked by record, {sum(records)} record(s) re-checked"
    return line
