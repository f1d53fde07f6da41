"""What a change does at annotation level: per label, how many annotations were added,
removed or relabelled (same id, new label), file by file; and label counts of a tree.

Files are parsed with the rules of the tree they come from (project config, YOLO names,
Label Studio config), as validation does. Work is bounded: at most MAX_FILES files and
the project's max_file_bytes per file; what is skipped is counted, never guessed.
"""

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygit2

from gitannot.core.annotation import Annotation, GeometryKind, ParsedFile
from gitannot.formats import parse_file
from gitannot.formats.coco_incremental import changed_records
from gitannot.formats.options import FormatContext
from gitannot.project.config import DETECT
from gitannot.validation.cache import ResultCache, cache_key
from gitannot.validation.context import ContextReader
from gitannot.validation.incremental import MIN_BYTES, changes_key, file_key
from gitannot.validation.push import cache_dir
from gitannot.validation.rules import Rules, RulesError, load_rules
from gitannot.validation.service import Validator
from gitannot.validation.sources import EntryKind, GitTreeSource

MAX_FILES = 500


@dataclass
class FileDiff:
    path: str
    added: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    relabelled: Counter[str] = field(default_factory=Counter)  # "old -> new"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "added": dict(sorted(self.added.items())),
            "removed": dict(sorted(self.removed.items())),
            "relabelled": dict(sorted(self.relabelled.items())),
        }


@dataclass
class AnnotationDiff:
    files: list[FileDiff] = field(default_factory=list)
    skipped: int = 0  # files over the bounds, not parsed

    def totals(self) -> dict[str, dict[str, int]]:
        added: Counter[str] = Counter()
        removed: Counter[str] = Counter()
        relabelled: Counter[str] = Counter()
        for item in self.files:
            added.update(item.added)
            removed.update(item.removed)
            relabelled.update(item.relabelled)
        return {
            "added": dict(sorted(added.items())),
            "removed": dict(sorted(removed.items())),
            "relabelled": dict(sorted(relabelled.items())),
        }

    def brought(self) -> Counter[str]:
        """Labels of the annotations the change brings (added, or relabelled into)."""
        out: Counter[str] = Counter()
        for item in self.files:
            out.update(item.added)
            for pair, n in item.relabelled.items():
                out[pair.split(" -> ", 1)[1]] += n
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.totals(),
            "files": [f.to_dict() for f in self.files],
            "files_skipped": self.skipped,
        }


class TreeReader:
    """Parses annotation files of one tree under that tree's rules."""

    def __init__(self, repo: pygit2.Repository, tree: pygit2.Tree | None) -> None:
        self.source = GitTreeSource(repo, tree) if tree is not None else None
        self.rules: Rules | None = None
        if self.source is not None:
            try:
                self.rules = load_rules(self.source)
            except RulesError:
                self.rules = None  # unreadable rules: nothing here is read as labels
        self.context = (
            ContextReader(self.rules.project, self.rules.options, self.source)
            if self.rules is not None and self.source is not None
            else None
        )

    def is_annotation(self, path: str) -> bool:
        return self.rules is not None and self.rules.project.format_for(path) is not None

    def blob_id(self, path: str) -> str | None:
        if self.source is None:
            return None
        entry = self.source.entry(path)
        return entry.blob_id if entry.kind is EntryKind.FILE else None

    def parse(self, path: str) -> ParsedFile | None:
        """The parsed file; None when absent, not an annotation file or over the limit."""
        found = self._file(path)
        if found is None or self.source is None or self.rules is None:
            return None
        fmt, blob_id = found
        if self.source.size(blob_id) > self.rules.project.max_file_bytes:
            return None
        assert self.context is not None
        context, _ = self.context.for_file(path, fmt)
        return self._parse(path, fmt, context)

    def key(self, path: str) -> str | None:
        """What a parse of `path` depends on (rules, context files, path, blob), or None
        when the path is no readable annotation file."""
        found = self._file(path)
        if found is None or self.rules is None or self.context is None:
            return None
        fmt, blob_id = found
        _, context_id = self.context.for_file(path, fmt)
        return file_key(self.rules.rules_id, context_id, fmt, path, blob_id)

    def _file(self, path: str) -> tuple[str, str] | None:
        """(format, blob id) of an annotation file of this tree; None for anything else."""
        if self.source is None or self.rules is None or self.context is None:
            return None
        fmt = self.rules.project.format_for(path)
        entry = self.source.entry(path)
        if fmt is None or entry.kind is not EntryKind.FILE:
            return None
        return fmt, entry.blob_id

    def _parse(self, path: str, fmt: str, context: FormatContext) -> ParsedFile:
        assert self.source is not None and self.rules is not None
        data = self.source.read(path) or b""
        return parse_file(
            path,
            data,
            format=None if fmt == DETECT else fmt,
            options=self.rules.options,
            context=context,
        )

    def annotation_paths(self) -> list[str]:
        if self.source is None or self.rules is None:
            return []
        return [e.path for e in self.source.walk() if self.is_annotation(e.path)]


