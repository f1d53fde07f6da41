"""`gitannot resolve PATH --ours|--theirs|--base|--pick KEY=SIDE`: settle conflicts.

JSON conflict records, YOLO marker blocks and VOC / CVAT `<gitannot_conflict>`
elements alike; only the conflicts' bytes change, every other byte stays as it is.
"""

import argparse
import sys
from pathlib import Path

from gitannot.commands.conflicts import geometry_conflicts, geometry_format, read, yolo_own_markers
from gitannot.constants import EXIT_DENIED, EXIT_OK
from gitannot.core import linemarkers
from gitannot.errors import UsageError
from gitannot.merge import geometry_resolve
from gitannot.merge.conflicts import SIDES
from gitannot.merge.resolving import resolve_bytes

NAME = "resolve"
HELP = "resolve merge conflicts in an annotation file (JSON, YOLO, VOC, CVAT)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path)
    side = parser.add_mutually_exclusive_group()
    for name in SIDES:
        side.add_argument(
            f"--{name}",
            dest="default",
            action="store_const",
            const=name,
            help=f"take the {name} version of every conflict not picked one by one",
        )
    parser.add_argument(
        "--pick",
        action="append",
        default=[],
        metavar="KEY=SIDE",
        help="take SIDE (ours/theirs/base) for the conflict with that key "
        "(as `gitannot conflicts` prints it); repeatable",
    )


def run(args: argparse.Namespace) -> int:
    choose = dict(_pick(p) for p in args.pick)
    if not choose and args.default is None:
        raise UsageError("nothing to do", "pass --ours, --theirs, --base or --pick KEY=SIDE")
    raw = read(args.path)
    line = linemarkers.first_marker_line(raw)
    if line is not None and not yolo_own_markers(args.path, raw):
        raise UsageError(
            linemarkers.explain(str(args.path), line), linemarkers.what_to_do(str(args.path))
        )
    fmt = geometry_format(args.path, raw)
    keys: set[str] = set()
    if fmt is None:
        data, left = _resolve_json(args.path, raw, choose, args.default, keys)
    else:
        keys = {found.key for found in geometry_conflicts(args.path, raw, fmt)}
        data, left = geometry_resolve.resolve(raw, fmt, choose, args.default)
    for key in sorted(set(choose) - keys):  # a typo must not pass silently
        sys.stderr.write(f"gitannot: warning: {args.path}: no conflict with key {key!r}\n")
    if not keys:
        print(f"{args.path}: no conflicts to resolve")
        return EXIT_DENIED
    if data != raw:
        args.path.write_bytes(data)
    if left:
        print(f"{args.path}: {left} conflict(s) left")
        return EXIT_DENIED
    print(f"{args.path}: resolved; now `git add {args.path}`")
    return EXIT_OK


def _resolve_json(
    path: Path, raw: bytes, choose: dict[str, str], default: str | None, seen: set[str]
) -> tuple[bytes, int]:
    try:
        return resolve_bytes(raw, choose, default, seen)
    except ValueError as exc:  # orjson and the record splitter raise ValueError
        raise UsageError(
            f"{path}: not a JSON file ({exc})",
            "gitannot resolves conflicts in JSON, YOLO .txt and VOC / CVAT XML files",
        ) from exc


def _pick(text: str) -> tuple[str, str]:
    key, sep, side = text.rpartition("=")
    if not sep or side not in SIDES:
        raise UsageError(f"bad --pick {text!r}", "use KEY=ours, KEY=theirs or KEY=base")
    return key, side
