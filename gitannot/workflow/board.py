"""The task board: tasks by stage/state, overdue, awaiting review, per-user counts. Pure."""

from collections import Counter
from datetime import datetime
from typing import Any

from gitannot.workflow.model import Task


def board(tasks: list[Task], now: datetime) -> dict[str, Any]:
    by_state: dict[str, list[str]] = {}
    for task in sorted(tasks, key=lambda t: t.id):
        by_state.setdefault(f"{task.stage}/{task.state}", []).append(task.id)
    overdue = [
        {
            "task": t.id,
            "due": f"{t.due:%Y-%m-%dT%H:%M:%SZ}",
            "assignees": list(t.assignees),
            "locked": t.locked(now),
        }
        for t in sorted(tasks, key=lambda t: t.id)
        if t.due is not None and t.expired(now) and not t.done
    ]
    awaiting = [
        {"task": t.id, "reviewers": list(t.reviewers), "assignees": list(t.assignees)}
        for t in sorted(tasks, key=lambda t: t.id)
        if t.awaiting_review
    ]
    users: dict[str, Counter[str]] = {}
    for task in tasks:
        for name in task.assignees:
            counts = users.setdefault(name, Counter())
            counts["open" if task.is_open else "done" if task.done else "submitted"] += 1
        for name in task.reviewers:
            if task.awaiting_review:
                users.setdefault(name, Counter())["to_review"] += 1
    per_user = {
        name: {key: counts[key] for key in ("open", "submitted", "done", "to_review")}
        for name, counts in sorted(users.items())
    }
    return {
        "now": f"{now:%Y-%m-%dT%H:%M:%SZ}",
        "by_state": by_state,
        "overdue": overdue,
        "awaiting_review": awaiting,
        "per_user": per_user,
    }


def render(data: dict[str, Any]) -> list[str]:
    lines = [f"tasks as of {data['now']}"]
    for state, ids in sorted(data["by_state"].items()):
        lines.append(f"  {state:<24} {len(ids):>3}  {' '.join(ids)}")
    lines.append(f"overdue: {len(data['overdue'])}")
    lines.extend(
        f"  {o['task']} due {o['due']} ({', '.join(o['assignees'])})"
        + (" locked" if o["locked"] else "")
        for o in data["overdue"]
    )
    lines.append(f"awaiting review: {len(data['awaiting_review'])}")
    lines.extend(
        f"  {a['task']} by {', '.join(a['assignees'])}; reviewers {', '.join(a['reviewers'])}"
        for a in data["awaiting_review"]
    )
    lines.append("per user: open submitted done to_review")
    lines.extend(
        f"  {name:<12} {c['open']:>4} {c['submitted']:>9} {c['done']:>4} {c['to_review']:>9}"
        for name, c in data["per_user"].items()
    )
    return lines
