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
from gitannot.push.context import PushContext

MAX_BLOB_BYTES = 8 * 1024 * 1024
MAX_FINDINGS = 20
RULE = "secret.detected"


@dataclass(frozen=True)
class Pattern:
    kind: str
    regex: re.Pattern[bytes]
    needles: tuple[bytes, ...]  # the regex runs only on blobs holding one (fast path)
    group: int = 0  # the part that is the secret (the mask shows its start)


# The generic rule, run on the lower-cased text and only where a keyword starts (found
# with bytes.find, which is far faster than a case-insensitive regex over every byte).
GENERIC_KEYS: tuple[bytes, ...] = (b"passw", b"secret", b"token", b"api", b"access", b"auth")
GENERIC_KEYS += (b"private", b"credential")
GENERIC = re.compile(
    rb"(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|auth[_-]?key"
    rb"|private[_-]?key|credentials?)[\w.-]{0,40}[\"']?\s*[:=]\s*[\"']?"
    rb"([a-z0-9+/_\-.=~]{24,200})(?![a-z0-9+/_\-.=~])"
)
GENERIC_KIND = "secret assignment"

PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "private key",
        re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
        (b"PRIVATE KEY",),
    ),
    Pattern(
        "AWS access key id",
        re.compile(rb"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),
        (b"AKIA", b"ASIA", b"AGPA", b"AIDA", b"AROA"),
    ),
    Pattern(
        "AWS secret access key",
        re.compile(rb"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})\b"),
        (b"aws_secret", b"AWS_SECRET", b"awssecret", b"AwsSecret", b"aws_Secret"),
        group=1,
    ),
    Pattern(
        "GitHub token",
        re.compile(rb"\bgh[pousr]_[A-Za-z0-9]{36,251}\b"),
        (b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_"),
    ),
    Pattern(
        "GitHub fine-grained token",
        re.compile(rb"\bgithub_pat_[A-Za-z0-9_]{60,255}\b"),
        (b"github_pat_",),
    ),
    Pattern(
        "GitLab token",
        re.compile(rb"\bgl(?:pat|dt|rt|ptt|cbt)-[A-Za-z0-9_\-]{20,64}\b"),
        (b"glpat-", b"gldt-", b"glrt-", b"glptt-", b"glcbt-"),
    ),
    Pattern(
        "Slack token",
        re.compile(rb"\bxox[abposr]-[0-9A-Za-z]{6,}(?:-[0-9A-Za-z]+){1,6}\b"),
        (b"xox",),
    ),
    Pattern(
        "Slack webhook URL",
        re.compile(rb"https://hooks\.slack\.com/(?:services|workflows)/T[A-Z0-9]+/[A-Z0-9]+/\w+"),
        (b"hooks.slack.com",),
    ),
    Pattern("Google API key", re.compile(rb"\bAIza[0-9A-Za-z_\-]{35}\b"), (b"AIza",)),
    Pattern("Stripe secret key", re.compile(rb"\b[rs]k_live_[0-9A-Za-z]{20,99}\b"), (b"k_live_",)),
)

# One pass finds which service patterns can match at all.
NEEDLES = re.compile(b"|".join(re.escape(n) for p in PATTERNS for n in p.needles))


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
    present = {found.group() for found in NEEDLES.finditer(data)}
    for pattern in PATTERNS:
        if present.isdisjoint(pattern.needles):
            continue
        for found in pattern.regex.finditer(data):
            taken.append(found.span(pattern.group))
            hits.append(Hit(pattern.kind, _line(data, found.start()), mask(found[pattern.group])))
    for start, end in _generic_spans(data):
        value = data[start:end]  # same offsets: lower() keeps every byte in place
        if looks_random(value) and not any(a < end and start < b for a, b in taken):
            taken.append((start, end))
            hits.append(Hit(GENERIC_KIND, _line(data, start), mask(value)))
    return sorted(hits, key=lambda h: h.line)


def _generic_spans(data: bytes) -> list[tuple[int, int]]:
    lowered = data.lower()
    spans: set[tuple[int, int]] = set()
    for key in GENERIC_KEYS:
        at = lowered.find(key)
        while at >= 0:
            found = GENERIC.match(lowered, at)
            if found is not None:
                spans.add(found.span(1))
            at = lowered.find(key, at + 1)
    return sorted(spans)


def _line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


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
        for hit in scan(bytes(memoryview(blob)[:MAX_BLOB_BYTES]))  # not .data: see gitio.repo
    ]
