"""Per-annotator drift: each annotator's label mix on a task against their peers'.

Peers are the other assignees of the same task (overlap above 1: they label the same
items). An annotator's mix is the label count of the task's items on their branch
`annotate/<user>/<task id>`; the peers' mixes are pooled. Judged like the push drift
(chi-squared up to chi2_max_count annotations, Jensen-Shannon above), with the
thresholds of configs/project.yaml `checks.annotator_drift` and the severity of rule
`drift.annotator` (warning by default). Reported on push and in `gitannot notify digest`.
"""

import re
import time
from collections import Counter
from dataclasses import dataclass

import pygit2

from gitannot.access import globs
from gitannot.core.findings import Finding, Severity
from gitannot.errors import ConfigError
from gitannot.events.annotations import TreeReader, label_counts
from gitannot.events.drift import finding, judge
from gitannot.gitio import repo as gitrepo
from gitannot.oversight.tasks import tasks_at
from gitannot.project.config import DEFAULT_PROJECT_PATH, ProjectConfig, load_project
from gitannot.push.context import PushContext
from gitannot.workflow.model import WORKFLOW_PATH, Task

RULE = "drift.annotator"
MAX_FILES = 200  # label files read per branch; a task with more is not judged
# Of the hook's time limit, per push: past it the push is not judged (a note says so).
BUDGET_SECONDS = 1.0
HINT = (
    "compare with the labelling guidelines and the peers' branches; thresholds: "
    "checks.annotator_drift in configs/project.yaml"
)
_BRANCH = re.compile(r"^refs/heads/annotate/([^/]+)/([^/]+)$")


def task_branch(user: str, task_id: str) -> str:
    return f"refs/heads/annotate/{user}/{task_id}"


@dataclass(frozen=True)
class AnnotatorDrift:
    task: str
    user: str
    commit: str  # the annotator's branch tip
    peers: tuple[str, ...]
    counts: dict[str, int]
    peer_counts: dict[str, int]
    message: str


def item_counts(
    repo: pygit2.Repository, commit: str, task: Task, deadline: float | None = None
) -> Counter[str] | None:
    """Label counts of the task's items in a commit; None when it has too many files or
    the deadline (time.monotonic()) passes before they are read."""
    peeled = gitrepo.peel_to_commit(repo, commit)
    if peeled is None:
        return Counter()
    paths = sorted({p for pattern in task.items for p in _matching(repo, peeled.tree, pattern)})
    if len(paths) > MAX_FILES:
        return None
    reader = TreeReader(repo, peeled.tree)
    counts: Counter[str] = Counter()
    for path in paths:
        if deadline is not None and time.monotonic() > deadline:
            return None
        counts.update(label_counts(reader.parse(path)))
    return counts


def compare(
    repo: pygit2.Repository,
    task: Task,
    user: str,
    commit: str,
    project: ProjectConfig,
    deadline: float | None = None,
) -> AnnotatorDrift | None:
    """`user`'s mix at `commit` against the pooled mixes of the task's other assignees
    (those with a branch on the server). None: no drift, nothing to compare, or not read
    by the deadline."""
    peers = [
        (peer, tip)
        for peer in task.assignees
        if peer != user and (tip := gitrepo.ref_target(repo, task_branch(peer, task.id)))
    ]
    if user not in task.assignees or not peers:
        return None
    mine = item_counts(repo, commit, task, deadline)
    pooled: Counter[str] = Counter()
    for _peer, tip in peers:
        theirs = item_counts(repo, tip, task, deadline)
        if theirs is None:
            return None
        pooled.update(theirs)
    limits = project.annotator_drift
    if mine is None or min(sum(mine.values()), sum(pooled.values())) < limits.min_annotations:
        return None
    names = tuple(p for p, _tip in peers)
    message = judge(
        mine,
        pooled,
        limits,
        sample=f"annotations by {user} on task {task.id}",
        reference=f"their peers' ({', '.join(names)}: {sum(pooled.values())} annotations)",
    )
    if message is None:
        return None
    return AnnotatorDrift(
        task=task.id,
        user=user,
        commit=commit,
        peers=names,
        counts=dict(sorted(mine.items())),
        peer_counts=dict(sorted(pooled.items())),
        message=message,
    )


def project_config(repo: pygit2.Repository, commit: str | None) -> ProjectConfig:
    """configs/project.yaml of the trusted base; defaults when absent or unreadable (the
    content check reports a broken one)."""
    data = gitrepo.read_blob(repo, commit, DEFAULT_PROJECT_PATH) if commit else None
    try:
        return load_project(data) if data is not None else ProjectConfig()
    except ConfigError:
        return ProjectConfig()


def check_annotator_drift(ctx: PushContext) -> list[Finding]:
    """PUSH_CHECKS entry: a push to annotate/<user>/<task> is compared with the task's
    other assignees' branches. Task and thresholds come from the trusted base."""
    if ctx.bypass_reason is not None or ctx.base.commit is None:
        return []
    if ctx.base.blob_id(WORKFLOW_PATH) is None:
        return []  # the workflow (tasks, annotate/ branches) is opt-in
    wanted = [(u, m) for u in ctx.updates if not u.is_delete and (m := _BRANCH.match(u.ref))]
    if not wanted:
        return []
    tasks = {t.id: t for t in tasks_at(ctx.repo, ctx.base.commit).values()}
    project = project_config(ctx.repo, ctx.base.commit)
    severity = project.severity_for(RULE, Severity.WARNING)
    findings: list[Finding] = []
    for update, match in wanted:
        user, task_id = match.group(1), match.group(2)
        task = tasks.get(task_id)
        if task is None or len(task.assignees) < 2 or severity is None:
            continue
        deadline = time.monotonic() + BUDGET_SECONDS
        found = compare(ctx.repo, task, user, update.new, project, deadline)
        if found is None and time.monotonic() > deadline:
            ctx.notes.append(f"annotator drift: task {task.id} too large to judge in time")
        if found is not None:
            findings.append(finding(RULE, severity, update, found.message, HINT))
    return findings


def task_drift(
    repo: pygit2.Repository, tasks: list[Task], project: ProjectConfig
) -> list[AnnotatorDrift]:
    """Every assignee of every shared task, for the digest."""
    out: list[AnnotatorDrift] = []
    for task in sorted(tasks, key=lambda t: t.id):
        if len(task.assignees) < 2:
            continue
        for user in task.assignees:
            tip = gitrepo.ref_target(repo, task_branch(user, task.id))
            found = compare(repo, task, user, tip, project) if tip else None
            if found is not None:
                out.append(found)
    return out


def _matching(repo: pygit2.Repository, tree: pygit2.Tree, pattern: str) -> list[str]:
    """Files of the tree matching an item pattern. Only the folder before the first
    wildcard is listed, so a task reads what it names, not the whole tree."""
    cut = min((pattern.find(c) for c in "*?[" if c in pattern), default=len(pattern))
    folder = pattern[:cut].rsplit("/", 1)[0] if "/" in pattern[:cut] else ""
    try:
        start = repo.get(tree[folder].id) if folder else tree
    except KeyError:
        return []
    out: list[str] = []
    stack = [(start, f"{folder}/" if folder else "")]
    while stack and len(out) <= MAX_FILES:
        node, prefix = stack.pop()
        if not isinstance(node, pygit2.Tree):
            continue
        for entry in node:
            path = f"{prefix}{entry.name}"
            if entry.type_str == "tree":
                stack.append((repo.get(entry.id), path + "/"))
            elif globs.matches(pattern, path, ""):
                out.append(path)
    return out
