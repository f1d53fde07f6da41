"""YOLO class names (and pose kpt_shape) for a label file: the nearest data.yaml /
classes.txt / obj.names."""

import posixpath
from typing import Any

from gitannot.errors import ConfigError
from gitannot.formats.yolo import read_kpt_shape
from gitannot.schema.yamlsrc import load_yaml
from gitannot.validation.sources import EntryKind, Source

NAME_FILES = ("data.yaml", "data.yml", "classes.txt", "obj.names")

Names = tuple[str, ...]
KptShape = tuple[int, int]


def find_names_file(source: Source, path: str) -> str | None:
    """The closest names file in the label file's folder or any folder above it."""
    folder = posixpath.dirname(path)
    while True:
        for name in NAME_FILES:
            candidate = posixpath.join(folder, name) if folder else name
            if source.entry(candidate).kind is EntryKind.FILE:
                return candidate
        if not folder:
            return None
        folder = posixpath.dirname(folder)


def parse_names(path: str, data: bytes) -> Names | None:
    """Names in index order; None when the file does not yield a clean list (its own
    checks report why when it is validated)."""
    return parse_names_file(path, data)[0]


def parse_names_file(path: str, data: bytes) -> tuple[Names | None, KptShape | None]:
    """Names and, from a data.yaml, the pose `kpt_shape` (None when absent or invalid:
    the data.yaml's own `yolo-data.kpt-shape` check reports a bad one)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, None
    if not path.endswith((".yaml", ".yml")):
        return tuple(line.strip() for line in text.splitlines() if line.strip()), None
    try:
        doc = load_yaml(data, path)  # no aliases, size-capped: the file comes from a push
    except ConfigError:
        return None, None
    # read_kpt_shape is the adapter's own reading, so rows and data.yaml checks agree.
    return _names(doc), read_kpt_shape(data)


def _names(doc: Any) -> Names | None:
    names = doc.get("names") if isinstance(doc, dict) else None
    if isinstance(names, list):
        return tuple(str(n) for n in names)
    if isinstance(names, dict) and all(str(k).isdigit() for k in names):
        return tuple(str(names[k]) for k in sorted(names, key=lambda k: int(k)))
    return None
