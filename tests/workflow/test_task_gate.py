"""Real pushes: task files validated, task moves role-checked, label edits need a task."""

from __future__ import annotations

from collections.abc import Callable

from tests.access.helpers import assert_accepted, assert_denied
from tests.gitenv import Client, ServerRepo
from tests.workflow.helpers import day, seed_files, set_state, start_from, task

BRANCH = "HEAD:refs/heads/annotate/bob/t1"


def test_invalid_task_files_are_rejected_naming_file_and_rule(
    user: Callable[[str], Client],
) -> None:
    alice = user("alice")
    start_from(alice)
    good = task("t9", "[labels/cats/*.txt]", "[bob]")
    alice.commit(
        {
            "tasks/bad-yaml.yaml": "id: [unclosed\n",
            "tasks/t10.yaml": good.replace("t9", "t10") + "priority: high\n",
            "tasks/t11.yaml": task("t11", "[labels/cats/*.txt]", "[mallory]"),
            "tasks/t12.yaml": task("t12", "[labels/cats/*.txt]", "[bob]", state="done"),
            "tasks/t13.yaml": task("t13", "[labels/cats/*.txt]", "[bob]", due="next friday"),
            "tasks/t14.yaml": task("t14", "[labels/fish/*.txt]", "[bob]"),
            "tasks/t15.yaml": good,  # id t9 in t15.yaml
            "tasks/t16.yaml": task("t16", "[labels/cats/*.txt]", "[bob, carol]"),
            "tasks/t17.yaml": task("t17", "[labels/cats/*.txt]", "[bob]", reviewers="[bob]"),
            "data/manifest.jsonl": '{"uri": "s3://b/cat-1.jpg", "width": 64, "height": 48}\n',
            "tasks/t18.yaml": task("t18", '["data/manifest.jsonl#s3://b/cat-1.jpg"]', "[bob]"),
            "tasks/t19.yaml": task("t19", '["data/manifest.jsonl#s3://b/cat-9.jpg"]', "[bob]"),
        },
        "bad tasks",
    )
    result = alice.push("HEAD:refs/heads/admin/tasks")
    assert_denied(
        result,
        "task.invalid-yaml",
        "tasks/bad-yaml.yaml",
        "task.unknown-key",
        "tasks/t10.yaml:11: unknown key 'priority'",
        "task.unknown-user",
        "'mallory' is not a user of the access policy",
        "task.bad-state",
        "tasks/t12.yaml",
        "task.bad-date",
        "tasks/t13.yaml",
        "task.item-unresolved",
        "'labels/fish/*.txt' matches no file",
        "task.id-mismatch",
        "tasks/t15.yaml",
        "task.overlap",
        "tasks/t16.yaml",
        "task.self-review",
        "tasks/t17.yaml",
        "item 'data/manifest.jsonl#s3://b/cat-9.jpg' matches no file",
    )
    assert "tasks/t18.yaml" not in result.output  # its manifest item resolves


def test_annotator_may_edit_only_labels_of_their_open_task(
    user: Callable[[str], Client],
) -> None:
    bob = user("bob")
    start_from(bob)
    bob.commit({"labels/dogs/a.txt": "dog 1 fixed\n"}, "edit carol's item")
    result = bob.push("HEAD:refs/heads/annotate/bob/dogs")
    assert_denied(
        result,
        "task.not-assigned",
        "labels/dogs/a.txt",
        "bob may change labels/dogs/a.txt only while an open task",
        "task t2 assigns it to carol",
    )
    start_from(bob)
    bob.commit({"labels/cats/a.txt": "cat 1 fixed\n"}, "edit my item")
    assert_accepted(bob.push(BRANCH))


