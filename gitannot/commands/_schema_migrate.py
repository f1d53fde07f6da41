"""`gitannot schema migrate [MIGRATION...]`: rewrite every label file of the work tree
for a migration (schema/migrations/NNNN.yaml), to commit with the ontology change
(a part of commands/schema.py)."""

import argparse
import sys
from pathlib import Path

from gitannot.constants import EXIT_OK
from gitannot.errors import UsageError
from gitannot.schema.migration import MIGRATIONS_DIR, Migration, is_migration_path, load_migration
from gitannot.validation.migrate_tree import migrate_tree
from gitannot.validation.rules import load_rules
from gitannot.validation.sources import WorkTreeSource

EXIT_PROBLEMS = 1


def add_migrate_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    mig = sub.add_parser(
        "migrate",
        help="apply a schema migration to every label file of the work tree",
        description="Rename, merge, delete or split labels in every label file (COCO, "
        "YOLO rows and names files, VOC, CVAT, Label Studio, per-image JSON) as "
        f"{MIGRATIONS_DIR}/NNNN.yaml says. Run it in the repository root, before "
        "committing; commit the result with the ontology change and the migration file.",
    )
    mig.add_argument(
        "migrations",
        nargs="*",
        metavar="MIGRATION",
        help=f"migration files (default: the newest in {MIGRATIONS_DIR}/)",
    )
    mig.add_argument("--dry-run", action="store_true", help="list the files, write nothing")


def run_migrate(args: argparse.Namespace) -> int:
    root = Path.cwd()
    migrations = [_load(Path(p)) for p in args.migrations] or [_newest(root)]
    source = WorkTreeSource(root)
    rules = load_rules(source)
    result = migrate_tree(source, rules.project, migrations)
    for path, problem in sorted(result.problems.items()):
        sys.stderr.write(f"gitannot: {path}: cannot migrate: {problem}\n")
    if result.problems:
        sys.stderr.write("gitannot: nothing written; fix the files or the migration first\n")
        return EXIT_PROBLEMS
    for path, data in sorted(result.changed.items()):
        if not args.dry_run:
            (root / path).write_bytes(data)
        print(f"{'would rewrite' if args.dry_run else 'rewrote'} {path}")
    names = ", ".join(m.source for m in migrations)
    sys.stderr.write(f"gitannot: {names}: {len(result.changed)} label file(s) rewritten\n")
    return EXIT_OK


def _load(path: Path) -> Migration:
    if not path.is_file():
        raise UsageError(f"{path}: no such migration file")
    return load_migration(path.read_bytes(), path.as_posix())


def _newest(root: Path) -> Migration:
    folder = root / MIGRATIONS_DIR
    found = sorted(p for p in folder.glob("*") if is_migration_path(f"{MIGRATIONS_DIR}/{p.name}"))
    if not found:
        raise UsageError(
            f"no migration in {MIGRATIONS_DIR}/",
            f"write {MIGRATIONS_DIR}/0001.yaml (docs/schema.md) or name the file",
        )
    return load_migration(found[-1].read_bytes(), f"{MIGRATIONS_DIR}/{found[-1].name}")
