"""configs/sync.yaml: which Label Studio project mirrors the repository, and how.

Read from the trusted base (the server's default branch), like the access policy.
Where the tool lives and how to log in are never in this file: they come from the sync
host (credentials.py), so a push cannot point the sync at another server.
"""

from dataclasses import dataclass
from typing import Any, Final

from gitannot.errors import ConfigError
from gitannot.schema.yamlsrc import LineDict, load_yaml, only_keys, where

SYNC_PATH: Final = "configs/sync.yaml"
DRIFT_MODES: Final = ("revert", "report")
REMOVED_MODES: Final = ("report", "archive")
# Keys that would carry the tool's address or a secret: refused with a pointer to the host.
_FORBIDDEN = frozenset({"url", "token", "api_key", "api_token", "password", "host"})


@dataclass(frozen=True)
class LabelStudioSync:
    project: str  # the Label Studio project's title (created when missing)
    outputs: tuple[str, ...]  # label files the annotations are written to
    drift: str = "revert"
    removed: str = "report"
    branch: str = ""  # "" = the server's default branch
    source: str = SYNC_PATH


def load_sync(data: bytes | None, source: str = SYNC_PATH) -> LabelStudioSync:
    if data is None:
        raise ConfigError(
            f"{source}: not found on the server's default branch",
            "push a configs/sync.yaml (docs/sync.md shows one) before running the sync",
        )
    doc = load_yaml(data, source)
    if not isinstance(doc, LineDict):
        raise ConfigError(f"{source}:1: the sync config must be a YAML mapping")
    only_keys(doc, {"version", "labelstudio"}, source)
    if doc.get("version") != 1:
        raise ConfigError(f"{where(source, doc, 'version')}: `version` must be 1")
    ls = doc.get("labelstudio")
    if not isinstance(ls, LineDict):
        raise ConfigError(f"{where(source, doc, 'labelstudio')}: `labelstudio` must be a mapping")
    leaked = sorted(k for k in ls if str(k) in _FORBIDDEN)
    if leaked:
        raise ConfigError(
            f"{where(source, ls, leaked[0])}: `{leaked[0]}` does not belong in the repository",
            "the Label Studio URL and token come from the sync host: GITANNOT_LABELSTUDIO_URL "
            "and GITANNOT_LABELSTUDIO_TOKEN, or --credentials FILE (docs/sync.md)",
        )
    only_keys(ls, {"project", "labels", "drift", "removed", "branch"}, source)
    project = ls.get("project")
    if not isinstance(project, str) or not project.strip():
        raise ConfigError(f"{where(source, ls, 'project')}: `project` (a title) is required")
    return LabelStudioSync(
        project=project.strip(),
        outputs=_outputs(ls, source),
        drift=_choice(ls, "drift", DRIFT_MODES, source),
        removed=_choice(ls, "removed", REMOVED_MODES, source),
        branch=_branch(ls, source),
        source=source,
    )


def _outputs(ls: LineDict, source: str) -> tuple[str, ...]:
    raw: Any = ls.get("labels")
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list) or not values:
        raise ConfigError(
            f"{where(source, ls, 'labels')}: `labels` names the file(s) annotations go to",
            "e.g. labels: [labels/ls/annotations.json, labels/coco/annotations.json]",
        )
    for value in values:
        if not isinstance(value, str) or not value.startswith("labels/") or ".." in value:
            raise ConfigError(
                f"{where(source, ls, 'labels')}: {value!r} is not a path under labels/",
                "annotations are written under labels/ only",
            )
    if len(set(values)) != len(values):
        raise ConfigError(f"{where(source, ls, 'labels')}: a file is named twice")
    return tuple(values)


def _choice(ls: LineDict, key: str, allowed: tuple[str, ...], source: str) -> str:
    value = ls.get(key, allowed[0])
    if value not in allowed:
        raise ConfigError(f"{where(source, ls, key)}: `{key}` must be one of {', '.join(allowed)}")
    return str(value)


def _branch(ls: LineDict, source: str) -> str:
    value = ls.get("branch", "")
    if not isinstance(value, str) or value.startswith(("-", "refs/")) or " " in value:
        raise ConfigError(f"{where(source, ls, 'branch')}: `branch` is a branch name like main")
    return value
