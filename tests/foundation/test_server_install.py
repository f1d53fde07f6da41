"""server install / uninstall / doctor on real bare repositories."""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gitannot.main import main
from gitannot.server import doctor
from tests.gitenv import Client, ServerRepo, git, install_server


def snapshot(git_dir: Path) -> dict[str, bytes]:
    """Every file of a repository except objects written by pushes."""
    return {
        str(p.relative_to(git_dir)): p.read_bytes()
        for p in sorted(git_dir.rglob("*"))
        if p.is_file() and "objects" not in p.parts
    }


def checks(git_dir: Path) -> list[str]:
    return [problem.check for problem in doctor.diagnose(git_dir)]


def test_fresh_install_is_healthy(server: ServerRepo) -> None:
    assert doctor.diagnose(server.path) == []
    assert (server.path / "gitannot" / "audit_ed25519").stat().st_mode & 0o777 == 0o600
    assert server.git("config", "--get-all", "receive.hideRefs").stdout.split() == [
        "refs/notes/audit"
    ]


def test_install_is_idempotent(server: ServerRepo) -> None:
    before = snapshot(server.path)
    assert main(["server", "install", str(server.path), "--admin", "alice"]) == 0
    assert snapshot(server.path) == before


def test_reinstall_adds_admin_keeps_key(server: ServerRepo) -> None:
    key = (server.path / "gitannot" / "audit_ed25519").read_bytes()
    assert main(["server", "install", str(server.path), "--admin", "bob"]) == 0
    config = (server.path / "gitannot" / "server.yaml").read_text()
    assert "- alice" in config and "- bob" in config
    assert (server.path / "gitannot" / "audit_ed25519").read_bytes() == key


def test_uninstall_restores_repo(tmp_path: Path) -> None:
    repo = tmp_path / "existing.git"
    git("init", "--bare", "-q", str(repo))
    git("--git-dir", str(repo), "config", "receive.hideRefs", "refs/pull")
    before = snapshot(repo)
    install_server(repo, ["alice"])
    assert snapshot(repo) != before
    assert main(["server", "uninstall", str(repo), "--delete-key"]) == 0
    assert snapshot(repo) == before


def test_refuses_non_bare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git("init", "-q", str(tmp_path / "work"))
    assert main(["server", "install", str(tmp_path / "work" / ".git"), "--admin", "a"]) == 2
    assert main(["server", "install", str(tmp_path / "work"), "--admin", "a"]) == 2
    assert "not a bare repository" in capsys.readouterr().err


def test_refuses_missing_repo_without_init(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["server", "install", str(tmp_path / "nope.git"), "--admin", "a"]) == 2
    assert "add --init" in capsys.readouterr().err


def test_refuses_foreign_hook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "r.git"
    git("init", "--bare", "-q", str(repo))
    foreign = repo / "hooks" / "pre-receive"
    foreign.write_text("#!/bin/sh\nexit 0\n")
    foreign.chmod(0o755)
    assert main(["server", "install", str(repo), "--admin", "a"]) == 2
    err = capsys.readouterr().err
    assert "is not gitannot's: refusing to overwrite it" in err
    assert foreign.read_text() == "#!/bin/sh\nexit 0\n"


def test_refuses_hooks_path_elsewhere(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "r.git"
    git("init", "--bare", "-q", str(repo))
    git("--git-dir", str(repo), "config", "core.hooksPath", str(tmp_path / "elsewhere"))
    assert main(["server", "install", str(repo), "--admin", "a"]) == 2
    assert "core.hooksPath" in capsys.readouterr().err


def test_requires_an_admin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["server", "install", str(tmp_path / "r.git"), "--init"]) == 2
    assert "no bootstrap admin" in capsys.readouterr().err


# --- doctor: each fail-open condition, and that git really would skip the hook ---------


def _break_not_executable(repo: Path) -> None:
    (repo / "hooks" / "pre-receive").chmod(0o644)


def _break_empty(repo: Path) -> None:
    (repo / "hooks" / "pre-receive").write_text("")


def _break_dangling(repo: Path) -> None:
    hook = repo / "hooks" / "pre-receive"
    hook.unlink()
    hook.symlink_to(repo / "no-such-file")


def _break_missing(repo: Path) -> None:
    (repo / "hooks" / "pre-receive").unlink()


def _break_hooks_path(repo: Path) -> None:
    git("--git-dir", str(repo), "config", "core.hooksPath", str(repo / "missing-hooks"))


FAIL_OPEN = {
    "not-executable": _break_not_executable,
    "empty": _break_empty,
    "dangling-symlink": _break_dangling,
    "missing": _break_missing,
    "missing-hooks-path": _break_hooks_path,
}


@pytest.mark.parametrize("condition", sorted(FAIL_OPEN))
def test_doctor_detects_fail_open_hook(
    condition: str,
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    capsys: pytest.CaptureFixture[str],
) -> None:
    FAIL_OPEN[condition](server.path)
    assert main(["server", "doctor", str(server.path)]) == 1
    assert "FAIL [hook" in capsys.readouterr().err
    # The condition is real: git now lets a push through that gitannot would refuse.
    bob = make_client(server, "bob")
    bob.commit({"x.txt": "x\n"})
    assert bob.push("HEAD:refs/heads/main").accepted


def test_doctor_detects_missing_interpreter(server: ServerRepo) -> None:
    (server.path / "gitannot" / "interpreter").unlink()
    assert checks(server.path) == ["interpreter"]


def test_doctor_detects_interpreter_without_gitannot(server: ServerRepo, tmp_path: Path) -> None:
    bare_python = tmp_path / "python"
    # The interpreter the venv was made from: it runs, but has no gitannot installed.
    base = getattr(sys, "_base_executable", sys.executable)
    bare_python.write_text(f'#!/bin/sh\nexec /usr/bin/env -i {base} -I "$@"\n')
    bare_python.chmod(0o755)
    (server.path / "gitannot" / "interpreter").write_text(f"{bare_python}\n")
    assert checks(server.path) == ["interpreter"]


def test_doctor_detects_unreadable_key(server: ServerRepo) -> None:
    (server.path / "gitannot" / "audit_ed25519").write_text("not a key")
    assert checks(server.path) == ["audit-key"]


def test_doctor_detects_world_readable_key(server: ServerRepo) -> None:
    (server.path / "gitannot" / "audit_ed25519").chmod(0o644)
    assert checks(server.path) == ["audit-key"]


def test_doctor_detects_missing_admins(server: ServerRepo) -> None:
    (server.path / "gitannot" / "server.yaml").write_text("admins: []\n")
    assert checks(server.path) == ["server-config"]


def test_doctor_detects_unhidden_audit_ref(server: ServerRepo) -> None:
    server.git("config", "--unset-all", "receive.hideRefs")
    assert checks(server.path) == ["git-config"]


def test_install_sh_passes_arguments(tmp_path: Path) -> None:
    """install.sh is a bootstrap: with arguments it runs gitannot from its own venv."""
    root = Path(__file__).resolve().parents[2]
    venv_python = root / ".venv" / "bin" / "python"
    if not venv_python.exists():
        pytest.skip("install.sh has not created .venv in this checkout")
    proc = subprocess.run(
        [
            str(root / "install.sh"),
            "server",
            "install",
            str(tmp_path / "s.git"),
            "--init",
            "--admin",
            "alice",
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "doctor: ok" in proc.stdout
