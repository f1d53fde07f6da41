"""Find every condition under which git would skip gitannot's hooks (fail open)."""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gitannot.audit.writer import head_problem
from gitannot.constants import AUDIT_REF, HOOK_NAMES, HOOK_STAMP
from gitannot.errors import GitannotError
from gitannot.resources import hook_client, hook_shim
from gitannot.server import gitconfig, service_config
from gitannot.settings.keys import load_private_key
from gitannot.settings.server import audit_key_path, interpreter_path, load_server_config


@dataclass(frozen=True)
class Problem:
    check: str
    message: str
    fix: str


def diagnose(git_dir: Path) -> list[Problem]:
    git_dir = git_dir.resolve()
    if not (git_dir / "objects").is_dir():
        return [Problem("repo", f"{git_dir} is not a bare git repository", "check the path")]
    problems = _check_hooks_dir(git_dir)
    problems += _check_interpreter(git_dir)
    problems += _check_server_config(git_dir)
    problems += _check_audit_key(git_dir)
    problems += _check_audit_log(git_dir)
    problems += _check_git_config(git_dir)
    problems += _check_hook_service(git_dir)
    return problems


def _check_hook_service(git_dir: Path) -> list[Problem]:
    """A configured service must have the shipped client (its absence refuses every push)."""
    if not service_config.service_file(git_dir).exists():
        return []
    fix = f"gitannot server install {git_dir} --service SOCKET (or --no-service)"
    try:
        service_config.read(git_dir)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [
            Problem("service", f"{service_config.service_file(git_dir)} is unreadable: {exc}", fix)
        ]
    client = service_config.client_file(git_dir)
    if not client.is_file() or client.read_bytes() != hook_client():
        return [Problem("service", f"{client} is missing or not this gitannot's client", fix)]
    return []


def _check_hooks_dir(git_dir: Path) -> list[Problem]:
    hooks_path = gitconfig.get_effective(git_dir, "core.hooksPath")
    hooks_dir = (git_dir / hooks_path) if hooks_path else git_dir / "hooks"
    if hooks_path and not hooks_dir.is_dir():
        return [
            Problem(
                "hooks-path",
                f"core.hooksPath points at missing {hooks_dir}: git runs no hooks at all",
                "git config --unset core.hooksPath, then gitannot server install",
            )
        ]
    if hooks_path and hooks_dir.resolve() != (git_dir / "hooks").resolve():
        return [
            Problem(
                "hooks-path",
                f"core.hooksPath redirects hooks to {hooks_dir}",
                "git config --unset core.hooksPath, then gitannot server install",
            )
        ]
    return [p for name in HOOK_NAMES for p in _check_hook(hooks_dir / name)]


def _check_hook(hook: Path) -> list[Problem]:
    reinstall = "gitannot server install REPO.git"
    if hook.is_symlink() and not hook.exists():
        return [Problem("hook", f"{hook} is a dangling symlink: git skips it", reinstall)]
    if not hook.exists():
        return [Problem("hook", f"{hook} is missing: git skips it", reinstall)]
    if not hook.is_file():
        return [Problem("hook", f"{hook} is not a regular file", reinstall)]
    problems = []
    data = hook.read_bytes()
    if not data.strip():
        problems.append(Problem("hook", f"{hook} is empty: it does nothing", reinstall))
    elif HOOK_STAMP.encode() not in data:
        problems.append(Problem("hook", f"{hook} is not gitannot's hook", reinstall))
    elif data != hook_shim(hook.name):
        problems.append(Problem("hook", f"{hook} differs from the shipped shim", reinstall))
    if not os.access(hook, os.X_OK):
        problems.append(
            Problem("hook", f"{hook} is not executable: git silently skips it", f"chmod +x {hook}")
        )
    return problems


def _check_interpreter(git_dir: Path) -> list[Problem]:
    path = interpreter_path(git_dir)
    fix = "re-run gitannot server install from a working installation"
    try:
        python = path.read_text(encoding="utf-8").strip()
    except OSError:
        return [Problem("interpreter", f"{path} is missing: the hook refuses every push", fix)]
    if not python or not os.access(python, os.X_OK):
        return [Problem("interpreter", f"interpreter {python!r} is missing or not executable", fix)]
    proc = subprocess.run(
        [python, "-c", "import gitannot.hook.pre_receive"], capture_output=True, check=False
    )
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        return [Problem("interpreter", f"{python} cannot import gitannot: {err[0]}", fix)]
    return []


def _check_server_config(git_dir: Path) -> list[Problem]:
    try:
        load_server_config(git_dir)
    except GitannotError as exc:
        return [Problem("server-config", exc.message, exc.hint or "re-run gitannot server install")]
    return []


def _check_audit_key(git_dir: Path) -> list[Problem]:
    key = audit_key_path(git_dir)
    try:
        load_private_key(key)
    except GitannotError as exc:
        return [Problem("audit-key", exc.message, exc.hint or "re-run gitannot server install")]
    if key.stat().st_mode & 0o077:
        return [Problem("audit-key", f"{key} is readable by other users", f"chmod 600 {key}")]
    return []


def _check_audit_log(git_dir: Path) -> list[Problem]:
    """A rewound or foreign-written audit ref makes every push fail: say so up front."""
    problem = head_problem(git_dir)
    if problem is None:
        return []
    return [Problem("audit-log", problem.message, problem.hint)]


def _check_git_config(git_dir: Path) -> list[Problem]:
    problems = []
    if AUDIT_REF not in gitconfig.get_all(git_dir, "receive.hideRefs"):
        problems.append(
            Problem(
                "git-config",
                f"receive.hideRefs does not hide {AUDIT_REF}",
                f"git --git-dir {git_dir} config --add receive.hideRefs {AUDIT_REF}",
            )
        )
    if gitconfig.get_effective(git_dir, "receive.advertisePushOptions") != "true":
        problems.append(
            Problem(
                "git-config",
                "receive.advertisePushOptions is off: `git push -o` options cannot reach gitannot",
                f"git --git-dir {git_dir} config receive.advertisePushOptions true",
            )
        )
    if not _fsck_on(git_dir):
        problems.append(
            Problem(
                "git-config",
                "receive.fsckObjects is off: git accepts malformed objects and tree entries "
                "such as `..` or `.git` (gitannot's hook still refuses those names)",
                f"git --git-dir {git_dir} config receive.fsckObjects true",
            )
        )
    return problems


def _fsck_on(git_dir: Path) -> bool:
    """receive.fsckObjects, or transfer.fsckObjects when it is unset (git's fallback)."""
    value = gitconfig.get_effective(git_dir, "receive.fsckObjects")
    if value is None:
        value = gitconfig.get_effective(git_dir, "transfer.fsckObjects")
    return (value or "").lower() in ("true", "yes", "on", "1")
