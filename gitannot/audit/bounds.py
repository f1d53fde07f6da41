"""Caps on what one entry may carry. The log is append-only and rejected pushes are
logged too, so anything a pusher controls (push options, ref names, the findings their
data provokes) is cut to a fixed size; what was cut is kept as its sha256 and size, so
the entry still pins down exactly what was sent. Pure."""

import hashlib
import json
from typing import Any

MAX_TEXT = 1024  # characters of one pushed string (a push option, a ref name, a message)
MAX_PUSH_OPTIONS = 16
MAX_REJECTED_UPDATES = 100  # a rejected push's updates beyond this are summarized
MAX_REASONS = 200  # per entry, across its updates; the rest are counted per rule
MAX_REASONS_PER_LIST = 50


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def text(value: str, limit: int = MAX_TEXT) -> str:
    """`value`, or its head with the size and digest of the whole."""
    if len(value) <= limit:
        return value
    raw = value.encode("utf-8", "surrogateescape")
    return f"{value[:limit]}… [truncated: {len(raw)} bytes, {digest(raw)}]"


def omitted(items: list[Any]) -> dict[str, Any]:
    """What stands for a list's dropped tail: count, size and digest of its canonical JSON."""
    raw = json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return {"count": len(items), "bytes": len(raw), "sha256": digest(raw)[len("sha256:") :]}


def push_options(options: list[str]) -> tuple[list[str], dict[str, Any] | None]:
    kept = [text(o) for o in options[:MAX_PUSH_OPTIONS]]
    rest = options[MAX_PUSH_OPTIONS:]
    return kept, omitted(rest) if rest else None


def strings(item: dict[str, Any]) -> dict[str, Any]:
    """Every string value of a flat record, bounded."""
    return {k: text(v) if isinstance(v, str) else v for k, v in item.items()}
