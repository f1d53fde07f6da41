"""Read one task file, tasks/<id>.yaml, into a Task, or say everything wrong with it.

Pure: bytes in, (Task | None, findings) out. `known` tells whether a user is in the
access policy; `resolves` whether an item pattern matches a file in the same commit.
"""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from gitannot.access import globs
from gitannot.core.findings import Finding
from gitannot.errors import ConfigError
from gitannot.schema.yamlsrc import load_yaml, where
from gitannot.workflow.itemindex import is_wildcard
from gitannot.workflow.model import EXPIRY_ACTIONS, STAGES, STATES, TASKS_DIR, Task

KEYS = {
    "id",
    "title",
    "items",
    "assignees",
    "reviewers",
    "stage",
    "state",
    "due",
    "on_expiry",
    "overlap",
}
REQUIRED = ("id", "items", "assignees", "reviewers", "stage", "state")
# Each wildcard item is matched against the files of its folder on every push that
# touches them; literal paths and manifest items cost a lookup and are not capped.
MAX_WILDCARD_ITEMS = 1000
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
TASK_FILE = re.compile(r"^tasks/[^/]+\.ya?ml$")
# What a case-insensitive checkout takes for a task file (tasks/t1.YAML is tasks/t1.yaml).
TASK_FILE_ANY_CASE = re.compile(TASK_FILE.pattern, re.IGNORECASE)


def is_task_path(path: str) -> bool:
    return TASK_FILE.match(path) is not None


def looks_like_task(path: str) -> bool:
    """A file directly under tasks/ that some checkout reads as a task file."""
    return TASK_FILE_ANY_CASE.match(path) is not None


def task_id_of(path: str) -> str:
    return path.removeprefix(TASKS_DIR).rsplit(".", 1)[0]


def parse_task(
    data: bytes,
    path: str,
    *,
    known: Callable[[str], bool],
    resolves: Callable[[str], bool] | None = None,
) -> tuple[Task | None, list[Finding]]:
    try:
        raw = load_yaml(data, path, typed=True)
    except ConfigError as exc:
        return None, [_finding("task.invalid-yaml", path, exc.message, "fix the YAML syntax")]
    if not isinstance(raw, dict):
        return None, [
            _finding("task.shape", path, f"{path}: a task file must be a mapping of keys")
        ]
    reader = _Reader(path, raw, known)
    task = reader.task()
    if task is not None and resolves is not None:
        for pattern in task.items:
            if not resolves(pattern):
                reader.problem(
                    "task.item-unresolved",
                    f"item {pattern!r} matches no file (nor manifest item) in this commit",
                    "items",
                    "name existing label files (paths or globs such as labels/cats/*.json) "
                    "or manifest items (data/manifest.jsonl#<uri>)",
                )
    return (task if not reader.findings else None), reader.findings


def _finding(rule: str, path: str, message: str, hint: str = "") -> Finding:
    return Finding(rule=rule, path=path, message=message, hint=hint or "see docs/workflow.md")


