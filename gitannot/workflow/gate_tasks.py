"""Push gate: task files are valid, task moves are role-checked, label edits need a task."""

import json
from datetime import datetime

import pygit2

from gitannot.access import globs
from gitannot.core.findings import Finding, Severity
from gitannot.gitio import repo as gitrepo
from gitannot.push.context import PushContext
from gitannot.validation.sources import EntryKind, GitTreeSource
from gitannot.workflow.itemindex import ItemIndex, is_wildcard, literal_folder
from gitannot.workflow.model import Task
from gitannot.workflow.pushview import WorkflowPush
from gitannot.workflow.taskfile import is_task_path, looks_like_task, parse_task, task_id_of
from gitannot.workflow.transitions import judge


def check_tasks(ctx: PushContext, now: datetime | None = None) -> list[Finding]:
    """PUSH_CHECKS entry. `now`: the server clock unless a caller (a test) passes one."""
    view = WorkflowPush.of(ctx, now)
    if view is None:
        return []
    if view.state.config is None:
        return view.error_findings()
    if ctx.bypass_reason is not None:
        return [_info("workflow.bypassed", "", "break-glass: task checks skipped")]
    return _TaskGate(view).run()


# What a literal item may name: anything a wildcard item could match, i.e. not a folder.
_NAMED_KINDS = frozenset({EntryKind.FILE, EntryKind.SYMLINK, EntryKind.SUBMODULE})


def _info(rule: str, ref: str, message: str, commit: str = "", path: str = "") -> Finding:
    return Finding(
        rule=rule, message=message, severity=Severity.INFO, ref=ref, commit=commit, path=path
    )


