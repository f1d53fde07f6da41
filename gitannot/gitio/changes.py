"""What each commit changes, read with pygit2, cached per push (access and validation share it).

A commit changes a path when its version differs from the version in ANY of its parents:
a merge may take an old commit as a parent (even the first) and so hide a rollback in
the other one. The one exception is the clean merge of a path: the commit keeps one
parent's version unchanged and the parent it differs from never touched the path since
their merge base. That version then came in through the commits that made it, which are
judged themselves (or were already on the ref or the trusted base). Anything else, a
merge taking an older version over a newer one included, counts as a change.
"""

import pygit2

from gitannot.core.changes import MODE_SUBMODULE, Change

# Only paths, modes and ids are needed: skipping binary detection saves ~40%.
_FLAGS = pygit2.enums.DiffOption.SKIP_BINARY_CHECK


class ChangeReader:
    """Changes of commits (against every parent) and between two trees; renames are
    delete + add, so moving a file out of a protected folder touches that folder.

    Blob sizes are read from object headers and cached by id: a long push re-touching the
    same files pays once per distinct blob.
    """

    def __init__(self, repo: pygit2.Repository) -> None:
        self.repo = repo
        self._sizes: dict[str, int | None] = {}
        # A branch and a tag pushed onto the same new commits share one diff each.
        self._changes: dict[str, list[Change]] = {}
        self._between: dict[tuple[str, str], list[Change]] = {}
        # (side, other) -> paths side changed since their merge base (None: unrelated).
        self._sides: dict[tuple[str, str], set[str] | None] = {}

    def changes(self, commit: pygit2.Commit) -> list[Change]:
        key = str(commit.id)
        if key not in self._changes:
            self._changes[key] = self._commit_changes(commit)
        return self._changes[key]

    def between(self, old: pygit2.Commit | None, new: pygit2.Commit) -> list[Change]:
        """Changes from `old`'s tree (None: the empty tree) to `new`'s: a ref's net change."""
        key = (str(old.tree_id) if old is not None else "", str(new.tree_id))
        if key not in self._between:
            if old is None:
                diff = new.tree.diff_to_tree(flags=_FLAGS, swap=True)
            else:
                diff = old.tree.diff_to_tree(new.tree, flags=_FLAGS)
            self._between[key] = sorted(self._collect(diff).values(), key=lambda c: c.path)
        return self._between[key]

    def _commit_changes(self, commit: pygit2.Commit) -> list[Change]:
        parents = list(commit.parents)
        if not parents:
            return self.between(None, commit)
        if len(parents) == 1:
            return self.between(parents[0], commit)
        per_parent = [
            self._collect(parent.tree.diff_to_tree(commit.tree, flags=_FLAGS)) for parent in parents
        ]
        out: dict[str, Change] = {}
        for index, differs in enumerate(per_parent):
            for path, change in differs.items():
                if path not in out and not self._clean(parents, per_parent, index, path):
                    out[path] = change
        return sorted(out.values(), key=lambda c: c.path)

    def _clean(
        self,
        parents: list[pygit2.Commit],
        per_parent: list[dict[str, Change]],
        index: int,
        path: str,
    ) -> bool:
        """True when the commit's version of `path` is another parent's, and parent
        `index` kept the merge base's version: a clean merge brings nothing new."""
        for other, differs in enumerate(per_parent):
            if other == index or path in differs:
                continue
            touched = self._side_paths(parents[index], parents[other])
            if touched is not None and path not in touched:
                return True
        return False

    def _side_paths(self, side: pygit2.Commit, other: pygit2.Commit) -> set[str] | None:
        """Paths `side` changed since its merge base with `other`; None: no merge base."""
        key = (str(side.id), str(other.id))
        if key not in self._sides:
            base_id = self.repo.merge_base(side.id, other.id)
            if base_id is None:
                self._sides[key] = None
            else:
                base = self.repo.get(base_id)
                assert isinstance(base, pygit2.Commit)
                self._sides[key] = {c.path for c in self.between(base, side)}
        return self._sides[key]

    def _collect(self, diff: pygit2.Diff) -> dict[str, Change]:
        out: dict[str, Change] = {}
        for delta in diff.deltas:
            old, new = delta.old_file, delta.new_file
            if old.path != new.path or new.mode == 0:
                out.setdefault(old.path, Change(old.path))
            if new.mode != 0:
                oid = str(new.id)
                out[new.path] = Change(new.path, new.mode, oid, self._size(oid, new.mode))
        return out

    def _size(self, oid: str, mode: int) -> int | None:
        if mode == MODE_SUBMODULE:
            return None  # a gitlink names a commit of another repository
        if oid not in self._sizes:
            try:
                self._sizes[oid] = int(self.repo.odb.read_header(oid)[1])
            except (KeyError, ValueError, pygit2.GitError):
                self._sizes[oid] = None
        return self._sizes[oid]
