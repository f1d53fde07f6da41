"""Events of the workflow: a task's stage/state changed on a branch, a review verdict
was recorded. Made in post-receive from what the accepted push did to the refs, so a
rejected push makes none; opt-in like the workflow (configs/workflow.yaml on the base).
"""

import contextlib
from typing import Any

import pygit2

from gitannot.constants import ZERO_OID
from gitannot.events import types as T
from gitannot.events.config import Automation
from gitannot.events.produce import Item
from gitannot.gitio import repo as gitrepo
from gitannot.oversight.tasks import read_task, step
from gitannot.push.context import PushContext
from gitannot.workflow import records
from gitannot.workflow.approvals import MAX_CHAIN
from gitannot.workflow.model import REVIEWS_REF_PREFIX, WORKFLOW_PATH, Task
from gitannot.workflow.pusherindex import first_pushers_indexed
from gitannot.workflow.taskfile import is_task_path, task_id_of
from gitannot.workflow.transitions import MOVES

MAX_COMMITS = 1000  # commits per ref update read for task moves


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
            exclude = [oid for oid in (update.old, base) if oid and oid != ZERO_OID]
            out.extend(_task_moves(ctx, update.ref, exclude, update.new, pusher, settings))
    return out


def _task_moves(
    ctx: PushContext,
    ref: str,
    exclude: list[str],
    new: str,
    pusher: str | None,
    settings: Automation,
) -> list[Item]:
    """One event per task move a commit the ref gains makes (oldest first), as the
    workflow gate judged them: a fast-forward of main onto an annotator's branch tells
    main's receivers about the start and submit it brings, each with its commit."""
    commits = list(gitrepo.new_commits(ctx.repo, new, exclude))[:MAX_COMMITS]
    moves: list[tuple[pygit2.Commit, str]] = []
    for commit in commits:
        parents = list(commit.parents)
        for path in sorted({c.path for c in ctx.changes.changes(commit) if is_task_path(c.path)}):
            # A merge's version equal to one parent's came from that parent's own commit.
            mine = gitrepo.blob_id(ctx.repo, str(commit.id), path)
            if len(parents) > 1 and any(
                gitrepo.blob_id(ctx.repo, str(p.id), path) == mine for p in parents
            ):
                continue
            moves.append((commit, path))
    if not moves:
        return []
    by = first_pushers_indexed(ctx.repo, ctx.git_dir, {str(c.id) for c, _p in moves})
    out: list[Item] = []
    for commit, path in moves:
        parent = str(commit.parents[0].id) if commit.parents else None
        before = read_task(ctx.repo, parent, path)
        after = read_task(ctx.repo, str(commit.id), path)
        either = after or before
        if either is None or (before and after and step(before) == step(after)):
            continue  # unreadable both sides, or an edit that is no move
        data: dict[str, Any] = {
            "task": task_id_of(path),
            "path": path,
            "ref": ref,
            "branch": ref.removeprefix("refs/heads/"),
            "from": step(before) if before else None,
            "to": step(after) if after else None,
            "action": _action(before, after),
            "commit": str(commit.id),
            "by": by.get(str(commit.id), pusher),  # who first pushed the move
            "pusher": pusher,  # who moved this ref now
            "assignees": list(either.assignees),
            "reviewers": list(either.reviewers),
        }
        if settings.commit_url:
            data["url"] = settings.commit_url.replace("{id}", str(commit.id))
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
