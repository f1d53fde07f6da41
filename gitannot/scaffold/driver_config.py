"""Register the merge driver in one clone's git config (git config is never cloned)."""

import shlex
import shutil
import sys
from pathlib import Path

from gitannot.constants import DRIVER_NAME
from gitannot.gitio.run import git_output, run_git

DRIVER_LABEL = "gitannot annotation-aware merge"


ARGS = "merge-driver %O %A %B %P %L"


def driver_command(python: str | None = None) -> str:
    """%O base, %A ours (result written here), %B theirs, %P path, %L marker size.

    `gitannot` from PATH when it is there (a pip/pipx install): upgrading or moving that
    install then keeps every clone merging. Otherwise this interpreter, by absolute path.
    """
    if python is None and shutil.which("gitannot"):
        return f"gitannot {ARGS}"
    return f"{shlex.quote(python or sys.executable)} -m gitannot {ARGS}"


def diff_command(python: str | None = None) -> str:
    """git appends: path old-file old-hex old-mode new-file new-hex new-mode."""
    return f"{shlex.quote(python or sys.executable)} -m gitannot diff"


def register_driver(worktree: Path, python: str | None = None) -> str:
    run_git(["config", f"merge.{DRIVER_NAME}.name", DRIVER_LABEL], cwd=worktree)
    command = driver_command(python)
    run_git(["config", f"merge.{DRIVER_NAME}.driver", command], cwd=worktree)
    # git diff / show / log -p --ext-diff on files with `diff=gitannot` (not textconv:
    # a textconv'd line diff cannot say which annotation changed which field)
    run_git(["config", f"diff.{DRIVER_NAME}.command", diff_command(python)], cwd=worktree)
    return command


def require_worktree(path: Path) -> Path:
    """The top of the work tree containing `path` (a clone, not a bare repo)."""
    return Path(git_output(["rev-parse", "--show-toplevel"], cwd=path))
