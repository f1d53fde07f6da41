"""Task moves and review verdicts become typed events: real pushes through the hooks,
delivered to a real HTTP receiver that checks the signature."""

from collections.abc import Callable, Iterator

import pytest

from gitannot.events import render
from gitannot.events import types as T
from gitannot.main import main
from tests.access.helpers import assert_accepted, assert_denied
from tests.events.helpers import events, person, set_secret
from tests.events.receiver import Receiver, running
from tests.gitenv import Client, ServerRepo
from tests.workflow.helpers import gitannot, seed_files, set_state, start_from

SECRET = "wf-secret"
WORK = "annotate/bob/t1"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running(SECRET) as r:
        yield r


def seed_with_webhook(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], url: str
) -> Client:
    server.configure(hook_timeout_seconds=60)
    set_secret(server, "wf-hook", SECRET)
    automation = (
        f'targets:\n  - {{name: wf, kind: webhook, url: "{url}", secret: wf-hook,\n'
        "      events: [task.state, review.verdict]}\n"
    )
    alice = make_client(server, "alice")
    alice.commit({**seed_files(), "configs/automation.yaml": automation}, "seed")
    assert_accepted(alice.push("HEAD:refs/heads/main"))
    return alice


def test_task_moves_and_verdicts_are_events_delivered_signed(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], receiver: Receiver
) -> None:
    seed_with_webhook(server, make_client, receiver.url)
    t1 = seed_files()["tasks/t1.yaml"]
    assert isinstance(t1, str)
    bob = person(make_client, server, "bob")
    start_from(bob)
    started = bob.commit({"tasks/t1.yaml": set_state(t1, "in progress")}, "start")
    bob.commit({"labels/cats/a.txt": "cat 1 done\n"}, "label")
    submitted = bob.commit({"tasks/t1.yaml": set_state(t1, "completed")}, "submit")
    assert_accepted(bob.push(f"HEAD:refs/heads/{WORK}"))
    # A refused move makes no event.
    before = len(events(server))
    carol = person(make_client, server, "carol")
    start_from(carol, WORK)
    carol.commit({"tasks/t1.yaml": set_state(t1, "rejected")}, "reject someone's task")
    assert_denied(carol.push("HEAD:refs/heads/annotate/carol/t1"), "task.transition-denied")
    assert len(events(server)) == before
    dave = person(make_client, server, "dave")
    approved = gitannot(dave, "review", "approve", WORK, "-m", "looks right")
    assert approved.accepted, approved.output
    # dave moves main onto bob's approved work: main gains bob's two moves.
    assert_accepted(dave.push(f"refs/remotes/origin/{WORK}:refs/heads/main"))

    assert main(["events", "deliver", "--repo", str(server.path)]) == 0
    assert receiver.got and all(r.signature_ok for r in receiver.got)
    got = [r.event for r in receiver.got]
    assert [e["type"] for e in got] == [T.TASK_STATE, T.TASK_STATE, T.REVIEW_VERDICT] + [
        T.TASK_STATE
    ] * 2
    moves = [
        (e["subject"], e["data"]["task"], e["data"]["from"], e["data"]["to"], e["data"]["action"])
        for e in got
        if e["type"] == T.TASK_STATE
    ]
    start = ("t1", "annotation/new", "annotation/in progress", "start")
    submit = ("t1", "annotation/in progress", "annotation/completed", "submit")
    branch, main_ref = f"refs/heads/{WORK}", "refs/heads/main"
    assert moves == [(branch, *start), (branch, *submit), (main_ref, *start), (main_ref, *submit)]
    on_main = [e["data"] for e in got[3:]]
    assert [(d["commit"], d["by"], d["pusher"]) for d in on_main] == [
        (started, "bob", "dave"),
        (submitted, "bob", "dave"),
    ]
    assert got[0]["data"]["commit"] == started and got[0]["data"]["pusher"] == "bob"
    verdict = got[2]
    assert verdict["subject"] == branch
    assert {k: verdict["data"][k] for k in ("commit", "user", "verdict", "text", "branch")} == {
        "commit": submitted,
        "user": "dave",
        "verdict": "approve",
        "text": "looks right",
        "branch": branch,
    }
    assert verdict["data"]["review_ref"] == f"refs/reviews/{submitted}/dave"
    # Slack and mail show them in one line.
    queued = [e for e in events(server) if e.type in (T.TASK_STATE, T.REVIEW_VERDICT)]
    assert [render.title(e) for e in queued[:3]] == [
        "task t1 on annotate/bob/t1: start (annotation/new -> annotation/in progress) by bob",
        "task t1 on annotate/bob/t1: submit (annotation/in progress -> annotation/completed)"
        " by bob",
        f"approve by dave on annotate/bob/t1 at {submitted[:12]}: looks right",
    ]


def test_request_changes_is_a_verdict_event_and_comments_are_not(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], receiver: Receiver
) -> None:
    seed_with_webhook(server, make_client, receiver.url)
    bob = person(make_client, server, "bob")
    start_from(bob)
    tip = bob.commit({"labels/cats/a.txt": "cat 1 done\n"}, "label")
    assert_accepted(bob.push(f"HEAD:refs/heads/{WORK}"))
    erin = person(make_client, server, "erin")
    asked = gitannot(erin, "review", "request-changes", WORK, "-m", "box too loose")
    assert asked.accepted, asked.output
    noted = gitannot(
        erin,
        "review",
        "comment",
        "labels/cats/a.txt",
        "--annotation",
        "1",
        "-m",
        "hm",
        "--branch",
        WORK,
    )
    assert noted.accepted, noted.output
    verdicts = [e for e in events(server) if e.type == T.REVIEW_VERDICT]
    assert [
        (e.data["user"], e.data["verdict"], e.data["text"], e.data["commit"]) for e in verdicts
    ] == [("erin", "request-changes", "box too loose", tip)]
    assert not [e for e in events(server) if e.type == T.TASK_STATE]  # no task moved


def test_no_task_events_without_the_workflow_config(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    server.configure(hook_timeout_seconds=60)
    alice = make_client(server, "alice")
    files = seed_files()
    files["configs/workflow.yaml"] = None
    alice.commit(files, "seed without workflow")
    assert_accepted(alice.push("HEAD:refs/heads/main"))
    t1 = files["tasks/t1.yaml"]
    assert isinstance(t1, str)
    alice.commit({"tasks/t1.yaml": set_state(t1, "in progress")}, "start")
    assert_accepted(alice.push("HEAD:refs/heads/main"))
    types = [e.type for e in events(server)]
    assert types.count(T.PUSH) == 2 and T.TASK_STATE not in types
