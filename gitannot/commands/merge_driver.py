"""`gitannot merge-driver %O %A %B %P [%L]`: what git runs for `merge=gitannot` paths."""

import argparse
from pathlib import Path

from gitannot.merge.driver import report, run_driver

NAME = "merge-driver"
HELP = "merge one annotation file for git (set up by `gitannot install-driver`)"
HIDDEN = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", type=Path, help="%%O: the merge base version")
    parser.add_argument("ours", type=Path, help="%%A: our version; the result is written here")
    parser.add_argument("theirs", type=Path, help="%%B: their version")
    parser.add_argument("path", nargs="?", default="", help="%%P: the path in the tree")
    parser.add_argument("marker_size", nargs="?", type=int, default=7, help="%%L")


def run(args: argparse.Namespace) -> int:
    path = args.path or str(args.ours)
    result = run_driver(args.base, args.ours, args.theirs, path, args.marker_size)
    report(result, path)
    return result.exit_code
