"""`gitannot hook pre-receive|post-receive`: what the installed shims call."""

import argparse
import os
import sys
from pathlib import Path

NAME = "hook"
HELP = "run a server hook (called by the installed shims, not by people)"
HIDDEN = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("hook_name", choices=["pre-receive", "post-receive"])


def run(args: argparse.Namespace) -> int:
    # git runs hooks in the repository (GIT_DIR is "." for a bare repo).
    git_dir = Path(os.environ.get("GIT_DIR", ".")).resolve()
    stdin_text = sys.stdin.read()
    # Import only the hook that runs: post-receive must not pay for the checks' imports.
    if args.hook_name == "pre-receive":
        from gitannot.hook.pre_receive import run_pre_receive as runner
    else:
        from gitannot.hook.post_receive import run_post_receive as runner
    return runner(git_dir, stdin_text, os.environ, sys.stderr)
