"""Image sizes from the data/ manifests, for label files that do not carry them (a VOC
file without <size>): the one place validation reads manifests.

Sizes are looked up by item id, URI file name and its stem (see core/manifest.py);
the manifests' blob ids join the result cache key of every file that used them.
"""

from collections.abc import Iterator

import pygit2

from gitannot.core.manifest import (
    DEFAULT_SPLITS,
    MANIFEST_DIR,
    is_manifest_path,
    parse_manifests,
)
from gitannot.validation.sources import (
    Entry,
    EntryKind,
    GitTreeSource,
    Source,
    WorkTreeSource,
)

Sizes = dict[str, tuple[float, float]]


class ManifestSizes:
    def __init__(self, source: Source) -> None:
        self.source = source
        self._loaded: tuple[Sizes, str] | None = None

    def get(self) -> tuple[Sizes, str]:
        """(sizes by item name, an id of the manifests read; "" when there are none)."""
        if self._loaded is None:
            files = manifest_files(self.source)
            # Split names do not matter for sizes: accept every row that has them.
            manifest = parse_manifests(sorted(files), DEFAULT_SPLITS)
            ident = ",".join(f"{p}={b}" for p, b, _ in sorted(files))
            self._loaded = (manifest.image_sizes(), ident)
        return self._loaded


def manifest_files(source: Source) -> list[tuple[str, str, bytes]]:
    """(path, blob id, bytes) of every manifest under data/, sorted by path."""
    return sorted(
        (e.path, e.blob_id, source.read(e.path) or b"")
        for e in _walk_data(source)
        if e.kind is EntryKind.FILE and is_manifest_path(e.path)
    )


def _walk_data(source: Source) -> Iterator[Entry]:
    """Only data/ is walked where the source allows it: a big label tree is not listed."""
    folder = MANIFEST_DIR.rstrip("/")
    if source.entry(folder).kind is not EntryKind.OTHER:
        return
    if isinstance(source, GitTreeSource):
        sub = source.repo.get(source.tree[folder].id)
        if isinstance(sub, pygit2.Tree):
            for entry in GitTreeSource(source.repo, sub).walk():
                yield Entry(MANIFEST_DIR + entry.path, entry.kind, entry.blob_id, entry.size)
        return
    if isinstance(source, WorkTreeSource):
        for entry in WorkTreeSource(source.root / folder).walk():
            yield Entry(MANIFEST_DIR + entry.path, entry.kind, entry.blob_id, entry.size)
        return
    yield from (e for e in source.walk() if e.path.startswith(MANIFEST_DIR))
