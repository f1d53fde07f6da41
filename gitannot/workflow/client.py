"""Client side of reviews: write a record commit on refs/reviews/<commit>/<me>, push it."""

import os
import subprocess
import uuid
from pathlib import Path

from gitannot.errors import UsageError
from gitannot.gitio.run import git_output, run_git
from gitannot.workflow import records


def whoami(cwd: Path, explicit: str | None) -> str:
    """The user the server will see. Only a hint for the record: the server checks it
    against the transport identity and refuses a mismatch."""
    if explicit:
        return explicit
    configured = run_git(["config", "gitannot.user"], cwd=cwd, check=False)
    name = configured.stdout.decode().strip() or os.environ.get("GITANNOT_USER", "").strip()
    if not name:
        raise UsageError(
            "who are you on the server?",
            "pass --user NAME or run `git config gitannot.user NAME` (your server login)",
        )
    return name


def resolve_commit(cwd: Path, rev: str, remote: str) -> tuple[str, str]:
    """(commit id, branch ref) for BRANCH, trying the remote-tracking branch first."""
    for candidate, branch in (
        (f"refs/remotes/{remote}/{rev}", f"refs/heads/{rev}"),
        (rev, f"refs/heads/{rev}" if not rev.startswith("refs/") else rev),
    ):
        proc = run_git(
            ["rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}"], cwd=cwd, check=False
        )
        if proc.returncode == 0:
            return proc.stdout.decode().strip(), _branch_of(cwd, candidate, remote, branch)
    raise UsageError(f"{rev!r} is not a branch or commit here", f"git fetch {remote} first")


def _branch_of(cwd: Path, candidate: str, remote: str, default: str) -> str:
    """The server branch a record names: what a symbolic name (HEAD, origin/HEAD) points
    at, for the server refuses a record naming a branch that does not hold its commit."""
    proc = run_git(["rev-parse", "--symbolic-full-name", candidate], cwd=cwd, check=False)
    full = proc.stdout.decode().strip() if proc.returncode == 0 else ""
    tracking = f"refs/remotes/{remote}/"
    if full.startswith(tracking):
        return "refs/heads/" + full.removeprefix(tracking)
    return full if full.startswith("refs/heads/") else default


def fetch_reviews(cwd: Path, remote: str) -> None:
    """Branches and review records as the server has them now (best effort: offline, the
    local copies are used and the server judges the push)."""
    run_git(["fetch", "-q", remote], cwd=cwd, check=False)
    run_git(["fetch", "-q", remote, "+refs/reviews/*:refs/reviews/*"], cwd=cwd, check=False)


def write_record(cwd: Path, record: records.Record) -> str:
    """Create the record commit locally and point refs/reviews/<commit>/<user> at it."""
    ref = records.ref_name(record.commit, record.user)
    previous = run_git(["rev-parse", "--verify", "--quiet", ref], cwd=cwd, check=False)
    parent = previous.stdout.decode().strip() or record.commit
    tree = git_output(["rev-parse", f"{record.commit}^{{tree}}"], cwd=cwd)
    env = dict(os.environ)
    for role in ("AUTHOR", "COMMITTER"):  # metadata only: the server ignores it
        env.setdefault(f"GIT_{role}_NAME", record.user)
        env.setdefault(f"GIT_{role}_EMAIL", f"{record.user}@gitannot.invalid")
    proc = run_git(
        ["commit-tree", tree, "-p", parent],
        cwd=cwd,
        env=env,
        input=records.message(record).encode(),
    )
    oid = proc.stdout.decode().strip()
    run_git(["update-ref", ref, oid], cwd=cwd)
    return ref


def push_record(cwd: Path, remote: str, ref: str) -> subprocess.CompletedProcess[bytes]:
    return run_git(["push", remote, f"{ref}:{ref}"], cwd=cwd, check=False)


def new_comment_id() -> str:
    return uuid.uuid4().hex[:12]
