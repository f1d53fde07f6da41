"""`gitannot init [DIR]`: scaffold an annotation repository and register the merge driver."""

import argparse
from pathlib import Path

from gitannot.constants import EXIT_OK
from gitannot.gitio.run import run_git
from gitannot.scaffold import branch_policy, scaffold
from gitannot.scaffold.driver_config import register_driver

NAME = "init"
HELP = "scaffold an annotation repository (data/ labels/ schema/ tasks/ reviews/ configs/)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", nargs="?", default=".", type=Path, metavar="DIR")
    parser.add_argument(
        "--default-branch",
        metavar="BRANCH",
        help="the server's trusted branch, protected in configs/access.yaml "
        "(default: this repository's current branch)",
    )


def run(args: argparse.Namespace) -> int:
    directory: Path = args.directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    if run_git(["rev-parse", "--git-dir"], cwd=directory, check=False).returncode != 0:
        initial = [f"--initial-branch={args.default_branch}"] if args.default_branch else []
        run_git(["init", "--quiet", *initial, str(directory)])
        print(f"gitannot: initialised git repository in {directory}")
    created, kept = scaffold(directory)
    for rel in created:
        print(f"gitannot: created {rel}")
    if str(branch_policy.POLICY) in {str(c) for c in created}:
        branch = args.default_branch or branch_policy.current_branch(directory)
        for action in branch_policy.adapt_policy(directory, branch):
            print(f"gitannot: {action}")
    if kept:
        print(f"gitannot: kept {len(kept)} existing file(s) unchanged")
    command = register_driver(directory)
    print(f"gitannot: registered merge driver 'gitannot': {command}")
    print("next: edit configs/access.yaml and schema/, then commit and push to the server")
    return EXIT_OK
