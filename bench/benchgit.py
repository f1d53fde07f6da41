"""The benches' git runner: output as text, or exit naming the command and its output."""

from __future__ import annotations

import subprocess
from pathlib import Path


def run_git(args: tuple[str, ...], *, cwd: Path, env: dict[str, str], stdin: str = "") -> str:
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout
