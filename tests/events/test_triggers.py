"""Retraining trigger, the emit API for other packages, the digest, secrets, and a
broken outbox that must not fail a push."""

import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from gitannot.errors import ConfigError
from gitannot.events import delivery, outbox, retrain, secrets
from gitannot.events import types as T
from gitannot.events.config import Retrain, load_automation
from gitannot.main import main
from tests.events.helpers import bootstrap, coco, events, set_secret
from tests.events.receiver import Receiver, running
from tests.gitenv import Client, ServerRepo


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running("k") as r:
        yield r


def test_retrain_after_n_accepted_annotations(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = bootstrap(server, make_client, "retrain: {every_annotations: 3}\n")
    alice.commit({"labels/a.json": coco([(1, 1), (2, 2)])})
    assert alice.push("HEAD:refs/heads/main").accepted
    assert T.RETRAIN not in [e.type for e in events(server)]
    alice.git("checkout", "-q", "-b", "topic")  # not protected: does not count
    alice.commit({"labels/b.json": coco([(1, 1), (2, 1), (3, 1)])})
    assert alice.push("HEAD:refs/heads/topic").accepted
    assert T.RETRAIN not in [e.type for e in events(server)]
    alice.git("checkout", "-q", "main")
    alice.commit({"labels/a.json": coco([(1, 1), (2, 2), (3, 2)])})
    assert alice.push("HEAD:refs/heads/main").accepted
    requested = [e for e in events(server) if e.type == T.RETRAIN]
    assert [r.data["new_annotations"] for r in requested] == [3]
    assert retrain.read_count(outbox.events_dir(server.path)) == 0


def test_emit_api_for_other_packages(server: ServerRepo) -> None:
    first = outbox.emit(server.path, T.TASK_STATE, "tasks/t1.yaml", {"from": "open", "to": "done"})
    retrain.emit_release(server.path, "v2", {"commit": "abc"}, Retrain(on_release=True))
    assert [(e.seq, e.type) for e in events(server)] == [
        (first.seq, T.TASK_STATE),
        (first.seq + 1, T.RELEASE),
        (first.seq + 2, T.RETRAIN),
    ]
    with pytest.raises(ConfigError, match="unknown event type"):
        outbox.emit(server.path, "dev.gitannot.nonsense", "", {})


def test_torn_last_line_is_dropped_on_the_next_append(server: ServerRepo) -> None:
    outbox.emit(server.path, T.TASK_STATE, "t1", {})
    path = outbox.events_dir(server.path) / outbox.OUTBOX_FILE
    with path.open("ab") as handle:
        handle.write(b'{"seq": 2, "id": "x", "ty')  # a crash mid-write
    assert [e.seq for e in events(server)] == [1]
    outbox.emit(server.path, T.TASK_STATE, "t2", {})
    assert [(e.seq, e.subject) for e in events(server)] == [(1, "t1"), (2, "t2")]


def test_a_broken_outbox_never_fails_a_push(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = bootstrap(server, make_client, "protected: [main]\n")
    folder = outbox.events_dir(server.path)
    (folder / outbox.OUTBOX_FILE).unlink()
    (folder / outbox.OUTBOX_FILE).mkdir()  # appends now fail
    alice.commit({"README.md": "x\n"})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted
    assert any(
        line.startswith("gitannot: post-receive step events failed: IsADirectoryError")
        for line in result.remote_lines()
    )


def test_digest_lists_failing_and_dead_targets(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    receiver: Receiver,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = (
        "targets:\n"
        f'  - {{name: ok, kind: webhook, url: "{receiver.url}", secret: k}}\n'
        '  - {name: down, kind: webhook, url: "http://127.0.0.1:9/none", max_attempts: 1}\n'
    )
    set_secret(server, "k", "k")
    bootstrap(server, make_client, config)
    assert main(["events", "deliver", "--repo", str(server.path)]) == 1
    capsys.readouterr()
    assert main(["notify", "digest", "--repo", str(server.path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "- ok: ok, 0 event(s) pending"
    assert lines[2] == "- down: FAILING, 0 event(s) pending"
    assert lines[3].startswith("  dead letter: event #1 dev.gitannot.push at ")
    assert lines[-2:] == [
        "tasks needing attention: 0",
        "  (tasks and reviews: not tracked (no configs/workflow.yaml on refs/heads/main))",
    ]
    assert main(["notify", "digest", "--repo", str(server.path), "--send", "ok"]) == 0
    assert receiver.got[-1].event["type"] == T.DIGEST
    assert receiver.got[-1].event["data"]["digest"]["targets"][1]["failing"] is True


def test_secret_values_from_env_or_private_file(server: ServerRepo) -> None:
    with pytest.raises(ConfigError, match="secret 'hook' is not set"):
        secrets.resolve(server.path, "hook", {})
    path = set_secret(server, "hook", "from-file")
    assert secrets.resolve(server.path, "hook", {}) == "from-file"
    assert secrets.resolve(server.path, "hook", {"GITANNOT_SECRET_HOOK": "from-env"}) == "from-env"
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        secrets.resolve(server.path, "hook", {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("targets: [{name: a, kind: webhook}]", "needs `url` or `url_secret`"),
        ("targets: [{name: a, kind: webhook, url: ftp://x}]", "must be http(s)://"),
        ("targets: [{name: a, kind: slack, url_secret: 'x y'}]", "names a secret"),
        ("targets: [{name: a, kind: email}]", "needs `to`"),
        ("targets: [{name: a, kind: webhook, url: 'http://x', events: [pushh]}]", "unknown event"),
        ("auto_tag: {enabled: true, pattern: 'auto/{date}'}", "needs {n}"),
        ("drift: {alpha: -1}", "must be a number >= 0"),
        ("webhooks: []", "unknown key 'webhooks'"),
    ],
)
def test_config_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_automation(text.encode())
    assert caught.value.message.startswith("configs/automation.yaml:1: ")
    assert message in caught.value.message


def test_unknown_target_is_a_usage_error(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    bootstrap(server, make_client, "protected: [main]\n")
    assert main(["events", "deliver", "--repo", str(server.path), "--target", "nope"]) == 2
    assert delivery.read_log(server.path) == []


def test_wants_filters_by_event_and_glob() -> None:
    config = load_automation(
        b"targets:\n  - {name: a, kind: webhook, url: 'http://x', events: [push, tag],"
        b" branches: ['release/*'], tags: ['v*']}\n"
    )
    target = config.targets[0]
    assert target.wants(T.PUSH, "refs/heads/release/2026")
    assert not target.wants(T.PUSH, "refs/heads/main")
    assert target.wants(T.TAG, "refs/tags/v1.0")
    assert not target.wants(T.TAG, "refs/tags/nightly")
    assert not target.wants(T.MERGE, "refs/heads/release/2026")


def test_concurrent_writers_get_gap_free_sequence_numbers(server: ServerRepo) -> None:
    code = (
        "import sys; from pathlib import Path; from gitannot.events import outbox, types as T\n"
        "for i in range(10): outbox.emit(Path(sys.argv[1]), T.TASK_STATE, sys.argv[2], {'i': i})"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(server.path), f"w{n}"]) for n in range(3)
    ]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0]
    written = events(server)
    assert [e.seq for e in written] == list(range(1, 31))
    for writer in ("w0", "w1", "w2"):  # each writer's own order is kept
        assert [e.data["i"] for e in written if e.subject == writer] == list(range(10))


def test_a_torn_line_longer_than_a_read_block_keeps_the_events_before_it(
    server: ServerRepo,
) -> None:
    outbox.emit(server.path, T.TASK_STATE, "kept", {})
    path = outbox.events_dir(server.path) / outbox.OUTBOX_FILE
    with path.open("ab") as handle:
        handle.write(b'{"seq": 2, "data": "' + b"x" * (3 << 20))  # 3 MiB, no newline
    outbox.emit(server.path, T.TASK_STATE, "next", {})
    assert [(e.seq, e.subject) for e in events(server)] == [(1, "kept"), (2, "next")]
