"""The task part of `gitannot notify digest`: overdue tasks, work awaiting review,
stopped tasks and per-annotator drift, read from the server's own refs.

Task definitions (assignees, reviewers, due) come from the trusted default branch, as
the workflow gates read them; how far a task got is read from every branch that holds
it (an annotator's start and submit live on annotate/<user>/<task> until merged), and
the verdicts from refs/reviews/*. How long something waits is measured from the audit
log's server times, never from commit dates. `now` is a parameter (tests fix it).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pygit2

from gitannot.access import globs
from gitannot.access.model import Policy
from gitannot.access.offline import base_ref
from gitannot.core.findings import Severity
from gitannot.events.digest import Section
from gitannot.gitio import repo as gitrepo
from gitannot.oversight import annotators, pushlog
from gitannot.oversight.pushlog import Push, accepted_updates, span
from gitannot.oversight.tasks import read_task, step, tasks_at
from gitannot.push.context import TrustedBase
from gitannot.workflow import approvals
from gitannot.workflow.model import WORKFLOW_PATH, Protection, Task, WorkflowConfig
from gitannot.workflow.trusted import load_workflow

MAX_BRANCHES = 2000  # branches read for task states; more are left out (a note says so)
MAX_BRANCH_COMMITS = 1000  # commits of one branch searched for earlier approvals


@dataclass
class _Server:
    repo: pygit2.Repository
    default: str  # the trusted branch
    tip: str
    tasks: dict[str, Task]  # by id, from the trusted branch
    config: WorkflowConfig
    policy: Policy | None
    branches: dict[str, str]  # ref -> tip commit
    pushes: dict[str, list[Push]]  # ref -> accepted updates, oldest first
    commit_url: str
    _states: dict[str, dict[str, Task]] = field(default_factory=dict)

    def link(self, commit: str) -> dict[str, str]:
        out = {"commit": commit}
        if self.commit_url:
            out["url"] = self.commit_url.replace("{id}", commit)
        return out

    def states(self, task: Task) -> dict[str, Task]:
        """ref -> the task as that branch holds it: the default branch, and every other
        branch where it stands elsewhere (an annotator's start or submit not merged yet)."""
        if task.id in self._states:
            return self._states[task.id]
        out: dict[str, Task] = {self.default: task}
        for ref, tip in self.branches.items():
            if ref == self.default:
                continue
            held = read_task(self.repo, tip, task.path)
            if held is not None and held.id == task.id and step(held) != step(task):
                out[ref] = held
        self._states[task.id] = out
        return out


def sections(
    git_dir: Path, now: datetime, stopped_days: float, commit_url: str = ""
) -> list[Section]:
    """The task sections of the digest, or one note when the workflow is not in use."""
    repo = pygit2.Repository(str(git_dir))
    default = base_ref(repo, "origin", None)
    tip = gitrepo.ref_target(repo, default)
    state = load_workflow(TrustedBase(repo=repo, ref=default, commit=tip))
    if tip is None or state.blob_id is None or state.config is None:
        why = state.error or f"no {WORKFLOW_PATH} on {default}"
        note = f"tasks and reviews: not tracked ({why})"
        return [Section("tasks", "tasks needing attention", notes=[note])]
    refs = sorted(r for r in repo.references if r.startswith("refs/heads/"))
    server = _Server(
        repo=repo,
        default=default,
        tip=tip,
        tasks={t.id: t for t in tasks_at(repo, tip).values()},
        config=state.config,
        policy=state.policy,
        branches={r: t for r in refs[:MAX_BRANCHES] if (t := gitrepo.ref_target(repo, r))},
        pushes=accepted_updates(repo),
        commit_url=commit_url,
    )
    out = [
        _overdue(server, now),
        _awaiting(server, now),
        _stopped(server, now, stopped_days),
        _drift(server),
    ]
    if len(refs) > MAX_BRANCHES:
        out[0].notes.append(f"only the first {MAX_BRANCHES} of {len(refs)} branches were read")
    return out


def _where(states: dict[str, Task]) -> str:
    return "; ".join(f"{ref.removeprefix('refs/heads/')}: {step(t)}" for ref, t in states.items())


# -- overdue ----------------------------------------------------------------------------


def _overdue(server: _Server, now: datetime) -> Section:
    section = Section("overdue", "overdue tasks")
    for task in sorted(server.tasks.values(), key=lambda t: t.id):
        if task.due is None or now < task.due or task.done:
            continue
        states = server.states(task)
        late = now - task.due
        section.items.append(
            {
                "task": task.id,
                "title": task.title,
                "assignees": list(task.assignees),
                "due": f"{task.due:%Y-%m-%dT%H:%M:%SZ}",
                "overdue_seconds": int(late.total_seconds()),
                "state": step(task),
                "branches": {
                    ref: {"state": step(t), **server.link(server.branches[ref])}
                    for ref, t in states.items()
                },
            }
        )
        section.lines.append(
            f"{task.id} ({', '.join(task.assignees)}): due {task.due:%Y-%m-%d %H:%M}Z, "
            f"overdue {span(late)}; {_where(states)}"
        )
    return section


# -- awaiting review --------------------------------------------------------------------


def _rule(server: _Server) -> Protection | None:
    return next(
        (
            r
            for r in server.config.protect
            if any(globs.matches(p, server.default, "") for p in r.refs)
        ),
        None,
    )


def _awaiting(server: _Server, now: datetime) -> Section:
    section = Section("awaiting_review", "awaiting review")
    rule = _rule(server)
    required = rule.approvals if rule is not None else 1
    for task in sorted(server.tasks.values(), key=lambda t: t.id):
        for ref, held in server.states(task).items():
            if not held.awaiting_review:
                continue
            tip = server.branches[ref]
            approved, changes = _verdicts(server, rule, task, tip)
            on_default = ref == server.default
            if not on_default and len(approved) >= required and not changes:
                continue  # approved: ready to merge, nobody's review is missing
            since = pushlog.since(
                server.repo, server.pushes.get(ref, []), task, lambda t: t.awaiting_review
            )
            waited = now - since.time if since is not None else None
            section.items.append(
                {
                    "task": task.id,
                    "ref": ref,
                    "state": step(held),
                    "assignees": list(task.assignees),
                    "reviewers": list(task.reviewers),
                    "approvals": approved,
                    "approvals_required": required,
                    "changes_requested": changes,
                    "waiting_since": f"{since.time:%Y-%m-%dT%H:%M:%SZ}" if since else None,
                    "waiting_seconds": int(waited.total_seconds()) if waited else None,
                    **server.link(tip),
                }
            )
            need = (
                "a reviewer's accept (task state)"
                if on_default
                else f"{len(approved)}/{required} approval(s)"
                + (f", changes requested by {', '.join(changes)}" if changes else "")
            )
            section.lines.append(
                f"{task.id} on {ref.removeprefix('refs/heads/')} at {tip[:12]} "
                f"by {', '.join(task.assignees)}: waiting "
                f"{span(waited) if waited is not None else '(time unknown)'} for {need}; "
                f"reviewers {', '.join(task.reviewers)}"
            )
    return section


def _verdicts(
    server: _Server, rule: Protection | None, task: Task, tip: str
) -> tuple[list[str], list[str]]:
    """Approvals that count for the tip (reviewers the protect rule selects, or the
    task's reviewers; never an assignee; earlier commits' too under `dismiss_stale:
    false`), and standing change requests."""
    policy = server.policy

    def counts(user: str) -> bool:
        if user in task.assignees:
            return False
        if rule is None or policy is None:
            return user in task.reviewers
        return any(policy.selects(s, user) for s in rule.reviewers)

    approved, changes = [], []
    for user, verdict in sorted(approvals.verdicts(server.repo, tip).items()):
        if verdict == "approve" and counts(user):
            approved.append(user)
        elif verdict == "request-changes":
            changes.append(user)
    if rule is not None and not rule.dismiss_stale:
        # As the protect gate: an approval of an earlier commit of the branch still counts.
        for commit in _branch_commits(server, tip):
            for user, verdict in sorted(approvals.verdicts(server.repo, commit).items()):
                if verdict == "approve" and counts(user) and user not in approved + changes:
                    approved.append(user)
    return approved, changes


def _branch_commits(server: _Server, tip: str) -> list[str]:
    """The branch's commits below its tip that the default branch lacks, newest first
    (at most MAX_BRANCH_COMMITS: older approvals are not looked for)."""
    walker = server.repo.walk(tip, pygit2.enums.SortMode.TOPOLOGICAL)
    walker.hide(server.tip)
    out = []
    for commit in walker:
        if str(commit.id) != tip:
            out.append(str(commit.id))
        if len(out) >= MAX_BRANCH_COMMITS:
            break
    return out


# -- stopped ----------------------------------------------------------------------------


def _stopped(server: _Server, now: datetime, days: float) -> Section:
    section = Section("stopped", f"stopped tasks (in progress, no push for {days:g} days)")
    limit = timedelta(days=days)
    for task in sorted(server.tasks.values(), key=lambda t: t.id):
        working = {ref: held for ref, held in server.states(task).items() if _in_progress(held)}
        if not working:
            continue
        last = _last_work(server, task, working)
        idle = now - last.time if last is not None else None
        if idle is not None and idle < limit:
            continue
        ref = sorted(working)[0]
        section.items.append(
            {
                "task": task.id,
                "assignees": list(task.assignees),
                "refs": sorted(working),
                "last_push": f"{last.time:%Y-%m-%dT%H:%M:%SZ}" if last else None,
                "last_pusher": last.user if last else None,
                "last_push_commit": last.new if last else None,
                "idle_seconds": int(idle.total_seconds()) if idle else None,
                **server.link(server.branches[ref]),
            }
        )
        when = f"last push {span(idle)} ago by {last.user}" if last and idle else "no push logged"
        section.lines.append(
            f"{task.id} ({', '.join(task.assignees)}) in progress on "
            f"{', '.join(r.removeprefix('refs/heads/') for r in sorted(working))} at "
            f"{server.branches[ref][:12]}: {when}"
        )
    return section


def _last_work(server: _Server, task: Task, working: dict[str, Task]) -> Push | None:
    """The latest push that is work on the task: to a branch where it is in progress or
    to an assignee's annotate/<user>/<task>. The default branch moves for everyone's
    merges, so from it only the push that put the task in progress there counts."""
    refs = set(working) | {annotators.task_branch(a, task.id) for a in task.assignees}
    refs.discard(server.default)
    pushes = [p for ref in refs for p in server.pushes.get(ref, [])]
    if server.default in working:
        started = pushlog.since(
            server.repo, server.pushes.get(server.default, []), task, _in_progress
        )
        pushes += [started] if started is not None else []
    return max(pushes, key=lambda p: p.time) if pushes else None


def _in_progress(task: Task) -> bool:
    return task.stage == "annotation" and task.state == "in progress"


# -- annotator drift --------------------------------------------------------------------


def _drift(server: _Server) -> Section:
    section = Section("annotator_drift", "annotator drift")
    project = annotators.project_config(server.repo, server.tip)
    if project.severity_for(annotators.RULE, Severity.WARNING) is None:
        section.notes.append(f"{annotators.RULE} is off in configs/project.yaml")
        return section
    for found in annotators.task_drift(server.repo, list(server.tasks.values()), project):
        section.items.append(
            {
                "task": found.task,
                "user": found.user,
                "peers": list(found.peers),
                "counts": found.counts,
                "peer_counts": found.peer_counts,
                "message": found.message,
                **server.link(found.commit),
            }
        )
        section.lines.append(
            f"{found.user} on {found.task} at {found.commit[:12]}: {found.message}"
        )
    return section
