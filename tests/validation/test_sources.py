"""Work tree and git tree sources agree on kinds and blob ids; links are never followed."""

from pathlib import Path

import pygit2

from gitannot.validation.sources import EntryKind, GitTreeSource, WorkTreeSource, git_blob_id
from tests.gitenv import git


def test_work_tree_and_git_tree_agree(tmp_path: Path) -> None:
    root = tmp_path / "w"
    (root / "labels/sub").mkdir(parents=True)
    (root / "labels/a.json").write_text("{}\n")
    (root / "labels/link.json").symlink_to("a.json")
    (root / "labels/dirlink").symlink_to("sub")
    (root / "labels/sub/b.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    git("init", "-q", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "x", cwd=root)
    work = WorkTreeSource(root)
    repo = pygit2.Repository(str(root))
    tree = GitTreeSource(repo, repo.revparse_single("HEAD").peel(pygit2.Commit).tree)
    for source in (work, tree):
        kinds = {e.path: e.kind for e in source.walk()}
        assert kinds == {
            "labels/a.json": EntryKind.FILE,
            "labels/link.json": EntryKind.SYMLINK,
            "labels/dirlink": EntryKind.SYMLINK,
            "labels/sub/b.txt": EntryKind.FILE,
        }
        assert source.read("labels/link.json") is None  # a link is never read through
        assert source.entry("labels/none.json").kind is EntryKind.MISSING
    assert work.entry("labels/a.json").blob_id == tree.entry("labels/a.json").blob_id
    assert git_blob_id(b"{}\n") == tree.entry("labels/a.json").blob_id
    assert tree.size(tree.entry("labels/a.json").blob_id) == 3


def test_nested_repository_is_a_submodule(tmp_path: Path) -> None:
    root = tmp_path / "w"
    (root / "labels/vendor").mkdir(parents=True)
    git("init", "-q", cwd=root / "labels/vendor")
    work = WorkTreeSource(root)
    assert work.entry("labels/vendor").kind is EntryKind.SUBMODULE
    assert [e.path for e in work.walk()] == ["labels/vendor"]


def test_work_tree_blob_id_is_hashed_in_bounded_memory(tmp_path: Path) -> None:
    """The blob id of a huge work-tree file is computed before its size is checked (the
    cache key needs it): streaming keeps `gitannot validate` from loading it whole."""
    import tracemalloc

    data = b"0 0.5 0.5 0.1 0.1\n" * 2_000_000  # 36 MB
    (tmp_path / "big.txt").write_bytes(data)
    tracemalloc.start()
    try:
        blob_id = WorkTreeSource(tmp_path).entry("big.txt").blob_id
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert blob_id == git_blob_id(data)
    assert peak < 8_000_000
