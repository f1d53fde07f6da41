"""The demo: a local server with gitannot installed, clones acting as users, real pushes.

Steps live in gitannot/demo/steps_*.py, each with ORDER (int) and run(demo). Every
outcome printed is what git and gitannot really did; a step never prints a canned result.
"""

import importlib
import pkgutil
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from gitannot import demo as demo_package
from gitannot.gitio.run import run_git
from gitannot.gitio.sealed import sealed_git_env

USERS_EMAIL_DOMAIN = "demo.gitannot.invalid"


@dataclass
class Outcome:
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class DemoClient:
    """A clone used by one user; pushes carry the user's identity like a forced command."""

    def __init__(self, demo: "Demo", user: str, path: Path) -> None:
        self.demo = demo
        self.user = user
        self.path = path

    def env(self) -> dict[str, str]:
        env = dict(self.demo.env)
        env.update(
            GIT_AUTHOR_NAME=self.user,
            GIT_AUTHOR_EMAIL=f"{self.user}@{USERS_EMAIL_DOMAIN}",
            GIT_COMMITTER_NAME=self.user,
            GIT_COMMITTER_EMAIL=f"{self.user}@{USERS_EMAIL_DOMAIN}",
            GITANNOT_USER=self.user,
        )
        return env

    def git(self, *args: str, check: bool = True, anonymous: bool = False) -> Outcome:
        env = self.env()
        if anonymous:
            env.pop("GITANNOT_USER")
        proc = run_git(args, cwd=self.path, env=env, check=False)
        outcome = Outcome(proc.returncode, (proc.stdout + proc.stderr).decode("utf-8", "replace"))
        if check and not outcome.ok:
            raise RuntimeError(f"git {' '.join(args)} failed as {self.user}:\n{outcome.output}")
        return outcome

    def write(self, files: dict[str, str | None]) -> None:
        for rel, content in files.items():
            target = self.path / rel
            if content is None:
                target.unlink(missing_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")

    def commit(self, files: dict[str, str | None], message: str) -> str:
        self.write(files)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "--short", "HEAD").output.strip()

    def push(
        self,
        *refspecs: str,
        options: Sequence[str] = (),
        expect: str = "",
        anonymous: bool = False,
    ) -> Outcome:
        """Push and print the server's answer. `expect` ("accepted"/"rejected") only
        labels the printed line so readers see whether the outcome was the intended one;
        `anonymous` pushes with no transport identity at all."""
        args = ["push", "origin", *(refspecs or ("HEAD",))]
        for option in options:
            args[1:1] = ["-o", option]
        outcome = self.git(*args, check=False, anonymous=anonymous)
        who = "no identity" if anonymous else self.user
        self.demo.print_outcome(f"git push {' '.join(args[2:])} ({who})", outcome, expect)
        return outcome

    def gitannot(self, *args: str) -> Outcome:
        return self.demo.gitannot(*args, cwd=self.path)


class Demo:
    def __init__(self, root: Path, out: "DemoPrinter | None" = None) -> None:
        self.root = root
        self.server = root / "server" / "labels.git"
        self.env = sealed_git_env(root / "home")
        self.out = out or DemoPrinter()
        self._clients: dict[str, DemoClient] = {}
        self.step_number = 0
        self.mismatches: list[str] = []

    def step(self, title: str) -> None:
        self.step_number += 1
        self.out.line("")
        self.out.line(f"== Step {self.step_number}: {title}")

    def say(self, text: str) -> None:
        self.out.line(f"   {text}")

    def gitannot(self, *args: str, cwd: Path | None = None, show: bool = True) -> Outcome:
        proc = subprocess.run(
            [sys.executable, "-m", "gitannot", *args],
            cwd=cwd or self.root,
            env=self.env,
            capture_output=True,
            text=True,
        )
        outcome = Outcome(proc.returncode, proc.stdout + proc.stderr)
        if show:
            self.print_outcome("gitannot " + " ".join(args), outcome, "")
        return outcome

    def client(self, user: str) -> DemoClient:
        if user not in self._clients:
            path = self.root / "clients" / user
            run_git(["clone", "-q", f"file://{self.server}", str(path)], env=self.env)
            self._clients[user] = DemoClient(self, user, path)
            # git config is not cloned: each clone registers the merge driver itself.
            self.gitannot("install-driver", str(path), show=False)
        return self._clients[user]

    def print_outcome(self, what: str, outcome: Outcome, expect: str) -> None:
        actual = "accepted" if outcome.ok else "rejected"
        if expect and expect != actual:
            self.mismatches.append(f"step {self.step_number}: {what} was {actual}, not {expect}")
        status = "ok" if outcome.ok else f"exit {outcome.returncode}"
        marker = "" if not expect else (" (as expected)" if expect == actual else " (UNEXPECTED)")
        self.out.line(f"   $ {what}  -> {status}{marker}")
        for line in outcome.output.rstrip().splitlines():
            self.out.line(f"     | {line.rstrip()}")


class DemoPrinter:
    def line(self, text: str) -> None:
        print(text, flush=True)


class CapturePrinter(DemoPrinter):
    """Keeps the demo's lines instead of printing them (tests read them)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, text: str) -> None:
        self.lines.append(text)


def step_modules() -> list[ModuleType]:
    modules = [
        importlib.import_module(f"{demo_package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(demo_package.__path__)
        if info.name.startswith("steps_")
    ]
    return sorted(modules, key=lambda m: int(m.ORDER))


def run_demo(root: Path, *, fresh: bool = True) -> Demo:
    if fresh and root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    demo = Demo(root)
    for module in step_modules():
        module.run(demo)
    return demo
