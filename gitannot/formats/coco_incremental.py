"""COCO instances checked record by record, reusing the verdicts of unchanged records.

A 1% edit of a million-annotation file must not cost a full parse. The file is split
into raw records (records.py, no objects built), each annotation record is hashed, and a
record whose bytes, referenced image size and referenced category are unchanged since
the last check (the `Previous` index) keeps its own verdict. What spans records is
recomputed for the whole file from a cheap scan of ids, references and boxes: duplicate
annotation ids, duplicate (image, category, bbox) triples, the per-rule finding cap,
and the labels in use. Images and categories are always read in full (they are small).

Anything unusual (not a plain COCO instances object, conflict markers, a BOM, a record
orjson refuses) returns None: the caller runs the ordinary full check instead.
"""

import dataclasses
import gc
import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter, ne, not_
from typing import Any

import msgspec
import orjson

from gitannot.core.annotation import Annotation, ParsedFile
from gitannot.core.findings import Finding
from gitannot.formats import coco, records
from gitannot.formats.conflicts import CONFLICT_KEY_BYTES
from gitannot.formats.options import FormatOptions
from gitannot.formats.report import CappedFindings, Reporter

# A record's digest: SHA-256, truncated to 128 bits. Cryptographic, since a record whose
# digest is in the index inherits a verdict; SHA-256 rather than BLAKE2b because OpenSSL
# runs it on the CPU's SHA instructions (x86 SHA-NI, ARMv8): 20% faster per record here.
DIGEST_BYTES = 16
_UNCAPPED = 10**9
_LISTS = ("images", "annotations", "categories")


class _Ref(msgspec.Struct, gc=False):
    """What other records' checks read of a record: its ids and its box."""

    id: Any = None
    image_id: Any = None
    category_id: Any = None
    bbox: tuple[Any, ...] | None = None  # a tuple: hashable, built by msgspec in C


class _AnyRef(msgspec.Struct, gc=False):
    """The same for a record whose bbox is no list (it never joins the box check)."""

    id: Any = None
    image_id: Any = None
    category_id: Any = None


_ref_decoder = msgspec.json.Decoder(_Ref)
_any_ref_decoder = msgspec.json.Decoder(_AnyRef)
_IDS = attrgetter("id")
_CATS = attrgetter("category_id")
_IMAGE = attrgetter("image_id")
_BOX_KEY = attrgetter("image_id", "category_id", "bbox")


@dataclass
class Facts:
    """One record's own verdict: what it reports alone, and which cross-record checks
    it joins. `position` is set when its messages name its index (no usable id)."""

    findings: list[Finding]
    extras: list[Finding]  # the caller's per-annotation findings (the ontology's)
    made: bool  # it produced an annotation
    registered: bool  # its id joined the duplicate-id check
    dupe: bool  # its (image, category, bbox) joined the duplicate-annotation check
    position: int | None = None
    fresh: bool = True  # checked in this run (False: reused from the index)


@dataclass
class Previous:
    """The record index of the last checked version of the file."""

    unusual: dict[bytes, Facts]  # records that are not clean (clean: no findings at all)
    images: list[Any]  # [id, width, height] rows the verdicts were made against
    categories: list[Any]  # [id, name, keypoint count] rows
    order: list[bytes]  # every record's digest, in file order
    # Each record's `id`, `category_id` and `image_id`, as JSON lists (b"": not kept).
    # The label diff against the next version takes the old labels from here (the old
    # version is never read), and the next check the references of unchanged records.
    refs: bytes = b""
    blob: str = ""  # the blob id this index was made from ("" unknown)
    distinct: bool = False  # no annotation id and no (image, category, bbox) repeated
    # The `images` member's digest, and what reading it reported: the same bytes next
    # time are not read again (a tenth of the file's objects).
    images_digest: bytes = b""
    image_findings: list[Finding] | None = None
    _columns: Any = field(default=None, init=False, repr=False, compare=False)

    def columns(self) -> tuple[list[Any], list[Any], list[Any]] | None:
        """(ids, category ids, image ids) in file order; None when not kept."""
        if self._columns is None:
            self._columns = False
            try:
                cols = orjson.loads(self.refs) if self.refs else None
            except orjson.JSONDecodeError:
                cols = None
            if (
                type(cols) is list
                and len(cols) == 3
                and all(type(c) is list and len(c) == len(self.order) for c in cols)
            ):
                self._columns = tuple(cols)
        return self._columns or None

    def clean(self) -> set[bytes]:
        """Digests of the clean records (built only when records moved)."""
        known = set(self.order)
        known.difference_update(self.unusual)
        return known


