"""`gitannot diff`: annotation-level differences between two versions of a label file.

    gitannot diff OLD NEW [--path P] [--format text|json]
    gitannot diff PATH OLD-FILE OLD-HEX OLD-MODE NEW-FILE NEW-HEX NEW-MODE

The second form is git's external diff contract (`diff.gitannot.command`, registered
by `gitannot install-driver`; `diff=gitannot` in .gitattributes routes files to it).
git passes /dev/null for the absent side of an added or deleted file. A YOLO row
file's class names are looked up per side from the blob ids git passes
(history/context.py); the first form reads the names file beside each file.
"""

import argparse
import json
import sys
from pathlib import Path

from gitannot.constants import EXIT_OK
from gitannot.errors import UsageError
from gitannot.history.context import Names, for_side, in_worktree, is_yolo_rows
from gitannot.history.diff import diff_versions
from gitannot.history.patch import patch_document
from gitannot.history.render import text_lines, unified

NAME = "diff"
HELP = "annotation-level diff of two versions of a label file (also git's diff driver)"
NULL = "/dev/null"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="ARG", help="OLD NEW, or git's 7 arguments")
    parser.add_argument("--path", help="the label file's path in the repository (for OLD NEW)")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _read(name: str) -> bytes | None:
    if name == NULL:
        return None
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        raise UsageError(f"gitannot diff: cannot read {name}: {exc.strerror}") from exc


def _beside(name: str) -> Names | None:
    if name == NULL:
        return None
    file = Path(name).resolve()
    return in_worktree(file.parent, file.name)


def run(args: argparse.Namespace) -> int:
    files: list[str] = args.files
    names: tuple[Names | None, Names | None] = (None, None)
    if len(files) == 7:  # git's external diff: path old-file old-hex old-mode new-file ...
        path, old_name, new_name = files[0], files[1], files[4]
        if is_yolo_rows(path):  # class names from the repository, per side
            names = (for_side(Path.cwd(), path, files[2]), for_side(Path.cwd(), path, files[5]))
    elif len(files) == 2:
        old_name, new_name = files
        path = args.path or (new_name if new_name != NULL else old_name)
        if is_yolo_rows(path):  # the names file beside each file, on disk
            names = (_beside(old_name), _beside(new_name))
    else:
        raise UsageError("gitannot diff: give OLD NEW, or git's 7 diff-driver arguments")
    old, new = _read(old_name), _read(new_name)
    diff = diff_versions(path, old, new, names=names)
    if args.format == "json":
        try:
            doc = patch_document(path, old, new, diff)
        except ValueError as exc:
            raise UsageError(f"gitannot diff --format json: {exc}") from exc
        out = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    else:
        lines = text_lines(diff) if diff.readable else unified(path, old, new)
        out = "".join(line + "\n" for line in lines)
    sys.stdout.flush()
    sys.stdout.buffer.write(out.encode("utf-8"))
    sys.stdout.buffer.flush()
    return EXIT_OK
