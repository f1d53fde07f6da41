"""Workflow values: the config, a task, CVAT's stage/state words. Pure, no I/O."""

from dataclasses import dataclass
from datetime import datetime
from typing import Final

WORKFLOW_PATH: Final = "configs/workflow.yaml"
WORKFLOW_VERSION: Final = 1
TASKS_DIR: Final = "tasks/"
REVIEWS_REF_PREFIX: Final = "refs/reviews/"

# CVAT's words, so a later sync with CVAT jobs loses nothing.
STAGES: Final = ("annotation", "validation", "acceptance")
STATES: Final = ("new", "in progress", "completed", "rejected")
EXPIRY_ACTIONS: Final = ("lock", "none")
# A task is open for label edits in these states of the annotation stage.
OPEN_STATES: Final = ("new", "in progress", "rejected")


@dataclass(frozen=True)
class TaskRights:
    """Users selected by `who` change files matching `paths` only through an open task."""

    who: tuple[str, ...]
    paths: tuple[str, ...]


@dataclass(frozen=True)
class Protection:
    """A protected ref moves only onto commits with enough approvals."""

    refs: tuple[str, ...]
    approvals: int
    reviewers: tuple[str, ...]  # selectors: user, @group, role:NAME
    dismiss_stale: bool
    source: str  # "configs/workflow.yaml:12"


@dataclass(frozen=True)
class WorkflowConfig:
    managers: tuple[str, ...]  # may create, assign, edit and move tasks any way
    task_rights: TaskRights | None
    protect: tuple[Protection, ...]
    source: str


@dataclass(frozen=True)
class Task:
    id: str
    path: str
    title: str
    items: tuple[str, ...]  # label-file paths or globs
    assignees: tuple[str, ...]
    reviewers: tuple[str, ...]
    stage: str
    state: str
    due: datetime | None  # UTC
    on_expiry: str
    overlap: int

    @property
    def is_open(self) -> bool:
        return self.stage == "annotation" and self.state in OPEN_STATES

    @property
    def awaiting_review(self) -> bool:
        return (self.stage == "annotation" and self.state == "completed") or (
            self.stage == "validation" and self.state != "rejected"
        )

    @property
    def done(self) -> bool:
        return self.stage == "acceptance" and self.state == "completed"

    def expired(self, now: datetime) -> bool:
        return self.due is not None and now >= self.due

    def locked(self, now: datetime) -> bool:
        """Expired with `on_expiry: lock`: the assignees can no longer change it."""
        return self.on_expiry == "lock" and self.expired(now)

    def fields(self) -> dict[str, object]:
        """Comparable values, to tell which fields a change touches."""
        return {
            "id": self.id,
            "title": self.title,
            "items": self.items,
            "assignees": self.assignees,
            "reviewers": self.reviewers,
            "due": self.due,
            "on_expiry": self.on_expiry,
            "overlap": self.overlap,
        }
