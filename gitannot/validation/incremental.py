"""Incremental validation of big COCO files: only the records that changed are checked.

The record index of the last checked version of a path (per rules, format and context)
lives in the validation cache; formats/coco_incremental.py reuses the verdicts of
unchanged records and recomputes what spans records. Here the ontology's part is put
together the same way: per-annotation findings come with each record's verdict, while
exclusive groups, unresolved labels and declared-but-unused labels are recomputed for
the whole file. The result equals a full check (tests/validation/test_incremental.py).
"""

from dataclasses import dataclass

import orjson

from gitannot.core.annotation import Annotation, GeometryKind, ParsedFile
from gitannot.core.findings import Finding, Severity
from gitannot.formats.coco_incremental import (
    DIGEST_BYTES,
    Changes,
    Extra,
    Facts,
    Outcome,
    Previous,
    check_coco,
)
from gitannot.formats.report import CappedFindings
from gitannot.schema.compiled import CompiledOntology, _group_findings, _unresolved
from gitannot.validation.cache import ResultCache, cache_key
from gitannot.validation.findings_io import from_cache, to_cache
from gitannot.validation.rules import Rules

# v2: every record's digest in file order, its ids, category and image id, the blob id,
# the images member's digest and findings, and whether any id or box repeated.
INDEX_KEY = "record-index-v2"
CHANGES_KEY = "record-changes-v1"
# Smaller files are checked whole: that is fast, and an index per file is not free.
MIN_BYTES = 256 * 1024
_UNCAPPED = 10**9


def index_key(rules: Rules, fmt: str, path: str, context_id: str) -> str:
    """One index per path: the last version checked under these rules and context."""
    return cache_key(INDEX_KEY, rules.rules_id, fmt, path, context_id)


def file_key(rules_id: str, context_id: str, fmt: str, path: str, blob_id: str) -> str:
    """What a parse of one file version depends on (events.annotations.TreeReader.key)."""
    return f"{rules_id}:{context_id}:{fmt}:{path}:{blob_id}"


def changes_key(old_file: str, new_file: str) -> str:
    """Where a record check leaves the records two versions do not share (Changes)."""
    return cache_key(CHANGES_KEY, old_file, new_file)


@dataclass(frozen=True)
class Version:
    """The file version a record check is about: its index key, and the parts of
    file_key (the blob id last) that name it and the version its index came from."""

    key: str
    context_id: str
    fmt: str
    blob_id: str


Checked = tuple[list[Finding], list[str], dict[str, str], int]
# The last check of this process, by (index key, blob id): the label diff (drift, in
# pre-receive) runs the record check first and the content check asks again.
_last: list[tuple[tuple[str, str, str], Checked | None]] = []


def check_incremental(
    rules: Rules, path: str, data: bytes, cache: ResultCache, version: Version
) -> Checked | None:
    """(findings before severities, labels, label ids, records re-checked), or None when
    the file is not a plain COCO instances file (the caller runs the full check).
    A version with a blob id is kept for a second ask in this process, and the records
    it and the indexed one do not share are left in the cache under changes_key."""
    memo = (str(cache.root), version.key, version.blob_id)
    for seen, done in _last:
        # The index must still be there: a deleted cache gets its index written again.
        if version.blob_id and seen == memo and cache.has_blob(version.key):
            return _copy(done)
    done = _check(rules, path, data, cache, version)
    if version.blob_id:
        _last[:] = [(memo, _copy(done))]
    return done


def _copy(done: Checked | None) -> Checked | None:
    if done is None:
        return None
    findings, labels, label_ids, rechecked = done
    return list(findings), list(labels), dict(label_ids), rechecked


def _check(
    rules: Rules, path: str, data: bytes, cache: ResultCache, version: Version
) -> Checked | None:
    compiled = rules.compiled
    previous = _load(cache.get_blob(version.key), path)
    groups = compiled is not None and any(c.groups for c in compiled.labels.values())
    extra = _extra(compiled, path) if compiled is not None else None
    out = check_coco(path, data, rules.options, previous, extra, want_members=groups)
    if out is None:
        return None
    findings = list(out.findings)
    has_errors = not out.annotations and any(f.severity is Severity.ERROR for f in findings)
    if compiled is not None and not has_errors:
        findings.extend(_ontology(compiled, path, out, rules.options.max_findings_per_rule))
    if out.index is not None:
        out.index.blob = version.blob_id
        cache.put_blob(version.key, _dump(out.index))
    if out.changes is not None and previous is not None and previous.blob and version.blob_id:
        where = (rules.rules_id, version.context_id, version.fmt, path)
        key = changes_key(file_key(*where, previous.blob), file_key(*where, version.blob_id))
        cache.put(key, _dump_changes(out.changes))
    return findings, sorted(out.labels_used), out.label_ids, out.rechecked


