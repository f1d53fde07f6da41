"""Worker processes sum up a chunk whose commits agree with each other as a Run, and
the main process then checks only its first commit against the log so far. Whatever
the log, that must report exactly what checking every commit one by one reports."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pygit2
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gitannot.audit import rotate, sigcheck, state, writer
from gitannot.audit.reader import LogEntry
from gitannot.audit.verify import Report, verify_log
from tests.audit.helpers import log_entries, rebuild, synthetic_fields
from tests.gitenv import ServerRepo


@pytest.fixture(scope="module")
def base_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[ServerRepo, list[LogEntry]]:
    """Nine entries, a key rotation (#5) among them."""
    from gitannot.main import main

    path = tmp_path_factory.mktemp("runs") / "labels.git"
    assert main(["server", "install", str(path), "--init", "--admin", "alice"]) == 0
    server = ServerRepo(path=path, admins=["alice"])
    for i in range(8):
        if i == 4:
            rotate.rotate(path, "alice", "test")
        writer.append(path, synthetic_fields(server, f"u{i}", "rejected" if i % 3 else "accepted"))
    return server, log_entries(server)


RUNS: list[sigcheck.Run] = []  # the Runs the last pooled verify received
EARLY: list[list[str]] = []  # the chunks it started before the log was listed
Chunk = list[sigcheck.Checked] | sigcheck.Run


def _verify(server: ServerRepo, pool: bool, monkeypatch: pytest.MonkeyPatch) -> Report:
    with monkeypatch.context() as patch:
        if pool:  # chunks of two commits, in two worker processes
            patch.setattr(sigcheck, "POOL_MIN_COMMITS", 0)
            patch.setattr(sigcheck, "CHUNK", 2)
            patch.setattr(sigcheck, "CHUNK_MAX", 2)
            patch.setattr(sigcheck, "workers", lambda: 2)
            # the two newest chunks are started before the log is listed
            patch.setattr(sigcheck, "AHEAD", 1)
            real = sigcheck.Checker.checked
            RUNS.clear()
            EARLY.clear()

            def spy(self: sigcheck.Checker, *args: Any) -> Iterator[Chunk]:
                EARLY.extend(oids for _before, (oids, _reply) in self.early)
                for chunk in real(self, *args):
                    if isinstance(chunk, sigcheck.Run):
                        RUNS.append(chunk)
                    yield chunk

            patch.setattr(sigcheck.Checker, "checked", spy)
        else:
            patch.setattr(sigcheck, "workers", lambda: 0)
        first_key = Path(f"{server.path}/gitannot/audit_ed25519.retired-1.pub").read_text()
        mark = state.read_high_water(server.path)
        assert mark is not None
        repo = pygit2.Repository(str(server.path))
        return verify_log(repo, [first_key.rsplit(" ", 1)[0]], marks=[("high-water mark", mark)])


def _same(server: ServerRepo, monkeypatch: pytest.MonkeyPatch) -> Report:
    one_by_one, in_runs = _verify(server, False, monkeypatch), _verify(server, True, monkeypatch)
    assert in_runs == one_by_one
    return one_by_one


def test_an_intact_log_gives_the_same_report_in_runs(
    base_log: tuple[ServerRepo, list[LogEntry]], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, items = base_log
    report = _same(server, monkeypatch)
    assert report.ok and report.checked == len(items) == 9
    assert report.head_commit == str(items[-1].commit.id)
    # started first: (6,7) (8,9); then (1,2) (3,4) and (5): (5,6) would hold the rotation
    assert [[str(i.commit.id) for i in items[k : k + 2]] for k in (5, 7)] == EARLY
    assert [(run.first.seq, run.last.seq) for run in RUNS] == [(1, 2), (3, 4), (6, 7), (8, 9)]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_tampering_gives_the_same_problems_in_runs(
    base_log: tuple[ServerRepo, list[LogEntry]],
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
) -> None:
    server, items = base_log
    pairs = [(i.data, i.signature) for i in items]
    op = data.draw(st.sampled_from(["drop", "swap", "edit", "duplicate", "move"]))
    i = data.draw(st.integers(0, len(pairs) - 1))
    j = data.draw(st.integers(0, len(pairs) - 1))
    if op == "drop":
        tampered = pairs[:i] + pairs[i + 1 :]
    elif op == "swap":
        tampered = list(pairs)
        tampered[i], tampered[j] = tampered[j], tampered[i]
    elif op == "duplicate":
        tampered = pairs[: i + 1] + pairs[i:]
    elif op == "move":  # one entry taken out and put back elsewhere
        rest = pairs[:i] + pairs[i + 1 :]
        tampered = [*rest[:j], pairs[i], *rest[j:]]
    else:
        edited = pairs[i][0].replace(b'"user":"u', b'"user":"x')
        tampered = [*pairs[:i], (edited, pairs[i][1]), *pairs[i + 1 :]]
    assume(tampered != pairs)  # swapping or moving an entry to where it was is no change
    head = str(items[-1].commit.id)
    keys = {"old": _key(server, ".retired-1"), "new": _key(server, "")}
    try:
        # each commit signed by the key its entry was signed with (the writer's choice)
        rebuild(server, tampered, key_for=lambda entry: keys[_signer(entry, items)])
        report = _same(server, monkeypatch)
        assert not report.ok
    finally:
        server.git("update-ref", "refs/notes/audit", head)


def _key(server: ServerRepo, suffix: str) -> object:
    from gitannot.settings.keys import load_private_key

    return load_private_key(Path(f"{server.path}/gitannot/audit_ed25519{suffix}"))


def _signer(entry: dict[str, object], items: list[LogEntry]) -> str:
    """Entries up to the rotation (#5, signed by the old key) are the old key's."""
    rotation = next(i.entry["seq"] for i in items if i.entry["type"] == "rotate-key")
    seq = entry["seq"]
    assert isinstance(seq, int)
    return "old" if seq <= rotation else "new"
