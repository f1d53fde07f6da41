"""`gitannot schema import FILE...`: draft the ontology from exports; `schema show`."""

import argparse
import sys
from pathlib import Path

from gitannot.commands import _schema_export, _schema_migrate
from gitannot.constants import EXIT_OK
from gitannot.errors import UsageError
from gitannot.schema.draft import Draft, render
from gitannot.schema.import_merge import merge_into
from gitannot.schema.importers import import_file
from gitannot.schema.loader import load_ontology
from gitannot.schema.model import DEFAULT_SCHEMA_PATH, Ontology

NAME = "schema"
HELP = "draft the ontology from exports (import), print it (show), export it to tools"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="schema_action", metavar="ACTION", required=True)
    imp = sub.add_parser(
        "import",
        help="draft or extend schema/labels.yaml from COCO, YOLO, VOC, CVAT or Label Studio files",
        description="Read label names (and geometry/attributes where the format has them) "
        "from existing exports. An existing ontology keeps its labels and ids; new labels "
        "are appended with new ids. Review the result, bump the version, add a changelog "
        "entry and commit.",
    )
    imp.add_argument("files", nargs="+", metavar="FILE", help="export files or folders")
    imp.add_argument(
        "--out",
        default=DEFAULT_SCHEMA_PATH,
        help=f"ontology to write (default {DEFAULT_SCHEMA_PATH}; '-' prints it)",
    )
    show = sub.add_parser("show", help="check an ontology file and print its labels")
    show.add_argument("file", nargs="?", default=DEFAULT_SCHEMA_PATH)
    _schema_export.add_export_parser(sub)
    _schema_migrate.add_migrate_parser(sub)


def run(args: argparse.Namespace) -> int:
    if args.schema_action == "import":
        return _import(args.files, args.out)
    if args.schema_action == "export":
        return _schema_export.run_export(args)
    if args.schema_action == "migrate":
        return _schema_migrate.run_migrate(args)
    return _show(Path(args.file))


def _import(files: list[str], out: str) -> int:
    draft = Draft()
    kinds: dict[str, int] = {}
    for path, explicit in _expand(files):
        try:
            kind = import_file(draft, path.as_posix(), path.read_bytes())
        except UsageError as exc:
            if explicit:
                raise
            # Inside a folder, files that declare no labels (images lists, LabelMe, ...)
            # are skipped, not fatal.
            sys.stderr.write(f"gitannot: skipped {exc.message}\n")
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
    read = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    sys.stderr.write(f"gitannot: read {read} file(s): {len(draft.labels)} label(s)\n")
    if not draft.labels:
        raise UsageError("no labels found in the given files")
    draft.settle()
    target = None if out == "-" else Path(out)
    if target is not None and target.exists():
        return _import_into(target, load_ontology(target.read_bytes(), out), draft)
    text = render(draft, None)
    load_ontology(text.encode(), out)  # the draft must load: never write a broken file
    if target is None:
        sys.stdout.write(text)
        return EXIT_OK
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    added = len(load_ontology(text.encode(), out).labels)
    sys.stderr.write(f"gitannot: wrote {out}: {added} label(s)\n")
    return EXIT_OK


def _import_into(target: Path, existing: Ontology, draft: Draft) -> int:
    """Edit the existing ontology in place: everything in it stays (comments too); what
    the data adds and what it conflicts with is listed."""
    text, report = merge_into(target.read_bytes(), existing, draft)
    load_ontology(text, existing.source)  # never write a file that does not load
    for line in report.added:
        sys.stderr.write(f"gitannot: added {line}\n")
    for line in report.conflicts:
        sys.stderr.write(f"gitannot: conflict: {line}\n")
    if report.added:
        target.write_bytes(text)
    sys.stderr.write(
        f"gitannot: {target}: {len(report.added)} addition(s), "
        f"{len(report.conflicts)} conflict(s) left to decide\n"
    )
    if report.added:
        sys.stderr.write(
            "hint: review the additions, bump `version` and add a changelog entry before pushing\n"
        )
    return EXIT_OK


def _expand(files: list[str]) -> list[tuple[Path, bool]]:
    """(file, named explicitly) for each argument; folders are searched recursively."""
    out: list[tuple[Path, bool]] = []
    for name in files:
        path = Path(name)
        if path.is_dir():
            out.extend(
                (p, False) for p in sorted(path.rglob("*")) if p.is_file() and _importable(p)
            )
        elif path.is_file():
            out.append((path, True))
        else:
            raise UsageError(f"{name}: no such file or folder")
    return out


def _importable(path: Path) -> bool:
    return path.suffix.lower() in {".json", ".xml", ".yaml", ".yml", ".names"} or path.name in {
        "classes.txt",
        "labelmap.txt",
    }


def _show(path: Path) -> int:
    if not path.is_file():
        raise UsageError(f"{path}: no such file", "run in the repository root or name the file")
    onto = load_ontology(path.read_bytes(), path.as_posix())
    print(f"{path}: version {onto.version}, {len(onto.labels)} label(s)")
    for label in onto.labels:
        extra = []
        if label.parent:
            extra.append(f"parent {label.parent}")
        if label.abstract:
            extra.append("abstract")
        if label.geometry:
            extra.append("geometry " + ",".join(sorted(g.value for g in label.geometry)))
        if label.attributes:
            extra.append("attributes " + ",".join(a.name for a in label.attributes))
        print(f"  {label.id:>4}  {label.name}" + (f"  ({'; '.join(extra)})" if extra else ""))
    for group in onto.exclusive_groups:
        print(f"  exclusive group {group.name}: {', '.join(group.labels)}")
    return EXIT_OK
