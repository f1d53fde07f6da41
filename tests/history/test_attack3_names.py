"""Attack: make someone's `git diff` misread a YOLO change. git gives the diff driver
blob ids, not revisions; the class names of an old blob came from the newest commit on
any ref holding it, so a branch that re-commits the blob beside a rewritten
classes.txt chose the names that the reader's own history was diffed with."""

from __future__ import annotations

from pathlib import Path

from tests.gitenv import git
from tests.history.test_diff_git_formats import YOLO_BODY, build, yolo_case


def test_names_come_from_the_readers_history_before_other_branches(tmp_path: Path) -> None:
    repo = build(tmp_path, yolo_case())
    revs = git("rev-list", "HEAD", cwd=repo).stdout.split()
    branch = git("rev-parse", "--abbrev-ref", "HEAD", cwd=repo).stdout.strip()
    # bob's branch brings the old rows back beside names of his own: the newest commit
    # that introduces the old blob at that path
    git("checkout", "-q", "-b", "bob", cwd=repo)
    git("checkout", "-q", "HEAD~1", "--", "labels/img_1.txt", cwd=repo)
    classes = (repo / "labels/classes.txt").read_text()
    (repo / "labels/classes.txt").write_text("\n".join(reversed(classes.split())) + "\n")
    git("commit", "-q", "-am", "names of my own", cwd=repo)
    git("checkout", "-q", branch, cwd=repo)
    got = git("diff", "HEAD~1", "HEAD", cwd=repo).stdout.splitlines()
    assert got[1:3] == [
        f"class names a: labels/classes.txt at {revs[1][:12]}",
        f"class names b: labels/classes.txt at {revs[0][:12]}",
    ]
    assert got[3:7] == YOLO_BODY
