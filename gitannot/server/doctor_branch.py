"""Doctor's trusted-branch check: HEAD, the recorded branch and the branches that exist."""

from pathlib import Path

from gitannot.errors import GitannotError
from gitannot.server import trusted_branch
from gitannot.settings.server import load_server_config


def check(git_dir: Path) -> list[tuple[str, str]]:
    """(message, fix) pairs; empty when the hook reads the policy where clones expect it."""
    try:
        config = load_server_config(git_dir)
    except GitannotError:
        return []  # the server-config check reports it
    ref = trusted_branch.recorded(config)
    if ref is None:
        return [
            (
                "no trusted branch is recorded in server.yaml: the hook follows HEAD "
                f"({trusted_branch.head_target(git_dir)}), which gitolite and others set "
                "to branches the policy may not be on",
                f"gitannot server install {git_dir} --default-branch BRANCH",
            )
        ]
    problems = []
    head = trusted_branch.head_target(git_dir)
    if head != ref:
        problems.append(
            (
                f"HEAD points at {head or '(detached)'} but the hook reads the policy from "
                f"{ref}: clones check out, and `policy explain` reads, the wrong branch",
                f"git --git-dir {git_dir} symbolic-ref HEAD {ref}",
            )
        )
    if not trusted_branch.branch_exists(git_dir, ref) and trusted_branch.any_branch(git_dir):
        problems.append(
            (
                f"the trusted branch {ref} does not exist while other branches do: "
                "no access policy is in force, only the bootstrap admins may push",
                f"a bootstrap admin pushes configs/access.yaml to {ref} (git push origin "
                f"HEAD:{ref}), or gitannot server install {git_dir} --default-branch BRANCH",
            )
        )
    return problems
