"""Apply migrations to every label file of a tree (a work tree or a pushed commit):
what `gitannot schema migrate` writes and what the push check expects to find."""

import posixpath
from dataclasses import dataclass, field

from gitannot.formats import detect_format
from gitannot.project.config import DETECT, ProjectConfig
from gitannot.schema.migrate_files import (
    MIGRATORS,
    MigrationError,
    YoloMap,
    migrate_data_yaml,
    migrate_names_text,
    migrate_yolo_rows,
    yolo_map,
)
from gitannot.schema.migration import Migration
from gitannot.validation.names import NAME_FILES, find_names_file, parse_names
from gitannot.validation.sources import EntryKind, Source


@dataclass
class TreeMigration:
    """path -> new bytes (None: the file is deleted, every annotation of it removed) and
    path -> problem for files that cannot be migrated."""

    changed: dict[str, bytes] = field(default_factory=dict)
    problems: dict[str, MigrationError] = field(default_factory=dict)


def migrate_tree(
    source: Source, project: ProjectConfig, migrations: list[Migration]
) -> TreeMigration:
    out = TreeMigration()
    files: dict[str, bytes] = {}
    for entry in source.walk():
        if entry.kind is not EntryKind.FILE or project.format_for(entry.path) is None:
            continue
        data = source.read(entry.path)
        if data is not None:
            files[entry.path] = data
    current = dict(files)
    for migration in migrations:
        run = _Run(project, migration, source, current)
        for path, data in sorted(current.items()):
            try:
                new = run.migrate(path, data)
            except MigrationError as exc:
                out.problems.setdefault(path, exc)
                continue
            if new is not None:
                out.changed[path] = new
        current.update(out.changed)  # the next migration starts from this one's result
    return out


@dataclass
class _Run:
    """One migration over one tree's files (`current`: path -> bytes before it)."""

    project: ProjectConfig
    migration: Migration
    source: Source
    current: dict[str, bytes]
    names: dict[str, YoloMap | None] = field(default_factory=dict)

    def migrate(self, path: str, data: bytes) -> bytes | None:
        return _migrate_one(self, path, data)

    def names_map(self, path: str) -> YoloMap | None:
        """The index map of a names file; None when it does not change."""
        if path not in self.names:
            data = self.current.get(path)
            names = parse_names(path, data) if data is not None else None
            mapping = yolo_map(list(names), self.migration) if names is not None else None
            self.names[path] = mapping if mapping is not None and mapping.changed else None
        return self.names[path]


def _migrate_one(run: _Run, path: str, data: bytes) -> bytes | None:
    project, migration, source = run.project, run.migration, run.source
    fmt = project.format_for(path)
    if fmt == DETECT:
        fmt = detect_format(path, data)
    base = posixpath.basename(path)
    if base in NAME_FILES or fmt in ("yolo-data", "yolo-names"):
        mapping = run.names_map(path)
        if mapping is None:
            return None
        if base.endswith((".yaml", ".yml")):
            return migrate_data_yaml(data, mapping)
        return migrate_names_text(data, mapping)
    if fmt == "yolo":
        names_path = find_names_file(source, path)
        mapping = run.names_map(names_path) if names_path else None
        return migrate_yolo_rows(data, mapping) if mapping is not None else None
    migrator = MIGRATORS.get(fmt or "")
    return migrator(data, migration) if migrator is not None else None
