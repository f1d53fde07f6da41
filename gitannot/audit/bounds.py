"""Caps on what one entry may carry. The log is append-only and rejected pushes are
logged too, so anything a pusher controls (push options, ref names, the findings their
data provokes) is cut to a fixed size; what was cut is kept as its sha256 and size, so
the entry still pins down exactly what was sent. Pure."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

MAX_PUSH_OPTIONS = 16
# A rejected push's entry that would be larger than this is rebuilt with the TIGHT caps.
MAX_REJECTED_ENTRY_BYTES = 64 * 1024


@dataclass(frozen=True)
class Caps:
    text: int  # characters of one pushed string (a push option, a ref name, a message)
    rejected_updates: int  # a rejected push's updates beyond this are summarized
    reasons_per_list: int  # per ref update, and for the push-wide list
    reasons: int  # per entry, across its lists; the rest are counted per rule


NORMAL = Caps(text=1024, rejected_updates=100, reasons_per_list=50, reasons=200)
TIGHT = Caps(text=128, rejected_updates=10, reasons_per_list=3, reasons=30)
MAX_TEXT = NORMAL.text
MAX_REJECTED_UPDATES = NORMAL.rejected_updates


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


def size(fields: dict[str, Any]) -> int:
    """Bytes of `fields` as canonical JSON (about the entry's size)."""
    raw = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return len(raw.encode("utf-8", "surrogateescape"))


def push_options(
    options: list[str], limit: int = MAX_TEXT
) -> tuple[list[str], dict[str, Any] | None]:
    kept = [text(o, limit) for o in options[:MAX_PUSH_OPTIONS]]
    rest = options[MAX_PUSH_OPTIONS:]
    return kept, omitted(rest) if rest else None


def strings(item: dict[str, Any], limit: int = MAX_TEXT) -> dict[str, Any]:
    """Every string value of a flat record, bounded."""
    return {k: text(v, limit) if isinstance(v, str) else v for k, v in item.items()}
