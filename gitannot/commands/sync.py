"""`gitannot sync labelstudio [--watch]`: keep a Label Studio project in step with the
repository (docs/sync.md)."""

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from gitannot.errors import UsageError
from gitannot.sync.credentials import load_credentials
from gitannot.sync.run import SyncOptions, sync_once, watch
from gitannot.sync.workclone import Identity

NAME = "sync"
HELP = "mirror the repository into Label Studio and its annotations back (docs/sync.md)"
DEFAULT_IDENTITY = "labelstudio-sync"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="sync_tool", metavar="TOOL", required=True)
    ls = sub.add_parser(
        "labelstudio",
        help="config and tasks from Git into Label Studio; annotations back as a push",
        description="One reconcile pass (or a loop with --watch): the labeling config from "
        "schema/labels.yaml, one task per data/ manifest item, submitted annotations "
        "committed to labels/ and pushed through the server's hooks.",
    )
    ls.add_argument(
        "--workdir",
        type=Path,
        required=True,
        help="the sync's working clone on this host (created on the first run; keeps the "
        "sync state)",
    )
    ls.add_argument("--remote", help="the server repository's URL (needed for the first run)")
    ls.add_argument(
        "--credentials",
        type=Path,
        help="a file (mode 600) with `url:` and `token:` of Label Studio; default: "
        "GITANNOT_LABELSTUDIO_URL and GITANNOT_LABELSTUDIO_TOKEN",
    )
    ls.add_argument(
        "--identity",
        default=DEFAULT_IDENTITY,
        help=f"author name of the sync's commits (default {DEFAULT_IDENTITY}); who pushed "
        "is still what the transport says",
    )
    ls.add_argument("--email", help="author e-mail of the sync's commits")
    ls.add_argument("--watch", action="store_true", help="keep running; webhooks wake it")
    ls.add_argument(
        "--listen",
        default="127.0.0.1:0",
        metavar="HOST:PORT",
        help="where the webhook listener binds with --watch (default 127.0.0.1, a free port)",
    )
    ls.add_argument(
        "--webhook-url", help="the URL Label Studio should call, when not the listen address"
    )
    ls.add_argument(
        "--interval",
        type=float,
        default=300.0,
        help="with --watch, also sync every N seconds without a webhook (default 300)",
    )


def run(args: argparse.Namespace) -> int:
    opts = SyncOptions(
        workdir=args.workdir.resolve(),
        remote=args.remote,
        identity=Identity(args.identity, args.email or f"{args.identity}@gitannot.invalid"),
        credentials=load_credentials(args.credentials, os.environ),
    )
    if not args.watch:
        return sync_once(opts, _say)
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()  # the loop ends after the pass under way, which never half-pushes

    signal.signal(signal.SIGTERM, _stop)
    return watch(
        opts,
        _say,
        listen=_listen(args.listen),
        public_url=args.webhook_url,
        interval=args.interval,
        stop=stop,
    )


def _listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise UsageError(f"--listen {value!r} is not HOST:PORT", "e.g. --listen 127.0.0.1:8765")
    return host or "127.0.0.1", int(port)


def _say(line: str) -> None:
    sys.stdout.write(f"gitannot sync: {line}\n")
    sys.stdout.flush()
