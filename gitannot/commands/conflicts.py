"""`gitannot conflicts [PATH...]`: list the conflict records a merge left in label files."""

import argparse
import subprocess
from pathlib import Path

import orjson

from gitannot.constants import CONFLICT_KEY, EXIT_DENIED, EXIT_OK
from gitannot.errors import UsageError
from gitannot.merge.conflicts import find

NAME = "conflicts"
HELP = "list merge conflict records left in annotation files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="files (default: all tracked)")


def run(args: argparse.Namespace) -> int:
    paths = list(args.paths) or files_with_conflicts()
    total = 0
    for path in paths:
        raw = read(path)
        if XML_CONFLICT in raw and not raw.lstrip().startswith((b"{", b"[")):
            count = raw.count(XML_CONFLICT)  # VOC / CVAT adapters: elements in place
            print(f"{path}: {count} <gitannot_conflict> element(s); edit the file to resolve")
            total += count
            continue
        for found in find(load(path)):
            rec = found.record
            fields = ",".join(str(f) for f in rec.get("fields") or [])
            print(
                f"{path}: {found.pointer} key={rec.get('key')} reason={rec.get('reason')}"
                + (f" fields={fields}" if fields else "")
            )
            total += 1
    if total:
        print(f"{total} conflict(s); resolve with `gitannot resolve PATH --ours|--theirs`")
    return EXIT_DENIED if total else EXIT_OK


XML_CONFLICT = b"<gitannot_conflict"


def files_with_conflicts() -> list[Path]:
    """Tracked files in the work tree that hold a conflict record (JSON or XML)."""
    args = ["git", "grep", "-l", "-F", "-e", CONFLICT_KEY, "-e", XML_CONFLICT.decode()]
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode > 1:
        raise UsageError(proc.stderr.strip() or "git grep failed", "run inside a git work tree")
    return [Path(line) for line in proc.stdout.splitlines() if line]


def read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from exc


def load(path: Path) -> object:
    try:
        return orjson.loads(read(path))
    except orjson.JSONDecodeError as exc:
        raise UsageError(
            f"{path}: not a JSON file ({exc})",
            "conflicts in YOLO files are git-style <<<<<<< markers: edit them by hand",
        ) from exc
