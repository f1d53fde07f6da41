"""`gitannot demo [DIR]`: a local server with gitannot and several users, step by step."""

import argparse
import tempfile
from pathlib import Path

from gitannot.constants import EXIT_DENIED, EXIT_OK
from gitannot.demo.scenario import run_demo

NAME = "demo"
HELP = "run the scripted demo: a local gitannot server, clones acting as users, real pushes"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "directory",
        nargs="?",
        type=Path,
        metavar="DIR",
        help="where to build the demo (default: a new temporary folder); emptied first",
    )


def run(args: argparse.Namespace) -> int:
    root = args.directory or Path(tempfile.mkdtemp(prefix="gitannot-demo-"))
    demo = run_demo(root.resolve())
    print()
    print(f"Demo server: {demo.server}")
    print(f"Clones:      {demo.root / 'clients'}")
    if demo.mismatches:
        print("Some steps did not have the intended outcome:")
        for mismatch in demo.mismatches:
            print(f"  - {mismatch}")
        return EXIT_DENIED
    print(f"All {demo.step_number} steps had their intended outcome.")
    return EXIT_OK
