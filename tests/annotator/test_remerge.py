"""A clone whose driver was never registered: git's line merge leaves markers in a
one-line COCO file; conflicts/resolve say so, and `gitannot remerge` produces exactly what
the driver would have produced through `git merge`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitannot.main import main
from tests.gitenv import git
from tests.merge.cocodata import ann, base_doc, clone, dump
from tests.merge.gitmerge import init_repo, merge3, write_commit

REL = "labels/train.coco.json"


def merge_without_driver(path: Path, base: bytes, ours: bytes, theirs: bytes) -> Path:
    repo = init_repo(path)
    git("config", "--unset", "merge.gitannot.driver", cwd=repo)
    git("config", "--unset", "merge.gitannot.name", cwd=repo)
    write_commit(repo, REL, base, "base")
    git("branch", "theirs", cwd=repo)
    write_commit(repo, REL, ours, "ours")
    git("checkout", "-q", "theirs", cwd=repo)
    write_commit(repo, REL, theirs, "theirs")
    git("checkout", "-q", "main", cwd=repo)
    proc = git("merge", "--no-edit", "theirs", cwd=repo, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (repo / REL).read_bytes().startswith(b"<<<<<<< HEAD\n")
    return repo


def _sides(conflicting: bool) -> tuple[bytes, bytes, bytes]:
    ours, theirs = clone(base_doc()), clone(base_doc())
    ann(ours, 1)["bbox"] = [1, 2, 3, 4]
    ann(theirs, 10)["category_id"] = 7
    if conflicting:
        ann(ours, 5)["bbox"] = [5, 5, 5, 5]
        ann(theirs, 5)["bbox"] = [6, 6, 6, 6]
    docs: list[Any] = [base_doc(), ours, theirs]
    base, o, t = (dump(d, "compact") for d in docs)
    return base, o, t


@pytest.mark.parametrize("conflicting", [False, True], ids=["clean", "conflict"])
def test_remerge_equals_the_driver(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    conflicting: bool,
) -> None:
    base, ours, theirs = _sides(conflicting)
    with_driver = merge3(tmp_path / "driver", REL, base, ours, theirs)
    repo = merge_without_driver(tmp_path / "nodriver", base, ours, theirs)
    monkeypatch.chdir(repo)
    assert main(["conflicts"]) == 2  # a usage problem: remerge, not resolve, fixes it
    out = capsys.readouterr().out
    assert f"{REL}: git's line-merge conflict markers (<<<<<<< ======= >>>>>>>) at line 1" in out
    assert "gitannot's merge driver is not registered in this clone" in out
    assert f"run `gitannot remerge {REL}`" in out
    monkeypatch.chdir(repo / "labels")  # from a subfolder: paths are taken as typed
    assert main(["resolve", "train.coco.json", "--ours"]) == 2
    err = capsys.readouterr().err
    assert "git's line-merge conflict markers" in err
    assert "gitannot remerge train.coco.json" in err

    rc = main(["remerge", "train.coco.json"])
    assert (repo / REL).read_bytes() == with_driver.data
    assert rc == with_driver.returncode
    unmerged = git("ls-files", "-u", cwd=repo).stdout
    if conflicting:
        assert unmerged  # left for `gitannot resolve`, then `git add`
        assert main(["conflicts", "train.coco.json"]) == 1
        listing = capsys.readouterr().out
        assert "key=5" in listing
        # The competing values, not only the field's name.
        assert "    bbox: base=[50.0,20.0,30.0,40.5] ours=[5,5,5,5] theirs=[6,6,6,6]" in listing
    else:
        assert unmerged == ""
        git("commit", "-q", "--no-edit", cwd=repo)  # the merge completes as usual
        assert git("show", f"HEAD:{REL}", cwd=repo).stdout.encode() == with_driver.data


def test_remerge_outside_a_merge_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = init_repo(tmp_path / "repo")
    write_commit(repo, REL, dump(base_doc(), "compact"), "base")
    monkeypatch.chdir(repo)
    assert main(["remerge", REL]) == 2
    assert "not in a conflicted merge" in capsys.readouterr().err
