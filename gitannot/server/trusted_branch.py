"""The trusted base branch: where the hook reads the access policy and schema from.

Recorded in server.yaml at install (`default_branch`) so it never silently follows HEAD:
gitolite creates repositories whose HEAD is refs/heads/master while admins push `main`,
and a hook that trusted HEAD then found no policy and locked every user out.
"""

from pathlib import Path

from gitannot.core import trusted_ref as trusted_ref_core
from gitannot.errors import UsageError
from gitannot.gitio.run import run_git
from gitannot.settings.server import ServerConfig, config_path, load_server_config

KEY = trusted_ref_core.KEY


def full_ref(branch: str) -> str:
    ref = branch if branch.startswith("refs/heads/") else f"refs/heads/{branch}"
    proc = run_git(["check-ref-format", ref], check=False)
    if proc.returncode != 0 or ref == "refs/heads/":
        raise UsageError(
            f"{branch!r} is not a valid branch name", "pass e.g. --default-branch main"
        )
    return ref


def recorded(config: ServerConfig) -> str | None:
    return trusted_ref_core.recorded_ref(config.extra.get(KEY))


def head_target(git_dir: Path) -> str | None:
    proc = run_git(["--git-dir", str(git_dir), "symbolic-ref", "-q", "HEAD"], check=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def branch_exists(git_dir: Path, ref: str) -> bool:
    proc = run_git(
        ["--git-dir", str(git_dir), "rev-parse", "-q", "--verify", f"{ref}^{{commit}}"],
        check=False,
    )
    return proc.returncode == 0


def any_branch(git_dir: Path) -> bool:
    proc = run_git(
        ["--git-dir", str(git_dir), "for-each-ref", "--count=1", "refs/heads/"], check=False
    )
    return bool(proc.stdout.strip())


def choose(git_dir: Path, explicit: str | None, previous: str | None) -> str:
    """--default-branch, else what install recorded before, else HEAD's branch if it exists.

    A repository with no branch at all takes HEAD's target (the first push creates it);
    one whose HEAD names a missing branch while others exist is ambiguous: refuse.
    """
    if explicit:
        return full_ref(explicit)
    if previous:
        return previous
    head = head_target(git_dir)
    if head and (branch_exists(git_dir, head) or not any_branch(git_dir)):
        return head
    raise UsageError(
        f"{git_dir}: HEAD points at {head or '(detached)'}, which does not exist, "
        "so the trusted branch is unclear",
        f"gitannot server install {git_dir} --default-branch BRANCH "
        "(the branch that holds, or will hold, configs/access.yaml)",
    )


def align_head(git_dir: Path, ref: str) -> list[str]:
    """Point HEAD at the trusted branch when HEAD's own branch does not exist yet.

    Clones then check out (and `policy explain` reads) the branch the hook trusts. A HEAD
    naming another existing branch is left alone: doctor reports the disagreement.
    """
    head = head_target(git_dir)
    if head == ref or (head is not None and branch_exists(git_dir, head)):
        return []
    run_git(["--git-dir", str(git_dir), "symbolic-ref", "HEAD", ref])
    return [f"pointed HEAD at {ref} (was {head or 'detached'}, which does not exist)"]


def trusted_ref(config: ServerConfig, head: str) -> str:
    """What the hook trusts: the recorded branch; HEAD only for installs that predate it."""
    return trusted_ref_core.trusted_ref(config.extra.get(KEY), head)


def record(git_dir: Path, explicit: str | None) -> list[str]:
    """Choose and save the trusted branch in server.yaml; align HEAD when it is missing."""
    config = load_server_config(git_dir)
    previous = recorded(config)
    ref = choose(git_dir, explicit, previous)
    actions = []
    if ref != previous:
        config.extra[KEY] = ref
        config_path(git_dir).write_text(config.to_yaml(), encoding="utf-8")
        actions.append(f"trusted branch (policy and schema are read from it): {ref}")
    return actions + align_head(git_dir, ref)
