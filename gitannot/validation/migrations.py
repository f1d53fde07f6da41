"""A schema change that would orphan annotations needs a migration, and the tree it is
pushed with must be the migrated one.

- `schema.migration-missing`: a label name that annotations of the base tree use no
  longer names the same label (renamed, merged, removed, moved) and no migration of the
  push takes it away.
- `schema.migration-invalid`: a migration file that does not load, names a target label
  the new ontology lacks, or cannot be applied to a file (e.g. a split with no decision).
- `schema.migration-inconsistent`: a label file the migration rewrites is not, in the
  pushed tip, what `gitannot schema migrate` makes of its base version.
"""

import posixpath
from collections.abc import Mapping

from gitannot.core.findings import Finding
from gitannot.errors import ConfigError
from gitannot.schema.evolution import label_changes
from gitannot.schema.migration import Migration, is_migration_path, load_migration
from gitannot.validation.cache import ResultCache
from gitannot.validation.evolve import TreeScan
from gitannot.validation.migrate_tree import migrate_tree
from gitannot.validation.names import NAME_FILES, parse_names
from gitannot.validation.rules import Rules, RulesError, load_rules
from gitannot.validation.sources import EntryKind, Source

HINT = (
    "add schema/migrations/NNNN.yaml (rename/merge/delete/split) and run "
    "`gitannot schema migrate`, then commit the rewritten label files with it"
)


def migration_findings(
    base: Rules,
    base_src: Source,
    tip_src: Source,
    cache: ResultCache | None,
    changed: set[str],
) -> list[Finding]:
    """`changed`: the paths that differ between the base tree and the tip tree."""
    if not any(_relevant(path) for path in changed):
        return []  # neither the rules, a migration nor a YOLO names file changed
    try:
        tip = load_rules(tip_src)
    except RulesError:
        return []  # the content check reports unreadable rules
    if base.ontology is None or tip.ontology is None:
        return []
    findings: list[Finding] = []
    migrations = _new_migrations(base_src, tip_src, changed, findings)
    if base.ontology.signature() != tip.ontology.signature():
        changes = label_changes(base.ontology, tip.ontology)
        covered = {name for m in migrations for name in m.sources()}
        uncovered = [c for c in changes if c.old_name not in covered]
        if uncovered:
            used = TreeScan(base_src, base, cache).labels_in_use()
            findings.extend(
                _missing(c.old_name, c.new_name, used[c.old_name], tip.ontology.source)
                for c in uncovered
                if c.old_name in used
            )
    if not migrations:
        findings.extend(_renumbered(base, base_src, tip, tip_src, changed))
    if migrations:
        known = tip.ontology.by_any_name()
        for migration in migrations:
            findings.extend(_unknown_targets(migration, known))
        findings.extend(_consistency(base, base_src, tip_src, migrations))
    return findings


def _relevant(path: str) -> bool:
    return path.startswith(("schema/", "configs/")) or posixpath.basename(path) in NAME_FILES


def _new_migrations(
    base_src: Source, tip_src: Source, changed: set[str], findings: list[Finding]
) -> list[Migration]:
    """Migration files the push adds (a file already on the base was applied before)."""
    out = []
    for path in sorted(p for p in changed if is_migration_path(p)):
        if base_src.entry(path).kind is not EntryKind.MISSING:
            continue
        if tip_src.entry(path).kind is not EntryKind.FILE:
            continue
        try:
            out.append(load_migration(tip_src.read(path) or b"", path))
        except ConfigError as exc:
            findings.append(
                Finding(
                    rule="schema.migration-invalid",
                    path=path,
                    message=exc.message,
                    hint=exc.hint or HINT,
                )
            )
    return out


def _missing(old: str, new: str | None, example: str, schema: str) -> Finding:
    what = f"renamed to {new!r}" if new else "removed"
    return Finding(
        rule="schema.migration-missing",
        path=schema,
        message=f"label {old!r} is {what} in the ontology but annotations use it "
        f"(e.g. {example}) and no migration in this push says what becomes of them",
        hint=HINT,
    )


def _renumbered(
    base: Rules, base_src: Source, tip: Rules, tip_src: Source, changed: set[str]
) -> list[Finding]:
    """YOLO rows name a class by index: a names file whose index now names another label
    (a class removed or inserted before it, a reorder) relabels every row using it."""
    assert base.ontology is not None and tip.ontology is not None
    old_ids, new_ids = base.ontology.by_any_name(), tip.ontology.by_any_name()
    findings = []
    for path in sorted(changed):
        if posixpath.basename(path) not in NAME_FILES or base.project.format_for(path) is None:
            continue
        new_data = tip_src.read(path)
        old_data = base_src.read(path)
        if new_data is None or old_data is None or new_data == old_data:
            continue
        old, new = parse_names(path, old_data), parse_names(path, new_data)
        if old is None or new is None:
            continue
        for index, name in enumerate(old):
            now = new[index] if index < len(new) else None
            was_label = old_ids[name].id if name in old_ids else name
            now_label = new_ids[now].id if now in new_ids else now
            if was_label != now_label:
                findings.append(
                    Finding(
                        rule="schema.migration-missing",
                        path=path,
                        message=f"class index {index} was {name!r} and is now "
                        f"{now!r}: every YOLO row using it changes meaning"
                        + ("" if now else " or points past the list"),
                        hint=HINT,
                    )
                )
                break  # one finding per names file: the first shifted index
    return findings


def _unknown_targets(migration: Migration, known: Mapping[str, object]) -> list[Finding]:
    return [
        Finding(
            rule="schema.migration-invalid",
            path=migration.source,
            message=f"the migration relabels to {target!r}, which the new ontology lacks",
            hint=f"add {target!r} to the ontology in the same push, or fix the migration",
        )
        for step in migration.steps
        for target in step.targets()
        if target not in known
    ]


def _consistency(
    base: Rules, base_src: Source, tip_src: Source, migrations: list[Migration]
) -> list[Finding]:
    """Every file the migrations rewrite must be, in the tip, exactly the migrated base
    version (or deleted): an un-migrated file would keep orphaned or renumbered labels."""
    result = migrate_tree(base_src, base.project, migrations)
    findings = [
        Finding(
            rule="schema.migration-invalid",
            path=path,
            message=f"cannot apply the migration: {problem}",
            hint="fix the file or the migration (docs/schema.md)",
        )
        for path, problem in sorted(result.problems.items())
    ]
    for path, expected in sorted(result.changed.items()):
        if tip_src.entry(path).kind is EntryKind.MISSING:
            continue
        if tip_src.read(path) != expected:
            findings.append(
                Finding(
                    rule="schema.migration-inconsistent",
                    path=path,
                    message="this label file is not what the migration makes of it "
                    f"({', '.join(m.source for m in migrations)})",
                    hint="run `gitannot schema migrate` on the tree before the schema change "
                    "and commit its result; make other edits in a later push",
                )
            )
    return findings
