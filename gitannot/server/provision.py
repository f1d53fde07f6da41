"""`gitannot server provision`: make a server's state match its mounted config and secrets.

What a container runs at every start (deploy/container/entrypoint.sh), safe to re-run:

- config (a ConfigMap's server.yaml): the repositories to serve with their bootstrap
  admins, and settings written into every repository's gitannot/server.yaml;
- secrets folder: `users` (one `NAME KEYTYPE KEYDATA` line per key: the key authenticates
  NAME through a forced command), `audit_ed25519` (the audit signing key, optional:
  without it each repository keeps or generates its own), `ssh_host_ed25519_key`
  (optional: without it a host key is generated once into the state folder);
- state folder (on the repositories' volume): the rendered authorized_keys and
  sshd_config, the host key, the metrics spool and the hook service socket folder.

A mounted audit key never silently replaces a different key a repository already signs
with: that would break the chain's signatures. Rotate with `gitannot audit rotate-key`.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitannot.core.yamlsafe import YamlError, load_yaml
from gitannot.errors import ConfigError
from gitannot.gitio.run import run_git
from gitannot.server import install, metrics_setting, service_config
from gitannot.server.sshkeys import forced_command_line
from gitannot.settings.server import audit_key_path, config_path, load_server_config

USERS_SECRET = "users"
AUDIT_KEY_SECRET = "audit_ed25519"
HOST_KEY_SECRET = "ssh_host_ed25519_key"


@dataclass
class Plan:
    repos: Path
    secrets: Path
    state: Path
    ssh_port: int = 2222
    ssh_listen: str = "0.0.0.0"
    hook_service: bool = True
    shared_filesystem: bool = False  # volume on a network filesystem, one writer (the pod)
    repositories: list[tuple[str, list[str]]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def spool(self) -> Path:
        return self.state / "metrics-spool"

    @property
    def socket(self) -> Path:
        return self.state / "run" / "hooks.sock"


def load_plan(
    config: Path, repos: Path, secrets: Path, state: Path, shard: str | None = None
) -> Plan:
    try:
        raw = load_yaml(config.read_bytes(), str(config), lines=False)
    except (OSError, YamlError) as exc:
        raise ConfigError(
            f"{config} cannot be read: {exc}", "mount the server.yaml ConfigMap"
        ) from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{config} must be a mapping", "see deploy/k8s/base/server.yaml")
    plan = Plan(repos=repos, secrets=secrets, state=state)
    for item in _repository_entries(config, raw, shard):
        name = item.get("name") if isinstance(item, dict) else None
        admins = item.get("admins") if isinstance(item, dict) else None
        if not isinstance(name, str) or not _safe_name(name) or not isinstance(admins, list):
            raise ConfigError(
                f"{config}: repository entry {item!r} needs a plain `name` ending in .git "
                "and a list of `admins`"
            )
        plan.repositories.append((name, [str(a) for a in admins]))
    settings = raw.get("settings") or {}
    if not isinstance(settings, dict):
        raise ConfigError(f"{config}: `settings` must be a mapping")
    plan.settings = settings
    return plan


def _repository_entries(config: Path, raw: dict[str, Any], shard: str | None) -> list[Any]:
    """`repositories: [...]`, or this shard's list under `shards: {"0": [...], ...}`."""
    if "shards" in raw:
        shards = raw["shards"]
        if shard is None or not isinstance(shards, dict) or str(shard) not in shards:
            known = ", ".join(map(str, shards)) if isinstance(shards, dict) else "none"
            raise ConfigError(
                f"{config}: no shard {shard!r} under `shards` (known: {known})",
                "pass --shard N (the pod's ordinal) or add the shard to server.yaml",
            )
        entries = shards[str(shard)]
    else:
        entries = raw.get("repositories")
    if not isinstance(entries, list):
        raise ConfigError(
            f"{config}: expected `repositories: [{{name: X.git, admins: [NAME]}}]`",
            "see deploy/k8s/base/server.yaml",
        )
    return entries


def _safe_name(name: str) -> bool:
    parts = name.split("/")
    return name.endswith(".git") and all(p and p not in (".", "..") for p in parts)


def provision(plan: Plan) -> list[str]:
    actions: list[str] = []
    for folder in (plan.repos, plan.state, plan.spool, plan.socket.parent):
        folder.mkdir(parents=True, exist_ok=True)
    plan.state.chmod(0o700)
    plan.socket.parent.chmod(0o700)
    for name, admins in plan.repositories:
        actions.extend(_provision_repo(plan, plan.repos / name, admins))
    actions.append(_render_authorized_keys(plan))
    actions.append(_host_key(plan))
    actions.append(_render_sshd_config(plan))
    return actions


