"""`gitannot conflicts [PATH...]`: list the conflict records a merge left in label files."""

import argparse
import re
import shlex
from pathlib import Path

from gitannot.constants import CONFLICT_KEY, EXIT_DENIED, EXIT_OK
from gitannot.errors import UsageError
from gitannot.gitio.run import run_git
from gitannot.merge import geometry_resolve, records
from gitannot.merge.conflicts import find
from gitannot.merge.driver import GEOMETRY, detect
from gitannot.merge.errors import UnmergeableError

NAME = "conflicts"
HELP = "list merge conflict records left in annotation files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="files (default: all tracked)")


def run(args: argparse.Namespace) -> int:
    paths = list(args.paths) or files_with_conflicts()
    total = 0
    for path in paths:
        raw = read(path)
        fmt = geometry_format(path, raw)
        if fmt is not None:  # YOLO markers, VOC / CVAT elements: listed one by one
            for conflict in geometry_conflicts(path, raw, fmt):
                print(_describe(path, raw, conflict))
                total += 1
            continue
        for found in find(load(path, raw)):
            rec = found.record
            fields = ",".join(str(f) for f in rec.get("fields") or [])
            print(
                f"{path}: {found.pointer} key={rec.get('key')} reason={rec.get('reason')}"
                + (f" fields={fields}" if fields else "")
            )
            total += 1
    if total:
        how = "gitannot resolve PATH --ours|--theirs|--pick KEY=SIDE"
        print(f"{total} conflict(s); resolve with `{how}`")
    return EXIT_DENIED if total else EXIT_OK


XML_CONFLICT = b"<gitannot_conflict"
YOLO_CONFLICT = "<<<<<<< ours ("  # the YOLO adapter's first marker line (or a longer one)
_LINE_MARKER = re.compile(rb"^<{7}", re.M)


def files_with_conflicts() -> list[Path]:
    """Tracked files in the work tree that hold a conflict (JSON, XML or YOLO)."""
    found = _grep([CONFLICT_KEY, XML_CONFLICT.decode()])
    # Only .txt files are merged as YOLO; elsewhere the marker text is not ours.
    found += [p for p in _grep([YOLO_CONFLICT], ":(icase)*.txt") if p not in found]
    return found


def _grep(needles: list[str], *pathspec: str) -> list[Path]:
    args = ["grep", "-l", "-F", *(a for n in needles for a in ("-e", n)), "--", *pathspec]
    proc = run_git(args, check=False)
    if proc.returncode > 1:
        why = proc.stderr.decode("utf-8", "replace").strip()
        raise UsageError(why or "git grep failed", "run inside a git work tree")
    return [Path(line) for line in proc.stdout.decode("utf-8", "replace").splitlines() if line]


def geometry_format(path: Path, raw: bytes) -> str | None:
    """ "yolo", "voc" or "cvat" as the merge driver detects the file; None otherwise
    (JSON, or nothing gitannot merges: the JSON reader then says why)."""
    try:
        fmt = detect(raw, str(path))
    except ValueError:  # a broken JSON object
        return None
    return fmt if fmt in GEOMETRY else None


def geometry_conflicts(path: Path, raw: bytes, fmt: str) -> list[geometry_resolve.Found]:
    """The YOLO / VOC / CVAT conflicts in a file; a usage error when they cannot be read."""
    hint = "edit the file by hand, then `git add` it"
    try:
        found = geometry_resolve.find(raw, fmt)
    except UnmergeableError as exc:
        raise UsageError(f"{path}: cannot read its conflicts ({exc})", hint) from exc
    if not found and _LINE_MARKER.search(raw):  # the driver fell back to git merge-file
        raise UsageError(f"{path}: holds git's own line-merge conflict markers", hint)
    return found


def _describe(path: Path, raw: bytes, found: geometry_resolve.Found) -> str:
    start, end = found.span
    start += len(raw[start:end]) - len(raw[start:end].lstrip())  # span holds the indent
    line = raw.count(b"\n", 0, start) + 1
    # Keys may hold spaces (CVAT: "image 52 base:1"): quoted as `--pick` needs them.
    text = f"{path}: line {line} key={shlex.quote(found.key)} reason={found.reason}"
    return text + (f" fields={found.fields}" if found.fields else "")


def read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from exc


def load(path: Path, raw: bytes) -> object:
    try:
        return records.parse(raw)  # integer keys beyond 64 bits kept exactly
    except ValueError as exc:  # orjson's and msgspec's decode errors
        raise UsageError(
            f"{path}: not a JSON file ({exc})",
            "gitannot reads conflicts in JSON, YOLO .txt and VOC / CVAT XML files",
        ) from exc
