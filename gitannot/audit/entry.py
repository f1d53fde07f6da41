"""Audit entries: canonical JSON bytes, their hash, the log commit message, note text.

Pure: no I/O. The signed and hashed bytes of an entry are its canonical JSON (sorted
keys, no spaces, UTF-8) followed by one newline, so an auditor can cut the JSON line out
of a commit message with `sed` and feed it to `ssh-keygen -Y verify` and `sha256sum`.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import orjson

from gitannot.constants import AUDIT_REF

# v2: an entry whose note text is long is stored once under seq/ and each commit's note
# points to it (v1 copied it into every note: quadratic in the refs of a push).
FORMAT_VERSION = 2
READABLE_VERSIONS = frozenset({1, 2})
NOTE_INLINE_MAX = 4096  # v2: longer note text is stored once; part of the format
NAMESPACE = "gitannot-audit"  # SSHSIG namespace of entry signatures
GIT_NAMESPACE = "git"  # SSHSIG namespace git uses for signed commits
GENESIS_PREV = "sha256:" + "0" * 64  # `prev` of entry #1

# Entry types
PUSH = "push"  # one per push attempt, written by pre-receive (accepted or rejected)
RECEIPT = "receipt"  # written by post-receive: the refs really moved
ROTATE = "rotate-key"  # signed by the old key, names the new one


class EntryFormatError(Exception):
    """A commit message or entry line is not a well-formed gitannot entry."""


def canonical_bytes(entry: dict[str, Any]) -> bytes:
    text = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8") + b"\n"


def entry_hash(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def subject(entry: dict[str, Any]) -> str:
    actor = entry.get("actor")
    user = actor.get("user") if isinstance(actor, dict) else None
    words = [f"audit #{entry['seq']}", entry.get("type"), user or "(no identity)"]
    words.append(entry.get("decision"))
    return " ".join(str(w) for w in words if w).replace("\n", " ")


def compose_message(data: bytes, signature: str) -> str:
    """Subject, blank line, the entry line, blank line, the SSHSIG armor."""
    entry = json.loads(data)
    return f"{subject(entry)}\n\n{data.decode('utf-8')}\n{signature}"


def parse_message(message: str) -> tuple[bytes, str]:
    """(entry bytes, armored signature) from a log commit message."""
    lines = message.split("\n")
    if len(lines) < 6 or lines[1] != "" or not lines[2].startswith("{") or lines[3] != "":
        raise EntryFormatError("commit message does not carry an audit entry")
    armor = "\n".join(lines[4:])
    if not armor.startswith("-----BEGIN SSH SIGNATURE-----"):
        raise EntryFormatError("commit message carries no SSH signature")
    return (lines[2] + "\n").encode("utf-8"), armor


def split_message(message: bytes) -> tuple[bytes, bytes] | None:
    """(entry bytes, armor) of a message composed as compose_message writes it, by
    slicing the raw bytes; None for any other shape, which parse_message then reads
    (the same answer where both apply, for an entry that is UTF-8)."""
    subject_end = message.find(b"\n")
    if subject_end < 0 or message[subject_end + 1 : subject_end + 3] != b"\n{":
        return None
    line_end = message.find(b"\n", subject_end + 2)
    if line_end < 0 or message[line_end + 1 : line_end + 2] != b"\n":
        return None
    armor = message[line_end + 2 :]
    if not armor.startswith(b"-----BEGIN SSH SIGNATURE-----\n"):
        return None
    return message[subject_end + 2 : line_end + 1], armor


def decode(data: bytes) -> dict[str, Any]:
    """Parse and check canonical form. orjson first (verify reads every entry): when its
    output equals `data`, so does json's for these plain values; any difference falls
    back to the exact check with json itself."""
    try:
        entry = orjson.loads(data)
        fast = orjson.dumps(entry, option=orjson.OPT_SORT_KEYS) + b"\n" == data
    except (orjson.JSONDecodeError, orjson.JSONEncodeError, TypeError):
        fast = False
    if not fast:
        try:
            entry = json.loads(data)
        except ValueError as exc:
            raise EntryFormatError(f"entry is not JSON: {exc}") from exc
    if not isinstance(entry, dict) or not isinstance(entry.get("seq"), int):
        raise EntryFormatError("entry lacks an integer `seq`")
    if not fast and canonical_bytes(entry) != data:
        raise EntryFormatError("entry is not in canonical form")
    return entry


def _one_line(value: object) -> str:
    """Pushers control reasons and push options: never let them add lines to a note."""
    return " ".join(str(value).split())


def note_block(entry: dict[str, Any], digest: str) -> str:
    """Readable text for `git notes --ref=audit show <commit>`; ends with a newline."""
    lines = _header(entry, digest)
    if entry.get("bypass"):
        lines.append(f"break-glass bypass: {_one_line(entry['bypass'])}")
    for update in entry.get("updates", []):
        lines.append(
            f"  {update['ref']} {update['old'][:12]}..{update['new'][:12]} "
            f"{update['action']} {update.get('decision', '')}".rstrip()
        )
        lines.extend(
            f"    - {_one_line(r['rule'])}: {_one_line(r['message'])}"
            for r in update.get("reasons", [])
        )
    lines.extend(
        f"  - {_one_line(r['rule'])}: {_one_line(r['message'])}" for r in entry.get("reasons", [])
    )
    for name, blob in sorted((entry.get("applied") or {}).items()):
        lines.append(f"  applied {name} blob {blob}")
    return "\n".join(lines) + "\n"


def _header(entry: dict[str, Any], digest: str) -> list[str]:
    actor = entry.get("actor") or {}
    who = actor.get("user") or "(no identity)"
    via = f" via {actor['source']}" if actor.get("source") else ""
    kind = (entry.get("transport") or {}).get("kind")
    via += f" over {kind}" if kind else ""  # older entries did not record it
    lines = [f"gitannot audit #{entry['seq']} {entry['type']} {digest}"]
    if entry["type"] == RECEIPT:
        lines.append(f"refs moved for push #{entry.get('completes')} at {entry['time']}")
    else:
        lines.append(f"pushed by {who}{via} at {entry['time']}")
        lines.append(f"decision: {entry.get('decision', '?')}")
    return lines


def pointer_block(entry: dict[str, Any], digest: str) -> str:
    """A v2 note for an entry too long to copy: who, what, and where the entry is."""
    lines = _header(entry, digest)
    count = len(entry.get("updates", []))
    lines.append(f"{count} ref updates; the entry is stored once, read it with")
    lines.append(f"  git show {AUDIT_REF}:{seq_path(entry['seq'])}")
    lines.append(f"  gitannot audit show --seq {entry['seq']}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class NoteLayout:
    """What an entry adds to the notes tree: `tip_block` appended to each tip's note,
    and `stored` (the full note text) at seq_path when set."""

    tips: list[str]
    tip_block: bytes
    stored: bytes | None


def note_layout(entry: dict[str, Any], digest: str) -> NoteLayout:
    """Pure, so the writer and verify agree; depends only on the signed entry."""
    block = note_block(entry, digest).encode("utf-8")
    tips = note_tips(entry)
    if not tips:
        return NoteLayout([], b"", block)
    if entry.get("v") == 1 or len(block) <= NOTE_INLINE_MAX:
        return NoteLayout(tips, block, None)
    return NoteLayout(tips, pointer_block(entry, digest).encode("utf-8"), block)


def note_tips(entry: dict[str, Any]) -> list[str]:
    """Commits whose note gains this entry: the new tips of an accepted push / receipt."""
    if entry.get("type") == PUSH and entry.get("decision") != "accepted":
        return []  # the objects were discarded by git: see the seq/ path instead
    if entry.get("type") not in (PUSH, RECEIPT):
        return []
    tips = {u["new"] for u in entry.get("updates", []) if set(u["new"]) != {"0"}}
    # Every other commit the push brought (record.brought_commits): "who pushed this
    # commit" must answer for all of them, not only for branch tips.
    tips.update(entry.get("brought") or [])
    return sorted(tips)


def seq_path(seq: int) -> str:
    """Where an entry with no note to live in (a rejected push: git discarded its
    objects; a key rotation) is stored: under a non-hex top folder, which `git notes
    prune` never touches (it only drops notes named by a missing object id). One fanout
    level keeps each tree at most 1000 entries."""
    return f"seq/{seq // 1000:06d}/{seq:09d}"
