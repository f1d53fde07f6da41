"""`gitannot setup [DIR]`: everything a fresh clone needs (git config is never cloned)."""

import argparse
from pathlib import Path

from gitannot.constants import EXIT_OK
from gitannot.gitio.run import run_git
from gitannot.scaffold.driver_config import register_driver, require_worktree
from gitannot.scaffold.notes_fetch import add_notes_fetch

NAME = "setup"
HELP = "set up a clone: register the merge driver and fetch the audit notes"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", nargs="?", default=".", type=Path, metavar="DIR")
    parser.add_argument("--remote", default="origin", help="the server's remote (default origin)")
    parser.add_argument(
        "--no-fetch", action="store_true", help="configure only; do not fetch the notes now"
    )


def run(args: argparse.Namespace) -> int:
    worktree = require_worktree(args.directory.resolve())
    print(f"gitannot: merge.gitannot.driver = {register_driver(worktree)}")
    for action in add_notes_fetch(worktree, args.remote):
        print(f"gitannot: {action}")
    if not args.no_fetch:
        proc = run_git(["fetch", "-q", args.remote], cwd=worktree, check=False)
        if proc.returncode != 0:
            err = proc.stderr.decode(errors="replace").strip()
            print(f"gitannot: note: `git fetch {args.remote}` failed ({err}); run it later")
    return EXIT_OK
