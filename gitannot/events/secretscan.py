"""Pre-receive check: refuse a push that adds something shaped like a credential.

Service tokens are matched by their published shapes (fixed prefixes and lengths), so a
real annotation export never matches by chance. The generic rule (a secret-sounding key
assigned a long value) also needs the value to look random (entropy, mixed character
classes), which ids, hashes in hex, file names and base64 images in exports do not pass
together. Blobs the trusted base already holds are not scanned again; blobs over
MAX_BLOB_BYTES are scanned in their first MAX_BLOB_BYTES only.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass

import pygit2

from gitannot.core.findings import Finding
from gitannot.hook.context import PushContext

MAX_BLOB_BYTES = 8 * 1024 * 1024
MAX_FINDINGS = 20
RULE = "secret.detected"


@dataclass(frozen=True)
class Pattern:
    kind: str
    regex: re.Pattern[bytes]
    group: int = 0  # the part that is the secret (for the entropy test and the mask)
    generic: bool = False


PATTERNS: tuple[Pattern, ...] = (
    Pattern("private key", re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    Pattern("AWS access key id", re.compile(rb"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b")),
    Pattern(
        "AWS secret access key",
        re.compile(rb"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})\b"),
        group=1,
    ),
    Pattern("GitHub token", re.compile(rb"\bgh[pousr]_[A-Za-z0-9]{36,251}\b")),
    Pattern("GitHub fine-grained token", re.compile(rb"\bgithub_pat_[A-Za-z0-9_]{60,255}\b")),
    Pattern("GitLab token", re.compile(rb"\bgl(?:pat|dt|rt|ptt|cbt)-[A-Za-z0-9_\-]{20,64}\b")),
    Pattern("Slack token", re.compile(rb"\bxox[abposr]-[0-9A-Za-z]{6,}(?:-[0-9A-Za-z]+){1,6}\b")),
    Pattern(
        "Slack webhook URL",
        re.compile(rb"https://hooks\.slack\.com/(?:services|workflows)/T[A-Z0-9]+/[A-Z0-9]+/\w+"),
    ),
    Pattern("Google API key", re.compile(rb"\bAIza[0-9A-Za-z_\-]{35}\b")),
    Pattern("Stripe secret key", re.compile(rb"\b[rs]k_live_[0-9A-Za-z]{20,99}\b")),
    Pattern(
        "secret assignment",
        re.compile(
            rb"(?i)[\"']?\b[\w.-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key"
            rb"|auth[_-]?key|private[_-]?key|credentials?)\b[\"']?\s*[:=]\s*[\"']?"
            rb"([A-Za-z0-9+/_\-.=~]{24,200})(?![A-Za-z0-9+/_\-.=~])"
        ),
        group=1,
        generic=True,
    ),
)


def entropy(text: bytes) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def looks_random(value: bytes) -> bool:
    """A generic assignment counts only when its value looks machine-made: upper and
    lower case and digits, 3.5+ bits per character, not a hex digest."""
    if re.fullmatch(rb"[0-9a-fA-F]+", value):
        return False
    classes = sum(bool(re.search(p, value)) for p in (rb"[a-z]", rb"[A-Z]", rb"[0-9]"))
    return classes == 3 and entropy(value) >= 3.5


@dataclass(frozen=True)
class Hit:
    kind: str
    line: int
    masked: str


def scan(data: bytes) -> list[Hit]:
    data = data[:MAX_BLOB_BYTES]
    if b"\0" in data[:8000]:
        return []  # binary (images, archives): not a text credential file
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []  # spans a service pattern named: no generic repeat
    for pattern in PATTERNS:
        for found in pattern.regex.finditer(data):
            value = found.group(pattern.group)
            span = found.span(pattern.group)
            if pattern.generic and (
                not looks_random(value) or any(a < span[1] and span[0] < b for a, b in taken)
            ):
                continue
            taken.append(span)
            line = data.count(b"\n", 0, found.start()) + 1
            hits.append(Hit(pattern.kind, line, mask(value)))
    return sorted(hits, key=lambda h: h.line)


def mask(value: bytes) -> str:
    """Enough to find it again, never enough to use it."""
    text = value.decode("ascii", "replace")
    return text[:4] + "…" if len(text) > 8 else "…"


def check_secrets(ctx: PushContext) -> list[Finding]:
    """PUSH_CHECKS entry: every blob a pushed commit adds, once per push."""
    findings: list[Finding] = []
    seen: set[str] = set()
    for update in ctx.updates:
        for commit in ctx.incoming_commits(update):
            for change in ctx.changes.changes(commit):
                if change.oid is None or change.oid in seen or ctx.base.holds(change):
                    continue
                seen.add(change.oid)
                findings.extend(_blob_findings(ctx, update.ref, commit, change.path, change.oid))
                if len(findings) >= MAX_FINDINGS:
                    return findings[:MAX_FINDINGS]
    return findings


def _blob_findings(
    ctx: PushContext, ref: str, commit: pygit2.Commit, path: str, oid: str
) -> list[Finding]:
    blob = ctx.repo.get(oid)
    if not isinstance(blob, pygit2.Blob):
        return []
    return [
        Finding(
            rule=RULE,
            ref=ref,
            commit=str(commit.id),
            path=path,
            message=f"line {hit.line}: looks like a {hit.kind} ({hit.masked}); "
            "credentials must not enter the repository",
            hint="remove it from every commit of the push (git rebase -i / git commit --amend),"
            " revoke it, and keep it server-side (docs/automation.md, Secrets)",
        )
        for hit in scan(blob.data)
    ]
