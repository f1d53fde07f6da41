"""Label files whose verdict depends on a context file a change touches.

A YOLO row file is checked against the nearest data.yaml / classes.txt / obj.names, and
a Label Studio export against the labeling config. Editing, adding or deleting one of
those changes the verdict of files the change does not touch: shrinking `names` makes
existing class indexes out of range. Those files are validated again, in the new tree
(the cache key holds the context blob id, so only files whose context really changed
are parsed again).
"""

import posixpath

from gitannot.project.config import DEFAULT_LABELSTUDIO_CONFIG, ProjectConfig
from gitannot.validation.context import uses_labelstudio_config, uses_yolo_names
from gitannot.validation.names import NAME_FILES
from gitannot.validation.sources import EntryKind, Source


def labelstudio_config_path(project: ProjectConfig) -> str:
    return project.labelstudio_config or DEFAULT_LABELSTUDIO_CONFIG


def context_dependents(
    project: ProjectConfig, tip: Source, changed: set[str], *, base: ProjectConfig | None
) -> set[str]:
    """Label files of `tip` (not in `changed`) that read a context file `changed` touches,
    or whose labeling config the project config now names differently than `base`."""
    folders = {posixpath.dirname(p) for p in changed if posixpath.basename(p) in NAME_FILES}
    ls_path = labelstudio_config_path(project)
    ls_changed = ls_path in changed or (
        base is not None and labelstudio_config_path(base) != ls_path
    )
    if not folders and not ls_changed:
        return set()
    out: set[str] = set()
    for entry in tip.walk():
        path = entry.path
        if entry.kind is not EntryKind.FILE or path in changed:
            continue
        fmt = project.format_for(path)
        if fmt is None:
            continue
        yolo = bool(folders) and uses_yolo_names(path, fmt) and _below_any(path, folders)
        if yolo or (ls_changed and uses_labelstudio_config(path, fmt)):
            out.add(path)
    return out


def _below_any(path: str, folders: set[str]) -> bool:
    """A names file in a folder applies to row files in it and in every folder below."""
    return any(not folder or path.startswith(folder + "/") for folder in folders)
