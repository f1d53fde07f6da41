"""Read the log: the head entry, and every log commit oldest first."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pygit2

from gitannot.audit import entry as E
from gitannot.constants import AUDIT_REF
from gitannot.gitio import repo as gitrepo


@dataclass(frozen=True)
class LogEntry:
    commit: pygit2.Commit
    data: bytes  # the signed, hashed bytes
    signature: str  # SSHSIG armor over `data`
    entry: dict[str, Any]
    digest: str  # "sha256:..." of `data`

    @property
    def seq(self) -> int:
        return int(self.entry["seq"])


def parse_commit(commit: pygit2.Commit) -> LogEntry:
    """Raises EntryFormatError for a commit that is not a gitannot entry."""
    data, signature = E.parse_message(commit.message)
    return LogEntry(commit, data, signature, E.decode(data), E.entry_hash(data))


def head_commit(repo: pygit2.Repository, ref: str = AUDIT_REF) -> pygit2.Commit | None:
    reference = repo.references.get(ref)
    if reference is None:
        return None
    obj = repo.get(reference.resolve().target)
    return obj if isinstance(obj, pygit2.Commit) else None


def commits_oldest_first(repo: pygit2.Repository, tip: pygit2.Oid) -> Iterator[pygit2.Commit]:
    walker = repo.walk(tip, pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE)
    walker.simplify_first_parent()
    yield from walker


def entries(repo: pygit2.Repository, ref: str = AUDIT_REF) -> Iterator[LogEntry]:
    """Every entry, oldest first; commits that are not entries are skipped (verify
    reports them)."""
    head = head_commit(repo, ref)
    if head is None:
        return
    for commit in commits_oldest_first(repo, head.id):
        try:
            yield parse_commit(commit)
        except E.EntryFormatError:
            continue


def open_repo(path: str) -> pygit2.Repository:
    return gitrepo.discover(path, "pass --repo with the server's bare repository or a clone")
