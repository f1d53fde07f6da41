"""What the workflow gates share about one push: config, pushers, own changes, tasks."""

from datetime import UTC, datetime
from functools import cached_property

import pygit2

from gitannot.core.findings import Finding
from gitannot.core.refupdate import RefKind, RefUpdate
from gitannot.gitio import repo as gitrepo
from gitannot.push.context import PushContext
from gitannot.workflow.model import REVIEWS_REF_PREFIX, TASKS_DIR, Task, WorkflowConfig
from gitannot.workflow.pusherindex import first_pushers_indexed
from gitannot.workflow.taskfile import is_task_path, parse_task
from gitannot.workflow.trusted import WorkflowState, load_workflow


def server_now() -> datetime:
    """The server's clock: task expiry never reads a commit date."""
    return datetime.now(UTC)


class WorkflowPush:
    def __init__(self, ctx: PushContext, state: WorkflowState, now: datetime) -> None:
        self.ctx = ctx
        self.state = state
        self.now = now
        assert ctx.identity is not None
        self.user = ctx.identity.user

    @classmethod
    def of(cls, ctx: PushContext, now: datetime | None = None) -> "WorkflowPush | None":
        """None when the push has no pusher or the base has no configs/workflow.yaml."""
        if ctx.identity is None:
            return None
        state = load_workflow(ctx.base)
        if state.blob_id is None:
            return None
        ctx.applied["workflow"] = state.blob_id
        return cls(ctx, state, now or server_now())

    @property
    def config(self) -> WorkflowConfig:
        assert self.state.config is not None
        return self.state.config

    def selects(self, selectors: tuple[str, ...], user: str) -> bool:
        policy = self.state.policy
        return policy is not None and any(policy.selects(s, user) for s in selectors)

    def error_findings(self) -> list[Finding]:
        """A broken workflow config stops everyone but the policy's admins and the
        bootstrap admins (who fix it, even while the access policy is broken too)."""
        if self.selects(("role:admin",), self.user) or self.user in self.ctx.server.admins:
            self.ctx.notes.append(f"the workflow config is unusable: {self.state.error}")
            return []
        return [
            Finding(
                rule="workflow.config-invalid",
                message=f"push rejected: the workflow config in force cannot be used: "
                f"{self.state.error}",
                hint="an admin must push a fixed configs/workflow.yaml to the default branch",
            )
        ]

    def branch_updates(self) -> list[RefUpdate]:
        return [
            u
            for u in self.ctx.updates
            if not u.is_delete
            and u.kind is not RefKind.NOTES
            and not u.ref.startswith(REVIEWS_REF_PREFIX)
        ]

    def pusher(self, commit: str) -> str:
        """Who first pushed `commit` (the audit log); this pusher when it is new."""
        return self._pushers.get(commit, self.user)

    def pushed_before(self, commit: str) -> bool:
        return commit in self._pushers

    def gained(self, update: RefUpdate) -> list[str]:
        """The commits an update brings to its ref (`incoming_commits`); when it brings
        none (the ref moves onto a commit the trusted base or its own history holds: a
        new ref on main's tip, a rewind), the commit it moves onto, so that commit is
        still judged as the one the ref now points at."""
        incoming = [str(c.id) for c in self.ctx.incoming_commits(update)]
        if incoming or update.is_delete:
            return incoming
        tip = gitrepo.peel_to_commit(self.ctx.repo, update.new)
        return [str(tip.id)] if tip is not None else []

    @cached_property
    def _pushers(self) -> dict[str, str]:
        """Logged first pushers of the incoming commits the server already holds on a ref
        (the brand-new ones, `new --not --all`, are this pusher's: no log walk)."""
        existing = ref_tips(self.ctx.repo)
        ids: set[str] = set()
        for update in self.ctx.updates:
            if update.is_delete or update.kind is RefKind.NOTES:
                continue
            brand_new = {
                str(c.id) for c in gitrepo.new_commits(self.ctx.repo, update.new, existing)
            }
            ids.update(self.gained(update))
            ids -= brand_new
        if not ids:
            return {}
        return first_pushers_indexed(self.ctx.repo, self.ctx.git_dir, ids)

    def own_changes(self, commit: pygit2.Commit) -> list[str]:
        """Paths this commit itself changes. A merge's path came from a parent (whose own
        commits are judged on their own) only when it holds that parent's version and no
        other parent changed it since their merge base: taking an old commit's version
        over a newer one is the merger's own edit, a rollback (e.g. merging an old commit
        of main that still held a since-reopened task as accepted)."""
        paths = [c.path for c in self.ctx.changes.changes(commit)]
        if len(commit.parents) < 2:
            return paths
        own = []
        base: pygit2.Commit | None = None
        looked = False
        for path in paths:
            mine = _blob(commit, path)
            sides = [_blob(p, path) for p in commit.parents]
            if mine not in sides:
                own.append(path)
                continue
            if any(side != mine for side in sides) and not looked:  # only when needed
                looked = True
                found = self.ctx.repo.merge_base_octopus([p.id for p in commit.parents])
                got = self.ctx.repo.get(found) if found is not None else None
                base = got if isinstance(got, pygit2.Commit) else None
            origin = _blob(base, path) if base is not None else None
            if not all(side in (mine, origin) for side in sides):
                own.append(path)  # another parent's change to it was dropped
        return own

    @cached_property
    def base_tasks(self) -> dict[str, Task]:
        """Valid tasks on the trusted base, by path (what grants label rights)."""
        policy = self.state.policy
        out: dict[str, Task] = {}
        if policy is None:
            return out
        for path in _task_paths(self.ctx.repo, self.ctx.base.commit):
            data = self.ctx.base.read(path)
            if data is None or not is_task_path(path):
                continue
            task, _problems = parse_task(data, path, known=policy.knows)
            if task is not None:
                out[path] = task
        return out


def _blob(commit: pygit2.Commit, path: str) -> str | None:
    try:
        return str(commit.tree[path].id)
    except KeyError:
        return None


def ref_tips(repo: pygit2.Repository) -> list[str]:
    """Object ids of every existing ref, for `--not --all` walks."""
    tips = set()
    for name in repo.references:
        try:
            tips.add(str(repo.references[name].resolve().target))
        except (KeyError, pygit2.GitError):
            continue  # a dangling symbolic ref: nothing to exclude
    return sorted(tips)


def _task_paths(repo: pygit2.Repository, commit_id: str | None) -> list[str]:
    """Files directly under tasks/ in a commit (the trusted base)."""
    commit = gitrepo.peel_to_commit(repo, commit_id) if commit_id else None
    if commit is None:
        return []
    try:
        tree = repo.get(commit.tree[TASKS_DIR.rstrip("/")].id)
    except KeyError:
        return []
    if not isinstance(tree, pygit2.Tree):
        return []
    return sorted(f"{TASKS_DIR}{e.name}" for e in tree if e.type_str == "blob")
