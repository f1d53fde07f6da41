"""Who pushed a commit: the first accepted push in the audit log whose ref update brought it.

Commit authors and committers are whatever the pusher typed; the audit log records the
transport identity. A commit no logged push brought is being brought by this push.
"""

from collections.abc import Iterable

import pygit2

from gitannot.audit import entry as E
from gitannot.audit import reader
from gitannot.gitio import repo as gitrepo


def first_pushers(repo: pygit2.Repository, commits: Iterable[str]) -> dict[str, str]:
    """commit id -> user of the first accepted push that brought it (when logged).

    Each logged update brought what its new tip reaches below what earlier pushes placed
    (roughly `new --not old`). Walking parents by hand and stopping at placed commits
    reads each commit once over the whole log.
    """
    placed: dict[str, str] = {}
    place_entries(repo, reader.entries(repo), placed)
    return {c: placed[c] for c in set(commits) if c in placed}


def place_entries(
    repo: pygit2.Repository, entries: Iterable[reader.LogEntry], placed: dict[str, str]
) -> None:
    """Extend `placed` (commit -> first pusher) with entries, oldest first."""
    for item in entries:
        entry = item.entry
        if entry.get("type") != E.PUSH or entry.get("decision") != "accepted":
            continue
        user = (entry.get("actor") or {}).get("user")
        if not user:
            continue
        for update in entry.get("updates", []):
            old, new = str(update.get("old", "")), str(update.get("new", ""))
            for commit in _brought(repo, old, new, placed):
                placed[commit] = str(user)


def _brought(repo: pygit2.Repository, old: str, new: str, placed: dict[str, str]) -> list[str]:
    """Commits `new` reaches that are neither `old` nor placed yet.
    (libgit2's revwalk with hide() re-marks the whole history on each call.)"""
    tip = gitrepo.peel_to_commit(repo, new) if new and set(new) != {"0"} else None
    if tip is None:
        return []  # a deletion, or objects gone (a deleted, pruned branch)
    out: list[str] = []
    seen: set[str] = set()
    stack = [tip]
    while stack:
        commit = stack.pop()
        oid = str(commit.id)
        if oid in placed or oid == old or oid in seen:
            continue
        seen.add(oid)
        out.append(oid)
        stack.extend(commit.parents)
    return out
