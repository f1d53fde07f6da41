"""Two independent servers (two sshd, different ports) on one bare repository: concurrent
pushes through both keep one contiguous, verifiable audit chain.

This is what gitannot supports on one host (or a shared volume whose flock and rename
are coherent between the writers): the audit lock is a flock on <repo>/gitannot/audit.lock
and the ref moves by compare-and-swap, whichever process writes.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gitannot.main import main
from tests.audit.helpers import log_entries
from tests.gitenv import Client, ServerRepo
from tests.sshd import Sshd, sshd_available

PER_SERVER = 6
MakeClient = Callable[[ServerRepo, str], Client]


@pytest.fixture
def two_sshd(tmp_path: Path) -> Iterator[tuple[Sshd, Sshd]]:
    if not sshd_available():
        if os.environ.get("CI"):
            pytest.fail("sshd is required in CI (apt-get install openssh-server)")
        pytest.skip("sshd not installed")
    first, second = Sshd(tmp_path / "sshd-a"), Sshd(tmp_path / "sshd-b")
    first.start()
    try:
        second.start()
        try:
            yield first, second
        finally:
            second.stop()
    finally:
        first.stop()


@pytest.mark.slow
@pytest.mark.ssh
def test_two_servers_one_repository_keep_one_chain(
    server: ServerRepo,
    two_sshd: tuple[Sshd, Sshd],
    make_client: MakeClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.configure(audit_lock_timeout_seconds=600, hook_timeout_seconds=600)
    assert two_sshd[0].port != two_sshd[1].port
    alice = make_client(server, "alice")
    alice.commit({"README.md": "base\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    tips = [alice.commit({"n.txt": f"{i}\n"}, message=f"c{i}") for i in range(2 * PER_SERVER)]

    def push(i: int) -> subprocess.CompletedProcess[str]:
        sshd = two_sshd[i % 2]
        env = {"GIT_SSH_COMMAND": sshd.ssh_command("alice")}
        return alice.git("push", "--porcelain", sshd.url(server.path),
                         f"{tips[i]}:refs/heads/b{i}", check=False, env=env)  # fmt: skip

    with ThreadPoolExecutor(max_workers=2 * PER_SERVER) as pool:
        results = list(pool.map(push, range(2 * PER_SERVER)))
    failed = [r.stdout + r.stderr for r in results if r.returncode != 0]
    assert not failed, failed[0]
    entries = log_entries(server)
    total = 2 + 2 * (2 * PER_SERVER)
    assert [e.seq for e in entries] == list(range(1, total + 1))
    # Both servers' pushes are in the chain: their sshd connections differ by port.
    ports = {
        e.entry["transport"]["SSH_CONNECTION"].split()[-1]
        for e in entries
        if e.entry["type"] == "push" and "SSH_CONNECTION" in e.entry["transport"]
    }
    assert ports == {str(two_sshd[0].port), str(two_sshd[1].port)}
    capsys.readouterr()
    assert main(["audit", "--repo", str(server.path), "verify"]) == 0
    assert capsys.readouterr().out.startswith(f"OK: {total} entries verified")
    server.git("fsck", "--strict", "--no-dangling")
