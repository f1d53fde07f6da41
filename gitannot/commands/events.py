"""`gitannot events deliver|serve|replay|test|log|list` (server side, on the bare repo)."""

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from gitannot.constants import EXIT_DENIED, EXIT_OK
from gitannot.errors import ConfigError, UsageError
from gitannot.events import delivery, outbox
from gitannot.events.config import Automation

NAME = "events"
HELP = "deliver the event outbox to webhooks, Slack and mail; replay, ping, show the log"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--repo", default=".", help="the server's bare repository (default .)")
    common.add_argument("--target", help="only this target (its name in automation.yaml)")
    sub = parser.add_subparsers(dest="events_command", metavar="ACTION", required=True)

    def action(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=text, description=text, parents=[common])

    action("deliver", "deliver pending events once (for cron); exit 1 if any failed")
    serve = action("serve", "deliver continuously until SIGTERM/SIGINT")
    serve.add_argument("--interval", type=float, default=2.0, help="seconds between passes")
    replay = action("replay", "send events again from a sequence number or a time")
    replay.add_argument(
        "--since", required=True, help="a sequence number (e.g. 42) or RFC 3339 time (UTC)"
    )
    action("test", "send a ping to each target (or --target) and report")
    log = action("log", "the delivery log (newest last)")
    log.add_argument("--limit", type=int, default=50)
    listing = action("list", "events in the outbox")
    listing.add_argument("--after", type=int, default=0, help="only events after this seq")


def run(args: argparse.Namespace) -> int:
    git_dir = Path(args.repo).resolve()
    if not (git_dir / "HEAD").exists():
        raise UsageError(f"{git_dir} is not a git repository", "pass --repo REPO.git")
    command = args.events_command
    if command == "log":
        for record in delivery.read_log(git_dir)[-args.limit :]:
            print(json.dumps(record, sort_keys=True))
        return EXIT_OK
    if command == "list":
        for event in outbox.read_events(git_dir, after=args.after):
            print(json.dumps(event.to_record(), sort_keys=True))
        return EXIT_OK
    settings = delivery.load_settings(git_dir)
    _check_target(settings, args.target)
    if command == "deliver":
        return _deliver(git_dir, settings, args.target)
    if command == "serve":
        return _serve(git_dir, args.target, args.interval)
    if command == "replay":
        return _replay(git_dir, settings, args.since, args.target)
    return _test(git_dir, settings, args.target)


def _check_target(settings: Automation, name: str | None) -> None:
    if name is not None and name not in {t.name for t in settings.targets}:
        known = ", ".join(t.name for t in settings.targets) or "(none)"
        raise UsageError(f"no target named {name!r}", f"targets in automation.yaml: {known}")


def _deliver(git_dir: Path, settings: Automation, only: str | None) -> int:
    summary = delivery.Worker(git_dir, settings).run_once(only)
    print(
        f"delivered {summary.delivered}, failed {summary.failed} (will retry), "
        f"dead-lettered {summary.dead}, not wanted {summary.skipped}, "
        f"waiting {summary.waiting}"
    )
    return EXIT_DENIED if summary.failed or summary.dead else EXIT_OK


def _serve(git_dir: Path, only: str | None, interval: float) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001 — signal handler signature
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"gitannot events serve: {git_dir}", flush=True)
    settings = Automation()
    while not stop.is_set():
        # The config is read each pass: a change merged to the default branch applies.
        # One that cannot be read keeps the last good one (and says so) rather than stop.
        try:
            settings = delivery.load_settings(git_dir)
        except ConfigError as exc:
            print(f"configs/automation.yaml unreadable, keeping the last settings: {exc}")
        summary = delivery.Worker(git_dir, settings).run_once(only)
        if summary.delivered or summary.failed or summary.dead:
            print(
                f"delivered {summary.delivered}, failed {summary.failed}, dead {summary.dead}",
                flush=True,
            )
        stop.wait(interval)
    return EXIT_OK


def _replay(git_dir: Path, settings: Automation, since: str, only: str | None) -> int:
    since_seq, since_time = (int(since), "") if since.isdigit() else (0, since)
    if since_time and not since_time[:4].isdigit():
        raise UsageError(
            f"--since {since!r}: not a sequence number or a time", "e.g. 2026-12-06T10:00:00Z"
        )
    sent, failed = delivery.replay(git_dir, settings, since_seq, since_time, only)
    print(f"replayed {sent}, failed {failed}")
    return EXIT_DENIED if failed else EXIT_OK


def _test(git_dir: Path, settings: Automation, only: str | None) -> int:
    failures = 0
    for target in settings.targets:
        if only is not None and target.name != only:
            continue
        error = delivery.ping(git_dir, target)
        print(f"{target.name}: {'ok' if not error else 'FAILED: ' + error}")
        failures += bool(error)
    if not settings.targets:
        print("no targets in configs/automation.yaml on the default branch", file=sys.stderr)
        return EXIT_DENIED
    return EXIT_DENIED if failures else EXIT_OK
