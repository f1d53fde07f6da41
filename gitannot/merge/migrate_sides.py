"""Merging across a schema migration: a branch made before `schema/migrations/NNNN.yaml`
still names labels the old way. Before the three-way merge, the driver applies every
migration that one side of the merge has and the other lacks to all three versions of
the file (base, ours, theirs). Migrations rename, merge, delete or split by name, so a
version already migrated is left as it is, and only the older side changes.

Migrations are read from the commits being merged: HEAD, and the commits git names in
GITHEAD_<sha> variables for a merge driver. YOLO rows are not migrated here: a class
index does not say which names file it was written against (run `gitannot schema migrate`
on the older branch before merging it).
"""

import os
from collections.abc import Mapping
from pathlib import Path

from gitannot.errors import ConfigError
from gitannot.gitio.run import run_git
from gitannot.schema.migrate_files import MIGRATORS, MigrationError
from gitannot.schema.migration import MIGRATIONS_DIR, Migration, is_migration_path, load_migration

# The driver's format names -> the migrators' (project config) format names.
_FORMATS = {
    "coco": "coco",
    "perimage": "gitannot",
    "labelstudio": "labelstudio",
    "voc": "voc",
    "cvat": "cvat",
}


def migrate_older_side(
    files: tuple[Path, Path, Path], fmt: str | None, env: Mapping[str, str] | None = None
) -> list[str]:
    """Rewrite (in place) each of base/ours/theirs that a one-sided migration changes;
    the names of the migrations applied. Any failure leaves the files as they were."""
    migrator = MIGRATORS.get(_FORMATS.get(fmt or "", ""))
    if migrator is None:
        return []
    migrations = one_sided_migrations(os.environ if env is None else env)
    if not migrations:
        return []
    for file in files:
        data = original = file.read_bytes()
        try:
            for migration in migrations:
                data = migrator(data, migration) or data
        except MigrationError:
            continue  # a split with no decision: this version merges unmigrated
        if data != original:
            file.write_bytes(data)
    return [m.source for m in migrations]


def one_sided_migrations(env: Mapping[str, str]) -> list[Migration]:
    """Migrations in HEAD or in a merged commit but not in all of them, by file name."""
    heads = ["HEAD", *(k.removeprefix("GITHEAD_") for k in env if k.startswith("GITHEAD_"))]
    if len(heads) < 2:
        return []
    trees = [_migration_files(head) for head in heads]
    common = set.intersection(*(set(t) for t in trees))
    found: dict[str, bytes] = {}
    for tree in trees:
        for path, data in tree.items():
            if path not in common:
                found.setdefault(path, data)
    out = []
    for path in sorted(found):
        try:
            out.append(load_migration(found[path], path))
        except ConfigError:
            continue  # the push check reports a bad migration; a merge must not fail on it
    return out


def _migration_files(rev: str) -> dict[str, bytes]:
    listing = _git("ls-tree", "-z", "--name-only", f"{rev}:{MIGRATIONS_DIR}")
    if listing is None:
        return {}
    out = {}
    for name in listing.decode("utf-8", "replace").split("\0"):
        path = f"{MIGRATIONS_DIR}/{name}"
        if name and is_migration_path(path):
            data = _git("cat-file", "blob", f"{rev}:{path}")
            if data is not None:
                out[path] = data
    return out


def _git(*args: str) -> bytes | None:
    try:
        proc = run_git(args, check=False)
    except OSError:
        return None
    return proc.stdout if proc.returncode == 0 else None
