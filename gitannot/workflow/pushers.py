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

    Each logged update brought `new --not old`; walking those ranges oldest push first
    costs the size of the pushes read, and stops once every wanted commit is placed.
    """
    wanted = set(commits)
    found: dict[str, str] = {}
    if not wanted:
        return found
    for item in reader.entries(repo):  # oldest first: the first push wins
        entry = item.entry
        if entry.get("type") != E.PUSH or entry.get("decision") != "accepted":
            continue
        user = (entry.get("actor") or {}).get("user")
        if not user:
            continue
        for update in entry.get("updates", []):
            for commit in _brought(repo, str(update.get("old", "")), str(update.get("new", ""))):
                if commit in wanted and commit not in found:
                    found[commit] = str(user)
            if len(found) == len(wanted):
                return found
    return found


def _brought(repo: pygit2.Repository, old: str, new: str) -> list[str]:
    if not new or set(new) == {"0"}:
        return []
    tip = gitrepo.peel_to_commit(repo, new)
    if tip is None:
        return []  # objects gone (a deleted, pruned branch) or not a commit
    walker = repo.walk(tip.id)
    base = gitrepo.peel_to_commit(repo, old) if old and set(old) != {"0"} else None
    if base is not None:
        walker.hide(base.id)
    return [str(c.id) for c in walker]
