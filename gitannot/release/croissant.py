"""The Croissant 1.0 JSON-LD description of a release (with Responsible-AI fields).

Pure: built from the release's manifest, label counts and gate results. Files are listed
with their sha256; `items.csv` (written beside it in the record) feeds the `items`
record set, so a Croissant reader can load the items and their splits.
"""

from collections import Counter
from typing import Any

from gitannot.core.manifest import Manifest

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
ITEMS_FILE = "items.csv"
ITEM_COLUMNS = ("id", "uri", "sha256", "size", "width", "height", "split")

# The standard Croissant 1.0 @context (what the reference library writes).
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
_FORMATS = {
    ".json": "application/json",
    ".jsonl": "application/jsonlines",
    ".csv": "text/csv",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".yaml": "application/yaml",
}


def encoding_format(path: str) -> str:
    suffix = "." + path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return _FORMATS.get(suffix, "application/octet-stream")


def build(
    *,
    name: str,
    version: str,
    published: str,
    commit: str,
    files: dict[str, str],  # path -> sha256 of the described files (data/, labels/)
    items_sha256: str,
    manifest: Manifest,
    labels: Counter[str],
    rai: dict[str, str],
) -> dict[str, Any]:
    splits = sorted({e.split for e in manifest.entries})
    distribution: list[dict[str, Any]] = [
        _file(ITEMS_FILE, items_sha256, "text/csv", "items of the release, one per row")
    ]
    distribution += [_file(p, sha, encoding_format(p)) for p, sha in sorted(files.items())]
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": name,
        "description": f"{name} release {version} at commit {commit}, built and signed by "
        "the gitannot server after every release gate passed",
        "version": version,
        "datePublished": published,
        "citeAs": f"{name} {version} (git commit {commit})",
        "license": "https://spdx.org/licenses/NOASSERTION",
        "url": f"urn:gitannot:release:{version}",
        "distribution": distribution,
        "recordSet": [_splits(splits), _items(), _labels(labels)],
        **{f"rai:{key}": value for key, value in sorted(rai.items())},
    }


def _file(path: str, sha: str, fmt: str, description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {
        "@type": "cr:FileObject",
        "@id": path,
        "name": path,
        "contentUrl": path,
        "encodingFormat": fmt,
        "sha256": sha,
    }
    if description:
        out["description"] = description
    return out


def _splits(splits: list[str]) -> dict[str, Any]:
    return {
        "@type": "cr:RecordSet",
        "@id": "splits",
        "name": "splits",
        "dataType": "cr:Split",
        "key": {"@id": "splits/name"},
        "field": [_field("splits", "name", "sc:Text")],
        "data": [{"splits/name": s} for s in splits],
    }


def _items() -> dict[str, Any]:
    fields = []
    for column in ITEM_COLUMNS:
        kind = "sc:Integer" if column == "size" else "sc:Text"
        field = _field("items", column, kind)
        field["source"] = {"fileObject": {"@id": ITEMS_FILE}, "extract": {"column": column}}
        if column == "split":
            field["references"] = {"field": {"@id": "splits/name"}}
        fields.append(field)
    return {"@type": "cr:RecordSet", "@id": "items", "name": "items", "field": fields}


def _labels(labels: Counter[str]) -> dict[str, Any]:
    return {
        "@type": "cr:RecordSet",
        "@id": "label_distribution",
        "name": "label_distribution",
        "description": "annotations per label over every label file of the release",
        "field": [
            _field("label_distribution", "label", "sc:Text"),
            _field("label_distribution", "count", "sc:Integer"),
        ],
        "data": [
            {"label_distribution/label": label, "label_distribution/count": count}
            for label, count in sorted(labels.items())
        ],
    }


def _field(record_set: str, name: str, kind: str) -> dict[str, Any]:
    ident = f"{record_set}/{name}"
    return {"@type": "cr:Field", "@id": ident, "name": ident, "dataType": kind}