def _provision_repo(plan: Plan, git_dir: Path, admins: list[str]) -> list[str]:
    actions = []
    mounted = plan.secrets / AUDIT_KEY_SECRET
    if not git_dir.exists():
        # Created here, not by install --init: the mounted key must be in place before
        # install would generate one.
        git_dir.parent.mkdir(parents=True, exist_ok=True)
        run_git(["init", "--bare", "--quiet", "--initial-branch=main", str(git_dir)])
        actions.append(f"created bare repository {git_dir}")
    _place_audit_key(git_dir, mounted)
    result = install.install(git_dir, admins, shared_filesystem=plan.shared_filesystem)
    actions.extend(result.actions)
    _apply_settings(git_dir, plan.settings)
    name = str(git_dir.relative_to(plan.repos))
    actions.append(metrics_setting.enable(git_dir, plan.spool, name.removesuffix(".git")))
    if plan.hook_service:
        timeout = load_server_config(git_dir).hook_timeout_seconds
        actions.extend(service_config.enable(git_dir, plan.socket, timeout))
    else:
        actions.extend(service_config.disable(git_dir))
    return actions


def _place_audit_key(git_dir: Path, mounted: Path) -> None:
    """Use the mounted key when the repository has none (or this very one)."""
    if not mounted.is_file():
        return
    key = audit_key_path(git_dir)
    data = mounted.read_bytes()
    if key.exists():
        if key.read_bytes() != data:
            raise ConfigError(
                f"{key} differs from the mounted audit key {mounted}: replacing it would "
                "break the log's signatures",
                f"rotate with `gitannot audit --repo {git_dir} rotate-key`, then mount the new key",
            )
        return
    key.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    public = subprocess.run(
        ["ssh-keygen", "-y", "-f", str(key)], capture_output=True, check=True
    ).stdout.decode()
    Path(f"{key}.pub").write_text(public.strip() + f" gitannot-audit@{git_dir.name}\n")


def _apply_settings(git_dir: Path, settings: dict[str, Any]) -> None:
    if not settings:
        return
    config = load_server_config(git_dir)
    rest = dict(settings)
    if "hook_timeout_seconds" in rest:
        config.hook_timeout_seconds = float(rest.pop("hook_timeout_seconds"))
    rest.pop("admins", None)  # admins come from the repository entry
    config.extra.update(rest)
    config_path(git_dir).write_text(config.to_yaml(), encoding="utf-8")
    load_server_config(git_dir)  # fail here, not on the first push


def _render_authorized_keys(plan: Plan) -> str:
    source = plan.secrets / USERS_SECRET
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{source} cannot be read: {exc}", "mount the users Secret") from exc
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(fields) < 3 or not fields[1].startswith(("ssh-", "ecdsa-", "sk-")):
            raise ConfigError(f"{source}:{number}: expected `NAME KEYTYPE KEYDATA`")
        lines.append(forced_command_line(fields[0], " ".join(fields[1:3])))
    target = plan.state / "authorized_keys"
    _write_private(target, "".join(f"{line}\n" for line in lines))
    return f"authorized {len(lines)} key(s) in {target} (forced-command identities)"


def _host_key(plan: Plan) -> str:
    key = plan.state / "ssh_host_ed25519_key"
    mounted = plan.secrets / HOST_KEY_SECRET
    if mounted.is_file():
        _write_private(key, mounted.read_text(encoding="utf-8"))
        return f"host key from {mounted}"
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        return f"generated host key {key}"
    return f"kept host key {key}"


def _render_sshd_config(plan: Plan) -> str:
    target = plan.state / "sshd_config"
    body = (
        "# Rendered by `gitannot server provision` at every start; do not edit.\n"
        f"Port {plan.ssh_port}\n"
        f"ListenAddress {plan.ssh_listen}\n"
        f"HostKey {plan.state / 'ssh_host_ed25519_key'}\n"
        f"AuthorizedKeysFile {plan.state / 'authorized_keys'}\n"
        f"PidFile {plan.state / 'sshd.pid'}\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "PubkeyAuthentication yes\n"
        # Every key has a forced command (git-shell as its gitannot user).
        "PermitRootLogin forced-commands-only\n"
        "DisableForwarding yes\n"
        "PermitTTY no\n"
        # authorized_keys is written by this process, 0600, in a 0700 folder; the volume's
        # mount point may be group-writable, which StrictModes would refuse.
        "StrictModes no\n"
        "UsePAM no\n"
        "LogLevel INFO\n"
    )
    _write_private(target, body)
    return f"rendered {target} (port {plan.ssh_port})"


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def repositories(plan: Plan) -> list[Path]:
    return [plan.repos / name for name, _ in plan.repositories]
