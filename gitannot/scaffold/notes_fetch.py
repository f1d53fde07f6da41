"""Let a clone fetch the audit log: `git fetch` then brings refs/notes/audit along.

No `+` in the refspec: the log only grows, so a server log that was rewound makes the
clone's fetch fail loudly instead of silently replacing the history the clone has seen.
"""

from pathlib import Path

from gitannot.constants import AUDIT_REF
from gitannot.errors import UsageError
from gitannot.gitio.run import run_git

REFSPEC = f"{AUDIT_REF}:{AUDIT_REF}"


def add_notes_fetch(worktree: Path, remote: str) -> list[str]:
    url = run_git(["config", "--get", f"remote.{remote}.url"], cwd=worktree, check=False)
    if url.returncode != 0:
        raise UsageError(
            f"this clone has no remote {remote!r}", "pass --remote NAME (see `git remote -v`)"
        )
    key = f"remote.{remote}.fetch"
    current = run_git(["config", "--get-all", key], cwd=worktree, check=False)
    actions = []
    if REFSPEC not in current.stdout.decode(errors="replace").splitlines():
        run_git(["config", "--add", key, REFSPEC], cwd=worktree)
        actions.append(f"`git fetch {remote}` now brings {AUDIT_REF} ({key} += {REFSPEC})")
    shown = run_git(["config", "--get-all", "notes.displayRef"], cwd=worktree, check=False)
    if AUDIT_REF not in shown.stdout.decode(errors="replace").splitlines():
        run_git(["config", "--add", "notes.displayRef", AUDIT_REF], cwd=worktree)
        actions.append(f"`git log` shows who pushed each commit (notes.displayRef {AUDIT_REF})")
    return actions
