"""Where files come from: a git tree (hook, --commit, --range) or a working tree."""

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Protocol

import pygit2


class EntryKind(Enum):
    FILE = "file"
    SYMLINK = "symlink"
    SUBMODULE = "submodule"
    MISSING = "missing"
    OTHER = "other"  # a folder


@dataclass(frozen=True)
class Entry:
    path: str
    kind: EntryKind
    blob_id: str = ""
    size: int = 0


class Source(Protocol):
    def entry(self, path: str) -> Entry: ...

    def read(self, path: str) -> bytes | None: ...

    def walk(self) -> Iterator[Entry]: ...


_LINK = pygit2.enums.FileMode.LINK
_COMMIT = pygit2.enums.FileMode.COMMIT


# The last big blobs read, by id: validation, the label diff and the secret scan of one
# push read the same big file; handing back the same bytes object also lets the record
# splitter's identity cache (formats/records.py) work across them.
_RECENT_MIN_BYTES = 1 << 20
_recent: list[tuple[str, bytes]] = []


class GitTreeSource:
    def __init__(self, repo: pygit2.Repository, tree: pygit2.Tree) -> None:
        self.repo = repo
        self.tree = tree
        # Folders already looked up. `tree["a/b/c"]` re-reads every folder on the way on
        # each call, so 2,000 files of one folder cost 2,000 parses of that folder.
        self._folders: dict[str, pygit2.Tree | None] = {"": tree}

    def entry(self, path: str) -> Entry:
        folder, _sep, name = path.rpartition("/")
        tree = self._folder(folder) if not path.startswith("/") else None
        if tree is None or not name:
            return Entry(path, EntryKind.MISSING)
        try:
            obj = tree[name]
        except KeyError:
            return Entry(path, EntryKind.MISSING)
        return self._entry(path, obj)

    def _folder(self, folder: str) -> pygit2.Tree | None:
        if folder in self._folders:
            return self._folders[folder]
        parent_path, _sep, name = folder.rpartition("/")
        parent = self._folder(parent_path)
        found: pygit2.Tree | None = None
        if parent is not None and name and not folder.startswith("/"):
            try:
                obj = parent[name]
            except KeyError:
                obj = None
            if obj is not None and obj.filemode == pygit2.enums.FileMode.TREE:
                sub = self.repo.get(obj.id)
                found = sub if isinstance(sub, pygit2.Tree) else None
        self._folders[folder] = found
        return found

    def _entry(self, path: str, obj: pygit2.Object) -> Entry:
        mode = obj.filemode
        if mode == _LINK:
            return Entry(path, EntryKind.SYMLINK, str(obj.id))
        if mode == _COMMIT:
            return Entry(path, EntryKind.SUBMODULE, str(obj.id))
        if obj.type_str != "blob":
            return Entry(path, EntryKind.OTHER)
        return Entry(path, EntryKind.FILE, str(obj.id))

    def read(self, path: str) -> bytes | None:
        found = self.entry(path)
        if found.kind is not EntryKind.FILE:
            return None
        for blob_id, data in _recent:
            if blob_id == found.blob_id:
                return data
        blob = self.repo.get(found.blob_id)
        if not isinstance(blob, pygit2.Blob):
            return None
        # Not `blob.data`: that inflates the object again (gitio.repo.blob_bytes).
        data = bytes(memoryview(blob))
        if len(data) >= _RECENT_MIN_BYTES:
            _recent[:] = [*_recent[-1:], (found.blob_id, data)]
        return data

    def size(self, blob_id: str) -> int:
        """From the object header: a huge blob is measured without being loaded."""
        try:
            _kind, size = self.repo.odb.read_header(blob_id)
        except (KeyError, ValueError, pygit2.GitError):
            return 0
        return int(size)

    def walk(self) -> Iterator[Entry]:
        stack: list[tuple[str, pygit2.Tree]] = [("", self.tree)]
        while stack:
            prefix, tree = stack.pop()
            for obj in tree:
                path = f"{prefix}{obj.name}"
                if obj.filemode == pygit2.enums.FileMode.TREE:
                    sub = self.repo.get(obj.id)
                    if isinstance(sub, pygit2.Tree):
                        stack.append((path + "/", sub))
                    continue
                yield self._entry(path, obj)


def size_of(source: Source, entry: Entry) -> int:
    """The file's size in bytes, without loading it when the source can tell."""
    if entry.size:
        return entry.size
    size = getattr(source, "size", None)
    if callable(size):
        return int(size(entry.blob_id))
    data = source.read(entry.path)
    return len(data) if data is not None else 0


def git_blob_id(data: bytes) -> str:
    """The id git gives these bytes, so the cache is shared with `--commit` runs."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


class WorkTreeSource:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._ids: dict[str, str] = {}

    def entry(self, path: str) -> Entry:
        full = self.root / path
        if full.is_symlink():
            return Entry(path, EntryKind.SYMLINK)
        if full.is_dir():
            kind = EntryKind.SUBMODULE if (full / ".git").exists() else EntryKind.OTHER
            return Entry(path, kind)
        if not full.is_file():
            return Entry(path, EntryKind.MISSING)
        return Entry(path, EntryKind.FILE, self._id(path), full.stat().st_size)

    def _id(self, path: str) -> str:
        """git_blob_id of the file, read in chunks: it is needed (for the cache key)
        before the size limit refuses a huge file."""
        if path not in self._ids:
            with (self.root / path).open("rb") as stream:
                size = os.fstat(stream.fileno()).st_size
                digest = hashlib.sha1(b"blob %d\0" % size, usedforsecurity=False)
                while chunk := stream.read(1 << 20):
                    digest.update(chunk)
            self._ids[path] = digest.hexdigest()
        return self._ids[path]

    def read(self, path: str) -> bytes | None:
        full = self.root / path
        if full.is_symlink() or not full.is_file():
            return None
        return full.read_bytes()

    def walk(self) -> Iterator[Entry]:
        for dirpath, dirnames, filenames in os.walk(self.root):
            rel = Path(dirpath).relative_to(self.root)
            keep = []
            for name in sorted(dirnames):
                if rel == Path(".") and name == ".git":
                    continue
                full = Path(dirpath, name)
                if full.is_symlink() or (full / ".git").exists():
                    yield self.entry(_join(rel, name))  # reported, never followed
                else:
                    keep.append(name)
            dirnames[:] = keep
            for name in sorted(filenames):
                yield self.entry(_join(rel, name))


def _join(rel: Path, name: str) -> str:
    return name if rel == Path(".") else (rel / name).as_posix()
