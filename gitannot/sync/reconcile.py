"""Make the tool show what Git says: the labeling config and the task set.

Git is authoritative for both. A config edited in the tool is drift: reported, and put
back unless configs/sync.yaml says `drift: report`. Tasks are matched by the item key in
their data, so re-running creates nothing; a task whose item left the manifests is
reported (or marked archived), never deleted: it may carry annotations.
"""

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Protocol

from gitannot.sync.config import LabelStudioSync
from gitannot.sync.desired import Desired
from gitannot.sync.lsclient import LabelStudioClient, Project
from gitannot.sync.model import ToolTask

ARCHIVED = "gitannot_archived"  # task meta flag for items no longer in any manifest


@dataclass
class Outcome:
    project: Project
    created_project: bool = False
    config_updated: bool = False  # the ontology changed in Git; the tool follows
    drift: bool = False
    drift_reverted: bool = False
    created: list[str] = field(default_factory=list)  # item keys
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # in the tool, gone from Git
    archived: list[str] = field(default_factory=list)
    tasks: list[ToolTask] = field(default_factory=list)  # the tool's tasks after the run


def canonical_config(xml: str) -> str:
    """Compare configs as trees: the tool may re-indent what it stores."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return xml.strip()
    for elem in root.iter():
        elem.text = (elem.text or "").strip() or None
        elem.tail = None
    return ET.canonicalize(ET.tostring(root, encoding="unicode"))


class ConfigMemory(Protocol):
    """The config the sync last applied to a project (kept on the sync host)."""

    def get(self, project_id: int) -> str | None: ...

    def put(self, project_id: int, label_config: str) -> None: ...


def reconcile(
    client: LabelStudioClient, settings: LabelStudioSync, want: Desired, memory: ConfigMemory
) -> Outcome:
    project = client.find_project(settings.project)
    if project is None:
        out = Outcome(client.create_project(settings.project, want.label_config), True)
    else:
        out = Outcome(project)
        _config(client, settings, want, memory, out)
    if not out.drift or out.drift_reverted:
        memory.put(out.project.id, want.label_config)
    _tasks(client, settings, want, out)
    return out


def _config(
    client: LabelStudioClient,
    settings: LabelStudioSync,
    want: Desired,
    memory: ConfigMemory,
    out: Outcome,
) -> None:
    current = canonical_config(out.project.label_config)
    if current == canonical_config(want.label_config):
        return
    last = memory.get(out.project.id)
    if last is not None and canonical_config(last) == current:
        # The tool still shows what the sync applied: the ontology changed in Git.
        client.set_label_config(out.project.id, want.label_config)
        out.config_updated = True
        return
    out.drift = True
    if settings.drift == "revert":
        client.set_label_config(out.project.id, want.label_config)
        out.drift_reverted = True


def _tasks(
    client: LabelStudioClient, settings: LabelStudioSync, want: Desired, out: Outcome
) -> None:
    have = client.tasks(out.project.id)
    by_key: dict[str, ToolTask] = {}
    for task in have:
        if task.key is not None:
            by_key.setdefault(task.key, task)
    new: list[dict[str, Any]] = []
    for key, desired in want.tasks.items():
        found = by_key.get(key)
        if found is None:
            new.append({"data": desired.data, "meta": {"gitannot_item": key}})
            out.created.append(key)
        elif found.data != desired.data or found.meta.get(ARCHIVED):
            meta = {k: v for k, v in found.meta.items() if k != ARCHIVED}
            client.update_task(found.id, data=desired.data, meta=meta)
            found.data, found.meta = dict(desired.data), meta
            out.updated.append(key)
    for key, task in sorted(by_key.items()):
        if key in want.tasks:
            continue
        out.removed.append(key)
        if settings.removed == "archive" and not task.meta.get(ARCHIVED):
            task.meta = {**task.meta, ARCHIVED: True}
            client.update_task(task.id, data=task.data, meta=task.meta)
            out.archived.append(key)
    if new:
        client.import_tasks(out.project.id, new)
        have = client.tasks(out.project.id)
    out.tasks = have