@dataclass
class Changes:
    """(id, label) of the annotations made by the records two versions do not share:
    `old` from records only the indexed old version has, `new` from the new one's."""

    old: list[tuple[str, str]]
    new: list[tuple[str, str]]


@dataclass
class Outcome:
    findings: list[Finding]  # the file's format findings, capped like parse_file's
    extras: list[Finding]  # per-annotation caller findings, in record order
    labels_used: set[str]
    unresolved: int  # annotations whose category is unknown (no label name)
    annotations: int
    label_ids: dict[str, str]
    declared_labels: list[str]
    members: list[tuple[str, str, str]] = field(default_factory=list)  # (id, item, label)
    index: Previous | None = None  # this version's record index, for the next check
    rechecked: int = 0
    changes: Changes | None = None  # against `previous`, when its index allows it


Extra = Callable[[Annotation], list[Finding]]


def check_coco(
    path: str,
    data: bytes,
    opts: FormatOptions,
    previous: Previous | None,
    extra: Extra | None = None,
    want_members: bool = False,
) -> Outcome | None:
    """The check of a COCO instances file, reusing `previous`; None: not eligible."""
    top = _top(data, opts, previous is not None)
    if top is None:
        return None
    images = memoryview(top.images)
    images_digest = hashlib.sha256(images).digest()[:DIGEST_BYTES]
    known = _known_images(previous, images_digest)
    try:
        head = {"categories": orjson.loads(memoryview(top.categories))}
        if known is None:
            head["images"] = orjson.loads(images)
        raws = top.annotations
        if raws and "segments_info" in _first_keys(raws[0]):
            return None  # panoptic
    except (orjson.JSONDecodeError, ValueError):
        return None
    # As in parse_file: the cyclic GC would walk the millions of objects built here.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        run = _Run(path, opts, head, raws, extra, want_members, known)
        out = run.run(previous, data)
        if out is not None and out.index is not None:
            out.index.images_digest, out.index.image_findings = images_digest, run.image_findings
        return out
    finally:
        if gc_was_enabled:
            gc.enable()


class _Top(msgspec.Struct, gc=False):
    """The members the record check reads, and the annotations split into raw records,
    in one scan of the file (members() then elements() would scan it twice). A repeated
    key keeps its last value, as orjson and the full check do."""

    images: msgspec.Raw
    categories: msgspec.Raw
    annotations: list[msgspec.Raw]
    item: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET  # per-image JSON, not COCO


class _KnownTop(_Top, forbid_unknown_fields=True):
    """The same, when every member is one of these: then a conflict key can only be in
    these members' bytes (see _top)."""

    info: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    licenses: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET


class _TopRefs(msgspec.Struct, gc=False):
    annotations: list[_Ref]


_top_decoder = msgspec.json.Decoder(_Top)
_known_top_decoder = msgspec.json.Decoder(_KnownTop)
_top_refs_decoder = msgspec.json.Decoder(_TopRefs)


