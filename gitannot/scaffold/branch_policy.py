"""The scaffold policy names the project's default branch, not a hard-coded main.

The template protects `refs/heads/main`; a repository whose trusted branch is another
one (git's init.defaultBranch, gitolite's master, `--default-branch`) would otherwise get
a policy that protects a branch nobody uses.
"""

from pathlib import Path

from gitannot.gitio.run import run_git

TEMPLATE_REF = "refs/heads/main"
POLICY = Path("configs") / "access.yaml"


def current_branch(directory: Path) -> str:
    """The branch HEAD names (set by init.defaultBranch for a new repository)."""
    proc = run_git(["symbolic-ref", "--short", "-q", "HEAD"], cwd=directory, check=False)
    return proc.stdout.decode().strip() or "main"


def adapt_policy(directory: Path, branch: str) -> list[str]:
    """Rewrite the freshly scaffolded policy's protected branch; [] when it is main."""
    path = directory / POLICY
    ref = f"refs/heads/{branch}"
    if ref == TEMPLATE_REF or not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(TEMPLATE_REF, ref), encoding="utf-8")
    return [f"{POLICY}: protected branch is {ref} (the default branch)"]
