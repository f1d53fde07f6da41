"""`gitannot blame FILE`: the commit and push that last changed each annotation, for
every format gitannot reads (annotation identity per format: history/versions.py)."""

import argparse
import json
import sys
from pathlib import Path

from gitannot.constants import EXIT_OK
from gitannot.errors import UsageError
from gitannot.history.blame import NOT_FETCHED, blame, event_json, push_text

NAME = "blame"
HELP = "per annotation: the commit and push (pusher from the audit log) that last changed it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the label file's path in the repository")
    parser.add_argument("--rev", default="HEAD", help="the version to blame (default HEAD)")
    parser.add_argument("--json", action="store_true", help="one JSON document")


def run(args: argparse.Namespace) -> int:
    try:
        hist, rows = blame(Path.cwd(), args.file, args.rev)
    except ValueError as exc:
        raise UsageError(f"gitannot blame: {exc}") from exc
    if args.json:
        doc = {
            "path": args.file,
            "audit_fetched": hist.audit_fetched,
            "annotations": [{"id": str(a.id), **event_json(e)} for a, e in rows],
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not hist.audit_fetched:
        print(NOT_FETCHED, file=sys.stderr)
    for ann, event in rows:
        print(
            f"{event.commit[:12]} {ann.id} {ann.label or '?'} {event.kind} "
            f"{push_text(event, hist.audit_fetched)}; author {event.author}"
        )
    return EXIT_OK
