"""YOLO class names for a label file: the nearest data.yaml / classes.txt / obj.names."""

import posixpath

import yaml

from gitannot.validation.sources import EntryKind, Source

NAME_FILES = ("data.yaml", "data.yml", "classes.txt", "obj.names")


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


def parse_names(path: str, data: bytes) -> tuple[str, ...] | None:
    """Names in index order; None when the file does not yield a clean list (its own
    checks report why when it is validated)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if not path.endswith((".yaml", ".yml")):
        return tuple(line.strip() for line in text.splitlines() if line.strip())
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    names = doc.get("names") if isinstance(doc, dict) else None
    if isinstance(names, list):
        return tuple(str(n) for n in names)
    if isinstance(names, dict) and all(isinstance(k, int) for k in names):
        return tuple(str(names[k]) for k in sorted(names))
    return None