def label_counts(parsed: ParsedFile | None) -> Counter[str]:
    if parsed is None:
        return Counter()
    return Counter(a.label for a in parsed.annotations if a.label)


def diff_file(path: str, old: ParsedFile | None, new: ParsedFile | None) -> FileDiff:
    """Annotations matched by their id within the file (the id each format keeps)."""
    before = {a.id: a.label for a in old.annotations} if old is not None else {}
    after = {a.id: a.label for a in new.annotations} if new is not None else {}
    out = FileDiff(path)
    for key, label in after.items():
        if key not in before:
            out.added[label] += 1
        elif before[key] != label:
            out.relabelled[f"{before[key]} -> {label}"] += 1
    for key, label in before.items():
        if key not in after:
            out.removed[label] += 1
    return out


def _big_file_diff(old: TreeReader, new: TreeReader, path: str) -> FileDiff | None:
    """The diff of a big annotation file, computed once per push: drift (pre-receive)
    and the push event (post-receive) ask for the same one. None for small files."""
    if new.source is None or new.rules is None:
        return None
    old_id, new_id = old.blob_id(path), new.blob_id(path)
    sizes = [
        old.source.size(old_id) if old.source is not None and old_id else 0,
        new.source.size(new_id) if new_id else 0,
    ]
    if max(sizes) < MIN_BYTES:
        return None
    # TreeReader.key: rules, context files, format, path and blob of each side.
    key = cache_key("label-diff-v1", old.key(path) or "-", new.key(path) or "-")
    with ResultCache(cache_dir(Path(new.source.repo.path))) as cache:
        hit = cache.get(key)
        if isinstance(hit, dict):
            return FileDiff(path, *(Counter(hit.get(k, {})) for k in _COUNTS))
        item = _indexed_diff(old, new, path, cache)
        if item is None:
            item = _coco_edit_diff(old, new, path, sizes)
        if item is None:
            item = diff_file(path, old.parse(path), new.parse(path))
        cache.put(key, {k: dict(getattr(item, k)) for k in _COUNTS})
    return item


_COUNTS = ("added", "removed", "relabelled")


def _indexed_diff(
    old: TreeReader, new: TreeReader, path: str, cache: ResultCache
) -> FileDiff | None:
    """A big COCO file whose old version has a record index: the record check of the
    new version (which the content check reuses) leaves the records the two do not
    share, with their labels, so the old version is never read. None: no such index
    (another version's, other rules or context files, first sight), or the check could
    not tell (validation.incremental.check_incremental)."""
    old_key, new_key = old.key(path), new.key(path)
    if old_key is None or new_key is None or new.rules is None or new.source is None:
        return None
    key = changes_key(old_key, new_key)
    hit = cache.get(key)
    if hit is None:
        Validator(new.rules, new.source, cache).check_records(path)
        hit = cache.get(key)
    if not isinstance(hit, dict):
        return None
    sides = [
        ParsedFile(path, "coco", annotations=[_ann(x) for x in hit.get(side, [])])
        for side in ("old", "new")
    ]
    return diff_file(path, *sides)


def _ann(pair: list[str]) -> Annotation:
    return Annotation(str(pair[0]), "", str(pair[1]), GeometryKind.NONE)


def _coco_edit_diff(
    old: TreeReader, new: TreeReader, path: str, sizes: list[int]
) -> FileDiff | None:
    """A big COCO file edited in place: only the records the versions do not share are
    parsed (coco_incremental.changed_records); None: parse both whole."""
    if old.rules is None or new.rules is None or old.source is None or new.source is None:
        return None
    formats = {old.rules.project.format_for(path), new.rules.project.format_for(path)}
    if not formats <= {"coco", DETECT} or old.rules.options != new.rules.options:
        return None
    limit = min(old.rules.project.max_file_bytes, new.rules.project.max_file_bytes)
    if min(sizes) < MIN_BYTES or max(sizes) > limit:
        return None
    before, after = old.source.read(path), new.source.read(path)
    if before is None or after is None:
        return None
    changed = changed_records(path, before, after, new.rules.options)
    if changed is None:
        return None
    return diff_file(
        path,
        ParsedFile(path, "coco", annotations=changed.old),
        ParsedFile(path, "coco", annotations=changed.new),
    )


def diff_trees(
    old: TreeReader, new: TreeReader, paths: list[str], deadline: float | None = None
) -> AnnotationDiff:
    """Per-file diffs of the annotation files among `paths`. With a deadline
    (time.monotonic()), files not reached in time are counted in `skipped`."""
    out = AnnotationDiff()
    wanted = [p for p in sorted(set(paths)) if old.is_annotation(p) or new.is_annotation(p)]
    for index, path in enumerate(wanted):
        if index >= MAX_FILES or (deadline is not None and time.monotonic() > deadline):
            out.skipped = len(wanted) - index
            break
        if old.blob_id(path) == new.blob_id(path):
            continue
        item = _big_file_diff(old, new, path) or diff_file(path, old.parse(path), new.parse(path))
        if item.added or item.removed or item.relabelled:
            out.files.append(item)
    return out
