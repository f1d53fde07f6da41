"""`gitannot resolve PATH --ours|--theirs|--base|--pick ID=SIDE`: settle conflict records."""

import argparse
from pathlib import Path

from gitannot.commands.conflicts import read
from gitannot.constants import EXIT_DENIED, EXIT_OK
from gitannot.errors import UsageError
from gitannot.merge.conflicts import SIDES
from gitannot.merge.resolving import resolve_bytes

NAME = "resolve"
HELP = "resolve merge conflict records in an annotation file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path)
    side = parser.add_mutually_exclusive_group()
    for name in SIDES:
        side.add_argument(
            f"--{name}",
            dest="default",
            action="store_const",
            const=name,
            help=f"take {name}' version of every conflict not picked one by one",
        )
    parser.add_argument(
        "--pick",
        action="append",
        default=[],
        metavar="ID=SIDE",
        help="take SIDE (ours/theirs/base) for the record with key ID; repeatable",
    )


def run(args: argparse.Namespace) -> int:
    choose = dict(_pick(p) for p in args.pick)
    if not choose and args.default is None:
        raise UsageError("nothing to do", "pass --ours, --theirs, --base or --pick ID=SIDE")
    try:
        data, left = resolve_bytes(read(args.path), choose, args.default)
    except ValueError as exc:  # orjson and the record splitter raise ValueError
        raise UsageError(
            f"{args.path}: not a JSON file ({exc})",
            "conflicts in YOLO files are git-style <<<<<<< markers and in VOC/CVAT files "
            "<gitannot_conflict> elements: edit them by hand",
        ) from exc
    args.path.write_bytes(data)
    if left:
        print(f"{args.path}: {left} conflict(s) left")
        return EXIT_DENIED
    print(f"{args.path}: resolved; now `git add {args.path}`")
    return EXIT_OK


def _pick(text: str) -> tuple[str, str]:
    key, sep, side = text.rpartition("=")
    if not sep or side not in SIDES:
        raise UsageError(f"bad --pick {text!r}", "use ID=ours, ID=theirs or ID=base")
    return key, side
