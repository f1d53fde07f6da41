"""`gitannot install-driver`: register the merge driver in an existing clone."""

import argparse
from pathlib import Path

from gitannot.constants import EXIT_OK
from gitannot.errors import UsageError
from gitannot.scaffold.driver_config import diff_command, register_driver, require_worktree
from gitannot.scaffold.notes_fetch import add_notes_fetch

NAME = "install-driver"
HELP = "register gitannot's merge driver in this clone (git config is not cloned)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", nargs="?", default=".", type=Path, metavar="DIR")
    parser.add_argument("--remote", default="origin", help="remote to fetch audit notes from")


def run(args: argparse.Namespace) -> int:
    worktree = require_worktree(args.directory.resolve())
    command = register_driver(worktree)
    print(f"gitannot: merge.gitannot.driver = {command}")
    try:
        for action in add_notes_fetch(worktree, args.remote):
            print(f"gitannot: {action}")
    except UsageError as exc:  # a clone without that remote still gets its driver
        print(f"gitannot: note: audit notes not set up: {exc.message}")
    attributes = worktree / ".gitattributes"
    if not attributes.exists() or "merge=gitannot" not in attributes.read_text(encoding="utf-8"):
        print("gitannot: note: .gitattributes routes no files to the driver; add e.g.")
        print("  labels/** merge=gitannot")
    print(f"gitannot: diff.gitannot.command = {diff_command()}")
    if not attributes.exists() or "diff=gitannot" not in attributes.read_text(encoding="utf-8"):
        print("gitannot: note: add diff=gitannot to those lines for annotation-level git diff")
    return EXIT_OK
