"""In a clone, find the branch the server trusts and bring its current tip in.

`policy check|explain` must judge with the policy the hook will use: the remote's HEAD
(install points it at the trusted branch; doctor fails when they disagree) at the commit
the server has now, not whatever the clone last fetched.
"""

from pathlib import Path

import pygit2

from gitannot.gitio.run import run_git


def remote_head(workdir: Path, remote: str) -> tuple[str, str | None] | None:
    """(branch ref, tip) of the remote's HEAD; None when the remote cannot be asked."""
    proc = run_git(["ls-remote", "--symref", remote, "HEAD"], cwd=workdir, check=False)
    if proc.returncode != 0:
        return None
    branch, tip = None, None
    for line in proc.stdout.decode(errors="replace").splitlines():
        value, _, name = line.partition("\t")
        if name != "HEAD":
            continue
        if value.startswith("ref: "):
            branch = value.removeprefix("ref: ").strip()
        else:
            tip = value.strip()
    return (branch, tip) if branch else None


def tracking_ref(repo: pygit2.Repository, remote: str) -> str | None:
    """refs/remotes/REMOTE/BRANCH for the remote's trusted branch, fetched up to date."""
    if repo.workdir is None:
        return None
    found = remote_head(Path(repo.workdir), remote)
    if found is None:
        return None
    branch, tip = found
    tracking = f"refs/remotes/{remote}/{branch.removeprefix('refs/heads/')}"
    current = repo.references.get(tracking)
    if tip is not None and (current is None or str(current.resolve().target) != tip):
        run_git(["fetch", "-q", remote, f"+{branch}:{tracking}"], cwd=repo.workdir, check=False)
    return tracking
