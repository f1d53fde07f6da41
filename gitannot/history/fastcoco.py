"""The diff of two COCO instances versions by raw records: only changed records parsed.

The merge driver's splitter (formats/records.py) hands back each annotation record as a
slice of the file. Records are keyed by id and compared by bytes: a record whose bytes
are equal in both versions is the same annotation, unparsed. Only records that differ,
appear or disappear are parsed (orjson) and read with the validator's own COCO reader
(`coco.Checker.one`), so they read exactly as the full diff reads them. Label counts come
from one scan of the old version's `category_id` values, then less the records read
from it and plus those read from the new one (unchanged records keep their category).

Images change no annotation (an annotation's item is its image id; sizes only feed
checks). Categories are small and parsed in full; when a category id's name differs
between the versions every record of it reads as relabelled, so when an unchanged
record refers to such a category (and for anything unusual: no ids, duplicate ids,
panoptic, conflict records, a category id the scan cannot count) this returns None and
the caller runs the full diff. Pure, no I/O.
"""

import gc
import operator
import re
from collections import Counter
from typing import Any

import msgspec
import orjson

from gitannot.core.annotation import Annotation, ParsedFile
from gitannot.formats import coco, records
from gitannot.formats.conflicts import CONFLICT_KEY_BYTES
from gitannot.formats.options import FormatOptions
from gitannot.formats.report import Reporter

_CATEGORY = re.compile(rb'"category_id"\s*:\s*(-?[0-9]+)\s*[,}]')
_HAS_CONFLICT = re.compile(re.escape(CONFLICT_KEY_BYTES)).search
_OPTS = FormatOptions(max_file_bytes=1 << 62)


_ABSENT = msgspec.Raw(b"")


class _Known(msgspec.Struct, forbid_unknown_fields=True):
    """The members of a usual COCO file: one scan splits it (an unknown member: the
    members are split first, then the annotations array, two scans)."""

    annotations: list[msgspec.Raw]
    images: msgspec.Raw = _ABSENT  # a Raw cannot be unioned with None: empty is absent
    categories: msgspec.Raw = _ABSENT
    info: msgspec.Raw = _ABSENT
    licenses: msgspec.Raw = _ABSENT
    type: msgspec.Raw = _ABSENT


class _Id(msgspec.Struct):
    id: int | str


_known = msgspec.json.Decoder(_Known)
_one_id = msgspec.json.Decoder(_Id)
_LEADING_ID = re.compile(rb'\{\s*"id"\s*:\s*(-?[0-9]+)\s*[,}]')


class _Side:
    """One version split into members (all but the annotations) and keyed records."""

    def __init__(self, data: bytes, like: "_Side | None" = None) -> None:
        self.data = data
        try:
            known = _known.decode(data)
        except msgspec.DecodeError:
            members = records.members(data)  # raises ValueError: not an object
            self.region: records.Raw | None = members["annotations"]
            raws = records.elements(self.region)
            self.top = {k: v for k, v in members.items() if k != "annotations"}
        else:
            self.region = None  # the annotations are all of `data` but the other members
            raws = known.annotations
            names = ("images", "categories", "info", "licenses", "type")
            self.top = {k: v for k in names if len(v := getattr(known, k))}
        self.raws = raws
        self.ids, self.aligned = _ids(raws, like)
        self.anns = dict(zip(self.ids, raws, strict=True))
        if len(self.anns) != len(raws):
            raise ValueError("duplicate ids")
        self.cats = _categories(self.top.get("categories"))

    def category_ids(self) -> Counter[int] | None:
        """Records per category id, by one scan; None when the scan does not find as many
        category ids as records (a nested one: the caller reads the file in full)."""
        if self.region is not None:
            found = Counter(_CATEGORY.findall(self.region))
        else:
            found = Counter(_CATEGORY.findall(self.data))
            for raw in self.top.values():  # small members: what is not an annotation
                found.subtract(_CATEGORY.findall(raw))
        if sum(found.values()) != len(self.anns) or min(found.values(), default=0) < 0:
            return None
        return Counter({int(cid): n for cid, n in found.items() if n})

    def label_counts(self, ids: Counter[int]) -> Counter[str]:
        out: Counter[str] = Counter()
        for cid, n in ids.items():
            cat = self.cats.get(cid)
            out[cat[0] if cat is not None else ""] += n
        return out


