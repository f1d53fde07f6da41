"""`gitannot notify digest`: overdue tasks, work awaiting review and stopped tasks, read
from the server's refs after real pushes; only the clock of the digest is fixed."""

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gitannot.commands import notify
from gitannot.events import types as T
from gitannot.main import build_parser
from tests.access.helpers import assert_accepted
from tests.events.helpers import person, set_secret
from tests.events.receiver import Receiver, running
from tests.gitenv import Client, ServerRepo
from tests.workflow.helpers import day, gitannot, seed_files, set_state, start_from, task

URL = "https://git.example.org/labels/commit/{id}"
AUTOMATION = f"""\
commit_url: "{URL}"
digest: {{stopped_days: 2}}
targets:
  - {{name: team, kind: webhook, url: "RECEIVER", secret: team-hook}}
"""
# t3's due date (day(-2)) ends at the start of yesterday, UTC; the digest runs 7 days
# and 3 hours after that: past every real push of the test by more than 5 days.
DUE_T3 = datetime.strptime(day(-1), "%Y-%m-%d").replace(tzinfo=UTC)
NOW = DUE_T3 + timedelta(days=7, hours=3)
BACKDATED = {  # commit dates must not matter
    "GIT_AUTHOR_DATE": "2020-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2020-01-01T00:00:00Z",
}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running("team-secret") as r:
        yield r


def digest(server: ServerRepo, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    args = build_parser("notify").parse_args(
        ["notify", "digest", "--repo", str(server.path), *extra]
    )
    capsys.readouterr()
    assert notify.run(args, now=NOW) == 0
    return capsys.readouterr().out


@pytest.fixture
def project(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], receiver: Receiver
) -> dict[str, Any]:
    """bob submitted t1 (dave asked for changes); carol started t2 and went quiet; carol
    submitted t4 and erin approved it; t3 (bob) is overdue and never started."""
    server.configure(hook_timeout_seconds=60)
    set_secret(server, "team-hook", "team-secret")
    alice = make_client(server, "alice")
    files = seed_files()
    files["labels/fish/a.txt"] = "fish 1\n"
    files["tasks/t4.yaml"] = task("t4", "[labels/fish/*.txt]", "[carol]", "[erin]")
    files["configs/automation.yaml"] = AUTOMATION.replace("RECEIVER", receiver.url)
    alice.commit(files, "seed")
    assert_accepted(alice.push("HEAD:refs/heads/main"))
    texts = {k: v for k, v in files.items() if isinstance(v, str)}

    bob = person(make_client, server, "bob", BACKDATED)
    start_from(bob)
    bob.commit({"tasks/t1.yaml": set_state(texts["tasks/t1.yaml"], "in progress")}, "start")
    bob.commit({"labels/cats/a.txt": "cat 1 done\n"}, "label")
    t1_tip = bob.commit({"tasks/t1.yaml": set_state(texts["tasks/t1.yaml"], "completed")}, "submit")
    before = datetime.now(UTC).replace(microsecond=0)
    assert_accepted(bob.push("HEAD:refs/heads/annotate/bob/t1"))
    after = datetime.now(UTC)
    dave = person(make_client, server, "dave", BACKDATED)
    asked = gitannot(dave, "review", "request-changes", "annotate/bob/t1", "-m", "cat 1 box")
    assert asked.accepted, asked.output

    carol = person(make_client, server, "carol", BACKDATED)
    start_from(carol)
    t2_tip = carol.commit(
        {"tasks/t2.yaml": set_state(texts["tasks/t2.yaml"], "in progress")}, "start"
    )
    assert_accepted(carol.push("HEAD:refs/heads/annotate/carol/t2"))
    start_from(carol)
    carol.commit({"tasks/t4.yaml": set_state(texts["tasks/t4.yaml"], "in progress")}, "start")
    carol.commit({"tasks/t4.yaml": set_state(texts["tasks/t4.yaml"], "completed")}, "submit")
    assert_accepted(carol.push("HEAD:refs/heads/annotate/carol/t4"))
    erin = person(make_client, server, "erin", BACKDATED)
    approved = gitannot(erin, "review", "approve", "annotate/carol/t4", "-m", "ok")
    assert approved.accepted, approved.output
    return {"t1_tip": t1_tip, "t2_tip": t2_tip, "before": before, "after": after}