def _top(data: bytes, opts: FormatOptions, indexed: bool) -> _Top | None:
    """What _split checks, from one scan; None: not eligible (the full check runs).

    Conflict markers (a CONFLICT_KEY object) send a file to the full check. With an
    index (`indexed`), the file is not searched whole (0.2 s for 400 MB): its known
    members are searched here and its records not known clean in run(). That covers
    every byte a key can be in: a record known clean has the bytes of a record of an
    indexed version, and no indexed version held one (this check ran on it too); any
    other member makes _KnownTop fail and the file is searched whole."""
    if len(data) > opts.max_file_bytes or data.lstrip()[:1] != b"{":
        return None  # BOM, LFS pointer, too large: the full check reports those
    top: _Top | None = None
    if indexed:
        try:
            known = _known_top_decoder.decode(data)
            parts = [known.images, known.categories, known.info, known.licenses]
            if any(_has_conflict(part) for part in parts if part is not msgspec.UNSET):
                return None
            top = known
        except msgspec.DecodeError:
            pass
    if top is None:
        if CONFLICT_KEY_BYTES in data:
            return None
        try:
            top = _top_decoder.decode(data)
        except msgspec.DecodeError:  # no object, a member missing or of another type
            return None
    if top.item is not msgspec.UNSET:
        return None
    if any(bytes(memoryview(raw)[:1]) != b"[" for raw in (top.images, top.categories)):
        return None
    return top


def _split(data: bytes, opts: FormatOptions) -> dict[str, records.Raw] | None:
    if len(data) > opts.max_file_bytes or data.lstrip()[:1] != b"{":
        return None  # BOM, LFS pointer, too large: the full check reports those
    if CONFLICT_KEY_BYTES in data:
        return None
    try:
        top = records.members(data)
    except ValueError:
        return None
    if "item" in top or any(bytes(memoryview(top.get(k, b""))[:1]) != b"[" for k in _LISTS):
        return None
    return top


def _has_conflict(raw: Any) -> bool:
    return CONFLICT_KEY_BYTES in bytes(memoryview(raw))


def _known_images(
    previous: Previous | None, digest: bytes
) -> tuple[dict[Any, tuple[float, float]], list[Finding]] | None:
    """Image sizes and findings of an `images` member whose bytes the index has seen."""
    if previous is None or previous.images_digest != digest or previous.image_findings is None:
        return None
    return {row[0]: (row[1], row[2]) for row in previous.images}, list(previous.image_findings)


def _first_keys(raw: records.Raw) -> Any:
    first = orjson.loads(memoryview(raw))
    return first if type(first) is dict else {}


