"""Which tasks' items cover a path, at the cost of one dict lookup per literal item.

A task names its items as paths, globs or manifest items. Matching every item of every
task against every changed file is items x files; a team with 100 tasks of 1,000 items
pushing 2,000 files would wait minutes. Literal items go in a dict; wildcard items
(capped per task by the task file rules) are filed under the folder their literal
start names, and a path is tried only against the items filed under its own folders.
"""

from collections.abc import Iterable

from gitannot.access import globs
from gitannot.core.globs import USER_PLACEHOLDER
from gitannot.workflow.model import Task

_SPECIALS = ("*", "?", USER_PLACEHOLDER)


def is_wildcard(item: str) -> bool:
    """Whether an item can match more than the one path it spells (see access.globs)."""
    return "*" in item or "?" in item or item.endswith("/") or USER_PLACEHOLDER in item


def literal_folder(item: str) -> str:
    """The folder every match of a wildcard item lies in: the text before its first
    wildcard (`*`, `?`, `{user}`; core.globs has no other), up to its last slash.
    "labels/cats/*.json" -> "labels/cats"; "labels/deep/" -> "labels/deep"; "*.json" -> "".
    A glob matches whole paths and spells its literal text exactly, so a path outside
    that folder cannot match."""
    cut = min((i for s in _SPECIALS if (i := item.find(s)) >= 0), default=len(item))
    head = item[:cut]
    return head.rsplit("/", 1)[0] if "/" in head else ""


def _folders(path: str) -> list[str]:
    """ "a/b/c.json" -> ["", "a", "a/b"]: every folder the path lies in."""
    parts = path.split("/")[:-1]
    return [""] + ["/".join(parts[: i + 1]) for i in range(len(parts))]


class ItemIndex:
    def __init__(self, tasks: Iterable[Task]) -> None:
        self._tasks = list(tasks)
        self._literal: dict[str, list[Task]] = {}
        self._wild: dict[str, list[tuple[str, Task]]] = {}
        for task in self._tasks:
            for item in task.items:
                if is_wildcard(item):
                    self._wild.setdefault(literal_folder(item), []).append((item, task))
                else:
                    self._literal.setdefault(item, []).append(task)

    def covering(self, path: str, user: str) -> list[Task]:
        """The tasks with an item that matches `path` ({user} read as `user`), each once,
        in the order the tasks were given."""
        found = {id(t) for t in self._literal.get(path, ())}
        for folder in _folders(path):
            for item, task in self._wild.get(folder, ()):
                if id(task) not in found and globs.matches(item, path, user):
                    found.add(id(task))
        return [t for t in self._tasks if id(t) in found]
