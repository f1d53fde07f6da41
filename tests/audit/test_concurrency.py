"""50 pushes at once: 50 push entries (and 50 receipts), one contiguous verified chain."""

import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from gitannot.main import main
from tests.audit.helpers import log_entries
from tests.gitenv import Client, ServerRepo

PUSHES = 50


@pytest.mark.slow
def test_fifty_concurrent_pushes(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 50 hook processes starting at once on a 2-core CI box starve the lock holder of
    # CPU; the lock wait and the hook limit are generous here because this test is about
    # losing nothing from the chain, not about speed (bench/bench_audit.py times it).
    server.configure(audit_lock_timeout_seconds=600, hook_timeout_seconds=600)
    # receive-pack runs `git gc --auto`, which by default detaches: a gc still repacking
    # in the background when the final fsck runs can show loose objects as missing.
    # In the foreground it finishes before its push returns, and fsck sees the end state.
    server.git("config", "gc.autoDetach", "false")
    alice = make_client(server, "alice")
    alice.commit({"README.md": "base\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    tips = [alice.commit({"n.txt": f"{i}\n"}, message=f"c{i}") for i in range(PUSHES)]

    def push(i: int) -> subprocess.CompletedProcess[str]:
        return alice.git(
            "push", "--porcelain", server.file_url(), f"{tips[i]}:refs/heads/b{i}",
            check=False, env={"GITANNOT_USER": "alice"},
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=PUSHES) as pool:
        results = list(pool.map(push, range(PUSHES)))
    failed = [r.stdout + r.stderr for r in results if r.returncode != 0]
    assert not failed, failed[0]
    entries = log_entries(server)
    assert [e.seq for e in entries] == list(range(1, 2 * PUSHES + 3))
    pushes = [e for e in entries[2:] if e.entry["type"] == "push"]
    receipts = [e for e in entries[2:] if e.entry["type"] == "receipt"]
    assert sorted(p.entry["updates"][0]["ref"] for p in pushes) == sorted(
        f"refs/heads/b{i}" for i in range(PUSHES)
    )
    assert all(p.entry["decision"] == "accepted" for p in pushes)
    assert sorted(r.entry["completes"] for r in receipts) == sorted(p.seq for p in pushes)
    for i in (0, PUSHES - 1):
        note = server.git("notes", "--ref=audit", "show", tips[i]).stdout
        assert f"refs/heads/b{i}" in note and "receipt" in note
    capsys.readouterr()
    assert main(["audit", "--repo", str(server.path), "verify"]) == 0
    assert capsys.readouterr().out.startswith(f"OK: {2 * PUSHES + 2} entries verified")
    server.git("fsck", "--strict", "--no-dangling")
