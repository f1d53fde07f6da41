"""What the tool should show, read from one commit of the trusted branch: the labeling
config generated from the ontology, and one task per data manifest item."""

from dataclasses import dataclass, field
from typing import Any

from gitannot.core.findings import Severity
from gitannot.core.manifest import parse_manifests
from gitannot.errors import ConfigError
from gitannot.release.policy import RELEASE_POLICY_PATH, parse_policy
from gitannot.schema.export import export
from gitannot.sync.model import IMAGE_FIELD, KEY_FIELD
from gitannot.validation.image_sizes import manifest_files
from gitannot.validation.rules import Rules
from gitannot.validation.sources import Source
from gitannot.workflow.model import TASKS_DIR
from gitannot.workflow.taskfile import is_task_path, parse_task


@dataclass(frozen=True)
class DesiredTask:
    key: str
    data: dict[str, Any]  # image first: the Label Studio reader takes the first string


@dataclass
class Desired:
    label_config: str
    tasks: dict[str, DesiredTask] = field(default_factory=dict)  # key -> task
    width_height: dict[str, tuple[float, float]] = field(default_factory=dict)


def desired_state(rules: Rules, source: Source) -> Desired:
    if rules.ontology is None:
        raise ConfigError(
            f"{rules.project.schema_path}: no ontology on the trusted branch",
            "the Label Studio config is generated from it; push schema/labels.yaml first",
        )
    out = Desired(export(rules.ontology, "labelstudio"))
    policy = parse_policy(source.read(RELEASE_POLICY_PATH))
    manifest = parse_manifests(sorted(manifest_files(source)), policy.splits)
    errors = [f for f in manifest.findings if f.severity is Severity.ERROR]
    if errors:
        first = errors[0]
        raise ConfigError(
            f"{first.path}: [{first.rule}] {first.message} (and {len(errors) - 1} more)"
            if len(errors) > 1
            else f"{first.path}: [{first.rule}] {first.message}",
            "fix the manifest on the default branch; the sync reads tasks from it",
        )
    owners = _task_owners(source)
    for entry in manifest.entries:
        data: dict[str, Any] = {IMAGE_FIELD: entry.uri, KEY_FIELD: entry.id}
        data["split"] = entry.split
        tasks = sorted(owners.get(f"{entry.path}#{entry.uri}", set()))
        if tasks:
            data["gitannot_tasks"] = tasks
        out.tasks[entry.id] = DesiredTask(entry.id, data)
        if entry.width and entry.height:
            out.width_height[entry.id] = (entry.width, entry.height)
    return out


def _task_owners(source: Source) -> dict[str, set[str]]:
    """`data/<manifest>#<uri>` -> ids of the task files (tasks/) that name that item."""
    owners: dict[str, set[str]] = {}
    for entry in source.walk():
        if not entry.path.startswith(TASKS_DIR) or not is_task_path(entry.path):
            continue
        task, _problems = parse_task(source.read(entry.path) or b"", entry.path, known=_any)
        if task is None:
            continue  # the server refuses invalid task files; nothing to mirror
        for item in task.items:
            if "#" in item and item.startswith("data/"):
                owners.setdefault(item, set()).add(task.id)
    return owners


def _any(_user: str) -> bool:
    return True
