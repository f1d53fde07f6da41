"""Issue 17: merging across a migration. A branch made before the rename still says
`bike`; a real `git merge` through the gitannot driver applies the migration to the older
side, whichever way round the merge runs."""

import json
from pathlib import Path

import pytest

from tests.gitenv import git
from tests.merge.gitmerge import init_repo, write_commit

MIGRATION = b"version: 2\nsteps:\n  - rename: {from: bike, to: bicycle}\n"
# Per-image JSON names labels in each annotation: nothing but a migration can tell the
# old branch's new `bike` from a label of its own. (COCO needs no help: its annotations
# point at category ids, and the id-keyed merge carries a category's new name.)
REL = "labels/items/a.json"


def _item(*annotations: tuple[str, str]) -> bytes:
    doc = {
        "version": 1,
        "item": {"id": "a", "file_name": "a.jpg", "width": 100, "height": 100},
        "annotations": [
            {"id": ann_id, "label": label, "bbox": [10 * k, 10, 5, 5]}
            for k, (ann_id, label) in enumerate(annotations)
        ],
    }
    return (json.dumps(doc, indent=2) + "\n").encode()


def _labels(data: bytes) -> list[str]:
    return sorted(a["label"] for a in json.loads(data)["annotations"])


def _two_lines(tmp_path: Path) -> Path:
    """main: the rename (migration + migrated file); old: a bike added before it."""
    repo = init_repo(tmp_path / "repo")
    write_commit(repo, REL, _item(("a1", "bike"), ("a2", "person")), "base")
    git("branch", "old", cwd=repo)
    # What `gitannot schema migrate` writes for this file:
    write_commit(repo, REL, _item(("a1", "bicycle"), ("a2", "person")), "migrated file")
    write_commit(repo, "schema/migrations/0001.yaml", MIGRATION, "rename bike -> bicycle")
    git("checkout", "-q", "old", cwd=repo)
    write_commit(repo, REL, _item(("a1", "bike"), ("a2", "person"), ("a3", "bike")), "a bike")
    return repo


@pytest.mark.parametrize(("checkout", "merge"), [("main", "old"), ("old", "main")])
def test_the_older_side_is_migrated_in_a_real_merge(
    tmp_path: Path, checkout: str, merge: str
) -> None:
    repo = _two_lines(tmp_path)
    git("checkout", "-q", checkout, cwd=repo)
    proc = git("merge", "--no-edit", merge, cwd=repo, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    merged = (repo / REL).read_bytes()
    assert _labels(merged) == ["bicycle", "bicycle", "person"]
    assert "bike" not in merged.decode()


def test_a_migration_both_sides_have_is_not_applied_again(tmp_path: Path) -> None:
    """After the migration, `bike` became a label of its own again: merges of branches
    that both have the migration must leave it alone."""
    repo = _two_lines(tmp_path)
    git("checkout", "-q", "main", cwd=repo)
    git("merge", "--no-edit", "old", cwd=repo)
    git("branch", "later", cwd=repo)
    three = [("a1", "bicycle"), ("a2", "person"), ("a3", "bicycle")]
    write_commit(repo, REL, _item(*three, ("a4", "bike")), "bike is a new label")
    git("checkout", "-q", "later", cwd=repo)
    write_commit(repo, REL, _item(*three, ("a5", "person")), "one more person")
    git("checkout", "-q", "main", cwd=repo)
    proc = git("merge", "--no-edit", "later", cwd=repo, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    merged = _labels((repo / REL).read_bytes())
    assert merged == ["bicycle", "bicycle", "bike", "person", "person"]
