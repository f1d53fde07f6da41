"""Read and write a repository's git config through the git CLI (the reference reader)."""

from pathlib import Path

from gitannot.gitio.run import run_git


def get_all(git_dir: Path, key: str) -> list[str]:
    proc = run_git(["config", "--file", str(git_dir / "config"), "--get-all", key], check=False)
    if proc.returncode not in (0, 1):
        proc.check_returncode()
    return proc.stdout.decode().splitlines()


def get_effective(git_dir: Path, key: str) -> str | None:
    """The value git will use for this repo (includes system/global config)."""
    proc = run_git(["--git-dir", str(git_dir), "config", "--get", key], check=False)
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def add_value(git_dir: Path, key: str, value: str) -> None:
    run_git(["config", "--file", str(git_dir / "config"), "--add", key, value])


def unset_all(git_dir: Path, key: str) -> None:
    run_git(["config", "--file", str(git_dir / "config"), "--unset-all", key], check=False)