def _ids(raws: list[records.Raw], like: "_Side | None") -> tuple[list[records.Key], list[bool]]:
    """Each record's id. A record equal in bytes to the record at the same index of
    `like` (the other version) has its id; the others are read from their first bytes
    when "id" leads (most exporters), else decoded. (Plain loops: faster than map()
    with a million matches; integer keys hash cheaply.)"""
    ids: list[records.Key | None]
    same: list[bool] = []
    if like is None:
        ids = [None] * len(raws)
    else:
        theirs = like.ids
        same = list(map(operator.eq, raws, like.raws))  # stops at the shorter list
        ids = [theirs[i] if eq else None for i, eq in enumerate(same)]
        ids += [None] * (len(raws) - len(same))
    match = _LEADING_ID.match
    for i, known in enumerate(ids):
        if known is None:
            raw = raws[i]
            found = match(raw)
            ids[i] = int(found[1]) if found is not None else _decoded_id(raw)
    return ids, same  # type: ignore[return-value]


def _decoded_id(raw: records.Raw) -> records.Key:
    try:
        return _one_id.decode(raw).id
    except msgspec.DecodeError as exc:
        raise ValueError(f"a record without an id: {exc}") from exc


def _categories(raw: records.Raw | None) -> dict[Any, tuple[str, int]]:
    if raw is None:
        return {}
    doc = orjson.loads(memoryview(raw))
    if type(doc) is not list:
        raise ValueError("categories is not a list")
    return coco.read_categories(doc, Reporter("", _OPTS), ParsedFile("", "coco"))


def eligible(data: bytes) -> bool:
    """An object (no BOM, not an LFS pointer). Conflict records are looked for only in
    the records that are read and the small members, not by a scan of the whole file."""
    return data[: 1 << 16].lstrip(b" \t\r\n")[:1] == b"{"


class Conflicted(Exception):
    """A record read holds a merge-conflict record (or no integer category id): the
    full reader handles those."""


def split(data: bytes, like: _Side | None = None) -> _Side | None:
    if not eligible(data):
        return None
    try:
        side = _Side(data, like)
    except (ValueError, KeyError, orjson.JSONDecodeError):  # NotKeyed is a ValueError
        return None
    top = side.top
    if "item" in top or "images" not in top:
        return None  # per-image JSON, or not COCO instances
    if any(_HAS_CONFLICT(raw) for raw in top.values()):
        return None
    for name in ("images", "categories"):
        if name in top and bytes(memoryview(top[name])[:1]) != b"[":
            return None
    first = next(iter(side.anns.values()), None)
    if first is not None and b'"segments_info"' in bytes(first):
        return None  # panoptic
    return side


def _reader(cats: dict[Any, tuple[str, int]], seen: Counter[Any]) -> Any:
    """Reads one record as the full reader does; counts the category ids it read (one
    that is no integer: the caller reads the file in full)."""
    pf = ParsedFile("", "coco")
    checker = coco.Checker(pf, Reporter("", _OPTS), _OPTS, {}, cats, True, False)

    def read(raw: records.Raw, index: int) -> Annotation | None:
        if _HAS_CONFLICT(raw):
            raise Conflicted
        doc = orjson.loads(memoryview(raw))
        cid = doc.get("category_id") if type(doc) is dict else None
        if type(cid) is not int:
            raise Conflicted  # unusual: the full reader says what is wrong with it
        seen[cid] += 1
        return checker.one(doc, index, set(), set())

    return read


