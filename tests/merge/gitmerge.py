"""Run a real `git merge` of two edits to one file through the gitannot driver: the one
git-merge harness of the merge and merge_geometry tests."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from tests.gitenv import git


@dataclass
class MergeRun:
    returncode: int
    output: str
    data: bytes
    repo: Path


ATTRIBUTES = "labels/** merge=gitannot\n*.json merge=gitannot\n"
PYTHON_DRIVER = f"{sys.executable} -m gitannot merge-driver %O %A %B %P %L"


def init_repo(path: Path, driver: str = PYTHON_DRIVER) -> Path:
    path.mkdir(parents=True)
    git("init", "-q", "-b", "main", cwd=path)
    git("config", "merge.gitannot.name", "gitannot annotation-aware merge", cwd=path)
    git("config", "merge.gitannot.driver", driver, cwd=path)
    (path / ".gitattributes").write_text(ATTRIBUTES, encoding="utf-8")
    git("add", ".gitattributes", cwd=path)
    git("commit", "-q", "-m", "attributes", cwd=path)
    return path


def write_commit(repo: Path, rel: str, data: bytes | None, message: str) -> None:
    target = repo / rel
    if data is None:
        git("rm", "-q", rel, cwd=repo)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        git("add", rel, cwd=repo)
    git("commit", "-q", "--allow-empty", "-m", message, cwd=repo)


def merge3(
    tmp_path: Path,
    rel: str,
    base: bytes | None,
    ours: bytes | None,
    theirs: bytes | None,
    driver: str = PYTHON_DRIVER,
    config: dict[str, str] | None = None,
    attributes: str = "",
) -> MergeRun:
    """base on main, theirs on a branch, ours on main, then `git merge theirs`.
    config: extra `git config` of the repo; attributes: lines added to .gitattributes."""
    repo = init_repo(tmp_path / "repo", driver)
    for key, value in (config or {}).items():
        git("config", key, value, cwd=repo)
    if attributes:
        with (repo / ".gitattributes").open("a", encoding="utf-8") as out:
            out.write(attributes)
        write_commit(repo, ".gitattributes", (repo / ".gitattributes").read_bytes(), "attrs")
    if base is not None:
        write_commit(repo, rel, base, "base")
    git("branch", "theirs", cwd=repo)
    write_commit(repo, rel, ours, "ours")
    git("checkout", "-q", "theirs", cwd=repo)
    write_commit(repo, rel, theirs, "theirs")
    git("checkout", "-q", "main", cwd=repo)
    proc = git("merge", "--no-edit", "theirs", cwd=repo, check=False)
    target = repo / rel
    data = target.read_bytes() if target.exists() else b""
    return MergeRun(proc.returncode, proc.stdout + proc.stderr, data, repo)
