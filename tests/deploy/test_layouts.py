"""`server install --layout gitea|gitlab` on a bare repository laid out as those hosts lay
theirs: their dispatchers run gitannot's shim from the *.d folder, with their identity
variables, and doctor checks what would make that shim not run."""

from __future__ import annotations

import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gitannot.main import main
from tests.audit.helpers import log_entries
from tests.gitenv import Client, ServerRepo, git

MakeClient = Callable[[ServerRepo, str], Client]
HOSTS = Path(__file__).resolve().parent / "hosts"


def _copy_executable(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    dest.chmod(0o755)


def gitea_repo(path: Path) -> ServerRepo:
    """A bare repository as Gitea creates it: dispatchers in hooks/, its own hook in *.d."""
    git("init", "--bare", "-q", "--initial-branch=main", str(path))
    for hook in ("pre-receive", "post-receive"):
        _copy_executable(HOSTS / "gitea-dispatcher.sh", path / "hooks" / hook)
        gitea = path / "hooks" / f"{hook}.d" / "gitea"
        gitea.parent.mkdir(parents=True, exist_ok=True)
        gitea.write_text(f'#!/bin/sh\ncat >/dev/null\necho ran >> "$GIT_DIR/../gitea-{hook}.log"\n')
        gitea.chmod(0o755)
    return ServerRepo(path=path, admins=["alice"])


def gitlab_repo(path: Path, runtime: Path) -> ServerRepo:
    """A bare repository as Gitaly serves it: core.hooksPath at Gitaly's hook runner."""
    git("init", "--bare", "-q", "--initial-branch=main", str(path))
    for hook in ("pre-receive", "post-receive"):
        _copy_executable(HOSTS / "gitaly-hooks.sh", runtime / hook)
    git("--git-dir", str(path), "config", "core.hooksPath", str(runtime))
    return ServerRepo(path=path, admins=["alice"])


def doctor(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["server", "doctor", str(repo)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_gitea_layout_runs_beside_gitea_hook_with_gitea_identity(
    tmp_path: Path, make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    server = gitea_repo(tmp_path / "gitea" / "org" / "labels.git")
    assert (
        main(["server", "install", str(server.path), "--admin", "alice", "--layout", "gitea"]) == 0
    )
    shim = server.path / "hooks" / "pre-receive.d" / "gitannot"
    assert shim.is_file() and not (server.path / "hooks" / "pre-receive").read_text().count(
        "gitannot"
    )
    alice = make_client(server, "alice")
    alice.commit({"README.md": "one\n"})
    ok = alice.push("HEAD:refs/heads/main", identity_env={"GITEA_PUSHER_NAME": "alice"})
    assert ok.accepted, ok.output
    alice.commit({"README.md": "two\n"})
    denied = alice.push("HEAD:refs/heads/main", identity_env={"GITEA_PUSHER_NAME": "mallory"})
    assert not denied.accepted
    assert "[access.bootstrap-admins-only]" in denied.output
    pushes = [e.entry for e in log_entries(server) if e.entry["type"] == "push"]
    assert [(p["decision"], p["actor"]["user"], p["actor"]["variable"]) for p in pushes] == [
        ("accepted", "alice", "GITEA_PUSHER_NAME"),
        ("rejected", "mallory", "GITEA_PUSHER_NAME"),
    ]
    # Gitea's own hook ran on both pushes; post-receive (receipt) only on the accepted one.
    logs = server.path.parent
    assert (logs / "gitea-pre-receive.log").read_text() == "ran\nran\n"
    assert (logs / "gitea-post-receive.log").read_text() == "ran\n"
    assert [e.entry["type"] for e in log_entries(server)][-2:] == ["receipt", "push"]
    assert doctor(server.path, capsys)[0] == 0
    assert main(["audit", "--repo", str(server.path), "verify"]) == 0

    shim.chmod(shim.stat().st_mode & ~(stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH))
    code, report = doctor(server.path, capsys)
    assert code == 1 and f"{shim} is not executable" in report


def test_gitea_layout_refused_and_flagged_without_the_dispatcher(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The dispatcher is what runs *.d: without it the shim would never run (fail open)."""
    path = tmp_path / "plain.git"
    git("init", "--bare", "-q", str(path))
    (path / "hooks" / "pre-receive.sample").unlink(missing_ok=True)
    capsys.readouterr()
    assert main(["server", "install", str(path), "--admin", "alice", "--layout", "gitea"]) != 0
    assert f"{path}/hooks/pre-receive is missing" in capsys.readouterr().err

    server = gitea_repo(tmp_path / "gitea.git")
    assert (
        main(["server", "install", str(server.path), "--admin", "alice", "--layout", "gitea"]) == 0
    )
    (server.path / "hooks" / "pre-receive").write_text("#!/bin/sh\nexit 0\n")
    code, report = doctor(server.path, capsys)
    assert code == 1
    assert "does not run the hooks in pre-receive.d/ (not Gitea's dispatcher)" in report


def test_gitlab_layout_runs_from_custom_hooks_with_gitlab_identity(
    tmp_path: Path, make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    server = gitlab_repo(tmp_path / "repositories" / "@hashed" / "ab" / "cd" / "x.git",
                         tmp_path / "gitaly-runtime" / "hooks")  # fmt: skip
    assert (
        main(["server", "install", str(server.path), "--admin", "alice", "--layout", "gitlab"]) == 0
    )
    shim = server.path / "custom_hooks" / "pre-receive.d" / "gitannot"
    assert shim.is_file()
    assert not (server.path / "hooks" / "pre-receive").exists()
    assert doctor(server.path, capsys)[0] == 0

    alice = make_client(server, "alice")
    alice.commit({"README.md": "one\n"})
    gitlab_env = {"GL_USERNAME": "alice", "GL_ID": "user-1", "GL_PROTOCOL": "ssh"}
    ok = alice.push("HEAD:refs/heads/main", identity_env=gitlab_env)
    assert ok.accepted, ok.output
    alice.commit({"README.md": "two\n"})
    none = alice.push("HEAD:refs/heads/main", identity_env={"GL_ID": "user-1"})
    assert not none.accepted and "[identity.missing]" in none.output
    pushes = [e.entry for e in log_entries(server) if e.entry["type"] == "push"]
    assert [(p["decision"], (p["actor"] or {}).get("variable")) for p in pushes] == [
        ("accepted", "GL_USERNAME"),
        ("rejected", None),
    ]
    assert [e.entry["type"] for e in log_entries(server)] == ["push", "receipt", "push"]

    shim.unlink()
    code, report = doctor(server.path, capsys)
    assert code == 1 and f"{shim} is missing" in report


def test_switching_layout_leaves_one_shim(tmp_path: Path) -> None:
    server = gitea_repo(tmp_path / "labels.git")
    runtime = tmp_path / "runtime"
    assert (
        main(["server", "install", str(server.path), "--admin", "alice", "--layout", "gitea"]) == 0
    )
    subprocess.run(["git", "--git-dir", str(server.path), "config", "core.hooksPath", str(runtime)],
                   check=True)  # fmt: skip
    assert main(["server", "install", str(server.path), "--layout", "gitlab"]) == 0
    shims = sorted(
        str(p.relative_to(server.path)) for p in server.path.rglob("gitannot") if p.is_file()
    )
    assert shims == ["custom_hooks/post-receive.d/gitannot", "custom_hooks/pre-receive.d/gitannot"]
