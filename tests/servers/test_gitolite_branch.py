"""gitolite3 creates repositories with HEAD refs/heads/master; the team pushes its policy to
main. With --default-branch main policy users can push; without it doctor says why not."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitannot.main import main
from gitannot.server import doctor
from tests.access.gitolite_host import GitoliteHost, gitolite_available
from tests.access.helpers import SEED_FILES, policy_text
from tests.gitenv import Client, PushResult, ServerRepo, git

pytestmark = [pytest.mark.gitolite, pytest.mark.slow]


@pytest.fixture
def host(tmp_path: Path) -> Iterator[GitoliteHost]:
    if not gitolite_available():
        pytest.skip("gitolite3 not installed (apt-get install gitolite3)")
    gl = GitoliteHost(tmp_path / "gitolite", ("alice", "bob"), dict(os.environ))
    gl.setup("repo labels\n    RW+ = alice\n    RW = bob\n")
    # gitolite's own `git init --bare` under a git whose default branch is master.
    git("--git-dir", str(gl.repo_path("labels")), "symbolic-ref", "HEAD", "refs/heads/master")
    gl.start_sshd()
    yield gl
    gl.stop()


def _client(host: GitoliteHost, tmp_path: Path, user: str) -> Client:
    path = tmp_path / f"clone-{user}"
    git("init", "-q", "-b", "work", str(path))
    client = Client(path=path, server=ServerRepo(host.repo_path("labels"), ["alice"]), user=user)
    client.extra_env = {"GIT_SSH_COMMAND": host.ssh_command(user)}
    client.git("remote", "add", "origin", host.url("labels"))
    return client


def _push(client: Client, refspec: str) -> PushResult:
    proc = client.git("push", "--porcelain", "origin", refspec, check=False)
    return PushResult(proc.returncode, proc.stdout + proc.stderr)


def _seed_and_bob_push(host: GitoliteHost, tmp_path: Path) -> PushResult:
    alice = _client(host, tmp_path, "alice")
    alice.commit({**SEED_FILES, "configs/access.yaml": policy_text()}, "seed")
    assert _push(alice, "HEAD:refs/heads/main").accepted
    bob = _client(host, tmp_path, "bob")
    bob.git("fetch", "-q", "origin", "main")
    bob.git("checkout", "-q", "-b", "b", "FETCH_HEAD")
    bob.commit({"labels/notes/bob.txt": "bob\n"}, "bob's labels")
    return _push(bob, "HEAD:refs/heads/annotate/bob/one")


def test_gitolite_master_head_with_default_branch_main(host: GitoliteHost, tmp_path: Path) -> None:
    repo = host.repo_path("labels")
    args = ["server", "install", str(repo), "--admin", "alice", "--default-branch", "main"]
    assert main(args) == 0
    assert git("--git-dir", str(repo), "symbolic-ref", "HEAD").stdout.strip() == "refs/heads/main"
    result = _seed_and_bob_push(host, tmp_path)
    assert result.accepted, result.output
    assert "gitannot: push by bob accepted" in result.output
    assert doctor.diagnose(repo) == []


def test_gitolite_master_head_without_default_branch_doctor_says_why(
    host: GitoliteHost, tmp_path: Path
) -> None:
    repo = host.repo_path("labels")
    assert main(["server", "install", str(repo), "--admin", "alice"]) == 0
    result = _seed_and_bob_push(host, tmp_path)
    assert not result.accepted
    assert "none on refs/heads/master, the trusted branch" in result.output
    problems = doctor.diagnose(repo)
    assert [p.check for p in problems] == ["trusted-branch"]
    assert "the trusted branch refs/heads/master does not exist" in problems[0].message
    assert "--default-branch BRANCH" in problems[0].fix