def _dump_changes(changes: Changes) -> dict[str, list[tuple[str, str]]]:
    return {"old": changes.old, "new": changes.new}  # JSON writes the pairs as lists


def _extra(compiled: CompiledOntology, path: str) -> Extra:
    def check_one(ann: Annotation) -> list[Finding]:
        if not ann.label:
            return []  # counted as unresolved for the whole file
        return compiled.check(ParsedFile(path, "coco", annotations=[ann]), _UNCAPPED)

    return check_one


def _ontology(compiled: CompiledOntology, path: str, out: Outcome, cap: int) -> list[Finding]:
    """CompiledOntology.check's result, from per-record findings plus the file-wide part."""
    capped = CappedFindings(path, cap)
    capped.extend(out.extras)
    hits: dict[tuple[str, str, str], list[tuple[Annotation, str]]] = {}
    for aid, item, label in out.members:
        spec = compiled.labels.get(label)
        if spec is None:
            continue
        for group in spec.groups:
            ann = Annotation(aid, item, label, GeometryKind.NONE)
            hits.setdefault((group, item, ""), []).append((ann, spec.spec.name))
    capped.extend(_group_findings(path, hits))
    stub = ParsedFile(
        path,
        "coco",
        annotations=[Annotation("", "", label, GeometryKind.NONE) for label in out.labels_used],
        declared_labels=out.declared_labels,
    )
    if out.unresolved:
        capped.append(_unresolved(stub, out.unresolved))
    capped.extend(compiled._declared(stub))  # the same rule, not a copy
    return capped.finish()


def _dump(index: Previous) -> bytes:
    """Meta (JSON) | every record's digest in file order | [ids, category ids, image
    ids] (JSON)."""
    meta = orjson.dumps(
        {
            "images": index.images,
            "categories": index.categories,
            "unusual": {d.hex(): _dump_facts(f) for d, f in index.unusual.items()},
            "records": len(index.order),
            "blob": index.blob,
            "distinct": index.distinct,
            "images_digest": index.images_digest.hex(),
            "image_findings": (
                None
                if index.image_findings is None
                else [to_cache(f) for f in index.image_findings]
            ),
        }
    )
    return b"".join((len(meta).to_bytes(8, "big"), meta, *index.order, index.refs))


def _dump_facts(fact: Facts) -> dict[str, object]:
    return {
        "f": [to_cache(f) for f in fact.findings],
        "x": [to_cache(f) for f in fact.extras],
        "m": fact.made,
        "r": fact.registered,
        "d": fact.dupe,
        "p": fact.position,
    }


def _load(blob: bytes | None, path: str) -> Previous | None:
    """The stored index; None (a full re-check of every record) when absent or unreadable."""
    if blob is None or len(blob) < 8:
        return None
    try:
        size = int.from_bytes(blob[:8], "big")
        meta = orjson.loads(blob[8 : 8 + size])
        start, step = 8 + size, DIGEST_BYTES
        end = start + step * int(meta["records"])
        if end > len(blob):
            return None
        order = [blob[i : i + step] for i in range(start, end, step)]
        unusual = {
            bytes.fromhex(d): Facts(
                [from_cache(f, path) for f in v["f"]],
                [from_cache(f, path) for f in v["x"]],
                bool(v["m"]),
                bool(v["r"]),
                bool(v["d"]),
                v["p"] if type(v["p"]) is int else None,
                fresh=False,
            )
            for d, v in meta["unusual"].items()
        }
        images, cats = list(meta["images"]), list(meta["categories"])
        found = meta["image_findings"]
        return Previous(
            unusual,
            images,
            cats,
            order,
            blob[end:],
            str(meta["blob"]),
            meta["distinct"] is True,
            bytes.fromhex(meta["images_digest"]),
            None if found is None else [from_cache(f, path) for f in found],
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
