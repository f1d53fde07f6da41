"""One version of a label file as blame and log read it, and how its annotations match
those of a parent version.

Annotation identity:
- COCO, Label Studio, per-image JSON: the annotation's id (COCO `id`, Label Studio
  `task/annotation/region`, the per-image UUID). A version whose id is new but whose
  content (item, label, geometry, box, attributes) a parent had under an id that does not
  keep that content here is that annotation **re-keyed** (the merge driver re-keys an id
  both sides added).
- YOLO, Pascal VOC, CVAT (no ids): a row / object is named by its position in the version
  asked about (`line:N` for YOLO, the object index for VOC, `image/shape` for CVAT) and is
  followed to a parent version the way `gitannot diff` pairs them: identical content
  first, then box overlap (IoU >= 0.5) within one item. A row that moves to another line
  is the same annotation; its name there is its position there.

Big COCO files are read by raw records (fastcoco): a record whose bytes equal the
parent's is the same annotation, unparsed.
"""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pygit2

from gitannot.core.annotation import Annotation
from gitannot.formats import records
from gitannot.gitio.run import run_git
from gitannot.history import fastcoco
from gitannot.history.context import Names, in_commit, is_yolo_rows
from gitannot.history.diff import POSITIONAL, changed_fields, pair, parse_version, signature

SAME, CHANGED, REKEYED = "same", "changed", "re-keyed"
Match = dict[str, tuple[str, str]]  # child key -> (parent key, relation)
_CATEGORY = re.compile(rb'"category_id"\s*:\s*(-?[0-9]+)\s*[,}]')


class Version:
    """The annotations of one blob: parsed in full, or COCO raw records parsed on demand."""

    def __init__(self, path: str, data: bytes | None, names: Names | None = None) -> None:
        self.fmt = ""
        self._raws: dict[str, records.Raw] | None = None
        self._anns: dict[str, Annotation | None] = {}
        self._cats: dict[Any, str] = {}
        self._read: Callable[[records.Raw, int], Annotation | None] | None = None
        side = fastcoco.split_quietly(data) if data and path.lower().endswith(".json") else None
        if side is not None:
            self.fmt = "coco"
            self._raws = {str(k): v for k, v in side.anns.items()}
            self._cats = {k: v[0] for k, v in side.cats.items()}
            self._read = fastcoco.record_reader(side)
            self.keys = list(self._raws)
            return
        pf = parse_version(path, data, names)
        if pf is not None:
            self.fmt = pf.format
            self._anns = {a.id: a for a in pf.annotations}
        self.keys = list(self._anns)

    @property
    def positional(self) -> bool:
        return self.fmt in POSITIONAL

    def has(self, key: str) -> bool:
        return key in (self._raws if self._raws is not None else self._anns)

    def ann(self, key: str) -> Annotation | None:
        if key not in self._anns and self._raws is not None and self._read is not None:
            raw = self._raws.get(key)
            try:
                self._anns[key] = self._read(raw, 0) if raw is not None else None
            except fastcoco.Conflicted:  # an unresolved merge: no annotation to follow
                self._anns[key] = None
        return self._anns.get(key)

    def label(self, key: str) -> str:
        """The label without parsing a raw record (its category id, by a scan)."""
        raw = self._raws.get(key) if self._raws is not None else None
        if raw is not None and key not in self._anns:
            found = _CATEGORY.search(raw)
            if found is not None:
                return self._cats.get(int(found[1]), "")
        made = self.ann(key)
        return made.label if made is not None else ""

    def labels(self) -> dict[str, str]:
        """Every annotation's label, in one pass (blame lists them all)."""
        if self._raws is None:
            return {k: (a.label if (a := self.ann(k)) is not None else "") for k in self.keys}
        search, cats = _CATEGORY.search, self._cats
        found = {k: search(raw) for k, raw in self._raws.items()}
        return {
            k: cats.get(int(m[1]), "") if m is not None else self.label(k) for k, m in found.items()
        }

    def annotations(self) -> list[Annotation]:
        return [a for a in (self.ann(k) for k in self.keys) if a is not None]

    def same(self, key: str, parent: "Version", pkey: str) -> bool:
        mine, theirs = self._raws, parent._raws
        raw = mine is not None and theirs is not None and self._cats == parent._cats
        if raw and mine[key] == theirs[pkey]:  # type: ignore[index]
            return True  # equal bytes, equal category names: never parsed
        a, b = parent.ann(pkey), self.ann(key)
        if a is None or b is None:
            return a is b
        return not changed_fields(a, b)


def match(child: Version, parent: Version) -> Match:
    """Which annotation of `parent` each annotation of `child` continues, and how."""
    if child.positional or parent.positional:
        pairs, _, _ = pair(parent.annotations(), child.annotations(), positional=True)
        return {y.id: (x.id, CHANGED if changed_fields(x, y) else SAME) for x, y in pairs}
    out: Match = {}
    missing: list[str] = []
    mine, theirs = child._raws, parent._raws
    if mine is not None and theirs is not None and child._cats == parent._cats:
        get = theirs.get  # big COCO: a loop of byte comparisons, parsing only what differs
        for key, raw in mine.items():
            before = get(key)
            if before is None:
                missing.append(key)
            elif before == raw or child.same(key, parent, key):
                out[key] = (key, SAME)
            else:
                out[key] = (key, CHANGED)
    else:
        for key in child.keys:
            if parent.has(key):
                out[key] = (key, SAME if child.same(key, parent, key) else CHANGED)
            else:
                missing.append(key)
    if missing:
        _rekeyed(child, parent, missing, out)
    return out


def _rekeyed(child: Version, parent: Version, missing: list[str], out: Match) -> None:
    """New ids here whose content a parent annotation had under an id that does not keep
    that content here (deleted, or holding another annotation now)."""
    free: dict[tuple[Any, ...], list[str]] = {}
    for key in parent.keys:
        kept = out.get(key)
        if kept is not None and kept[1] == SAME:
            continue
        ann = parent.ann(key)
        if ann is not None:
            free.setdefault(signature(ann), []).append(key)
    if not free:
        return
    for key in missing:
        ann = child.ann(key)
        found = free.get(signature(ann)) if ann is not None else None
        if found:
            pkey = found.pop(0)
            out[key] = (pkey, REKEYED)
            if out.get(pkey) == (pkey, CHANGED):
                del out[pkey]  # that id holds another annotation here


class Versions:
    """The file's version per commit, parsed once per blob (and per names file)."""

    def __init__(self, repo: pygit2.Repository, path: str) -> None:
        self.repo, self.path = repo, path
        self._by_blob: dict[tuple[str, str], Version] = {}
        self._at: dict[str, Version] = {}
        self._empty = Version(path, None)

    def at(self, commit: str) -> Version:
        if commit not in self._at:
            self._at[commit] = self._load(commit)
        return self._at[commit]

    def _load(self, commit: str) -> Version:
        tree = self.repo.revparse_single(commit).peel(pygit2.Tree)
        try:
            blob = tree[self.path].id
        except KeyError:
            return self._empty
        names = in_commit(self.repo, commit, self.path) if is_yolo_rows(self.path) else None
        key = (str(blob), names.source.split(" at ")[0] + repr(names.names) if names else "")
        if key not in self._by_blob:
            # `git cat-file` reads a big blob about three times faster than pygit2 does
            data = run_git(["cat-file", "blob", str(blob)], cwd=Path(self.repo.path)).stdout
            self._by_blob[key] = Version(self.path, data, names)
        return self._by_blob[key]
