"""Find tree entries with names git refuses, in the parts of a commit's tree that are new.

Only subtrees that differ from the same place in every parent are walked: what a parent
already holds was checked when that parent arrived (or is history the server already
had). Trees checked once in a push are not walked again.
"""

from dataclasses import dataclass

import pygit2

from gitannot.core.pathnames import invalid_component

_MODE_TREE = 0o040000


@dataclass(frozen=True)
class BadName:
    path: str  # the entry's path, names decoded for display
    reason: str


class TreeNameChecker:
    def __init__(self, repo: pygit2.Repository) -> None:
        self.repo = repo
        self._checked: set[str] = set()

    def bad_names(self, commit: pygit2.Commit) -> list[BadName]:
        out: list[BadName] = []
        parents = [parent.tree for parent in commit.parents]
        self._walk(commit.tree, parents, "", out)
        return out

    def _walk(
        self, tree: pygit2.Tree, parents: list[pygit2.Tree], prefix: str, out: list[BadName]
    ) -> None:
        key = str(tree.id)
        if key in self._checked:
            return
        self._checked.add(key)
        known = [_entries(p) for p in parents]
        for entry in tree:
            raw = entry.raw_name or b""  # a nameless entry is reported as empty
            same_place = [k[raw] for k in known if raw in k]
            # A name a parent holds at the same place is not new: it was checked when
            # that parent came in (in this push, or in the one that brought it).
            reason = None if same_place else invalid_component(raw)
            if reason is not None:
                out.append(BadName(prefix + raw.decode("utf-8", errors="replace"), reason))
                continue  # nothing below a refused name can be checked out anyway
            if entry.filemode != _MODE_TREE:
                continue
            path = prefix + raw.decode("utf-8", errors="replace")
            if any(oid == entry.id for oid, _ in same_place):
                continue
            child = self.repo.get(entry.id)
            if isinstance(child, pygit2.Tree):
                subtrees = [self.repo.get(oid) for oid, mode in same_place if mode == _MODE_TREE]
                trees = [t for t in subtrees if isinstance(t, pygit2.Tree)]
                self._walk(child, trees, path + "/", out)


def _entries(tree: pygit2.Tree) -> dict[bytes, tuple[pygit2.Oid, int]]:
    return {entry.raw_name or b"": (entry.id, entry.filemode) for entry in tree}
