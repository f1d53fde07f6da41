"""Task files as a clone has them (work tree), for the board and QA. Invalid ones are
reported, not raised: the server is what refuses them."""

from dataclasses import dataclass, field
from pathlib import Path

from gitannot.workflow.model import TASKS_DIR, Task
from gitannot.workflow.taskfile import is_task_path, parse_task


@dataclass
class LocalTasks:
    tasks: list[Task] = field(default_factory=list)
    invalid: dict[str, str] = field(default_factory=dict)  # path -> first problem


def read_tasks(root: Path) -> LocalTasks:
    out = LocalTasks()
    folder = root / TASKS_DIR
    if not folder.is_dir():
        return out
    for file in sorted(folder.iterdir()):
        path = f"{TASKS_DIR}{file.name}"
        if not file.is_file() or not is_task_path(path):
            continue
        task, problems = parse_task(file.read_bytes(), path, known=lambda _user: True)
        if task is not None:
            out.tasks.append(task)
        elif problems:
            out.invalid[path] = f"[{problems[0].rule}] {problems[0].message}"
    return out
