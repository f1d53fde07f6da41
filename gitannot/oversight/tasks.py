"""Task files as a commit holds them (the server's branches), for events and the digest.

Files the server accepted were checked in pre-receive; here they are only read, so every
user is taken as known and an unreadable file is skipped.
"""

import pygit2

from gitannot.gitio import repo as gitrepo
from gitannot.workflow.model import TASKS_DIR, Task
from gitannot.workflow.taskfile import is_task_path, parse_task


def read_task(repo: pygit2.Repository, commit: str | None, path: str) -> Task | None:
    data = gitrepo.read_blob(repo, commit, path) if commit else None
    if data is None:
        return None
    task, _problems = parse_task(data, path, known=lambda _user: True)
    return task


def tasks_at(repo: pygit2.Repository, commit: str | None) -> dict[str, Task]:
    """path -> task for every readable tasks/<id>.yaml directly under tasks/."""
    peeled = gitrepo.peel_to_commit(repo, commit) if commit else None
    if peeled is None:
        return {}
    try:
        tree = repo.get(peeled.tree[TASKS_DIR.rstrip("/")].id)
    except KeyError:
        return {}
    if not isinstance(tree, pygit2.Tree):
        return {}
    out: dict[str, Task] = {}
    for entry in tree:
        path = f"{TASKS_DIR}{entry.name}"
        if entry.type_str == "blob" and is_task_path(path):
            task = read_task(repo, str(peeled.id), path)
            if task is not None:
                out[path] = task
    return out


def step(task: Task) -> str:
    return f"{task.stage}/{task.state}"
