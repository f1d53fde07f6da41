"""Parsed pre-receive input: one value per `old new ref` line."""

from dataclasses import dataclass
from enum import Enum

from gitannot.constants import ZERO_OID
from gitannot.errors import InternalError


class RefKind(Enum):
    BRANCH = "branch"
    TAG = "tag"
    NOTES = "notes"
    OTHER = "other"


class Action(Enum):
    """What a ref update does. FORCE is a non-fast-forward update (filled in by git access)."""

    CREATE = "create"
    UPDATE = "update"  # fast-forward
    FORCE = "force"  # rewind / non-fast-forward
    DELETE = "delete"


@dataclass(frozen=True)
class RefUpdate:
    old: str
    new: str
    ref: str

    @property
    def is_create(self) -> bool:
        return self.old == ZERO_OID

    @property
    def is_delete(self) -> bool:
        return self.new == ZERO_OID

    @property
    def kind(self) -> RefKind:
        if self.ref.startswith("refs/heads/"):
            return RefKind.BRANCH
        if self.ref.startswith("refs/tags/"):
            return RefKind.TAG
        if self.ref.startswith("refs/notes/"):
            return RefKind.NOTES
        return RefKind.OTHER

    @property
    def short_name(self) -> str:
        for prefix in ("refs/heads/", "refs/tags/"):
            if self.ref.startswith(prefix):
                return self.ref[len(prefix) :]
        return self.ref

    def action(self, *, fast_forward: bool) -> Action:
        """The action, given whether new descends from old (only asked for updates)."""
        if self.is_create:
            return Action.CREATE
        if self.is_delete:
            return Action.DELETE
        return Action.UPDATE if fast_forward else Action.FORCE


def parse_ref_updates(text: str) -> list[RefUpdate]:
    """Parse pre-/post-receive stdin. Malformed input is an internal error (fail closed)."""
    updates = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3 or not all(_is_oid(p) for p in parts[:2]):
            raise InternalError(f"malformed hook input line {lineno}: {line!r}")
        updates.append(RefUpdate(parts[0], parts[1], parts[2]))
    return updates


def _is_oid(value: str) -> bool:
    return len(value) in (40, 64) and all(c in "0123456789abcdef" for c in value)