def split_quietly(data: bytes) -> _Side | None:
    """`split` with the cyclic GC paused (blame splits every version of a file)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return split(data)
    finally:
        if was_enabled:
            gc.enable()


def record_reader(side: _Side) -> Any:
    """Reads one record of `side` as the full reader does (blame's lazy parse)."""
    return _reader(side.cats, Counter())


def _renamed(a: _Side, b: _Side) -> set[Any]:
    """Category ids whose name differs between the versions (or exists in one only)."""
    names_a = {k: v[0] for k, v in a.cats.items()}
    names_b = {k: v[0] for k, v in b.cats.items()}
    return {k for k in names_a.keys() | names_b.keys() if names_a.get(k) != names_b.get(k)}


def _renames_seen(renamed: set[Any], *sides: tuple[Counter[int], Counter[Any]]) -> bool:
    """A renamed category relabels every record of it: fine only when all of them were
    parsed here anyway (none is among the unchanged records)."""
    return all(ids.get(cid, 0) == parsed.get(cid, 0) for ids, parsed in sides for cid in renamed)


Pairs = list[tuple[Annotation, Annotation]]


def diff_records(
    old: bytes, new: bytes
) -> tuple[Pairs, list[Annotation], list[Annotation], tuple[Counter[str], Counter[str]]] | None:
    """(pairs of differing records, removed, added, label counts before/after); None:
    not eligible, read both versions in full instead."""
    # As in parse_file: the cyclic GC would walk the million records split here.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _diff_records(old, new)
    except Conflicted:
        return None
    finally:
        if was_enabled:
            gc.enable()


def _new_side(
    ids_a: Counter[int], parsed_a: Counter[Any], parsed_b: Counter[Any], records_b: int
) -> Counter[int] | None:
    """The new version's records per category: the old one's, less the records read
    from it, plus those read from the new one (unchanged records keep theirs)."""
    ids_b = ids_a.copy()
    ids_b.subtract(parsed_a)
    ids_b.update(parsed_b)
    if min(ids_b.values(), default=0) < 0 or ids_b.total() != records_b:
        return None
    return +ids_b  # drop the zeros


def _diff_records(
    old: bytes, new: bytes
) -> tuple[Pairs, list[Annotation], list[Annotation], tuple[Counter[str], Counter[str]]] | None:
    a = split(old)
    b = split(new, a) if a is not None else None
    if a is None or b is None:
        return None
    ids_a = a.category_ids()  # the new side's: these, less and plus the records read
    if ids_a is None:
        return None
    parsed_a: Counter[Any] = Counter()
    parsed_b: Counter[Any] = Counter()
    read_old, read_new = _reader(a.cats, parsed_a), _reader(b.cats, parsed_b)
    olds, news = a.anns, b.anns
    get, aligned = olds.get, b.aligned  # equal bytes (at the same index): never parsed
    maybe = [k for k, eq in zip(b.ids, aligned, strict=False) if not eq] + b.ids[len(aligned) :]
    differ = [k for k in maybe if get(k) != news[k]]
    pairs: Pairs = []
    added: list[Annotation] = []
    removed: list[Annotation] = []
    for key in differ:
        before = olds.get(key)
        made = read_new(news[key], 0)
        was = read_old(before, 0) if before is not None else None
        if made is not None and was is not None:
            pairs.append((was, made))
        elif made is not None:
            added.append(made)
        elif was is not None:
            removed.append(was)
    for key in [k for k in olds if k not in news]:
        gone = read_old(olds[key], 0)
        if gone is not None:
            removed.append(gone)
    ids_b = _new_side(ids_a, parsed_a, parsed_b, len(news))
    if ids_b is None:
        return None
    if not _renames_seen(_renamed(a, b), (ids_a, parsed_a), (ids_b, parsed_b)):
        return None
    return pairs, removed, added, (a.label_counts(ids_a), b.label_counts(ids_b))
