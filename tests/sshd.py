"""A real OpenSSH server on 127.0.0.1 whose authorized_keys pin each key to a user."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from gitannot.server.sshkeys import forced_command_line

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
USERS = ("alice", "bob", "carol", "dave", "erin", "frank", "mallory", "root-admin")


def sshd_available() -> bool:
    return os.path.exists(SSHD) and shutil.which("ssh") is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Sshd:
    def __init__(self, workdir: Path, users: tuple[str, ...] = USERS) -> None:
        self.workdir = workdir
        self.users = users
        self.port = _free_port()
        self.login = getpass.getuser()
        self.proc: subprocess.Popen[bytes] | None = None

    def key(self, user: str) -> Path:
        return self.workdir / f"id_{user}"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        host_key = self.workdir / "host_ed25519"
        _keygen(host_key)
        lines = []
        for user in self.users:
            _keygen(self.key(user))
            pub = Path(f"{self.key(user)}.pub").read_text().strip()
            lines.append(forced_command_line(user, pub))
        # A key with no forced command would let its holder claim nothing: no identity.
        _keygen(self.key("anonymous"))
        anon = Path(f"{self.key('anonymous')}.pub").read_text().split()[:2]
        lines.append(
            f'command="git-shell -c \\"$SSH_ORIGINAL_COMMAND\\"",restrict {" ".join(anon)}'
        )
        authorized = self.workdir / "authorized_keys"
        authorized.write_text("\n".join(lines) + "\n")
        authorized.chmod(0o600)
        config = self.workdir / "sshd_config"
        config.write_text(
            f"Port {self.port}\n"
            "ListenAddress 127.0.0.1\n"
            f"HostKey {host_key}\n"
            f"AuthorizedKeysFile {authorized}\n"
            f"PidFile {self.workdir / 'sshd.pid'}\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "PubkeyAuthentication yes\n"
            "PermitRootLogin forced-commands-only\n"
            "StrictModes no\n"
            "UsePAM no\n"
            "LogLevel ERROR\n"
        )
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "sshd.log", "wb"),  # noqa: SIM115
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited: {(self.workdir / 'sshd.log').read_text()}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("sshd did not start listening within 10s")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None

    def url(self, repo: Path) -> str:
        return f"ssh://{self.login}@127.0.0.1:{self.port}{repo}"

    def ssh_command(self, user: str) -> str:
        return (
            f"ssh -i {self.key(user)} -o IdentitiesOnly=yes -o BatchMode=yes "
            "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
        )


def _keygen(path: Path) -> None:
    if not path.exists():
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
            check=True,
        )
