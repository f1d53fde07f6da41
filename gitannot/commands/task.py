"""`gitannot task list [--json]`: the task board of this clone's tasks/ folder."""

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from gitannot.constants import EXIT_OK
from gitannot.gitio import repo as gitrepo
from gitannot.workflow.board import board, render
from gitannot.workflow.localtasks import read_tasks

NAME = "task"
HELP = "the task board: tasks by state, overdue, awaiting review, per-user counts"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="task_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help=HELP, description=HELP)
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.add_argument("--repo", default=".", help="a clone (default .)")


def run(args: argparse.Namespace, now: datetime | None = None) -> int:
    root = Path(gitrepo.discover(args.repo).workdir or args.repo)
    local = read_tasks(root)
    data = board(local.tasks, now or datetime.now(UTC))
    data["invalid"] = local.invalid
    if args.json:
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
        return EXIT_OK
    lines = render(data)
    lines.extend(f"invalid: {path}: {problem}" for path, problem in local.invalid.items())
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK
