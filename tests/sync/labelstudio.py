"""A real Label Studio server on loopback for the sync tests (SQLite, no browser).

It lives in its own venv (tests/run.sh makes .venv-labelstudio: Label Studio pins many
packages that must not meet the project's); GITANNOT_TEST_LABELSTUDIO names another
binary. One server per test session; each test makes its own project.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BINARY_ENV = "GITANNOT_TEST_LABELSTUDIO"
ADMIN = "admin@example.com"
ADMIN_TOKEN = "gitannot-test-admin-token-0001"
# Annotators made at start: e-mail -> legacy API token.
ANNOTATORS = {
    "bob@example.com": "gitannot-test-bob-token-0002",
    "carol@example.com": "gitannot-test-carol-token-003",
}
READY_ATTEMPTS = 240  # half-second polls of /health (it needs ~45 s, more under load)

_MAKE_USERS = """
from organizations.models import Organization
from rest_framework.authtoken.models import Token
from users.models import User
org = Organization.objects.first()
for email, key in {users!r}.items():
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, username=email, password="annotator-pass-123"
    )
    org.add_user(user)
    user.active_organization = org
    user.save()
    Token.objects.filter(user=user).delete()
    Token.objects.create(user=user, key=key)
print("USERS-MADE", len({users!r}))
"""


def find_binary() -> Path | None:
    named = os.environ.get(BINARY_ENV)
    if named:
        return Path(named)
    local = ROOT / ".venv-labelstudio" / "bin" / "label-studio"
    return local if local.is_file() else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LabelStudioServer:
    binary: Path
    data_dir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            LABEL_STUDIO_BASE_DATA_DIR=str(self.data_dir),
            # The sync's webhook listener is on loopback, which Label Studio refuses
            # to call by default (docs/sync.md says the same for real setups).
            SSRF_PROTECTION_ENABLED="false",
            SENTRY_DSN="",
            LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
        )
        return env

    def start(self) -> None:
        log = (self.data_dir / "server.log").open("wb")
        self.proc = subprocess.Popen(
            [
                str(self.binary),
                "start",
                "--no-browser",
                "--internal-host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--username",
                ADMIN,
                "--password",
                "admin-pass-123",
                "--user-token",
                ADMIN_TOKEN,
                "--enable-legacy-api-token",
            ],
            cwd=self.data_dir,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(READY_ATTEMPTS):
            if self.proc.poll() is not None:
                raise RuntimeError(f"Label Studio exited early:\n{self.log_tail()}")
            if self._healthy():
                self._make_users()
                return
            time.sleep(0.5)
        raise RuntimeError(f"Label Studio did not answer /health:\n{self.log_tail()}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def _make_users(self) -> None:
        # One exec line: the interactive console `shell` reads would end a block early.
        script = f"exec({_MAKE_USERS.format(users=ANNOTATORS)!r})\n"
        proc = subprocess.run(
            [str(self.binary), "shell"],
            input=script.encode(),
            cwd=self.data_dir,
            env=self.env(),
            capture_output=True,
            check=False,
        )
        if b"USERS-MADE" not in proc.stdout:
            raise RuntimeError(f"making test users failed:\n{(proc.stdout + proc.stderr).decode()}")

    def log_tail(self) -> str:
        path = self.data_dir / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def sdk(self, token: str = ADMIN_TOKEN) -> Any:
        from label_studio_sdk.client import LabelStudio

        return LabelStudio(base_url=self.url, api_key=token)