class _TaskGate:
    def __init__(self, view: WorkflowPush) -> None:
        self.view = view
        self.repo = view.ctx.repo
        self.seen: set[tuple[str, str]] = set()
        self._trees: dict[tuple[str, str], set[str]] = {}
        self._sources: dict[str, GitTreeSource] = {}
        self._manifests: dict[tuple[str, str], frozenset[str]] = {}
        self._task_files: dict[str, dict[str, list[str]]] = {}
        self._index: ItemIndex | None = None

    def run(self) -> list[Finding]:
        findings: list[Finding] = []
        for update in self.view.branch_updates():
            for commit in self.view.ctx.incoming_commits(update):
                for path in self.view.own_changes(commit):
                    if (str(commit.id), path) in self.seen:
                        continue
                    self.seen.add((str(commit.id), path))
                    findings.extend(self.check_path(update.ref, commit, path))
        return findings

    def check_path(self, ref: str, commit: pygit2.Commit, path: str) -> list[Finding]:
        if is_task_path(path):
            return self.task_change(ref, commit, path)
        if looks_like_task(path):
            return self.misnamed_task(ref, commit, path)
        rights = self.view.config.task_rights
        pusher = self.view.pusher(str(commit.id))
        # Rights are judged when a commit first reaches the server, as its first pusher.
        if (
            rights is None
            or self.view.pushed_before(str(commit.id))
            or not self.view.selects(rights.who, pusher)
            or not any(globs.matches(p, path, pusher) for p in rights.paths)
        ):
            return []
        return self.label_change(ref, commit, path, pusher)

    # -- task files ---------------------------------------------------------------------

    def task_change(self, ref: str, commit: pygit2.Commit, path: str) -> list[Finding]:
        policy = self.view.state.policy
        assert policy is not None
        new_data = gitrepo.read_blob(self.repo, str(commit.id), path)
        new: Task | None = None
        if new_data is not None:
            new, problems = parse_task(
                new_data, path, known=policy.knows, resolves=lambda p: self.resolves(commit, p)
            )
            if problems:
                return [_with(f, ref, str(commit.id)) for f in problems]
        if new is not None:
            twin = self.twin(commit, path)
            if twin is not None:
                return [_names_one_task(ref, commit, path, new.id, twin)]
        old = self.old_task(commit, path)
        pusher = self.view.pusher(str(commit.id))
        manager = self.view.selects(self.view.config.managers, pusher)
        base = self.view.base_tasks.get(path)
        fresh = not self.view.pushed_before(str(commit.id))
        locked = base is not None and base.locked(self.view.now) and pusher in base.assignees
        if fresh and not manager and locked and base is not None and base.due is not None:
            return [
                Finding(
                    rule="task.expired",
                    ref=ref,
                    message=f"task {base.id} expired at {base.due:%Y-%m-%dT%H:%M:%SZ} "
                    f"(server time {self.view.now:%Y-%m-%dT%H:%M:%SZ}) and is locked: "
                    f"{pusher} may not change it",
                    hint="a task manager can extend `due` or reassign the task",
                    commit=str(commit.id),
                    path=path,
                )
            ]
        now = self.view.now if fresh else None
        verdict = judge(old, new, pusher, manager=manager, now=now)
        task_id = task_id_of(path)
        if not verdict.allowed:
            managers = " ".join(self.view.config.managers)
            return [
                Finding(
                    rule="task.transition-denied",
                    ref=ref,
                    message=f"{pusher} may not {verdict.action} task {task_id}: {verdict.reason}",
                    hint=f"task managers: {managers}; see docs/workflow.md for who may move a task",
                    source=self.view.config.source,
                    commit=str(commit.id),
                    path=path,
                )
            ]
        if verdict.action == "no change":
            return []
        message = f"{pusher}: {verdict.action} task {task_id}"
        return [_info("task.transition", ref, message, commit=str(commit.id), path=path)]

    def twin(self, commit: pygit2.Commit, path: str) -> str | None:
        """Another file of the commit's tasks/ that names the same task (t1.yml beside
        t1.yaml, or T1.yaml: one file on a case-insensitive checkout). Looked for only
        where the commit adds the file: a pair the parent holds was judged there."""
        if commit.parents and gitrepo.read_blob(self.repo, str(commit.parents[0].id), path):
            return None
        named = self.task_files(commit).get(task_id_of(path).casefold(), [])
        return next((other for other in named if other != path), None)

    def task_files(self, commit: pygit2.Commit) -> dict[str, list[str]]:
        """The commit's task-like files under tasks/ by case-folded task id (sorted),
        built once per commit: a push adding many task files reads the folder once."""
        key = str(commit.id)
        if key not in self._task_files:
            by_id: dict[str, list[str]] = {}
            for other in sorted(self.folder_paths(commit, "tasks")):
                if looks_like_task(other):
                    by_id.setdefault(task_id_of(other).casefold(), []).append(other)
            self._task_files[key] = by_id
        return self._task_files[key]

    def misnamed_task(self, ref: str, commit: pygit2.Commit, path: str) -> list[Finding]:
        if self.tree_source(commit).entry(path).kind is EntryKind.MISSING:
            return []  # removing such a file is always fine
        return [
            Finding(
                rule="task.file-name",
                ref=ref,
                commit=str(commit.id),
                path=path,
                message=f"{path} is not a task file name the server reads (tasks/<id>.yaml "
                "or tasks/<id>.yml), yet a case-insensitive checkout reads it as one: it "
                "could stand in for a real task there",
                hint="name task files tasks/<id>.yaml (lower-case extension), or keep "
                "other files out of tasks/",
            )
        ]

    def old_task(self, commit: pygit2.Commit, path: str) -> Task | None:
        policy = self.view.state.policy
        assert policy is not None
        if not commit.parents:
            return None
        data = gitrepo.read_blob(self.repo, str(commit.parents[0].id), path)
        if data is None:
            return None
        task, _problems = parse_task(data, path, known=policy.knows)
        return task

    def resolves(self, commit: pygit2.Commit, pattern: str) -> bool:
        """Does the pattern match a file of the commit? Only the folder before the first
        wildcard is listed, so a task in a tree of 100k files reads what it names.
        `data/<manifest>.jsonl#<uri>` names one item of a data manifest."""
        manifest, sep, uri = pattern.partition("#")
        if sep and manifest.startswith("data/"):
            return uri in self.manifest_uris(commit, manifest)
        if not is_wildcard(pattern):
            return self.tree_source(commit).entry(pattern).kind in _NAMED_KINDS
        paths = self.folder_paths(commit, literal_folder(pattern))
        return any(globs.matches(pattern, p, "") for p in paths)

    def tree_source(self, commit: pygit2.Commit) -> GitTreeSource:
        """Path lookups in the commit's tree (folders read once), one per commit."""
        key = str(commit.id)
        if key not in self._sources:
            self._sources[key] = GitTreeSource(self.repo, commit.tree)
        return self._sources[key]

    def manifest_uris(self, commit: pygit2.Commit, manifest: str) -> frozenset[str]:
        """The `uri`s a data manifest of the commit lists, read once per push."""
        key = (str(commit.id), manifest)
        if key not in self._manifests:
            data = gitrepo.read_blob(self.repo, str(commit.id), manifest)
            self._manifests[key] = _manifest_uris(data) if data is not None else frozenset()
        return self._manifests[key]

    def folder_paths(self, commit: pygit2.Commit, folder: str) -> set[str]:
        """Every path below `folder` in the commit that is not a folder, listed once per
        push (for wildcard items)."""
        key = (str(commit.id), folder)
        if key not in self._trees:
            tree: object = commit.tree
            if folder:
                try:
                    tree = self.repo.get(commit.tree[folder].id)
                except KeyError:
                    tree = None
            prefix = f"{folder}/" if folder else ""
            self._trees[key] = set(_tree_paths(self.repo, tree, prefix))
        return self._trees[key]

    # -- label files under task-scoped rights --------------------------------------------

    def label_change(
        self, ref: str, commit: pygit2.Commit, path: str, pusher: str
    ) -> list[Finding]:
        if self._index is None:
            self._index = ItemIndex(self.view.base_tasks.values())
        covering = self._index.covering(path, pusher)
        mine = [t for t in covering if pusher in t.assignees and t.is_open]
        live = [t for t in mine if not t.locked(self.view.now)]
        if live:
            return []
        if mine:
            task = mine[0]
            assert task.due is not None
            return [
                Finding(
                    rule="task.expired",
                    ref=ref,
                    message=f"{path} belongs to task {task.id}, which expired at "
                    f"{task.due:%Y-%m-%dT%H:%M:%SZ} (server time "
                    f"{self.view.now:%Y-%m-%dT%H:%M:%SZ}); it is locked",
                    hint="commit dates do not count; a task manager can extend `due`",
                    commit=str(commit.id),
                    path=path,
                )
            ]
        return [
            Finding(
                rule="task.not-assigned",
                ref=ref,
                message=f"{pusher} may change {path} only while an open task in the "
                f"annotation stage assigns it to them; {_why_not(covering, pusher)}",
                hint="ask a task manager to assign it (tasks/<id>.yaml on the default branch)",
                source=self.view.config.source,
                commit=str(commit.id),
                path=path,
            )
        ]


