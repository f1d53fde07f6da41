"""Data manifests (data/*.jsonl, data/*.csv): one row per source item, never raw data.

Pure: bytes in, entries and findings out. Columns: id (default: the URI's file stem),
uri, sha256, size, width, height, split (see docs/releases.md). Every problem names the
file and line.
"""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson

from gitannot.core.findings import Finding, Severity

MANIFEST_DIR = "data/"
DEFAULT_SPLITS = ("train", "val", "validation", "test")
MANIFEST_SUFFIXES = (".jsonl", ".csv")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_COLUMNS = ("id", "uri", "sha256", "size", "width", "height", "split")


@dataclass(frozen=True)
class ManifestEntry:
    id: str
    uri: str
    sha256: str
    split: str
    path: str  # the manifest file
    line: int
    size: int | None = None
    width: float | None = None
    height: float | None = None


@dataclass
class Manifest:
    entries: list[ManifestEntry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # manifest path -> blob id

    def by_id(self) -> dict[str, ManifestEntry]:
        return {e.id: e for e in self.entries}

    def lookup(self) -> dict[str, ManifestEntry]:
        """Every name a label file may use for an item: its id, the URI's file name and
        that name's stem (COCO file_name, VOC <filename>, YOLO row file stem)."""
        names: dict[str, ManifestEntry] = {}
        for entry in self.entries:
            base = entry.uri.rstrip("/").rsplit("/", 1)[-1]
            for name in (base.rsplit(".", 1)[0], base, entry.id):
                if name:
                    names[name] = entry
        return names

    def image_sizes(self) -> dict[str, tuple[float, float]]:
        sizes = {}
        for name, entry in self.lookup().items():
            if entry.width and entry.height:
                sizes[name] = (entry.width, entry.height)
        return sizes


def is_manifest_path(path: str) -> bool:
    return path.startswith(MANIFEST_DIR) and path.endswith(MANIFEST_SUFFIXES)


def parse_manifests(files: Iterable[tuple[str, str, bytes]], splits: tuple[str, ...]) -> Manifest:
    """(path, blob id, bytes) of every manifest file -> entries + findings, with the
    checks across files: duplicate ids, one image (sha256) in two splits."""
    out = Manifest()
    for path, blob, data in files:
        out.files[path] = blob
        for line, row in _rows(path, data, out.findings):
            entry = _entry(path, line, row, splits, out.findings)
            if entry is not None:
                out.entries.append(entry)
    out.findings.extend(_duplicates(out.entries))
    out.findings.extend(leakage(out.entries))
    return out


def _rows(path: str, data: bytes, findings: list[Finding]) -> list[tuple[int, dict[str, object]]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        findings.append(_bad(path, 0, "manifest.bad-row", "not UTF-8 text"))
        return []
    if path.endswith(".csv"):
        reader = csv.DictReader(io.StringIO(text))
        missing = [
            c for c in ("id", "uri", "sha256", "split") if c not in (reader.fieldnames or [])
        ]
        if missing:
            findings.append(
                _bad(path, 1, "manifest.bad-row", f"header lacks column(s) {', '.join(missing)}")
            )
            return []
        return [(n + 2, dict(row)) for n, row in enumerate(reader)]
    rows: list[tuple[int, dict[str, object]]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            row = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            findings.append(_bad(path, number, "manifest.bad-row", f"not JSON: {exc}"))
            continue
        if not isinstance(row, dict):
            findings.append(_bad(path, number, "manifest.bad-row", "a row must be a JSON object"))
            continue
        rows.append((number, row))
    return rows


def _entry(
    path: str, line: int, row: dict[str, object], splits: tuple[str, ...], out: list[Finding]
) -> ManifestEntry | None:
    ident, uri, sha, split = (
        str(row.get(k) or "").strip() for k in ("id", "uri", "sha256", "split")
    )
    if not uri:
        out.append(_bad(path, line, "manifest.bad-row", "`uri` is required"))
        return None
    # No id: the URI's file name without extension (what label files usually name).
    ident = ident or uri.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if not _HEX64.fullmatch(sha.removeprefix("sha256:")):
        out.append(
            _bad(
                path,
                line,
                "manifest.bad-hash",
                f"sha256 {sha[:80]!r} is not 64 lowercase hex digits",
                ident,
                "write the hex digest `sha256sum` prints",
            )
        )
        return None
    if split not in splits:
        out.append(
            _bad(
                path,
                line,
                "manifest.unknown-split",
                f"split {split!r} is not one of {', '.join(splits)}",
                ident,
                "use a split named in configs/release.yaml",
            )
        )
        return None
    numbers: dict[str, float | None] = {}
    for key in ("size", "width", "height"):
        value = _number(row.get(key))
        numbers[key] = value
        least = 0 if key == "size" else 1e-9  # an image has a width; a size may be 0 (unknown)
        if row.get(key) not in (None, "") and (value is None or value < least):
            out.append(
                _bad(
                    path,
                    line,
                    "manifest.bad-number",
                    f"{key} {row.get(key)!r} is not a "
                    + ("number >= 0" if key == "size" else "positive number"),
                    ident,
                )
            )
            numbers[key] = None
    size = numbers["size"]
    return ManifestEntry(
        ident,
        uri,
        sha.removeprefix("sha256:"),
        split,
        path,
        line,
        int(size) if size is not None else None,
        numbers["width"],
        numbers["height"],
    )


def _number(value: object) -> float | None:
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return float(str(value))
    except ValueError:
        return None


def _duplicates(entries: list[ManifestEntry]) -> list[Finding]:
    seen: dict[str, ManifestEntry] = {}
    out = []
    for entry in entries:
        first = seen.setdefault(entry.id, entry)
        if first is not entry:
            out.append(
                _bad(
                    entry.path,
                    entry.line,
                    "manifest.duplicate-id",
                    f"item id {entry.id!r} is already listed at {first.path}:{first.line}",
                    entry.id,
                    "give every item one row",
                )
            )
    return out


def leakage(entries: list[ManifestEntry]) -> list[Finding]:
    """The same image bytes (sha256) in two splits: train-test leakage."""
    by_hash: dict[str, ManifestEntry] = {}
    out = []
    for entry in entries:
        first = by_hash.setdefault(entry.sha256, entry)
        if first.split != entry.split:
            out.append(
                _bad(
                    entry.path,
                    entry.line,
                    "manifest.split-leakage",
                    f"item {entry.id!r} ({entry.split}) has the same sha256 as "
                    f"{first.id!r} ({first.split}) at {first.path}:{first.line}",
                    entry.id,
                    "an image may sit in one split only; drop one copy",
                )
            )
    return out


def _bad(
    path: str,
    line: int,
    rule: str,
    message: str,
    item: str = "",
    hint: str = "",
    severity: Severity = Severity.ERROR,
) -> Finding:
    where = f"line {line}: " if line else ""
    return Finding(
        rule=rule,
        message=where + message,
        path=path,
        item=item,
        hint=hint or "see docs/releases.md for the manifest columns",
        severity=severity,
    )
