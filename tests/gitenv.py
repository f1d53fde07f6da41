"""Test harness: a sealed git environment, server repos, clones that push as a user.

Real git everywhere: pushes go through `git receive-pack` with the installed hooks, over
file:// or over a real sshd on 127.0.0.1 (see sshd.py).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gitannot.gitio.sealed import sealed_git_env
from gitannot.main import main as gitannot_main

FIXED_DATE = "2026-01-15T12:00:00+00:00"


def sealed_environ(home: Path) -> dict[str, str]:
    """No system or user git config, fixed identities and dates (the package's sealed
    environment, shared with the demo and the benches)."""
    return sealed_git_env(
        home,
        author=("Test Author", "author@example.com"),
        committer=("Test Committer", "committer@example.com"),
        date=FIXED_DATE,
    )


def git(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=env if env is not None else dict(os.environ),
        capture_output=True,
        text=True,
        input=input,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"git {' '.join(args)} failed ({proc.returncode}) in {cwd}:\n{proc.stdout}{proc.stderr}"
        )
    return proc


@dataclass
class PushResult:
    returncode: int
    output: str  # stdout + stderr: the "remote:" lines are in here

    @property
    def accepted(self) -> bool:
        return self.returncode == 0

    def remote_lines(self) -> list[str]:
        return [
            line.removeprefix("remote: ").rstrip()
            for line in self.output.splitlines()
            if line.startswith("remote: ")
        ]


@dataclass
class ServerRepo:
    path: Path
    admins: list[str]
    sshd: object | None = None  # tests.sshd.Sshd when the ssh transport is available

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return git("--git-dir", str(self.path), *args, check=check)

    def configure(self, **settings: object) -> None:
        """Change settings in <repo>/gitannot/server.yaml, as an admin editing it would."""
        path = self.path / "gitannot" / "server.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.update(settings)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    def rev(self, ref: str) -> str | None:
        proc = self.git("rev-parse", "--verify", "--quiet", ref, check=False)
        return proc.stdout.strip() or None

    def file_url(self) -> str:
        return f"file://{self.path}"


@dataclass
class Client:
    """A working clone acting as one user. Identity is set per push, like a transport."""

    path: Path
    server: ServerRepo
    user: str
    extra_env: dict[str, str] = field(default_factory=dict)

    def git(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        full_env = dict(os.environ)
        full_env.update(self.extra_env)
        if env:
            full_env.update(env)
        return git(*args, cwd=self.path, env=full_env, check=check)

    def write(self, files: dict[str, str | bytes | None]) -> None:
        """Write (or, with None, delete) files in the work tree."""
        for rel, content in files.items():
            target = self.path / rel
            if content is None:
                if target.exists():
                    target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")

    def commit(self, files: dict[str, str | bytes | None], message: str = "change") -> str:
        self.write(files)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").stdout.strip()

    def push(
        self,
        *refspecs: str,
        user: str | None = None,
        via: str = "file",
        options: list[str] | None = None,
        force: bool = False,
        atomic: bool = False,
        identity_env: dict[str, str] | None = None,
    ) -> PushResult:
        """Push to the server as `user` (default: this client's user).

        via="file": the identity travels as GITANNOT_USER (what a forced command sets);
        via="ssh": the real sshd picks the identity from the user's key. identity_env
        replaces the identity variables entirely (e.g. {} for "no identity").
        """
        user = user or self.user
        args = ["push", "--porcelain"]
        for option in options or []:
            args += ["-o", option]
        if force:
            args.append("--force")
        if atomic:
            args.append("--atomic")
        env: dict[str, str] = {}
        if via == "file":
            url = self.server.file_url()
            env = {"GITANNOT_USER": user} if identity_env is None else dict(identity_env)
        elif via == "ssh":
            from tests.sshd import Sshd

            sshd = self.server.sshd
            assert isinstance(sshd, Sshd), "server fixture was built without sshd"
            url = sshd.url(self.server.path)
            env = {"GIT_SSH_COMMAND": sshd.ssh_command(user)}
        else:
            raise ValueError(via)
        args += [url, *(refspecs or ("HEAD",))]
        proc = self.git(*args, check=False, env=env)
        return PushResult(proc.returncode, proc.stdout + proc.stderr)


def install_server(path: Path, admins: list[str]) -> ServerRepo:
    args = ["server", "install", str(path), "--init"]
    for admin in admins:
        args += ["--admin", admin]
    rc = gitannot_main(args)
    assert rc == 0, f"gitannot server install failed with {rc}"
    return ServerRepo(path=path, admins=admins)


def clone(server: ServerRepo, dest: Path, user: str) -> Client:
    git("clone", "-q", server.file_url(), str(dest))
    return Client(path=dest, server=server, user=user)
