"""A real gitolite3 host for tests: gitolite in a temp HOME behind a real sshd.

gitolite writes its own authorized_keys (command="gitolite-shell USER"); sshd's SetEnv
points HOME at the temp gitolite home so gitolite-shell finds its rc file there.
gitolite owns the `update` hook; gitannot is installed as pre-receive and reads GL_USER.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.sshd import SSHD, _free_port, _keygen

GITOLITE = shutil.which("gitolite")


def gitolite_available() -> bool:
    return GITOLITE is not None and os.path.exists(SSHD)


class GitoliteHost:
    def __init__(self, workdir: Path, users: tuple[str, ...], env: dict[str, str]) -> None:
        self.workdir = workdir
        self.home = workdir / "glhome"
        self.users = users
        self.env = dict(env, HOME=str(self.home))
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def key(self, user: str) -> Path:
        return self.workdir / f"id_{user}"

    def gitolite(self, *args: str) -> str:
        proc = subprocess.run(
            [str(GITOLITE), *args], env=self.env, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, f"gitolite {args} failed:\n{proc.stdout}{proc.stderr}"
        return proc.stdout

    def setup(self, conf: str) -> None:
        """`gitolite setup -pk admin.pub`, then users' keys and conf, recompiled server-side."""
        self.home.mkdir(parents=True)
        for user in ("admin", *self.users):
            _keygen(self.key(user))
        self.gitolite("setup", "-pk", str(self.key("admin")) + ".pub")
        keydir = self.home / ".gitolite" / "keydir"
        for user in self.users:
            shutil.copy(f"{self.key(user)}.pub", keydir / f"{user}.pub")
        (self.home / ".gitolite" / "conf" / "gitolite.conf").write_text(
            "repo gitolite-admin\n    RW+ = admin\n" + conf
        )
        self.gitolite("setup")  # compile + POST_COMPILE: creates repos, rewrites keys

    def repo_path(self, name: str) -> Path:
        return self.home / "repositories" / f"{name}.git"

    def start_sshd(self) -> None:
        host_key = self.workdir / "host_ed25519"
        _keygen(host_key)
        config = self.workdir / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
            f"AuthorizedKeysFile {self.home / '.ssh' / 'authorized_keys'}\n"
            f"PidFile {self.workdir / 'sshd.pid'}\n"
            f"SetEnv HOME={self.home}\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PermitRootLogin forced-commands-only\nStrictModes no\nUsePAM no\nLogLevel ERROR\n"
        )
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / "sshd.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("gitolite sshd did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=5)
            self.proc = None

    def url(self, repo: str) -> str:
        return f"ssh://{getpass.getuser()}@127.0.0.1:{self.port}/{repo}"

    def ssh_command(self, user: str) -> str:
        return (
            f"ssh -i {self.key(user)} -o IdentitiesOnly=yes -o BatchMode=yes "
            "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
        )
