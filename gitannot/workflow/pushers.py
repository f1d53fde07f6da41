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
    reads each commit once over the whole log; stops once every wanted commit is placed.
    """
    wanted = set(commits)
    found: dict[str, str] = {}
    if not wanted:
        return found
    placed: set[str] = set()
    for item in reader.entries(repo):  # oldest first: the first push wins
        entry = item.entry
        if entry.get("type") != E.PUSH or entry.get("decision") != "accepted":
            continue
        user = (entry.get("actor") or {}).get("user")
        if not user:
            continue
        for update in entry.get("updates", []):
            brought = _brought(repo, str(update.get("old", "")), str(update.get("new", "")), placed)
            for commit in brought:
                if commit in wanted and commit not in found:
                    found[commit] = str(user)
            if len(found) == len(wanted):
                return found
    return found


def _brought(repo: pygit2.Repository, old: str, new: str, placed: set[str]) -> list[str]:
    """Commits `new` reaches that are neither `old` nor placed yet; marks them placed.
    (libgit2's revwalk with hide() re-marks the whole history on each call.)"""
    tip = gitrepo.peel_to_commit(repo, new) if new and set(new) != {"0"} else None
    if tip is None:
        return []  # a deletion, or objects gone (a deleted, pruned branch)
    out: list[str] = []
    stack = [tip]
    while stack:
        commit = stack.pop()
        oid = str(commit.id)
        if oid in placed or oid == old:
            continue
        placed.add(oid)
        out.append(oid)
        stack.extend(commit.parents)
    return out
