"""Where the outside facts of a diffed version come from: YOLO class names.

A YOLO row holds a class index; its name is in the nearest data.yaml / data.yml /
classes.txt / obj.names at or above the label file's folder (the validator's rule). git
hands a diff driver two blobs and a path, not the revisions, so each side is looked up:

- a blob id: the newest commit whose tree holds that blob at that path, in HEAD's
  history first, then on any ref (`git log --find-object`), and the names file in that
  commit's tree;
- git's null id (the working-tree side of `git diff`): the working tree;
- a blob in no commit (the index side of `git diff --cached`): HEAD's tree.

Each side says which it used (`Names.source`); with no names file the diff shows class
indexes and says so.
"""

import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pygit2

from gitannot.formats import read_names_file
from gitannot.formats.options import FormatContext
from gitannot.gitio.run import run_git

NAME_FILES = ("data.yaml", "data.yml", "classes.txt", "obj.names")
NULL_HEX = frozenset({"0" * 40, "0" * 64})


@dataclass(frozen=True)
class Names:
    names: tuple[str, ...] | None
    kpt_shape: tuple[int, int] | None
    source: str  # e.g. "labels/classes.txt at 1a2b3c4d5e6f", or why there are none

    def context(self, path: str) -> FormatContext:
        """YOLO rows read with these names; boxes in normalised units (a 1×1 image):
        git gives no image sizes, and a box must exist to pair moved rows."""
        stem = posixpath.basename(path).rsplit(".", 1)[0]
        return FormatContext(
            class_names=self.names, yolo_kpt_shape=self.kpt_shape, image_sizes={stem: (1.0, 1.0)}
        )

    def line(self, side: str) -> str:
        if self.names is not None:
            return f"class names {side}: {self.source}"
        return f"class names {side}: {self.source}; classes shown as numeric ids"


def is_yolo_rows(path: str) -> bool:
    name = posixpath.basename(path)
    return name.endswith(".txt") and name not in NAME_FILES


def candidates(path: str) -> list[str]:
    """Names files a label file at `path` may use, nearest first."""
    out: list[str] = []
    folder = posixpath.dirname(path)
    while True:
        out += [posixpath.join(folder, name) if folder else name for name in NAME_FILES]
        if not folder:
            return out
        folder = posixpath.dirname(folder)


def lookup(read: Callable[[str], bytes | None], path: str, where: str) -> Names:
    for candidate in candidates(path):
        data = read(candidate)
        if data is None:
            continue
        names, kpt = read_names_file(candidate, data)
        if names is None:
            return Names(None, None, f"{candidate} {where} holds no readable names list")
        return Names(names, kpt, f"{candidate} {where}")
    folder = posixpath.dirname(path) or "the top folder"
    listed = ", ".join(NAME_FILES)
    return Names(None, None, f"none found (no {listed} in {folder} or above {where})")


def in_commit(repo: pygit2.Repository, commit: str, path: str) -> Names:
    tree = repo.revparse_single(commit).peel(pygit2.Tree)

    def read(rel: str) -> bytes | None:
        try:
            obj = tree[rel]
        except KeyError:
            return None
        blob = repo.get(obj.id)
        return blob.data if isinstance(blob, pygit2.Blob) else None

    return lookup(read, path, f"at {commit[:12]}")


def in_worktree(root: Path, path: str) -> Names:
    def read(rel: str) -> bytes | None:
        target = root / rel
        return target.read_bytes() if target.is_file() else None

    return lookup(read, path, "in the working tree")


def commit_holding(repo: pygit2.Repository, path: str, blob: str) -> str | None:
    """The newest commit whose tree holds `blob` at `path`: HEAD's history first, then
    any ref. Another branch can re-commit the same blob beside a names file of its own;
    it must not choose the names the reader's own history is diffed with."""
    head = _head(repo)
    if head is not None and _blob_at(repo, head, path) == blob:
        return head
    for scope in (["HEAD"] if head is not None else []), ["--all"]:
        proc = run_git(
            ["log", *scope, "--format=%H", f"--find-object={blob}", "--", path],
            cwd=Path(repo.path),
            check=False,
        )
        for commit in proc.stdout.decode().split():
            if _blob_at(repo, commit, path) == blob:
                return commit
    return None


def _head(repo: pygit2.Repository) -> str | None:
    try:
        return str(repo.head.target)
    except pygit2.GitError:
        return None


def _blob_at(repo: pygit2.Repository, commit: str, path: str) -> str | None:
    try:
        return str(repo.revparse_single(commit).peel(pygit2.Tree)[path].id)
    except (KeyError, ValueError):
        return None


def for_side(cwd: Path, path: str, blob: str) -> Names | None:
    """The names for one side of git's diff-driver call (blob id as git passed it;
    "." for the absent side of an added or deleted file: None)."""
    if blob == ".":
        return None
    # git exports GIT_DIR to the commands it runs (a bare repository has no work tree
    # to discover from); outside git, the folder's repository if any.
    found = os.environ.get("GIT_DIR") or pygit2.discover_repository(str(cwd))
    if found is None:
        return in_worktree(cwd, path)
    repo = pygit2.Repository(found)
    if blob in NULL_HEX and repo.workdir:
        return in_worktree(Path(repo.workdir), path)
    commit = commit_holding(repo, path, blob)
    if commit is not None:
        return in_commit(repo, commit, path)
    head = _head(repo)
    if head is None:
        return Names(None, None, "none found (the repository has no commit)")
    names = in_commit(repo, head, path)
    why = " (HEAD's: this version is in no commit)"
    return Names(names.names, names.kpt_shape, names.source + why)
