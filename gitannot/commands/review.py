"""`gitannot review approve|request-changes|comment|resolve|list`: review records."""

import argparse
import sys
from pathlib import Path

from gitannot.constants import EXIT_DENIED, EXIT_OK
from gitannot.errors import UsageError
from gitannot.gitio import repo as gitrepo
from gitannot.workflow import approvals, client, records

NAME = "review"
HELP = "approve, request changes, comment on and resolve work on a branch (refs/reviews/*)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--remote", default="origin", help="where to push (default origin)")
    common.add_argument("--user", help="your server login (default: git config gitannot.user)")
    common.add_argument("--no-push", action="store_true", help="record locally only")
    sub = parser.add_subparsers(dest="review_command", metavar="ACTION", required=True)

    def action(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=text, description=text, parents=[common])

    approve = action("approve", "approve the exact commit BRANCH points at")
    approve.add_argument("branch")
    approve.add_argument("-m", "--message", default="")
    changes = action("request-changes", "ask for changes on the commit BRANCH points at")
    changes.add_argument("branch")
    changes.add_argument("-m", "--message", required=True)
    comment = action("comment", "comment on one annotation of a file at BRANCH's commit")
    comment.add_argument("file")
    comment.add_argument("--annotation", default="", help="annotation id inside the file")
    comment.add_argument("--branch", default="HEAD")
    comment.add_argument("-m", "--message", required=True)
    resolve = action("resolve", "mark a comment resolved")
    resolve.add_argument("comment_id")
    resolve.add_argument("-m", "--message", default="")
    listing = action("list", "verdicts and comments on BRANCH's commits (default: all)")
    listing.add_argument("branch", nargs="?")


def run(args: argparse.Namespace) -> int:
    cwd = Path(gitrepo.discover(".").workdir or ".")
    if args.review_command == "list":
        return _list(cwd, args)
    user = client.whoami(cwd, args.user)
    client.fetch_reviews(cwd, args.remote)
    record = _record(cwd, args, user)
    ref = client.write_record(cwd, record)
    print(f"recorded {record.verdict or record.kind} on {record.commit[:12]} as {ref}")
    if args.no_push:
        return EXIT_OK
    proc = client.push_record(cwd, args.remote, ref)
    sys.stdout.write(proc.stdout.decode("utf-8", "replace"))
    sys.stdout.write(proc.stderr.decode("utf-8", "replace"))
    return EXIT_OK if proc.returncode == 0 else EXIT_DENIED


def _record(cwd: Path, args: argparse.Namespace, user: str) -> records.Record:
    command = args.review_command
    if command in ("approve", "request-changes"):
        commit, branch = client.resolve_commit(cwd, args.branch, args.remote)
        data = {"verdict": command, "branch": branch, "text": args.message}
        return records.Record("verdict", commit, user, data)
    if command == "comment":
        commit, branch = client.resolve_commit(cwd, args.branch, args.remote)
        data = {
            "id": client.new_comment_id(),
            "file": args.file,
            "branch": branch,
            "annotation": args.annotation,
            "text": args.message,
        }
        return records.Record("comment", commit, user, data)
    repo = gitrepo.discover(cwd)
    for found in approvals.all_records(repo):
        if found.kind == "comment" and found.data.get("id") == args.comment_id:
            return records.Record(
                "resolve", found.commit, user, {"id": args.comment_id, "text": args.message}
            )
    raise UsageError(f"no comment {args.comment_id!r}", "see `gitannot review list`")


def _list(cwd: Path, args: argparse.Namespace) -> int:
    repo = gitrepo.discover(cwd)
    client.fetch_reviews(cwd, args.remote)
    wanted: set[str] | None = None
    if args.branch:
        tip, _ = client.resolve_commit(cwd, args.branch, args.remote)
        wanted = {str(c.id) for c in gitrepo.new_commits(repo, tip, [])}
    found = [r for r in approvals.all_records(repo) if wanted is None or r.commit in wanted]
    resolved = {r.data.get("id") for r in found if r.kind == "resolve"}
    for record in found:
        data = record.data
        head = f"{record.commit[:12]} {record.user}"
        if record.kind == "verdict":
            print(f"{head} {record.verdict}: {data.get('text', '')}".rstrip(": "))
        elif record.kind == "comment":
            place = data["file"] + (f"#{data['annotation']}" if data.get("annotation") else "")
            status = "resolved" if data["id"] in resolved else "open"
            print(f"{head} comment {data['id']} ({status}) {place}: {data['text']}")
    return EXIT_OK
