"""QA figures from a clone: agreement of overlapping annotators, review pass rates.

Each assignee of a task labels on `annotate/<user>/<task id>` (the scaffold policy's
personal branches); their versions of the task's items are compared pairwise. Pass
rates come from the review records (refs/reviews/*) on annotate/<user>/... branches.
"""

from collections import Counter
from typing import Any

import pygit2

from gitannot.access import globs
from gitannot.formats.api import parse_file
from gitannot.workflow import approvals
from gitannot.workflow.agreement import DEFAULT_IOU, Shape, task_agreement
from gitannot.workflow.model import Task

BRANCH_PREFIX = "annotate/"


def annotator_branch(repo: pygit2.Repository, user: str, task_id: str, remote: str) -> str | None:
    for ref in (
        f"refs/remotes/{remote}/{BRANCH_PREFIX}{user}/{task_id}",
        f"refs/heads/{BRANCH_PREFIX}{user}/{task_id}",
    ):
        if ref in repo.references:
            return ref
    return None


def shapes_at(repo: pygit2.Repository, ref: str, patterns: tuple[str, ...]) -> list[Shape]:
    commit = repo.revparse_single(ref).peel(pygit2.Commit)
    shapes: list[Shape] = []
    for path, blob in _blobs(repo, commit.tree, ""):
        if not any(globs.matches(p, path, "") for p in patterns):
            continue
        parsed = parse_file(path, blob.data)
        shapes.extend(
            Shape(item=f"{path}#{a.item}", label=a.label, box=a.bbox)
            for a in parsed.annotations
            if a.bbox is not None
        )
    return shapes


def _blobs(repo: pygit2.Repository, tree: pygit2.Tree, prefix: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for entry in tree:
        obj = repo.get(entry.id)
        path = f"{prefix}{entry.name}"
        if isinstance(obj, pygit2.Tree):
            out.extend(_blobs(repo, obj, path + "/"))
        elif isinstance(obj, pygit2.Blob):
            out.append((path, obj))
    return out


def task_report(
    repo: pygit2.Repository, task: Task, remote: str, threshold: float = DEFAULT_IOU
) -> dict[str, Any]:
    shapes: dict[str, list[Shape]] = {}
    missing = []
    for user in task.assignees:
        ref = annotator_branch(repo, user, task.id, remote)
        if ref is None:
            missing.append(user)
        else:
            shapes[user] = shapes_at(repo, ref, task.items)
    return {
        "task": task.id,
        "overlap": task.overlap,
        "iou_threshold": threshold,
        "missing_branches": [f"{BRANCH_PREFIX}{u}/{task.id}" for u in missing],
        "pairs": [p.to_dict() for p in task_agreement(shapes, threshold)],
    }


def pass_rates(repo: pygit2.Repository, tasks: list[Task]) -> dict[str, dict[str, Any]]:
    """Per annotator: verdicts on their annotate/<user>/<task id> branches, and the share
    that approved. Each reviewer's latest verdict on a commit counts once (a record chain
    is one reviewer's changing mind, not many reviews), and only a reviewer's: one of
    the task's reviewers, or of any task when the branch names none. Anyone may push
    records in their own name, so a peer's or the annotator's own verdicts never count."""
    by_id = {t.id: t for t in tasks}
    any_reviewer = {u for t in tasks for u in t.reviewers}
    reviews: Counter[str] = Counter()
    approved: Counter[str] = Counter()
    for ref in approvals.review_refs(repo):
        record = next((r for r in approvals.chain(repo, ref) if r.kind == "verdict"), None)
        branch = record.data.get("branch", "") if record is not None else ""
        if record is None or not branch.startswith(f"refs/heads/{BRANCH_PREFIX}"):
            continue
        user, _, rest = branch.removeprefix(f"refs/heads/{BRANCH_PREFIX}").partition("/")
        task = by_id.get(rest.split("/", 1)[0])
        allowed = set(task.reviewers) if task is not None else any_reviewer
        if user == record.user or record.user not in allowed:
            continue
        reviews[user] += 1
        approved[user] += record.verdict == "approve"
    return {
        user: {
            "reviews": reviews[user],
            "approved": approved[user],
            "pass_rate": approved[user] / reviews[user],
        }
        for user in sorted(reviews)
    }
