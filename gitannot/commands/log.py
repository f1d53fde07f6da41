"""`gitannot log FILE --annotation ID`: one annotation's whole history, with pushers."""

import argparse
import json
import sys
from pathlib import Path

from gitannot.constants import EXIT_OK
from gitannot.errors import UsageError
from gitannot.history.blame import NOT_FETCHED, annotation_log, event_json, push_text

NAME = "log"
HELP = "one annotation's history: created / changed / re-keyed / deleted, with the pushers"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the label file's path in the repository")
    parser.add_argument(
        "--annotation",
        required=True,
        metavar="ID",
        help="the annotation's id at --rev: COCO id, Label Studio task/annotation/region, "
        "per-image UUID, YOLO line:N, VOC object index, CVAT image/shape",
    )
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--json", action="store_true", help="one JSON document")


def run(args: argparse.Namespace) -> int:
    try:
        hist, events = annotation_log(Path.cwd(), args.file, args.annotation, args.rev)
    except ValueError as exc:
        raise UsageError(f"gitannot log: {exc}") from exc
    if args.json:
        doc = {
            "path": args.file,
            "annotation": args.annotation,
            "audit_fetched": hist.audit_fetched,
            "events": [event_json(e) for e in events],
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not hist.audit_fetched:
        print(NOT_FETCHED, file=sys.stderr)
    for event in events:
        what = event.kind + (": " + "; ".join(event.fields) if event.fields else "")
        if event.key and event.key != args.annotation:  # a position or an id it had then
            what += f" [as {event.key}]"
        print(
            f"{event.commit[:12]} {what} "
            f"({push_text(event, hist.audit_fetched)}; author {event.author})"
        )
    return EXIT_OK
