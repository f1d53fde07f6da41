"""Human-readable text of an event, for Slack messages and mail."""

from typing import Any

from gitannot.events import types as T
from gitannot.events.types import Event


def _counts(annotations: dict[str, Any]) -> str:
    added = sum(annotations.get("added", {}).values())
    removed = sum(annotations.get("removed", {}).values())
    relabelled = sum(annotations.get("relabelled", {}).values())
    return f"+{added} -{removed} ~{relabelled} annotations"


def title(event: Event) -> str:
    data = event.data
    name = T.short(event.type)
    if event.type in (T.PUSH, T.MERGE):
        branch = data.get("branch", event.subject)
        return f"{name} to {branch} by {data.get('pusher')}: {_counts(data.get('annotations', {}))}"
    if event.type in (T.TAG, T.AUTO_TAG):
        return f"{name} {data.get('tag')} on {str(data.get('target') or data.get('commit'))[:12]}"
    if event.type == T.TASK_STATE:
        return (
            f"task {data.get('task')} on {data.get('branch')}: {data.get('action')} "
            f"({data.get('from')} -> {data.get('to')}) by {data.get('by')}"
        )
    if event.type == T.REVIEW_VERDICT:
        return (
            f"{data.get('verdict')} by {data.get('user')} on "
            f"{str(data.get('branch') or '').removeprefix('refs/heads/')} at "
            f"{str(data.get('commit'))[:12]}" + (f": {data['text']}" if data.get("text") else "")
        )
    if event.type == T.VALIDATION_WARNINGS:
        return f"{len(data.get('warnings', []))} validation warning(s) on {event.subject}"
    return f"{name} {event.subject}".strip()


def text(event: Event) -> str:
    lines = [f"[{event.source}] {title(event)} (event #{event.seq})"]
    annotations = event.data.get("annotations")
    if isinstance(annotations, dict):
        for kind in ("added", "removed", "relabelled"):
            per_label = annotations.get(kind) or {}
            if per_label:
                shown = ", ".join(f"{k}: {v}" for k, v in sorted(per_label.items())[:20])
                lines.append(f"{kind}: {shown}")
    for commit in event.data.get("commits", [])[:10]:
        lines.append(f"{str(commit.get('id'))[:12]} {commit.get('message', '')}")
    for item in event.data.get("warnings", [])[:10] + event.data.get("findings", [])[:10]:
        lines.append(f"{item.get('rule')}: {item.get('path', '')} {item.get('message', '')}")
    return "\n".join(lines)