class _Reader:
    def __init__(self, path: str, raw: dict[str, Any], known: Callable[[str], bool]) -> None:
        self.path = path
        self.raw = raw
        self.known = known
        self.findings: list[Finding] = []

    def problem(self, rule: str, message: str, key: str | None = None, hint: str = "") -> None:
        source = where(self.path, self.raw, key)
        self.findings.append(
            Finding(
                rule=rule,
                path=self.path,
                message=f"{source}: {message}",
                source=source,
                hint=hint or "see docs/workflow.md for the task file format",
            )
        )

    def task(self) -> Task | None:
        raw = self.raw
        for key in sorted(k for k in raw if k not in KEYS):
            self.problem(
                "task.unknown-key", f"unknown key {key!r} (allowed: {', '.join(sorted(KEYS))})", key
            )
        for key in REQUIRED:
            if key not in raw:
                self.problem("task.missing-key", f"`{key}` is required", None)
        if self.findings:
            return None
        task_id = self.text("id")
        if task_id and task_id != task_id_of(self.path):
            self.problem(
                "task.id-mismatch",
                f"id {task_id!r} differs from the file name (tasks/{task_id}.yaml)",
                "id",
            )
        elif task_id and not _ID.match(task_id):
            self.problem("task.shape", f"id {task_id!r}: use letters, digits, . _ -", "id")
        items = self.strings("items")
        for item in items:
            problem = globs.check_pattern(item)
            if problem:
                self.problem("task.shape", f"items: {problem}", "items")
        wild = sum(1 for item in items if is_wildcard(item))
        if wild > MAX_WILDCARD_ITEMS:
            self.problem(
                "task.too-many-patterns",
                f"{wild} wildcard items (at most {MAX_WILDCARD_ITEMS})",
                "items",
                "name files by path or manifest item (those are not capped), or use fewer, "
                "wider globs such as labels/batch-7/**",
            )
        assignees = self.users("assignees")
        reviewers = self.users("reviewers", allow_empty=False)
        both = sorted(set(assignees) & set(reviewers))
        if both:
            self.problem(
                "task.self-review",
                f"{', '.join(both)} cannot both label and review this task",
                "reviewers",
                "name reviewers who are not assignees",
            )
        stage = self.word("stage", STAGES)
        state = self.word("state", STATES)
        overlap = self.overlap(len(assignees))
        on_expiry = self.word("on_expiry", EXPIRY_ACTIONS, default="lock")
        due = self.due()
        if self.findings:
            return None
        return Task(
            id=task_id,
            path=self.path,
            title=str(raw.get("title", "")),
            items=tuple(items),
            assignees=tuple(assignees),
            reviewers=tuple(reviewers),
            stage=stage,
            state=state,
            due=due,
            on_expiry=on_expiry,
            overlap=overlap,
        )

    def text(self, key: str) -> str:
        value = self.raw.get(key)
        if not isinstance(value, str) or not value.strip():
            self.problem("task.shape", f"`{key}` must be non-empty text", key)
            return ""
        return value

    def strings(self, key: str, *, allow_empty: bool = False) -> list[str]:
        value = self.raw.get(key)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.problem("task.shape", f"`{key}` must be a list of names", key)
            return []
        if not value and not allow_empty:
            self.problem("task.shape", f"`{key}` must not be empty", key)
        if len(set(value)) != len(value):
            self.problem("task.shape", f"`{key}` lists a name twice", key)
        return list(value)

    def users(self, key: str, *, allow_empty: bool = False) -> list[str]:
        names = self.strings(key, allow_empty=allow_empty)
        for name in names:
            if not self.known(name):
                self.problem(
                    "task.unknown-user",
                    f"{key}: {name!r} is not a user of the access policy",
                    key,
                    "add the user under `users:` in configs/access.yaml first, or fix the name",
                )
        return names

    def word(self, key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self.raw.get(key, default)
        if value not in allowed:
            words = ", ".join(repr(w) for w in allowed)
            self.problem(f"task.bad-{key.replace('_', '-')}", f"{key} must be one of {words}", key)
            return ""
        return str(value)

    def overlap(self, assignees: int) -> int:
        value = self.raw.get("overlap", 1)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.problem("task.overlap", "overlap must be a positive integer", "overlap")
            return 1
        if assignees and value != assignees:
            self.problem(
                "task.overlap",
                f"overlap {value} needs exactly {value} assignee(s), not {assignees} "
                "(each assignee labels every item; one assignee per job otherwise)",
                "overlap",
            )
        return value

    def due(self) -> datetime | None:
        value = self.raw.get("due")
        if value is None:
            return None
        if isinstance(value, str):  # the hardened loader keeps dates as text
            try:
                value = date.fromisoformat(value) if len(value) == 10 else None
                value = value or datetime.fromisoformat(str(self.raw.get("due")))
            except ValueError:
                value = None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                self.problem(
                    "task.bad-date", "due has no time zone (write e.g. 2026-12-31T18:00:00Z)", "due"
                )
                return None
            return value.astimezone(UTC)
        if isinstance(value, date):
            # A bare date means the whole of that day, UTC.
            return datetime.combine(value, time(), tzinfo=UTC) + timedelta(days=1)
        self.problem("task.bad-date", "due must be a date (2026-12-31) or ISO date-time", "due")
        return None
