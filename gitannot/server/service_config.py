"""Point a repository's hooks at the resident hook service, or back to in-process runs.

<repo>/gitannot/service.json names the socket and how long the client waits; the client
(copied to <repo>/gitannot/hookclient.py) is what the shims run while that file exists.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from gitannot.constants import HOOK_CLIENT_FILE, HOOK_SERVICE_FILE
from gitannot.resources import hook_client
from gitannot.settings.server import server_dir

# The client waits this much longer than the hook's own limit, so the service's verdict
# (a timeout rejection included) normally arrives before the client gives up.
CLIENT_MARGIN_SECONDS = 10.0


@dataclass(frozen=True)
class ServiceSetting:
    socket: Path
    timeout_seconds: float


def service_file(git_dir: Path) -> Path:
    return server_dir(git_dir) / HOOK_SERVICE_FILE


def client_file(git_dir: Path) -> Path:
    return server_dir(git_dir) / HOOK_CLIENT_FILE


def enable(git_dir: Path, socket: Path, hook_timeout_seconds: float) -> list[str]:
    client = client_file(git_dir)
    _write_atomic(client, hook_client(), 0o644)
    setting = {
        "socket": str(socket.resolve()),
        "timeout_seconds": hook_timeout_seconds + CLIENT_MARGIN_SECONDS,
    }
    # Written last: the shims switch to the client only once the client is in place.
    _write_atomic(service_file(git_dir), (json.dumps(setting, indent=2) + "\n").encode(), 0o644)
    return [
        f"hooks hand their runs to the service on {setting['socket']} (in-process if it is down)"
    ]


def disable(git_dir: Path) -> list[str]:
    if not service_file(git_dir).exists():
        return []
    service_file(git_dir).unlink()
    client_file(git_dir).unlink(missing_ok=True)
    return ["hooks run in-process (no hook service)"]


def read(git_dir: Path) -> ServiceSetting | None:
    path = service_file(git_dir)
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return ServiceSetting(Path(data["socket"]), float(data["timeout_seconds"]))


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.chmod(mode)
    os.replace(tmp, path)
