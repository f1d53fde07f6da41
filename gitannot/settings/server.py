"""Server-side settings in <repo.git>/gitannot/server.yaml (never in refs, never pushed)."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gitannot.constants import (
    AUDIT_KEY_FILE,
    DEFAULT_HOOK_TIMEOUT_SECONDS,
    INTERPRETER_FILE,
    SERVER_CONFIG_FILE,
    SERVER_DIR,
)
from gitannot.core.yamlsafe import YamlError, load_yaml
from gitannot.errors import ConfigError


@dataclass
class ServerConfig:
    admins: list[str]
    hook_timeout_seconds: float = DEFAULT_HOOK_TIMEOUT_SECONDS
    # Extra keys other parts may read (e.g. audit settings); kept on rewrite.
    extra: dict[str, Any] = field(default_factory=dict)

    def to_yaml(self) -> str:
        data: dict[str, Any] = {
            "admins": list(self.admins),
            "hook_timeout_seconds": self.hook_timeout_seconds,
            **self.extra,
        }
        header = (
            "# gitannot server settings. Bootstrap admins may push anything while the\n"
            "# default branch has no access policy (configs/access.yaml).\n"
        )
        return header + yaml.safe_dump(data, sort_keys=False)


def server_dir(git_dir: Path) -> Path:
    return git_dir / SERVER_DIR


def config_path(git_dir: Path) -> Path:
    return server_dir(git_dir) / SERVER_CONFIG_FILE


def interpreter_path(git_dir: Path) -> Path:
    return server_dir(git_dir) / INTERPRETER_FILE


def audit_key_path(git_dir: Path) -> Path:
    return server_dir(git_dir) / AUDIT_KEY_FILE


def load_server_config(git_dir: Path) -> ServerConfig:
    """Read server.yaml; anything missing or malformed is a ConfigError (fail closed)."""
    path = config_path(git_dir)
    try:
        raw = load_yaml(path.read_bytes(), str(path), lines=False)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{path} is missing", "run `gitannot server install` on this repository"
        ) from exc
    except (OSError, YamlError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc}", "fix or regenerate the file") from exc
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{path} must be a mapping", "regenerate it with `gitannot server install`"
        )
    admins = raw.pop("admins", None)
    if not isinstance(admins, list) or not admins or not all(isinstance(a, str) for a in admins):
        raise ConfigError(
            f"{path}: `admins` must be a non-empty list of user names",
            "re-run `gitannot server install REPO --admin NAME`",
        )
    timeout = raw.pop("hook_timeout_seconds", DEFAULT_HOOK_TIMEOUT_SECONDS)
    if not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(f"{path}: hook_timeout_seconds must be a positive number")
    return ServerConfig(admins=admins, hook_timeout_seconds=float(timeout), extra=raw)
