"""Who pushed a commit: the first accepted push in the audit log whose new tip reaches it.

Commit authors and committers are whatever the pusher typed; the audit log records the
transport identity. A commit no logged push reaches is being brought by this push.
"""

from collections.abc import Iterable

import pygit2

from gitannot.audit import entry as E
from gitannot.audit import reader
from gitannot.constants import ZERO_OID


def first_pushers(repo: pygit2.Repository, commits: Iterable[str]) -> dict[str, str]:
    """commit id -> user of the first accepted push that made it reachable (when logged)."""
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
            tip = str(update.get("new", ZERO_OID))
            if set(tip) == {"0"}:
                continue
            for commit in sorted(wanted - found.keys()):
                if _reaches(repo, tip, commit):
                    found[commit] = str(user)
        if found.keys() == wanted:
            break
    return found


def _reaches(repo: pygit2.Repository, tip: str, commit: str) -> bool:
    if tip == commit:
        return True
    try:
        return bool(repo.descendant_of(tip, commit))
    except (KeyError, ValueError, pygit2.GitError):
        return False  # the tip's objects are gone (a deleted, pruned branch)
