"""Which tasks' items cover a path, at the cost of one dict lookup per literal item.

A task names its items as paths, globs or manifest items. Matching every item of every
task against every changed file is items x files; a team with 100 tasks of 1,000 items
pushing 2,000 files would wait minutes. Literal items go in a dict; only wildcard items
(capped per task by the task file rules) are tried one by one.
"""

from collections.abc import Iterable

from gitannot.access import globs
from gitannot.core.globs import USER_PLACEHOLDER
from gitannot.workflow.model import Task


def is_wildcard(item: str) -> bool:
    """Whether an item can match more than the one path it spells (see access.globs)."""
    return "*" in item or "?" in item or item.endswith("/") or USER_PLACEHOLDER in item


class ItemIndex:
    def __init__(self, tasks: Iterable[Task]) -> None:
        self._tasks = list(tasks)
        self._literal: dict[str, list[Task]] = {}
        self._wild: list[tuple[str, Task]] = []
        for task in self._tasks:
            for item in task.items:
                if is_wildcard(item):
                    self._wild.append((item, task))
                else:
                    self._literal.setdefault(item, []).append(task)

    def covering(self, path: str, user: str) -> list[Task]:
        """The tasks with an item that matches `path` ({user} read as `user`), each once,
        in the order the tasks were given."""
        found = {id(t) for t in self._literal.get(path, ())}
        for item, task in self._wild:
            if id(task) not in found and globs.matches(item, path, user):
                found.add(id(task))
        return [t for t in self._tasks if id(t) in found]
