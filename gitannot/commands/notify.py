"""`gitannot notify digest`: a summary for cron, printed or sent through a target."""

import argparse
import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from gitannot.constants import EXIT_DENIED, EXIT_OK
from gitannot.errors import UsageError
from gitannot.events import delivery, digest, outbox, senders
from gitannot.events import types as T
from gitannot.events.config import Automation
from gitannot.oversight.digest import sections

NAME = "notify"
HELP = (
    "digests for cron: failing deliveries, dead letters, overdue tasks, work awaiting "
    "review, stopped tasks, annotator drift"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="notify_command", metavar="ACTION", required=True)
    dig = sub.add_parser("digest", help="summarise what needs attention", description=HELP)
    dig.add_argument("--repo", default=".", help="the server's bare repository (default .)")
    dig.add_argument("--days", type=float, default=1.0, help="dead letters of the last N days")
    dig.add_argument("--json", action="store_true", help="print JSON")
    dig.add_argument("--send", metavar="TARGET", help="also send it through this target")
    dig.add_argument(
        "--stopped-days",
        type=float,
        help="a task in progress with no push for N days is stopped "
        "(default: digest.stopped_days of configs/automation.yaml, 3)",
    )
    dig.add_argument(
        "--quiet-when-healthy",
        action="store_true",
        help="send nothing when nothing needs attention",
    )


def run(args: argparse.Namespace, now: datetime | None = None) -> int:
    """`now`: the clock (tests fix it); every wait and delay is measured against it."""
    git_dir = Path(args.repo).resolve()
    if not (git_dir / "HEAD").exists():
        raise UsageError(f"{git_dir} is not a git repository", "pass --repo REPO.git")
    settings = delivery.load_settings(git_dir)
    now = now or datetime.now(UTC)
    since = (now - timedelta(days=args.days)).isoformat(timespec="seconds")
    stopped = settings.stopped_days if args.stopped_days is None else args.stopped_days
    parts = sections(git_dir, now, stopped, settings.commit_url)
    report = digest.build(git_dir, settings, since.replace("+00:00", "Z"), parts)
    text = "\n".join(report.lines())
    print(json.dumps(report.to_dict(), indent=2) if args.json else text)
    if args.send and not (args.quiet_when_healthy and not report.attention()):
        return _send(git_dir, settings, args.send, text, report)
    return EXIT_OK


def _send(
    git_dir: Path,
    settings: Automation,
    name: str,
    text: str,
    report: digest.Digest,
) -> int:
    target = next((t for t in settings.targets if t.name == name), None)
    if target is None:
        raise UsageError(f"no target named {name!r}", "see configs/automation.yaml")
    try:
        if target.kind == "email":
            message = EmailMessage()
            message["Subject"] = f"[gitannot] digest: {report.subject()}"
            message["From"] = target.sender
            message["To"] = ", ".join(target.to)
            message.set_content(text)
            senders.send_mail(git_dir, target, message)
        else:
            data = {"digest": report.to_dict(), "message": text}
            event = outbox.unqueued(git_dir, T.DIGEST, "digest", data)
            senders.send(git_dir, target, event)
    except senders.DeliveryError as exc:
        print(f"digest not sent to {name}: {exc}")
        return EXIT_DENIED
    return EXIT_OK
