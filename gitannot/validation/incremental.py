"""Incremental validation of big COCO files: only the records that changed are checked.

The record index of the last checked version of a path (per rules, format and context)
lives in the validation cache; formats/coco_incremental.py reuses the verdicts of
unchanged records and recomputes what spans records. Here the ontology's part is put
together the same way: per-annotation findings come with each record's verdict, while
exclusive groups, unresolved labels and declared-but-unused labels are recomputed for
the whole file. The result equals a full check (tests/validation/test_incremental.py).
"""

import orjson

from gitannot.core.annotation import Annotation, GeometryKind, ParsedFile
from gitannot.core.findings import Finding, Severity
from gitannot.formats.coco_incremental import (
    DIGEST_BYTES,
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

INDEX_KEY = "record-index-v1"
# Smaller files are checked whole: that is fast, and an index per file is not free.
MIN_BYTES = 256 * 1024
_UNCAPPED = 10**9


def index_key(rules: Rules, fmt: str, path: str, context_id: str) -> str:
    """One index per path: the last version checked under these rules and context."""
    return cache_key(INDEX_KEY, rules.rules_id, fmt, path, context_id)


def check_incremental(
    rules: Rules, path: str, data: bytes, cache: ResultCache, key: str
) -> tuple[list[Finding], list[str], dict[str, str], int] | None:
    """(findings before severities, labels, label ids, records re-checked), or None when
    the file is not a plain COCO instances file (the caller runs the full check)."""
    compiled = rules.compiled
    previous = _load(cache.get_blob(key), path)
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
        cache.put_blob(key, _dump(out.index))
    return findings, sorted(out.labels_used), out.label_ids, out.rechecked


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
    meta = orjson.dumps(
        {
            "images": index.images,
            "categories": index.categories,
            "unusual": {d.hex(): _dump_facts(f) for d, f in index.unusual.items()},
        }
    )
    return len(meta).to_bytes(8, "big") + meta + b"".join(index.digests)


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
        if (len(blob) - start) % step:
            return None
        known = {blob[i : i + step] for i in range(start, len(blob), step)}
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
        return Previous(known, unusual, list(meta["images"]), list(meta["categories"]))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