class _Run:
    def __init__(
        self,
        path: str,
        opts: FormatOptions,
        head: dict[str, Any],
        raws: list[records.Raw],
        extra: Extra | None,
        want_members: bool,
        known_images: tuple[dict[Any, tuple[float, float]], list[Finding]] | None = None,
    ) -> None:
        self.path, self.opts, self.raws = path, opts, raws
        self.extra, self.want_members = extra, want_members
        # One uncapped reporter: the cap is applied once, over the whole file, at the end.
        self.rep = Reporter(path, dataclasses.replace(opts, max_findings_per_rule=_UNCAPPED))
        self.pf = ParsedFile(path=path, format="coco")
        if known_images is None:
            self.sizes = coco.read_images(head, self.rep, self.pf)
        else:  # pf.items stays empty: nothing here reads it
            self.sizes, found = known_images
            self.rep.findings.extend(found)
        self.image_findings = list(self.rep.findings)
        self.cats = coco.read_categories(head["categories"], self.rep, self.pf)
        self.head = self._take(0)
        self.parsed: list[Any] | None = None  # the whole array, when most records are new
        self.complete = True  # refs hold every record's bbox (_refs)
        self.data = b""
        self.checker = coco.Checker(
            self.pf, self.rep, self.rep.options, self.sizes, self.cats, True, True
        )

    def _take(self, start: int) -> list[Finding]:
        kept = self.rep.findings
        out = kept[start:]
        del kept[start:]
        return out

    def run(self, previous: Previous | None, data: bytes) -> Outcome | None:
        raws, self.data = self.raws, data
        sha256 = hashlib.sha256  # see DIGEST_BYTES
        digests = [sha256(r).digest()[:DIGEST_BYTES] for r in raws]
        unknown, in_place = _unknown(previous, digests)
        if previous is not None and any(_has_conflict(raws[i]) for i in unknown):
            return None  # conflict markers: the full check (see _top)
        refs = self._refs(previous if in_place else None, unknown, data)
        images = [[k, w, h] for k, (w, h) in self.sizes.items()]
        cats = [[k, name, n] for k, (name, n) in self.cats.items()]
        stale = self._stale(previous, images, cats)
        unusual = previous.unusual if previous is not None else {}
        touched = {i for i, r in enumerate(refs) if _touches(r, stale)} if stale else set()
        facts: dict[int, Facts] = {}
        todo = sorted(touched.union(unknown))
        if not self.complete:
            for i in touched:  # their own bbox: what they report depends on it
                refs[i] = _one_ref(raws[i])
        if len(todo) > len(raws) // 8:  # first sight: one parse of the array is cheaper
            try:
                self.parsed = orjson.loads(data)["annotations"]
            except (orjson.JSONDecodeError, TypeError, KeyError):
                return None
        for i in todo:
            old = None if i in touched else unusual.get(digests[i])
            if old is not None and (old.position is None or old.position == i):
                facts[i] = old
                continue
            fresh = self._fresh(i)
            if fresh is None:
                return None
            facts[i] = fresh
        rechecked = sum(1 for f in facts.values() if f.fresh)
        distinct = previous is not None and previous.distinct
        out = self._assemble(digests, refs, facts, images, cats, rechecked, distinct)
        if previous is not None:
            out.changes = self._changes(previous, digests, refs, facts, cats)
        return out

    def _refs(self, previous: Previous | None, unknown: list[int], data: bytes) -> list[_Ref]:
        """Each record's ids, category and bbox. A file edited in place takes the ids
        and category of its unchanged records from the index (the same bytes give the
        same values) and decodes only the changed ones; their bboxes are decoded when a
        check needs them (self.complete: every bbox is there)."""
        cols = previous.columns() if previous is not None else None
        if cols is None:
            self.complete = True
            return _decode_refs(data, self.raws)
        ids, cat_ids, image_ids = cols
        refs = list(map(_Ref, ids, image_ids, cat_ids))
        for i in unknown:
            refs[i] = _one_ref(self.raws[i])
        self.complete = False
        return refs

    def _all_refs(self, refs: list[_Ref]) -> list[_Ref]:
        if self.complete:
            return refs
        self.complete = True
        return _decode_refs(self.data, self.raws)

    def _stale(self, previous: Previous | None, images: list[Any], cats: list[Any]) -> set[Any]:
        """("image" | "category", type, id) of every image or category whose size or name
        changed since the records' check: records that reference one are checked again."""
        if previous is None:
            return set()
        out: set[Any] = set()
        for kind, old, new in (
            ("image", previous.images, images),
            ("category", previous.categories, cats),
        ):
            if old != new:
                a = {(kind, type(r[0]), r[0]): r[1:] for r in old}
                b = {(kind, type(r[0]), r[0]): r[1:] for r in new}
                out.update(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        return out

    def _fresh(self, index: int) -> Facts | None:
        if self.parsed is not None:
            ann = self.parsed[index]
        else:
            try:
                ann = orjson.loads(memoryview(self.raws[index]))
            except orjson.JSONDecodeError:
                return None
        seen: set[Any] = set()
        dupes: set[Any] = set()
        made = self.checker.one(ann, index, seen, dupes)
        extras = self.extra(made) if made is not None and self.extra is not None else []
        return Facts(
            self._take(0),
            extras,
            made is not None,
            bool(seen),
            bool(dupes),
            None if seen else index,
        )

    def _assemble(
        self,
        digests: list[bytes],
        refs: list[_Ref],
        facts: dict[int, Facts],
        images: list[Any],
        cats: list[Any],
        rechecked: int,
        was_distinct: bool,
    ) -> Outcome:
        capped = CappedFindings(self.path, self.opts.max_findings_per_rule)
        capped.extend(self.head)
        extras: list[Finding] = []
        for i in sorted(facts):
            if facts[i].made:
                extras.extend(facts[i].extras)
        if not was_distinct:
            refs = self._all_refs(refs)
        repeats = self._duplicates(refs, facts, was_distinct)
        if repeats:
            refs = self._all_refs(refs)
            self._ordered(refs, facts, capped)
        else:  # no cross-record finding: only the records that are not clean report
            for i in sorted(facts):
                capped.extend(facts[i].findings)
        used, unresolved, made, members = self._labels(refs, facts)
        unusual = {digests[i]: f for i, f in facts.items() if _unusual(f, refs[i])}
        try:
            kept = orjson.dumps([list(map(attr, refs)) for attr in (_IDS, _CATS, _IMAGE)])
        except orjson.JSONEncodeError:  # an id beyond 64 bits: no label diff from here
            kept = b""
        return Outcome(
            capped.finish(),
            extras,
            used,
            unresolved,
            made,
            dict(self.pf.label_ids),
            list(self.pf.declared_labels),
            members,
            Previous(unusual, images, cats, digests, kept, distinct=not repeats),
            rechecked,
        )

    def _changes(
        self,
        previous: Previous,
        digests: list[bytes],
        refs: list[_Ref],
        facts: dict[int, Facts],
        cats: list[Any],
    ) -> Changes | None:
        """The annotations of the records the indexed version and this one do not share,
        from the index alone (changed_records' rule: the same bytes under the same
        categories make the same annotation). None when the index cannot tell: no
        per-record data, categories differ, more than an eighth of the records changed,
        or a shared record makes an annotation on one side only."""
        cols = previous.columns()
        if cols is None or previous.categories != cats:
            return None
        old_ids, old_cats, _images = cols
        pairs = _unpaired(previous.order, digests)
        if pairs is None:
            return None
        gone, came = pairs
        unusual, arrived = previous.unusual, set(came)

        def made_before(digest: bytes) -> bool:
            old = unusual.get(digest)
            return old is None or old.made

        for i, fact in facts.items():  # the only records whose verdict can differ
            if i not in arrived and fact.made != made_before(digests[i]):
                return None
        names = {row[0]: row[1] for row in previous.categories}
        old = [
            (str(old_ids[i]), names.get(old_cats[i], ""))
            for i in gone
            if made_before(previous.order[i])
        ]
        new = [
            (str(refs[i].id), self._label(refs[i].category_id))
            for i in came
            if i not in facts or facts[i].made
        ]
        return Changes(old, new)

    def _duplicates(self, refs: list[_Ref], facts: dict[int, Facts], was_distinct: bool) -> bool:
        """Whether any id or (image, category, bbox) repeats: set sizes, no Python loop
        over clean records. Records outside a check get a unique stand-in."""
        ids: list[Any] = list(map(_IDS, refs))
        boxed = list(refs)
        for i, fact in facts.items():
            if not fact.registered:
                ids[i] = object()
            if not fact.dupe:
                boxed[i] = _NO_BOX
        if len(set(ids)) != len(ids):
            return True
        if was_distinct:
            try:
                return self._near_repeats(boxed, facts)
            except TypeError:  # an unhashable image id: the whole-file check decides
                pass
            boxed = [r if r is _NO_BOX else self._with_box(i, r) for i, r in enumerate(boxed)]
        keys = list(map(_BOX_KEY, boxed))
        if len(set(keys)) == len(keys):
            return False  # not even records without a bbox share image and category
        keys = [key for key in keys if key[2] is not None]
        return len(set(keys)) != len(keys)

    def _near_repeats(self, boxed: list[_Ref], facts: dict[int, Facts]) -> bool:
        """Whether a record checked in this run repeats the (image, category, bbox) of
        another, when the indexed version repeated none and no id repeats now. Enough:
        two records outside this run's check are byte-equal to records of that version;
        equal bytes mean an equal id (a repeat the id check finds), different bytes two
        records of that version, where they did not repeat. So only the records on the
        images of checked ones are compared (a tenth of a file with 1% edited)."""
        pairs = {
            (boxed[i].image_id, boxed[i].category_id) for i in facts if boxed[i].bbox is not None
        }
        if not pairs:
            return False
        images = {image for image, _category in pairs}
        near = compress(range(len(boxed)), map(images.__contains__, map(_IMAGE, boxed)))
        found = (
            self._with_box(i, boxed[i])
            for i in near
            if boxed[i] is not _NO_BOX and (boxed[i].image_id, boxed[i].category_id) in pairs
        )
        keys = [key for key in map(_BOX_KEY, found) if key[2] is not None]
        return len(set(keys)) != len(keys)

    def _with_box(self, index: int, ref: _Ref) -> _Ref:
        """The record's ref with its bbox (refs from the index have none)."""
        return ref if self.complete or ref.bbox is not None else _one_ref(self.raws[index])

    def _ordered(self, refs: list[_Ref], facts: dict[int, Facts], capped: CappedFindings) -> None:
        """The cross-record findings in file order, each rule's as a full check emits
        them (the per-rule cap keeps the first ones)."""
        rep = self.rep
        seen: set[Any] = set()
        dupes: set[Any] = set()
        clean = Facts([], [], True, True, False)  # dupe: when it has a bbox
        for i, ref in enumerate(refs):
            fact = facts.get(i, clean)
            if fact.registered:
                if ref.id in seen:
                    rep.add("coco.duplicate-id", f"annotation id {ref.id} appears twice", ref.id)
                else:
                    seen.add(ref.id)
            if fact.findings:
                rep.findings.extend(fact.findings)
            if ref.bbox is not None and (fact.dupe or fact is clean):
                key = (ref.image_id, ref.category_id, ref.bbox)
                if key in dupes:
                    message = f"same image, category and bbox {list(ref.bbox)}"
                    rep.add("annotation.duplicate", message, ref.id)
                else:
                    dupes.add(key)
            if rep.findings:
                capped.extend(self._take(0))

    def _labels(
        self, refs: list[_Ref], facts: dict[int, Facts]
    ) -> tuple[set[str], int, int, list[tuple[str, str, str]]]:
        """Labels in use, annotations without a label, annotations made, and (for
        exclusive groups) each annotation's id, item and label."""
        cat_ids: list[Any] = [r.category_id for r in refs]
        for i, fact in facts.items():
            if not fact.made:
                cat_ids[i] = _SKIP
        counts = Counter(cat_ids)
        skipped = counts.pop(_SKIP, 0)
        names = {cid: self._label(cid) for cid in counts}
        used = set(names.values())
        unresolved = sum(n for cid, n in counts.items() if not names[cid])
        members: list[tuple[str, str, str]] = []
        if self.want_members:
            members = [
                (str(r.id), str(r.image_id), names[cid])
                for r, cid in zip(refs, cat_ids, strict=True)
                if cid is not _SKIP
            ]
        return used, unresolved, len(refs) - skipped, members

    def _label(self, cid: Any) -> str:
        cat = self.cats.get(cid)
        return cat[0] if cat is not None else ""


def _unknown(previous: Previous | None, digests: list[bytes]) -> tuple[list[int], bool]:
    """Indexes of the records that are not known clean. Edited in place: a record with
    the bytes the previous version had at its position is clean unless that version
    found it unusual, so only the positions that differ need a look (a record moved
    there is checked again: more work, the same verdict). Otherwise by set membership.
    Maps and compress: no Python-level loop over a million records. Also says whether
    the file was edited in place."""
    count = len(digests)
    if previous is None:
        return list(range(count)), False
    order = previous.order
    if len(order) == count:
        moved = list(compress(range(count), map(ne, order, digests)))
        if len(moved) <= count // 8:
            odd = previous.unusual
            flagged = compress(range(count), map(odd.__contains__, digests)) if odd else ()
            return sorted({*moved, *flagged}), True
    known = previous.clean()
    return list(compress(range(count), map(not_, map(known.__contains__, digests)))), False


_SKIP = object()
_NO_BOX = _Ref()


def _hashable(value: Any) -> bool:
    return type(value) is int or type(value) is str


def _touches(ref: _Ref, stale: set[Any]) -> bool:
    if not (_hashable(ref.image_id) and _hashable(ref.category_id)):
        return True
    return ("image", type(ref.image_id), ref.image_id) in stale or (
        "category",
        type(ref.category_id),
        ref.category_id,
    ) in stale


def _unusual(fact: Facts, ref: _Ref) -> bool:
    """Not what a record without findings looks like (those are not stored)."""
    return bool(
        fact.findings
        or fact.extras
        or not fact.made
        or not fact.registered
        or fact.dupe != (ref.bbox is not None)
    )


def _decode_refs(data: bytes, raws: list[records.Raw]) -> list[_Ref]:
    try:
        return _top_refs_decoder.decode(data).annotations  # other members are skipped
    except msgspec.DecodeError:
        return list(map(_one_ref, raws))  # some record is no object, or its bbox no list


def _one_ref(raw: records.Raw) -> _Ref:
    try:
        return _ref_decoder.decode(raw)
    except msgspec.DecodeError:
        try:
            ref = _any_ref_decoder.decode(raw)
            return _Ref(ref.id, ref.image_id, ref.category_id)
        except msgspec.DecodeError:
            return _Ref()  # not an object: checked fresh, never reused


@dataclass
class Changed:
    """The annotations of the records two versions of a file do not share: `old` from
    records only the old version has, `new` from records only the new one has."""

    old: list[Annotation]
    new: list[Annotation]


def changed_records(path: str, old: bytes, new: bytes, opts: FormatOptions) -> Changed | None:
    """What an annotation-level diff of two COCO versions needs, without parsing the
    records they share: a record with the same bytes, under the same images and
    categories, yields the same annotation on both sides. Matching by id on these two
    lists is the diff of the whole files when annotation ids are unique (validation
    requires it). None (parse both whole) when a version is not a plain COCO instances
    file, images or categories differ, or more than an eighth of the records changed."""
    a, b = _split(old, opts), _split(new, opts)
    if a is None or b is None:
        return None
    for key in ("images", "categories"):
        if bytes(memoryview(a[key])) != bytes(memoryview(b[key])):
            return None
    try:
        ra, rb = records.elements(a["annotations"]), records.elements(b["annotations"])
        pairs = _unpaired(ra, rb)
        if pairs is None:
            return None
        head = {k: orjson.loads(memoryview(b[k])) for k in ("images", "categories")}
        run = _Run(path, opts, head, rb, None, False)
        sides = [
            [run.checker.one(orjson.loads(memoryview(raws[i])), i, set(), set()) for i in idx]
            for raws, idx in ((ra, pairs[0]), (rb, pairs[1]))
        ]
    except (orjson.JSONDecodeError, ValueError):
        return None
    return Changed([x for x in sides[0] if x], [x for x in sides[1] if x])


def _unpaired(
    ra: Sequence[records.Raw | bytes], rb: Sequence[records.Raw | bytes]
) -> tuple[list[int], list[int]] | None:
    """Indexes of the records (or record digests) of each side with no byte-equal
    partner: by position when that pairs nearly all (edits in place), else by content
    (inserts, deletes)."""
    limit = (len(ra) + len(rb)) // 8
    if len(ra) == len(rb):
        moved = list(compress(range(len(ra)), map(ne, ra, rb)))  # no Python-level loop
        if 2 * len(moved) <= limit:
            return moved, moved
    left = Counter(bytes(memoryview(r)) for r in rb)
    gone = []
    for i, r in enumerate(ra):
        key = bytes(memoryview(r))
        if left[key]:
            left[key] -= 1
        else:
            gone.append(i)
    came = []
    for i in range(len(rb) - 1, -1, -1):  # the last copies of a record are the unmatched
        key = bytes(memoryview(rb[i]))
        if left[key]:
            left[key] -= 1
            came.append(i)
    came.reverse()
    return (gone, came) if len(gone) + len(came) <= limit else None
