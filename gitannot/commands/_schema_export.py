"""`gitannot schema export --to TOOL [--write]`: the ontology as each tool's config
(a part of commands/schema.py; the underscore keeps it from being a command itself)."""

import argparse
import sys
from pathlib import Path

from gitannot.constants import EXIT_OK
from gitannot.errors import UsageError
from gitannot.schema.export import TARGETS, export
from gitannot.schema.model import Ontology
from gitannot.validation.rules import load_rules
from gitannot.validation.sources import WorkTreeSource


def add_export_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    exp = sub.add_parser(
        "export",
        help="write the ontology as a Label Studio, CVAT, Datumaro, YOLO or COCO config",
        description="Print the ontology in a tool's own format (deterministic: the same "
        "ontology always gives the same bytes). --write keeps it under configs/tools/, "
        "where every push checks it still matches the ontology.",
    )
    exp.add_argument("--to", dest="targets", action="append", choices=sorted(TARGETS))
    exp.add_argument(
        "--write",
        action="store_true",
        help="write configs/tools/<file> for each --to (all targets when --to is not given)",
    )


def run_export(args: argparse.Namespace) -> int:
    onto = load_work_tree_ontology()
    targets = args.targets or (sorted(TARGETS) if args.write else [])
    if not targets:
        raise UsageError("name a tool with --to", f"one of: {', '.join(sorted(TARGETS))}")
    for name in targets:
        text = export(onto, name)
        if not args.write:
            sys.stdout.write(text)
            continue
        path = Path(TARGETS[name].path)
        old = path.read_text(encoding="utf-8") if path.is_file() else None
        if old == text:
            sys.stderr.write(f"gitannot: {path} is up to date\n")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        sys.stderr.write(f"gitannot: wrote {path}\n")
    return EXIT_OK


def load_work_tree_ontology() -> Ontology:
    rules = load_rules(WorkTreeSource(Path.cwd()))
    if rules.ontology is None:
        raise UsageError(
            f"no ontology at {rules.project.schema_path}",
            "run in the repository root (gitannot init writes one)",
        )
    return rules.ontology
