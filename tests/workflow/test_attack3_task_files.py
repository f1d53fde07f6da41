"""Attacks on task files themselves: an annotator creating, deleting or renaming a task
(to grant themselves files), and two files that name one task (`t1.yaml` / `t1.yml`, or
names that differ only in case and so collide on a case-insensitive checkout)."""

from __future__ import annotations

from collections.abc import Callable

from tests.access.helpers import assert_accepted, assert_denied
from tests.gitenv import Client
from tests.workflow.helpers import seed_files, start_from, task

BRANCH = "HEAD:refs/heads/annotate/bob/t1"


def test_an_annotator_cannot_create_delete_or_rename_a_task(
    user: Callable[[str], Client],
) -> None:
    bob = user("bob")
    start_from(bob)
    bob.commit({"tasks/t9.yaml": task("t9", "[labels/dogs/*.txt]", "[bob]")}, "grant myself")
    bob.commit({"labels/dogs/a.txt": "dog 1 by bob\n"}, "use the grant")
    assert_denied(
        bob.push(BRANCH),
        "[task.transition-denied]",
        "bob may not create task t9: only task managers may create tasks",
        "bob may change labels/dogs/a.txt only while an open task",
    )
    start_from(bob)
    bob.git("mv", "tasks/t2.yaml", "tasks/t2-old.yaml")
    bob.git("commit", "-q", "-m", "rename carol's task away")
    assert_denied(
        bob.push(BRANCH),
        "bob may not delete task t2: only task managers may delete tasks",
        "[task.id-mismatch]",
        "tasks/t2-old.yaml:1: id 't2' differs from the file name",
    )


def test_two_files_cannot_name_one_task(user: Callable[[str], Client]) -> None:
    alice = user("alice")
    start_from(alice)
    t1 = seed_files()["tasks/t1.yaml"]
    assert isinstance(t1, str)
    alice.commit({"tasks/t1.yml": t1.replace("[bob]", "[carol]")}, "second t1")
    assert_denied(
        alice.push("HEAD:refs/heads/admin/tasks"),
        "[task.id-collision]",
        "tasks/t1.yml names task t1, as tasks/t1.yaml does",
    )
    start_from(alice)
    alice.commit({"tasks/T1.yaml": task("T1", "[labels/dogs/*.txt]", "[carol]")}, "case twin")
    assert_denied(
        alice.push("HEAD:refs/heads/admin/tasks"),
        "[task.id-collision]",
        "tasks/T1.yaml names task T1, as tasks/t1.yaml does",
    )
    start_from(alice)
    alice.commit({"tasks/t4.yaml": task("t4", "[labels/dogs/*.txt]", "[carol]")}, "a new task")
    assert_accepted(alice.push("+HEAD:refs/heads/admin/tasks"))


def test_a_task_file_name_with_an_upper_case_extension_is_refused(
    user: Callable[[str], Client],
) -> None:
    """tasks/t1.YAML is no task to the gate, yet the same file as tasks/t1.yaml on a
    case-insensitive checkout, where the board would read the forged one."""
    bob = user("bob")
    start_from(bob)
    t1 = seed_files()["tasks/t1.yaml"]
    assert isinstance(t1, str)
    forged = t1.replace("stage: annotation", "stage: acceptance").replace("new", "completed")
    bob.commit({"tasks/t1.YAML": forged}, "shadow t1")
    assert_denied(
        bob.push(BRANCH),
        "[task.file-name]",
        "tasks/t1.YAML",
        "tasks/<id>.yaml",
    )
