"""What a merge changes, read by ChangeReader on histories made with real git.

The rule (docs/access.md): a path differs from ANY parent counts, except a clean merge
of that path (the merge keeps another parent's version and the parent it differs from
never touched the path since their merge base).
"""

from __future__ import annotations

from pathlib import Path

import pygit2

from gitannot.gitio.changes import ChangeReader
from tests.gitenv import git


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        git("init", "-q", str(path))

    def commit(self, files: dict[str, str | None], message: str = "c") -> str:
        for rel, text in files.items():
            target = self.path / rel
            if text is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        git("add", "-A", cwd=self.path)
        git("commit", "-q", "--allow-empty", "-m", message, cwd=self.path)
        return self.rev("HEAD")

    def rev(self, spec: str) -> str:
        return git("rev-parse", spec, cwd=self.path).stdout.strip()

    def merge_commit(self, tree_of: str, *parents: str) -> str:
        args = ["commit-tree", f"{tree_of}^{{tree}}", "-m", "merge"]
        for parent in parents:
            args += ["-p", parent]
        return git(*args, cwd=self.path).stdout.strip()

    def changed(self, commit: str) -> list[str]:
        repo = pygit2.Repository(str(self.path))
        obj = repo.get(commit)
        assert isinstance(obj, pygit2.Commit)
        return [c.path for c in ChangeReader(repo).changes(obj)]


def _fork(tmp_path: Path) -> tuple[Repo, str, str, str]:
    """base -> main (configs edited) and base -> side (a label added)."""
    repo = Repo(tmp_path / "r")
    base = repo.commit({"configs/a.yaml": "v1\n", "labels/x.txt": "x\n"})
    main = repo.commit({"configs/a.yaml": "v2\n"})
    git("checkout", "-q", "-b", "side", base, cwd=repo.path)
    side = repo.commit({"labels/y.txt": "y\n"})
    return repo, base, main, side


def test_a_clean_merge_changes_nothing_either_way_round(tmp_path: Path) -> None:
    repo, _base, main, side = _fork(tmp_path)
    git("checkout", "-q", main, cwd=repo.path)
    git("merge", "-q", "--no-ff", "-m", "m", side, cwd=repo.path)
    merged = repo.rev("HEAD")
    assert repo.changed(merged) == []
    # Same tree, parents the other way round: still nothing new.
    assert repo.changed(repo.merge_commit(merged, side, main)) == []


def test_a_merge_that_takes_the_old_version_changes_it(tmp_path: Path) -> None:
    repo, base, main, _side = _fork(tmp_path)
    # The tree of base (configs v1) with parents (base, main): a rollback of main's edit.
    assert repo.changed(repo.merge_commit(base, base, main)) == ["configs/a.yaml"]
    assert repo.changed(repo.merge_commit(base, main, base)) == ["configs/a.yaml"]


def test_dropping_the_other_sides_change_is_a_change(tmp_path: Path) -> None:
    repo, _base, main, side = _fork(tmp_path)
    # main's tree with parents (main, side): side's new label silently dropped.
    assert repo.changed(repo.merge_commit(main, main, side)) == ["labels/y.txt"]


def test_choosing_one_side_where_both_changed_is_a_change(tmp_path: Path) -> None:
    repo, base, main, _side = _fork(tmp_path)
    git("checkout", "-q", "-b", "other", base, cwd=repo.path)
    other = repo.commit({"configs/a.yaml": "v3\n"})
    assert repo.changed(repo.merge_commit(main, main, other)) == ["configs/a.yaml"]


def test_unrelated_histories_count_every_difference(tmp_path: Path) -> None:
    repo, _base, main, _side = _fork(tmp_path)
    git("checkout", "-q", "--orphan", "lone", cwd=repo.path)
    git("rm", "-q", "-rf", ".", cwd=repo.path)
    lone = repo.commit({"labels/z.txt": "z\n"})
    # No merge base: nothing can be a clean merge, lone's side sees every difference.
    merged = repo.merge_commit(main, main, lone)
    assert repo.changed(merged) == ["configs/a.yaml", "labels/x.txt", "labels/z.txt"]


def test_octopus_judges_each_parent(tmp_path: Path) -> None:
    repo, base, main, side = _fork(tmp_path)
    git("checkout", "-q", "-b", "third", base, cwd=repo.path)
    third = repo.commit({"labels/w.txt": "w\n"})
    git("checkout", "-q", main, cwd=repo.path)
    git("merge", "-q", "-m", "octopus", side, third, cwd=repo.path)
    octopus = repo.rev("HEAD")
    assert repo.changed(octopus) == []
    # The same three parents with base's tree: main's configs edit and both labels undone.
    rollback = repo.merge_commit(base, main, side, third)
    assert repo.changed(rollback) == ["configs/a.yaml", "labels/w.txt", "labels/y.txt"]
