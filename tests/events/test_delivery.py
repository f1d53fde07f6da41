"""Delivery to a real HTTP receiver on loopback: signatures, retries, dead letters,
replay, a worker restart, order per repository, ping, Slack."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gitannot.events import delivery
from gitannot.events import types as T
from gitannot.main import main
from tests.events.helpers import bootstrap, coco, events, set_secret
from tests.events.receiver import Receiver, running
from tests.gitenv import Client, ServerRepo

SECRET = "s3cret-for-tests"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running(SECRET) as r:
        yield r


def webhook_config(url: str, extra: str = "") -> str:
    return f'targets:\n  - {{name: ci, kind: webhook, url: "{url}", secret: ci-hook{extra}}}\n'


def setup(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    receiver: Receiver,
    extra: str = "",
) -> Client:
    set_secret(server, "ci-hook", SECRET)
    return bootstrap(server, make_client, webhook_config(receiver.url, extra))


def push_labels(alice: Client, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        alice.commit({f"labels/f{i}.json": coco([(1, 1 + i % 2)])}, f"labels {i}")
        result = alice.push("HEAD:refs/heads/main")
        assert result.accepted, result.output


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_signed_cloudevents_verified_by_receiver(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], receiver: Receiver
) -> None:
    alice = setup(server, make_client, receiver)
    push_labels(alice, 1)
    assert main(["events", "deliver", "--repo", str(server.path)]) == 0
    assert receiver.seqs() == [1, 2]
    assert all(r.signature_ok for r in receiver.got)
    event = receiver.got[1].event
    assert event["specversion"] == "1.0"
    assert event["type"] == T.PUSH
    assert event["id"] == events(server)[1].id
    assert event["data"]["annotations"]["added"] == {"cat": 1}
    assert receiver.got[1].headers["X-Gitannot-Event"] == T.PUSH
    # nothing is sent twice once delivered
    assert main(["events", "deliver", "--repo", str(server.path)]) == 0
    assert receiver.seqs() == [1, 2]
    statuses = [(r["seq"], r["status"]) for r in delivery.read_log(server.path)]
    assert statuses == [(1, "delivered"), (2, "delivered")]


def test_wrong_secret_is_refused_by_the_receiver(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], receiver: Receiver
) -> None:
    setup(server, make_client, receiver)
    set_secret(server, "ci-hook", "not-the-shared-secret")
    assert main(["events", "deliver", "--repo", str(server.path)]) == 1
    assert [r.signature_ok for r in receiver.got] == [False]
    record = delivery.read_log(server.path)[-1]
    assert (record["status"], record["error"]) == (
        "failed",
        "HTTP 401 from 127.0.0.1:" + receiver.url.split(":")[2].split("/")[0],
    )


def test_retries_with_backoff_while_receiver_is_down(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], receiver: Receiver
) -> None:
    alice = setup(server, make_client, receiver)
    push_labels(alice, 2)
    settings = delivery.load_settings(server.path)
    clock = FakeClock()
    worker = delivery.Worker(server.path, settings, clock=clock, rand=lambda: 0.0)
    receiver.up = False
    assert worker.run_once().failed == 1
    assert worker.run_once().waiting == 1  # inside the 2 s backoff: no new attempt
    clock.now += 2.0
    assert worker.run_once().failed == 1  # attempt 2, then 4 s
    assert delivery.read_state(server.path, "ci").next_at == clock.now + 4.0
    receiver.up = True
    clock.now += 4.0
    assert worker.run_once().delivered == 3
    assert receiver.seqs() == [1, 2, 3]
    log = [(r["seq"], r["attempt"], r["status"]) for r in delivery.read_log(server.path)]
    assert log == [
        (1, 1, "failed"),
        (1, 2, "failed"),
        (1, 3, "delivered"),
        (2, 1, "delivered"),
        (3, 1, "delivered"),
    ]


def test_dead_letter_then_replay(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], receiver: Receiver
) -> None:
    alice = setup(server, make_client, receiver, ", max_attempts: 2")
    push_labels(alice, 1)
    settings = delivery.load_settings(server.path)
    clock = FakeClock()
    worker = delivery.Worker(server.path, settings, clock=clock, rand=lambda: 0.0)
    receiver.up = False
    for _ in range(4):
        worker.run_once()
        clock.now += 10.0
    dead = delivery.read_log(server.path, delivery.DEAD_FILE)
    assert [d["seq"] for d in dead] == [1, 2]
    assert delivery.read_state(server.path, "ci").cursor == 2
    receiver.up = True
    assert main(["events", "replay", "--repo", str(server.path), "--since", "1"]) == 0
    assert receiver.seqs() == [1, 2]
    assert all(r.signature_ok for r in receiver.got)


def test_no_event_lost_across_worker_restart(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    alice = setup(server, make_client, receiver)
    worker = start_worker(server, tmp_path / "worker1.log")
    push_labels(alice, 2)
    wait_for(receiver, 3)
    worker.send_signal(signal.SIGKILL)  # no clean shutdown
    worker.wait()
    push_labels(alice, 3, start=2)  # while no worker runs
    receiver.up = False
    worker = start_worker(server, tmp_path / "worker2.log")
    try:
        push_labels(alice, 1, start=5)
        receiver.up = True
        wait_for(receiver, 7)
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    seqs = receiver.seqs()
    first_seen = list(dict.fromkeys(seqs))
    assert first_seen == [1, 2, 3, 4, 5, 6, 7]  # every event, in the repository's order
    assert [e.seq for e in events(server)] == first_seen


def start_worker(server: ServerRepo, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gitannot",
            "events",
            "serve",
            "--repo",
            str(server.path),
            "--interval",
            "0.2",
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env=env,
    )


def wait_for(receiver: Receiver, count: int) -> None:
    """Bounded wait for the worker (a deadline, not a timing assertion)."""
    deadline = time.monotonic() + 120
    while len(set(receiver.seqs())) < count:
        assert time.monotonic() < deadline, f"receiver has {receiver.seqs()}"
        time.sleep(0.1)


def test_ping(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], receiver: Receiver
) -> None:
    setup(server, make_client, receiver)
    assert main(["events", "test", "--repo", str(server.path)]) == 0
    assert [r.event["type"] for r in receiver.got] == [T.PING]
    assert receiver.got[0].signature_ok
    receiver.up = False
    assert main(["events", "test", "--repo", str(server.path), "--target", "ci"]) == 1
    assert delivery.read_log(server.path)[-1]["status"] == "ping-failed"


def test_slack_incoming_webhook(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], receiver: Receiver
) -> None:
    receiver.signed = False
    set_secret(server, "slack-url", receiver.url)
    config = "targets:\n  - {name: chat, kind: slack, url_secret: slack-url, events: [push]}\n"
    alice = bootstrap(server, make_client, config)
    push_labels(alice, 1)
    assert main(["events", "deliver", "--repo", str(server.path)]) == 0
    texts = [r.event["text"] for r in receiver.got]
    assert len(texts) == 2
    assert texts[1].startswith("[gitannot://labels] push to main by alice: +1 -0 ~0 annotations")
    assert "added: cat: 1" in texts[1]
