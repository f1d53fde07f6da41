"""Review records: one commit each, on refs/reviews/<commit>/<user>. Pure encode/parse.

A record commit has the reviewed commit's tree (it changes no file), its parent is the
user's previous record on that commit (or the reviewed commit itself), and its message
is a subject line plus one canonical JSON line. Only the `user` in the JSON and in the
ref name counts, and the server requires it to be the authenticated pusher.
"""

import json
import re
from dataclasses import dataclass
from typing import Any, Final

from gitannot.workflow.model import REVIEWS_REF_PREFIX

RECORD_VERSION: Final = 1
VERDICTS: Final = ("approve", "request-changes")
KINDS: Final = ("verdict", "comment", "resolve")
_REF = re.compile(r"^refs/reviews/([0-9a-f]{40})/([A-Za-z0-9][A-Za-z0-9._@+-]{0,127})$")
_FIELDS: Final = {
    "verdict": {"verdict", "text", "branch"},
    "comment": {"id", "file", "annotation", "text", "branch"},
    "resolve": {"id", "text"},
}


class RecordError(ValueError):
    """A record that is not well formed; the message says what is wrong."""


@dataclass(frozen=True)
class Record:
    kind: str
    commit: str  # the reviewed commit
    user: str
    data: dict[str, str]

    @property
    def verdict(self) -> str:
        return self.data.get("verdict", "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": RECORD_VERSION,
            "kind": self.kind,
            "commit": self.commit,
            "user": self.user,
            **self.data,
        }


def ref_name(commit: str, user: str) -> str:
    return f"{REVIEWS_REF_PREFIX}{commit}/{user}"


def parse_ref(ref: str) -> tuple[str, str] | None:
    """(reviewed commit, user) of a review ref, or None when the name is not one."""
    match = _REF.match(ref)
    return (match.group(1), match.group(2)) if match else None


def message(record: Record) -> str:
    what = record.verdict or record.kind
    line = json.dumps(record.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"gitannot review: {what} {record.commit[:12]} by {record.user}\n\n{line}\n"


def parse_message(text: str) -> Record:
    lines = text.split("\n")
    if len(lines) < 3 or not lines[0].startswith("gitannot review: ") or lines[1] != "":
        raise RecordError("the commit message is not a gitannot review record")
    try:
        raw = json.loads(lines[2])
    except ValueError as exc:
        raise RecordError(f"the record line is not JSON: {exc}") from None
    if not isinstance(raw, dict) or raw.get("v") != RECORD_VERSION:
        raise RecordError(f"the record must be a JSON object with v={RECORD_VERSION}")
    kind = raw.pop("kind", None)
    commit, user = raw.pop("commit", None), raw.pop("user", None)
    raw.pop("v")
    if kind not in KINDS:
        raise RecordError(f"kind must be one of {', '.join(KINDS)}")
    if not isinstance(commit, str) or not isinstance(user, str):
        raise RecordError("the record needs `commit` and `user` strings")
    unknown = sorted(set(raw) - _FIELDS[kind])
    if unknown or not all(isinstance(v, str) for v in raw.values()):
        raise RecordError(f"unexpected or non-text field(s) in a {kind} record: {unknown}")
    record = Record(kind=kind, commit=commit, user=user, data=dict(raw))
    if kind == "verdict" and record.verdict not in VERDICTS:
        raise RecordError(f"verdict must be one of {', '.join(VERDICTS)}")
    if kind == "verdict" and record.verdict == "request-changes" and not raw.get("text"):
        raise RecordError("request-changes needs a message saying what to change")
    if kind in ("comment", "resolve") and not raw.get("id"):
        raise RecordError(f"a {kind} record needs the comment `id`")
    if kind == "comment" and not (raw.get("file") and raw.get("text")):
        raise RecordError("a comment needs `file` and `text`")
    return record
