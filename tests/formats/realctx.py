"""Builds the FormatContext a caller (4b's validate command) would give a real file."""

from pathlib import Path

from gitannot.formats import FormatContext, parse_file
from gitannot.formats.labelstudio import labelstudio_controls

NAME_FILES = ("classes.txt", "obj.names", "data.yaml", "data.yml")
# Label Studio exports and the labeling config each was made with.
LS_CONFIGS = {
    "data.json": "label_config.xml",
    "data_obb.json": "label_config_obb.xml",
    "data_polygons.json": "label_config_polygons.xml",
}


def class_names(path: Path, root: Path) -> tuple[str, ...] | None:
    """Names from the nearest classes.txt / obj.names / data.yaml up the tree."""
    folder = path.parent
    while True:
        for name in NAME_FILES:
            candidate = folder / name
            if candidate.is_file() and candidate != path:
                names = parse_file(str(candidate), candidate.read_bytes()).declared_labels
                return tuple(names)
        if folder == root or folder == folder.parent:
            return None
        folder = folder.parent


def context_for(path: Path, root: Path) -> FormatContext:
    controls = None
    config = path.parent / LS_CONFIGS.get(path.name, "-")
    if config.is_file():
        controls = labelstudio_controls(config.read_bytes())
    return FormatContext(class_names=class_names(path, root), labelstudio_controls=controls)


def real_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "SOURCES.md")
