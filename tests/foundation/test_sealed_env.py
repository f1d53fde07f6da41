"""The one sealed git environment (gitannot.gitio.sealed) that the demo, the tests and
the benches share: nothing of the calling shell reaches git."""

import subprocess
from pathlib import Path

import pytest

from gitannot.gitio.sealed import sealed_git_env


def test_caller_identity_and_git_state_do_not_leak(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaks = {
        "GITANNOT_USER": "mallory",
        "REMOTE_USER": "mallory",
        "GL_USER": "mallory",
        "GITEA_PUSHER_NAME": "mallory",
        "GITHUB_USER_LOGIN": "mallory",
        "SSH_ORIGINAL_COMMAND": "git-receive-pack x",
        "GIT_DIR": str(tmp_path / "elsewhere"),
        "GIT_CONFIG_PARAMETERS": "'user.name'='mallory'",
    }
    for key, value in leaks.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("KEEP_ME", "1")
    env = sealed_git_env(tmp_path / "home", author=("A", "a@x"), date="2026-01-15T12:00:00Z")
    assert set(leaks).isdisjoint(env) and env["KEEP_ME"] == "1"
    assert (env["GIT_AUTHOR_NAME"], env["GIT_AUTHOR_EMAIL"]) == ("A", "a@x")
    assert "GIT_COMMITTER_NAME" not in env  # only what the caller asked for
    assert env["GIT_AUTHOR_DATE"] == env["GIT_COMMITTER_DATE"] == "2026-01-15T12:00:00Z"


def test_git_reads_only_the_sealed_config(tmp_path: Path) -> None:
    env = sealed_git_env(tmp_path / "home")
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], env=env, check=True)
    listing = subprocess.run(
        ["git", "config", "--list", "--show-origin"],
        cwd=repo, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    origins = {line.split("\t")[0] for line in listing.splitlines()}
    gitconfig = tmp_path / "home" / ".gitconfig"
    assert origins == {f"file:{gitconfig}", "file:.git/config"}
    head = subprocess.run(
        ["git", "symbolic-ref", "HEAD"], cwd=repo, env=env, capture_output=True, text=True
    ).stdout.strip()
    assert head == "refs/heads/main"