def test_digest_lists_overdue_awaiting_and_stopped_with_links(
    server: ServerRepo, project: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(digest(server, capsys, "--json"))
    assert data["overdue"] == [
        {
            "task": "t3",
            "title": "batch t3",
            "assignees": ["bob"],
            "due": f"{day(-1)}T00:00:00Z",
            "overdue_seconds": (7 * 24 + 3) * 3600,
            "state": "annotation/new",
            "branches": {
                "refs/heads/main": {
                    "state": "annotation/new",
                    "commit": server.rev("refs/heads/main"),
                    "url": URL.replace("{id}", str(server.rev("refs/heads/main"))),
                }
            },
        }
    ]
    [waiting] = data["awaiting_review"]  # t4 is approved: ready to merge, not waiting
    tip = project["t1_tip"]
    assert {k: v for k, v in waiting.items() if not k.startswith("waiting")} == {
        "task": "t1",
        "ref": "refs/heads/annotate/bob/t1",
        "state": "annotation/completed",
        "assignees": ["bob"],
        "reviewers": ["dave", "erin"],
        "approvals": [],
        "approvals_required": 1,
        "changes_requested": ["dave"],
        "commit": tip,
        "url": URL.replace("{id}", tip),
    }
    # Server time of bob's push (the commits say 2020).
    since = datetime.fromisoformat(waiting["waiting_since"].replace("Z", "+00:00"))
    assert project["before"] <= since <= project["after"]
    assert waiting["waiting_seconds"] >= int((NOW - project["after"]).total_seconds())
    assert waiting["waiting_seconds"] > 5 * 24 * 3600
    [stopped] = data["stopped"]
    assert stopped["task"] == "t2" and stopped["assignees"] == ["carol"]
    assert stopped["refs"] == ["refs/heads/annotate/carol/t2"]
    assert (stopped["last_pusher"], stopped["commit"]) == ("carol", project["t2_tip"])
    assert stopped["idle_seconds"] > 5 * 24 * 3600

    text = digest(server, capsys).splitlines()
    assert "overdue tasks: 1" in text
    assert f"  t3 (bob): due {day(-1)} 00:00Z, overdue 7d 3h; main: annotation/new" in text
    assert "awaiting review: 1" in text
    line = next(x for x in text if x.startswith("  t1 on annotate/bob/t1"))
    assert line.startswith(f"  t1 on annotate/bob/t1 at {tip[:12]} by bob: waiting ")
    assert line.endswith("for 0/1 approval(s), changes requested by dave; reviewers dave, erin")
    assert "stopped tasks (in progress, no push for 2 days): 1" in text


@pytest.mark.usefixtures("project")
def test_stopped_threshold_is_configurable(
    server: ServerRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # digest.stopped_days is 2 in configs/automation.yaml; --stopped-days overrides it.
    assert [s["task"] for s in json.loads(digest(server, capsys, "--json"))["stopped"]] == ["t2"]
    later = json.loads(digest(server, capsys, "--json", "--stopped-days", "30"))
    assert later["stopped"] == []


@pytest.mark.usefixtures("project")
def test_digest_is_sent_with_the_task_sections(
    server: ServerRepo,
    receiver: Receiver,
    capsys: pytest.CaptureFixture[str],
) -> None:
    digest(server, capsys, "--send", "team", "--quiet-when-healthy")
    [got] = receiver.got
    assert got.signature_ok and got.event["type"] == T.DIGEST
    sent = got.event["data"]["digest"]
    assert [o["task"] for o in sent["overdue"]] == ["t3"]
    assert [a["task"] for a in sent["awaiting_review"]] == ["t1"]
    assert [s["task"] for s in sent["stopped"]] == ["t2"]
    assert "overdue tasks: 1" in got.event["data"]["message"]


def test_merges_to_main_do_not_count_as_work_on_a_task_in_progress_there(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.configure(hook_timeout_seconds=60)
    alice = make_client(server, "alice")
    files = seed_files()
    alice.commit(files, "seed")
    assert_accepted(alice.push("HEAD:refs/heads/main"))
    t2 = files["tasks/t2.yaml"]
    assert isinstance(t2, str)
    started = alice.commit({"tasks/t2.yaml": set_state(t2, "in progress")}, "t2 started on main")
    bypass = ["gitannot.bypass=set up the test"]
    assert_accepted(alice.push("HEAD:refs/heads/main", options=bypass))
    alice.commit({"README.md": "unrelated\n"}, "someone else's work lands on main")
    assert_accepted(alice.push("HEAD:refs/heads/main", options=bypass))
    [stopped] = json.loads(digest(server, capsys, "--json"))["stopped"]
    assert (stopped["task"], stopped["refs"]) == ("t2", ["refs/heads/main"])
    assert stopped["last_push_commit"] == started  # the push that started it, not the README
