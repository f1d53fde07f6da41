"""End to end under gitolite3: gitolite's update hook and gitannot's pre-receive together.

Two users: alice (gitolite RW+, gitannot admin) and bob (gitolite RW, gitannot
annotator). gitolite decides first on the repo (its access check runs in gitolite-shell
before receive-pack), gitannot decides per path in pre-receive, and gitolite's own update
hook still refuses the rewinds that RW (no +) forbids.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitannot.main import main
from tests.access.gitolite_host import GitoliteHost, gitolite_available
from tests.access.helpers import SEED_FILES, assert_accepted, assert_denied, policy_text
from tests.gitenv import Client, PushResult, ServerRepo, git

pytestmark = [pytest.mark.gitolite, pytest.mark.slow]


@pytest.fixture
def host(tmp_path: Path) -> Iterator[GitoliteHost]:
    if not gitolite_available():
        pytest.skip("gitolite3 not installed (apt-get install gitolite3)")
    gl = GitoliteHost(tmp_path / "gitolite", ("alice", "bob"), dict(os.environ))
    gl.setup("repo labels\n    RW+ = alice\n    RW = bob\n")
    repo = gl.repo_path("labels")
    git("--git-dir", str(repo), "symbolic-ref", "HEAD", "refs/heads/main")
    assert main(["server", "install", str(repo), "--admin", "alice"]) == 0
    gl.start_sshd()
    yield gl
    gl.stop()


def _client(host: GitoliteHost, tmp_path: Path, user: str) -> Client:
    path = tmp_path / f"clone-{user}"
    git("init", "-q", str(path))
    server = ServerRepo(path=host.repo_path("labels"), admins=["alice"])
    client = Client(path=path, server=server, user=user)
    client.extra_env = {"GIT_SSH_COMMAND": host.ssh_command(user)}
    client.git("remote", "add", "origin", host.url("labels"))
    return client


def _push(client: Client, *refspecs: str, force: bool = False) -> PushResult:
    args = ["push", "--porcelain", *(["--force"] if force else []), "origin", *refspecs]
    proc = client.git(*args, check=False)
    return PushResult(proc.returncode, proc.stdout + proc.stderr)


def test_gitolite_two_users(host: GitoliteHost, tmp_path: Path) -> None:
    hooks = host.repo_path("labels") / "hooks"
    assert (hooks / "update").is_symlink()  # gitolite's
    assert "gitannot-hook-v1" in (hooks / "pre-receive").read_text()  # ours

    alice = _client(host, tmp_path, "alice")
    alice.commit({**SEED_FILES, "configs/access.yaml": policy_text()}, "seed")
    result = _push(alice, "HEAD:refs/heads/main")
    # gitolite-shell set GL_USER=alice; gitannot took it as the pusher (bootstrap admin).
    assert_accepted(result, "gitannot: push by alice accepted")

    bob = _client(host, tmp_path, "bob")
    bob.git("fetch", "-q", "origin", "main")
    bob.git("checkout", "-q", "-b", "work", "FETCH_HEAD")
    bob.commit({"labels/notes/bob.txt": "bob\n"}, "bob's labels")
    assert_accepted(
        _push(bob, "HEAD:refs/heads/annotate/bob/one"), "gitannot: push by bob accepted"
    )
    # gitolite lets bob (RW) write main; gitannot's policy does not.
    assert_denied(
        _push(bob, "HEAD:refs/heads/main"),
        "push by bob REJECTED",
        "[access.ref-denied] refs/heads/main: DENIED: bob may not update branch main",
    )
    # gitannot allows bob to rewind his own branch; gitolite's update hook (RW, no +) does not.
    bob.git("commit", "-q", "--amend", "-m", "rewritten")
    result = _push(bob, "HEAD:refs/heads/annotate/bob/one", force=True)
    assert not result.accepted
    assert "gitannot: push by bob accepted" in result.output
    assert "DENIED by fallthru" in result.output  # gitolite's own message
    # And gitolite's repo-level check stops unknown keys before any hook runs.
    assert_gitolite_refuses_unknown_key(host, tmp_path)


def assert_gitolite_refuses_unknown_key(host: GitoliteHost, tmp_path: Path) -> None:
    stranger = tmp_path / "id_stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    ssh = host.ssh_command("alice").replace(str(host.key("alice")), str(stranger))
    proc = subprocess.run(
        ["git", "ls-remote", host.url("labels")],
        env=dict(os.environ, GIT_SSH_COMMAND=ssh),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
