"""Task files at the sizes real projects reach, and past them: the task gate's cost grows
with the push, not with items × files (a task listing 20,000 manifest items once took
20,000 passes over the manifest and ran into the hook's time limit)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.access.helpers import assert_accepted, assert_denied
from tests.gitenv import Client, ServerRepo
from tests.workflow.helpers import WORKFLOW, seed, start_from, task

ITEMS = 20_000
FILES = 2_000
# Main unprotected, so the admin can put a big task on the trusted branch directly.
UNPROTECTED = WORKFLOW.split("protect:")[0]


@pytest.fixture
def user(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> Callable[[str], Client]:
    seed(make_client(server, "alice"), UNPROTECTED)

    def factory(name: str) -> Client:
        client = make_client(server, name)
        client.git("fetch", "-q", "origin")
        return client

    return factory


def _flow(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(item) for item in items) + "]"


def _manifest(count: int) -> str:
    rows = (
        json.dumps({"uri": f"s3://b/img-{i}.jpg", "width": 64, "height": 48}) for i in range(count)
    )
    return "\n".join(rows) + "\n"


def test_task_naming_many_manifest_items_and_files_is_accepted(
    user: Callable[[str], Client],
) -> None:
    alice = user("alice")
    start_from(alice)
    files: dict[str, str | bytes | None] = {f"labels/big/{i}.txt": f"x {i}\n" for i in range(FILES)}
    files["data/manifest.jsonl"] = _manifest(ITEMS)
    items = [f"data/manifest.jsonl#s3://b/img-{i}.jpg" for i in range(ITEMS)]
    items += [f"labels/big/{i}.txt" for i in range(FILES)]
    files["tasks/t40.yaml"] = task("t40", _flow(items), "[carol]", "[dave]")
    alice.commit(files, "a task of 22,000 items")
    assert_accepted(alice.push("HEAD:refs/heads/admin/big"))

    # One item missing from the manifest is still found, among the 20,000 that resolve.
    items[ITEMS // 2] = "data/manifest.jsonl#s3://b/img-missing.jpg"
    alice.commit({"tasks/t40.yaml": task("t40", _flow(items), "[carol]", "[dave]")}, "typo")
    assert_denied(
        alice.push("HEAD:refs/heads/admin/big2"),
        "task.item-unresolved",
        "item 'data/manifest.jsonl#s3://b/img-missing.jpg' matches no file",
    )


def test_annotator_edit_of_many_files_under_a_big_task_is_accepted(
    user: Callable[[str], Client],
) -> None:
    alice = user("alice")
    start_from(alice)
    files: dict[str, str | bytes | None] = {f"labels/big/{i}.txt": f"x {i}\n" for i in range(FILES)}
    literal = [f"labels/big/{i}.txt" for i in range(FILES)]
    files["data/manifest.jsonl"] = _manifest(ITEMS)
    padding = [f"data/manifest.jsonl#s3://b/img-{i}.jpg" for i in range(ITEMS)]
    files["tasks/t41.yaml"] = task("t41", _flow(padding + literal), "[bob]", "[dave]")
    alice.commit(files, "a big task for bob")
    assert_accepted(alice.push("HEAD:refs/heads/main"))

    bob = user("bob")
    start_from(bob)
    bob.commit({p: "x edited\n" for p in literal}, "edit every file of t41")
    assert_accepted(bob.push("HEAD:refs/heads/annotate/bob/t41"))

    # An edit of a file that only another annotator's task covers is still refused.
    bob.commit({"labels/dogs/a.txt": "dog 9\n"}, "carol's file")  # task t2 is carol's
    assert_denied(bob.push("HEAD:refs/heads/annotate/bob/t41b"), "labels/dogs/a.txt")


def test_too_many_wildcard_items_are_refused_by_rule(user: Callable[[str], Client]) -> None:
    """Each wildcard item is matched against the files of its folder: past a cap the
    task is refused with a rule id and a fix, not left to run into the time limit."""
    alice = user("alice")
    start_from(alice)
    globs = [f"labels/**/*{i}*.txt" for i in range(2_000)]
    alice.commit({"tasks/t42.yaml": task("t42", _flow(globs), "[carol]", "[dave]")}, "globs")
    assert_denied(
        alice.push("HEAD:refs/heads/admin/globs"),
        "task.too-many-patterns",
        "tasks/t42.yaml",
        "2000 wildcard items",
    )
