"""What each commit changes, read with pygit2, cached per push (access and validation share it)."""

import pygit2

from gitannot.core.changes import MODE_SUBMODULE, Change


class ChangeReader:
    """Changes of a commit against its first parent; renames are delete + add.

    Blob sizes are read from object headers and cached by id: a long push re-touching the
    same files pays once per distinct blob.
    """

    def __init__(self, repo: pygit2.Repository) -> None:
        self.repo = repo
        self._sizes: dict[str, int | None] = {}
        # A branch and a tag pushed onto the same new commits share one diff each.
        self._changes: dict[str, list[Change]] = {}

    def changes(self, commit: pygit2.Commit) -> list[Change]:
        key = str(commit.id)
        if key not in self._changes:
            self._changes[key] = self._diff(commit)
        return self._changes[key]

    def _diff(self, commit: pygit2.Commit) -> list[Change]:
        # Only paths, modes and ids are needed: skipping binary detection saves ~40%.
        flags = pygit2.enums.DiffOption.SKIP_BINARY_CHECK
        if commit.parents:
            diff = commit.parents[0].tree.diff_to_tree(commit.tree, flags=flags)
        else:
            diff = commit.tree.diff_to_tree(flags=flags, swap=True)
        out: dict[str, Change] = {}
        for delta in diff.deltas:
            old, new = delta.old_file, delta.new_file
            if old.path != new.path or new.mode == 0:
                out.setdefault(old.path, Change(old.path))
            if new.mode != 0:
                oid = str(new.id)
                out[new.path] = Change(new.path, new.mode, oid, self._size(oid, new.mode))
        return sorted(out.values(), key=lambda c: c.path)

    def _size(self, oid: str, mode: int) -> int | None:
        if mode == MODE_SUBMODULE:
            return None  # a gitlink names a commit of another repository
        if oid not in self._sizes:
            try:
                self._sizes[oid] = int(self.repo.odb.read_header(oid)[1])
            except (KeyError, ValueError, pygit2.GitError):
                self._sizes[oid] = None
        return self._sizes[oid]
