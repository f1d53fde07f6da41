"""Who may move a task from one stage/state to another. Pure.

Annotators (the task's assignees) start and submit; reviewers (the task's reviewers)
take a task into review, accept or reject it; task managers do anything, including
creating, reassigning, reopening and editing tasks. Nobody else changes a task.
"""

from dataclasses import dataclass
from datetime import datetime

from gitannot.workflow.model import Task

Step = tuple[str, str]  # (stage, state)
ASSIGNEE, REVIEWER = "assignee", "reviewer"

# (from, to) -> (action name, who)
MOVES: dict[tuple[Step, Step], tuple[str, str]] = {
    (("annotation", "new"), ("annotation", "in progress")): ("start", ASSIGNEE),
    (("annotation", "rejected"), ("annotation", "in progress")): ("start", ASSIGNEE),
    (("annotation", "in progress"), ("annotation", "completed")): ("submit", ASSIGNEE),
    (("annotation", "completed"), ("validation", "in progress")): ("take for review", REVIEWER),
    (("annotation", "completed"), ("acceptance", "completed")): ("accept", REVIEWER),
    (("validation", "in progress"), ("acceptance", "completed")): ("accept", REVIEWER),
    (("annotation", "completed"), ("annotation", "rejected")): ("reject", REVIEWER),
    (("validation", "in progress"), ("annotation", "rejected")): ("reject", REVIEWER),
}


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    action: str
    reason: str = ""


def judge(
    old: Task | None,
    new: Task | None,
    user: str,
    *,
    manager: bool,
    now: datetime | None,
) -> Verdict:
    """May `user` turn task `old` into `new`? (None: the file is absent on that side.)
    `now`: the server time the change reached the server; None skips the expiry lock
    (a commit judged again on its way to main was timely when first pushed)."""
    if manager:
        return Verdict(True, _describe(old, new))
    if old is None or new is None:
        action = "create" if old is None else "delete"
        return Verdict(False, action, f"only task managers may {action} tasks")
    edited = sorted(k for k, v in old.fields().items() if new.fields()[k] != v)
    if edited:
        return Verdict(
            False,
            "edit",
            f"only task managers may change {', '.join(edited)} (reassigning is theirs too)",
        )
    move = ((old.stage, old.state), (new.stage, new.state))
    if move[0] == move[1]:
        return Verdict(True, "no change")
    action, role = MOVES.get(move, ("", ""))
    text = f"{old.stage}/{old.state} -> {new.stage}/{new.state}"
    if not action:
        return Verdict(False, text, f"{text} is for task managers only (e.g. reopening)")
    group = old.assignees if role == ASSIGNEE else old.reviewers
    if user not in group:
        needed = "an assignee" if role == ASSIGNEE else "a reviewer"
        return Verdict(
            False, action, f"{action} ({text}) is done by {needed} of the task: {', '.join(group)}"
        )
    if role == ASSIGNEE and now is not None and old.locked(now):
        assert old.due is not None
        return Verdict(
            False,
            action,
            f"the task expired at {old.due:%Y-%m-%dT%H:%M:%SZ} and is locked "
            f"(server time {now:%Y-%m-%dT%H:%M:%SZ})",
        )
    return Verdict(True, action)


def _describe(old: Task | None, new: Task | None) -> str:
    if old is None:
        return "create"
    if new is None:
        return "delete"
    return f"{old.stage}/{old.state} -> {new.stage}/{new.state}"
