"""The trusted base branch is explicit: recorded at install, checked by doctor, named on
rejection, and read by `policy explain` from the remote the way the hook reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gitannot.main import main
from gitannot.server import doctor
from tests.access.helpers import SEED_FILES, policy_text
from tests.gitenv import Client, ServerRepo, git


def _bare(path: Path, head: str) -> ServerRepo:
    git("init", "--bare", "-q", str(path))
    git("--git-dir", str(path), "symbolic-ref", "HEAD", head)
    return ServerRepo(path=path, admins=["alice"])


def _client(server: ServerRepo, tmp_path: Path, user: str) -> Client:
    path = tmp_path / f"clone-{user}"
    git("init", "-q", "-b", "work", str(path))
    client = Client(path=path, server=server, user=user)
    client.git("remote", "add", "origin", server.file_url())
    return client


def _recorded(server: ServerRepo) -> str:
    data = yaml.safe_load((server.path / "gitannot" / "server.yaml").read_text())
    return str(data["default_branch"])


def test_default_branch_recorded_and_head_aligned(tmp_path: Path) -> None:
    # gitolite's shape: an empty repository whose HEAD names master; the policy goes to main.
    server = _bare(tmp_path / "labels.git", "refs/heads/master")
    args = ["server", "install", str(server.path), "--admin", "alice"]
    assert main([*args, "--default-branch", "main"]) == 0
    assert _recorded(server) == "refs/heads/main"
    assert server.git("symbolic-ref", "HEAD").stdout.strip() == "refs/heads/main"

    alice = _client(server, tmp_path, "alice")
    alice.commit({**SEED_FILES, "configs/access.yaml": policy_text()}, "seed")
    assert alice.push("HEAD:refs/heads/main").accepted
    bob = _client(server, tmp_path, "bob")
    bob.git("fetch", "-q", "origin", "main")
    bob.git("checkout", "-q", "-b", "b", "FETCH_HEAD")
    bob.commit({"labels/notes/bob.txt": "bob\n"}, "bob")
    result = bob.push("HEAD:refs/heads/annotate/bob/one")
    assert result.accepted, result.output
    assert doctor.diagnose(server.path) == []


def test_doctor_names_missing_trusted_branch_and_head_mismatch(tmp_path: Path) -> None:
    server = _bare(tmp_path / "labels.git", "refs/heads/master")
    assert main(["server", "install", str(server.path), "--admin", "alice"]) == 0
    assert _recorded(server) == "refs/heads/master"  # empty repo: HEAD's target
    alice = _client(server, tmp_path, "alice")
    alice.commit({**SEED_FILES, "configs/access.yaml": policy_text()}, "seed")
    assert alice.push("HEAD:refs/heads/main").accepted  # bootstrap admin, wrong branch

    bob = _client(server, tmp_path, "bob")
    bob.commit({"labels/notes/bob.txt": "bob\n"}, "bob")
    result = bob.push("HEAD:refs/heads/annotate/bob/one")
    assert not result.accepted
    assert "[access.bootstrap-admins-only]" in result.output
    assert "none on refs/heads/master, the trusted branch" in result.output

    problems = [p for p in doctor.diagnose(server.path) if p.check == "trusted-branch"]
    assert len(problems) == 1
    assert "the trusted branch refs/heads/master does not exist" in problems[0].message
    assert f"gitannot server install {server.path} --default-branch BRANCH" in problems[0].fix

    assert main(["server", "install", str(server.path), "--default-branch", "main"]) == 0
    assert doctor.diagnose(server.path) == []
    assert bob.push("HEAD:refs/heads/annotate/bob/one").accepted


def test_doctor_fails_when_head_disagrees(server: ServerRepo, tmp_path: Path) -> None:
    alice = _client(server, tmp_path, "alice")
    alice.commit({**SEED_FILES, "configs/access.yaml": policy_text()}, "seed")
    assert alice.push("HEAD:refs/heads/main", "HEAD:refs/heads/master").accepted
    server.git("symbolic-ref", "HEAD", "refs/heads/master")
    problems = doctor.diagnose(server.path)
    assert [p.check for p in problems] == ["trusted-branch"]
    assert (
        "HEAD points at refs/heads/master but the hook reads the policy from refs/heads/main"
        in (problems[0].message)
    )
    assert problems[0].fix == f"git --git-dir {server.path} symbolic-ref HEAD refs/heads/main"


def test_install_refuses_unclear_branch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = _bare(tmp_path / "labels.git", "refs/heads/main")
    src = tmp_path / "src"
    git("init", "-q", "-b", "trunk", str(src))
    git("-C", str(src), "commit", "-q", "--allow-empty", "-m", "x")
    git("-C", str(src), "push", "-q", str(server.path), "trunk")
    assert main(["server", "install", str(server.path), "--admin", "alice"]) == 2
    err = capsys.readouterr().err
    assert "HEAD points at refs/heads/main, which does not exist" in err
    assert "--default-branch BRANCH" in err


def test_policy_explain_reads_remote_trusted_branch(
    server: ServerRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alice = _client(server, tmp_path, "alice")
    seed = alice.commit({**SEED_FILES, "configs/access.yaml": policy_text()}, "seed")
    assert alice.push("HEAD:refs/heads/main").accepted
    bob = _client(server, tmp_path, "bob")  # never fetched: no origin/HEAD, no origin/main
    args = ["policy", "explain", "--repo", str(bob.path), "bob", "refs/heads/annotate/bob/x"]
    rc = main([*args, "create"])
    captured = capsys.readouterr()
    out = captured.out
    assert rc == 0, out
    assert f"policy read from refs/remotes/origin/main at {seed[:12]}" in captured.err
    assert "ALLOWED: bob create refs/heads/annotate/bob/x" in out
