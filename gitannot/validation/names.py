"""YOLO class names (and pose kpt_shape) for a label file: the nearest data.yaml /
classes.txt / obj.names, read by the YOLO adapter's own reader so rows and the names
file's checks agree on every index."""

import posixpath

from gitannot.formats import read_names_file
from gitannot.formats.yolo import KptShape
from gitannot.schema.yamlsrc import MAX_YAML_BYTES
from gitannot.validation.sources import EntryKind, Source

NAME_FILES = ("data.yaml", "data.yml", "classes.txt", "obj.names")

Names = tuple[str, ...]


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
    if path.endswith((".yaml", ".yml")) and len(data) > MAX_YAML_BYTES:
        return None, None  # the file comes from a push: a YAML parse is slow per byte
    return read_names_file(path, data)
