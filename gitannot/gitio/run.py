"""The one place that starts git subprocesses; failures show command, exit code and output."""

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from gitannot.errors import GitCommandError


def run_git(
    args: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    cmd = ["git", *args]
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        input=input,
        capture_output=True,
        check=False,
    )
    if check and proc.returncode != 0:
        raise GitCommandError(
            cmd,
            proc.returncode,
            proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"),
        )
    return proc


def git_output(args: Sequence[str], **kwargs: object) -> str:
    """stdout of a git command as text, trailing newline removed."""
    proc = run_git(args, **kwargs)  # type: ignore[arg-type]
    return proc.stdout.decode("utf-8", "replace").rstrip("\n")