def _names_one_task(ref: str, commit: pygit2.Commit, path: str, task_id: str, twin: str) -> Finding:
    return Finding(
        rule="task.id-collision",
        ref=ref,
        commit=str(commit.id),
        path=path,
        message=f"{path} names task {task_id}, as {twin} does: task ids are unique and "
        "differ in more than letter case (a case-insensitive checkout keeps one file)",
        hint=f"pick another id for {path}, or edit {twin} instead",
    )


def _why_not(covering: list[Task], user: str) -> str:
    if not covering:
        return "no task covers it"
    parts = []
    for task in covering:
        if user in task.assignees:
            parts.append(f"your task {task.id} is {task.stage}/{task.state}")
        else:
            parts.append(f"task {task.id} assigns it to {', '.join(task.assignees)}")
    return "; ".join(parts)


def _with(finding: Finding, ref: str, commit: str) -> Finding:
    return Finding(
        rule=finding.rule,
        message=finding.message,
        ref=ref,
        commit=commit,
        path=finding.path,
        hint=finding.hint,
        source=finding.source,
    )


def _manifest_uris(data: bytes) -> frozenset[str]:
    """The `uri`s a JSON-lines manifest lists (rows that are not JSON objects are the
    manifest check's to report, not this one's)."""
    uris: set[str] = set()
    for line in data.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and isinstance(row.get("uri"), str):
            uris.add(row["uri"])
    return frozenset(uris)


def _tree_paths(repo: pygit2.Repository, tree: object, prefix: str) -> list[str]:
    out: list[str] = []
    if not isinstance(tree, pygit2.Tree):
        return out
    for entry in tree:
        path = f"{prefix}{entry.name}"
        obj = repo.get(entry.id)
        if isinstance(obj, pygit2.Tree):
            out.extend(_tree_paths(repo, obj, path + "/"))
        else:
            out.append(path)
    return out
