"""Register the merge driver in one clone's git config (git config is never cloned)."""

import shlex
import sys
from pathlib import Path

from gitannot.constants import DRIVER_NAME
from gitannot.gitio.run import git_output, run_git

DRIVER_LABEL = "gitannot annotation-aware merge"


def driver_command(python: str | None = None) -> str:
    """%O base, %A ours (result written here), %B theirs, %P path, %L marker size."""
    return f"{shlex.quote(python or sys.executable)} -m gitannot merge-driver %O %A %B %P %L"


def register_driver(worktree: Path, python: str | None = None) -> str:
    run_git(["config", f"merge.{DRIVER_NAME}.name", DRIVER_LABEL], cwd=worktree)
    command = driver_command(python)
    run_git(["config", f"merge.{DRIVER_NAME}.driver", command], cwd=worktree)
    return command


def require_worktree(path: Path) -> Path:
    """The top of the work tree containing `path` (a clone, not a bare repo)."""
    return Path(git_output(["rev-parse", "--show-toplevel"], cwd=path))
