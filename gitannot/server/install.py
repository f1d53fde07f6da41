"""Install gitannot on a bare repository, and undo it.

Installed: the hook shims (copied, stamped), <repo>/gitannot/ with server.yaml, the
interpreter path and the audit key, and the receive.* settings it needs. What the config held
before is saved in install-state.json so uninstall restores it exactly.
"""

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from gitannot.constants import AUDIT_REF, HOOK_NAMES, HOOK_STAMP
from gitannot.errors import UsageError
from gitannot.gitio.run import run_git
from gitannot.resources import hook_shim
from gitannot.server import gitconfig
from gitannot.settings.keys import generate_key
from gitannot.settings.server import (
    ServerConfig,
    audit_key_path,
    config_path,
    interpreter_path,
    load_server_config,
    server_dir,
)

STATE_FILE = "install-state.json"
# key -> value gitannot needs. hideRefs keeps clients from even seeing (so pushing) the log.
# fsckObjects: git refuses malformed objects and tree entries such as `..` or `.git`
# before the hook runs (the hook refuses those names too, in case it is switched off).
MANAGED_CONFIG = {
    "receive.hideRefs": AUDIT_REF,
    "receive.advertisePushOptions": "true",
    "receive.fsckObjects": "true",
}


@dataclass
class InstallResult:
    git_dir: Path
    created_repo: bool
    actions: list[str]


def install(
    repo: Path, admins: list[str], *, init: bool = False, interpreter: str | None = None
) -> InstallResult:
    git_dir = repo.resolve()
    actions: list[str] = []
    created = False
    if not git_dir.exists():
        if not init:
            raise UsageError(f"{repo} does not exist", "add --init to create a bare repository")
        run_git(["init", "--bare", "--quiet", "--initial-branch=main", str(git_dir)])
        created = True
        actions.append(f"created bare repository {git_dir}")
    _require_bare(git_dir)
    _require_hooks_path(git_dir)
    hooks_dir = git_dir / "hooks"
    _refuse_foreign_hooks(hooks_dir)

    sdir = server_dir(git_dir)
    sdir.mkdir(mode=0o755, exist_ok=True)
    _save_state_once(git_dir, created)
    actions.extend(_write_config(git_dir, admins))
    interpreter_path(git_dir).write_text((interpreter or sys.executable) + "\n", encoding="utf-8")
    key = audit_key_path(git_dir)
    if not key.exists():
        generate_key(key, comment=f"gitannot-audit@{git_dir.name}")
        actions.append(f"generated audit signing key {key} (mode 0600)")
    hooks_dir.mkdir(exist_ok=True)
    for name in HOOK_NAMES:
        _install_shim(hooks_dir / name)
    actions.append(f"installed hooks {', '.join(HOOK_NAMES)} in {hooks_dir}")
    for key_name, value in MANAGED_CONFIG.items():
        if value not in gitconfig.get_all(git_dir, key_name):
            gitconfig.add_value(git_dir, key_name, value)
    actions.append("set " + ", ".join(f"{k}={v}" for k, v in MANAGED_CONFIG.items()))
    return InstallResult(git_dir=git_dir, created_repo=created, actions=actions)


def uninstall(repo: Path, *, keep_key: bool = False) -> list[str]:
    git_dir = repo.resolve()
    _require_bare(git_dir)
    actions = []
    for name in HOOK_NAMES:
        hook = git_dir / "hooks" / name
        if hook.is_file() and HOOK_STAMP.encode() in hook.read_bytes():
            hook.unlink()
            actions.append(f"removed {hook}")
    state_file = server_dir(git_dir) / STATE_FILE
    if state_file.exists():
        state = json.loads(state_file.read_text(encoding="utf-8"))
        for key_name, values in state["config"].items():
            gitconfig.unset_all(git_dir, key_name)
            for value in values:
                gitconfig.add_value(git_dir, key_name, value)
        actions.append("restored receive.* settings")
    sdir = server_dir(git_dir)
    if sdir.exists():
        if keep_key and audit_key_path(git_dir).exists():
            for child in sdir.iterdir():
                if not child.name.startswith(audit_key_path(git_dir).name):
                    _remove(child)
            actions.append(f"removed {sdir} except the audit key")
        else:
            shutil.rmtree(sdir)
            actions.append(f"removed {sdir} (audit key included)")
    return actions


def _require_bare(git_dir: Path) -> None:
    proc = run_git(["--git-dir", str(git_dir), "rev-parse", "--is-bare-repository"], check=False)
    if proc.returncode != 0:
        raise UsageError(f"{git_dir} is not a git repository", "create it with --init")
    if proc.stdout.decode().strip() != "true":
        raise UsageError(
            f"{git_dir} is not a bare repository",
            "gitannot enforces pushes on the server's bare repository; "
            "clone it with `git clone --bare` or pass --init with a new path",
        )


def _require_hooks_path(git_dir: Path) -> None:
    hooks_path = gitconfig.get_effective(git_dir, "core.hooksPath")
    if hooks_path is None:
        return
    resolved = (git_dir / hooks_path).resolve()
    if resolved != (git_dir / "hooks").resolve():
        raise UsageError(
            f"core.hooksPath is set to {hooks_path!r}: "
            f"git would not run hooks from {git_dir}/hooks",
            "unset core.hooksPath for this repository (git config --unset core.hooksPath) "
            "or install gitannot's shims into that folder yourself",
        )


def _refuse_foreign_hooks(hooks_dir: Path) -> None:
    for name in HOOK_NAMES:
        hook = hooks_dir / name
        if not (hook.exists() or hook.is_symlink()):
            continue
        if hook.is_file() and HOOK_STAMP.encode() in hook.read_bytes():
            continue
        raise UsageError(
            f"{hook} exists and is not gitannot's: refusing to overwrite it",
            f"move it away (e.g. to {hook}.legacy) and re-run; gitannot does not chain "
            "foreign receive hooks because their stdin and exit code would decide too",
        )


def _install_shim(path: Path) -> None:
    data = hook_shim(path.name)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o755)
    os.replace(tmp, path)


def _write_config(git_dir: Path, admins: list[str]) -> list[str]:
    path = config_path(git_dir)
    if path.exists():
        config = load_server_config(git_dir)
        merged = list(dict.fromkeys([*config.admins, *admins]))
        if merged == config.admins:
            return []
        config.admins = merged
        path.write_text(config.to_yaml(), encoding="utf-8")
        return [f"bootstrap admins now {', '.join(merged)}"]
    if not admins:
        raise UsageError("no bootstrap admin given", "pass --admin NAME (repeatable)")
    path.write_text(ServerConfig(admins=list(admins)).to_yaml(), encoding="utf-8")
    return [f"recorded bootstrap admins {', '.join(admins)} in {path}"]


def _save_state_once(git_dir: Path, created: bool) -> None:
    state_file = server_dir(git_dir) / STATE_FILE
    if state_file.exists():
        return
    state = {
        "created_repo": created,
        "config": {key: gitconfig.get_all(git_dir, key) for key in MANAGED_CONFIG},
    }
    state_file.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
