"""Secret values named by configs/automation.yaml: from the environment of the worker
(GITANNOT_SECRET_<NAME>, upper case, - and . as _) or from a server-side file
<repo.git>/gitannot/secrets/<name> readable by its owner only. Never from the repository."""

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from gitannot.constants import SERVER_DIR
from gitannot.errors import ConfigError


def env_name(name: str) -> str:
    return "GITANNOT_SECRET_" + name.upper().replace("-", "_").replace(".", "_")


def secrets_dir(git_dir: Path) -> Path:
    return git_dir / SERVER_DIR / "secrets"


def resolve(git_dir: Path, name: str, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    if env.get(env_name(name)):
        return env[env_name(name)]
    path = secrets_dir(git_dir) / name
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigError(
            f"secret {name!r} is not set",
            f"set {env_name(name)} for the worker, or write it to {SERVER_DIR}/secrets/{name} "
            "in the bare repository (mode 600)",
        ) from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"secret file {SERVER_DIR}/secrets/{name} is readable by others",
            f"chmod 600 {SERVER_DIR}/secrets/{name}",
        )
    return path.read_text(encoding="utf-8").strip()