def test_annotator_starts_and_submits_but_never_accepts_or_reassigns(
    user: Callable[[str], Client],
) -> None:
    bob = user("bob")
    start_from(bob)
    t1 = seed_files()["tasks/t1.yaml"]
    assert isinstance(t1, str)
    bob.commit({"tasks/t1.yaml": set_state(t1, "completed", "acceptance")}, "accept own")
    assert_denied(bob.push(BRANCH), "task.transition-denied", "annotation/new -> acceptance")
    start_from(bob)
    bob.commit({"tasks/t1.yaml": t1.replace("[bob]", "[carol]")}, "reassign")
    assert_denied(bob.push(BRANCH), "task.transition-denied", "may not edit task t1", "assignees")
    start_from(bob)
    bob.commit({"tasks/t1.yaml": set_state(t1, "in progress")}, "start")
    bob.commit({"labels/cats/a.txt": "cat 1 done\n"}, "label")
    bob.commit({"tasks/t1.yaml": set_state(t1, "completed")}, "submit")
    assert_accepted(bob.push(BRANCH), "bob: start task t1", "bob: submit task t1")
    # Reopening a submitted task is not an annotator's move.
    bob.commit({"tasks/t1.yaml": set_state(t1, "in progress")}, "reopen")
    assert_denied(
        bob.push(BRANCH), "task.transition-denied", "annotation/completed -> annotation/in progress"
    )


def test_reviewer_accepts_or_rejects_and_others_may_not(user: Callable[[str], Client]) -> None:
    bob = user("bob")
    start_from(bob)
    t1 = seed_files()["tasks/t1.yaml"]
    assert isinstance(t1, str)
    bob.commit({"tasks/t1.yaml": set_state(t1, "in progress")}, "start")
    bob.commit({"tasks/t1.yaml": set_state(t1, "completed")}, "submit")
    assert_accepted(bob.push(BRANCH))
    carol = user("carol")
    start_from(carol, "annotate/bob/t1")
    carol.commit({"tasks/t1.yaml": set_state(t1, "rejected")}, "reject someone's task")
    assert_denied(
        carol.push("HEAD:refs/heads/annotate/carol/t1"),
        "carol may not reject task t1",
        "done by a reviewer of the task: dave, erin",
    )
    dave = user("dave")
    start_from(dave, "annotate/bob/t1")
    dave.commit({"tasks/t1.yaml": set_state(t1, "in progress")}, "start as reviewer")
    assert_denied(dave.push("HEAD:refs/heads/review/dave/t1"), "dave may not", "task managers only")
    start_from(dave, "annotate/bob/t1")
    dave.commit({"tasks/t1.yaml": set_state(t1, "completed", "acceptance")}, "accept")
    assert_accepted(dave.push("HEAD:refs/heads/review/dave/t1"), "dave: accept task t1")


def test_expired_task_is_locked_by_server_time_whatever_the_commit_date(
    user: Callable[[str], Client],
) -> None:
    bob = user("bob")
    start_from(bob)
    backdated = {
        "GIT_AUTHOR_DATE": "2020-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2020-01-01T00:00:00Z",
    }
    bob.extra_env.update(backdated)
    bob.commit({"labels/birds/a.txt": "bird 1 late\n"}, "late work, backdated")
    assert "2020-01-01" in bob.git("log", "-1", "--format=%cI").stdout
    result = bob.push("HEAD:refs/heads/annotate/bob/t3")
    assert_denied(
        result,
        "task.expired",
        "labels/birds/a.txt",
        "task t3, which expired at",
        f"{day(-1)}T00:00:00Z",
    )
    assert "server time" in result.output


def test_without_workflow_config_tasks_are_plain_files(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = make_client(server, "alice")
    files = seed_files()
    files["configs/workflow.yaml"] = None
    alice.commit(files, "seed without workflow")
    assert_accepted(alice.push("HEAD:refs/heads/main"))
    alice.commit({"tasks/t1.yaml": "status: open\nanything: goes\n"}, "free-form task")
    result = alice.push("HEAD:refs/heads/main")
    assert_accepted(result)
    assert "task." not in result.output and "workflow." not in result.output


def test_broken_workflow_config_stops_all_but_admins(user: Callable[[str], Client]) -> None:
    alice = user("alice")
    start_from(alice)
    alice.commit({"configs/workflow.yaml": "version: 1\nprotect: nonsense\n"}, "break it")
    assert_accepted(alice.push("HEAD:refs/heads/main", options=["gitannot.bypass=demo"]))
    bob = user("bob")
    start_from(bob)
    bob.commit({"labels/cats/a.txt": "cat 1 fixed\n"}, "edit")
    assert_denied(
        bob.push(BRANCH),
        "workflow.config-invalid",
        "configs/workflow.yaml:2: `protect` must be a list of mappings",
    )
    start_from(alice)
    alice.commit({"configs/workflow.yaml": seed_files()["configs/workflow.yaml"]}, "fix it")
    assert_accepted(alice.push("HEAD:refs/heads/main"), "the workflow config is unusable")
