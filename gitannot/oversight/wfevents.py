"""Events of the workflow: a task's stage/state changed on a branch, a review verdict
was recorded. Made in post-receive from what the accepted push did to the refs, so a
rejected push makes none; opt-in like the workflow (configs/workflow.yaml on the base).
"""

import contextlib
from typing import Any

import pygit2

from gitannot.events import types as T
from gitannot.events.config import Automation
from gitannot.events.produce import Item
from gitannot.gitio import repo as gitrepo
from gitannot.oversight.tasks import read_task, step
from gitannot.push.context import PushContext
from gitannot.workflow import records
from gitannot.workflow.approvals import MAX_CHAIN
from gitannot.workflow.model import REVIEWS_REF_PREFIX, WORKFLOW_PATH, Task
from gitannot.workflow.taskfile import is_task_path, task_id_of
from gitannot.workflow.transitions import MOVES


def workflow_events(ctx: PushContext, base: str | None, settings: Automation) -> list[Item]:
    """produce.MoreEvents: task moves per branch update, verdicts per review record."""
    if gitrepo.blob_id(ctx.repo, base, WORKFLOW_PATH) is None:
        return []
    pusher = ctx.identity.user if ctx.identity else None
    out: list[Item] = []
    for update in ctx.updates:
        if update.is_delete:
            continue
        if update.ref.startswith(REVIEWS_REF_PREFIX):
            out.extend(_verdicts(ctx.repo, update.ref, update.old, update.new, pusher, settings))
        elif update.ref.startswith("refs/heads/"):
            start = base if update.is_create else update.old
            out.extend(_task_moves(ctx, update.ref, start, update.new, pusher, settings))
    return out


def _task_moves(
    ctx: PushContext,
    ref: str,
    start: str | None,
    new: str,
    pusher: str | None,
    settings: Automation,
) -> list[Item]:
    """One event per task whose stage/state differs between where the ref stood (the
    trusted base for a new branch) and where it stands now."""
    new_commit = gitrepo.peel_to_commit(ctx.repo, new)
    old_commit = gitrepo.peel_to_commit(ctx.repo, start) if start else None
    if new_commit is None:
        return []
    paths = sorted(
        {c.path for c in ctx.changes.between(old_commit, new_commit) if is_task_path(c.path)}
    )
    out: list[Item] = []
    for path in paths:
        before = read_task(ctx.repo, start, path)
        after = read_task(ctx.repo, new, path)
        if before is not None and after is not None and step(before) == step(after):
            continue
        either = after or before
        if either is None:
            continue  # unreadable on both sides: pre-receive judged it, nothing to tell
        data: dict[str, Any] = {
            "task": task_id_of(path),
            "path": path,
            "ref": ref,
            "branch": ref.removeprefix("refs/heads/"),
            "from": step(before) if before else None,
            "to": step(after) if after else None,
            "action": _action(before, after),
            "commit": new,
            "pusher": pusher,
            "assignees": list(either.assignees),
            "reviewers": list(either.reviewers),
        }
        if settings.commit_url:
            data["url"] = settings.commit_url.replace("{id}", new)
        out.append((T.TASK_STATE, ref, data))
    return out


def _action(before: Task | None, after: Task | None) -> str:
    if before is None:
        return "create"
    if after is None:
        return "delete"
    move = ((before.stage, before.state), (after.stage, after.state))
    return MOVES.get(move, ("set", ""))[0]  # "set": a task manager's other move


def _verdicts(
    repo: pygit2.Repository,
    ref: str,
    old: str,
    new: str,
    pusher: str | None,
    settings: Automation,
) -> list[Item]:
    """The verdict records the update adds to a review ref, oldest first."""
    parsed = records.parse_ref(ref)
    if parsed is None:
        return []
    reviewed, _user = parsed
    added: list[tuple[str, records.Record]] = []
    commit = repo.get(new)
    for _ in range(MAX_CHAIN):
        if not isinstance(commit, pygit2.Commit) or str(commit.id) in (old, reviewed):
            break
        # Pre-receive refused malformed records: nothing to tell about one.
        with contextlib.suppress(records.RecordError):
            added.append((str(commit.id), records.parse_message(commit.message)))
        commit = commit.parents[0] if len(commit.parents) == 1 else None
    out: list[Item] = []
    for record_id, record in reversed(added):
        if record.kind != "verdict":
            continue
        branch = record.data.get("branch", "")
        data: dict[str, Any] = {
            "commit": reviewed,
            "user": record.user,
            "verdict": record.verdict,
            "text": record.data.get("text", ""),
            "branch": branch,
            "review_ref": ref,
            "record": record_id,
            "pusher": pusher,
        }
        if settings.commit_url:
            data["url"] = settings.commit_url.replace("{id}", reviewed)
        subject = branch if branch.startswith("refs/heads/") else ref
        out.append((T.REVIEW_VERDICT, subject, data))
    return out
