"""`gitannot audit show|verify|export|allowed-signers|checkpoint|rotate-key`."""

import argparse
import getpass
import json
import sys
from pathlib import Path

import pygit2

from gitannot.audit import checkpoint, landing, reader, rotate, sshsig, state
from gitannot.audit import entry as E
from gitannot.audit import export as report
from gitannot.audit.errors import AuditReadError
from gitannot.audit.progress import Progress
from gitannot.audit.verify import verify_log
from gitannot.constants import AUDIT_REF, EXIT_DENIED, EXIT_OK
from gitannot.errors import UsageError
from gitannot.settings.keys import load_private_key
from gitannot.settings.server import audit_key_path

NAME = "audit"
HELP = "read, verify and export the signed audit log (refs/notes/audit)"
PRINCIPAL = "gitannot-audit"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    repo_help = "repository: the server's bare repo or a clone that fetched the log (default .)"
    parser.add_argument("--repo", dest="repo_top", help=repo_help)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--repo", help=repo_help)  # also accepted after the action
    sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    def action(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=text, description=text, parents=[common])

    show = action("show", "entries for a commit, a sequence number or a date")
    show.add_argument("commit", nargs="?", help="a pushed commit (any revision)")
    show.add_argument("--seq", type=int, help="entry number")
    show.add_argument("--since", help="entries at or after this ISO date/time (UTC)")
    show.add_argument("--json", action="store_true", help="print the canonical entries")
    verify = action("verify", "check signatures, chain, notes and head; exit 1 on any problem")
    verify.add_argument("--allowed-signers", type=Path, help="trusted key(s), ssh format")
    verify.add_argument(
        "--checkpoint",
        type=Path,
        action="append",
        default=[],
        help="a checkpoint the log must still contain (repeatable)",
    )
    verify.add_argument(
        "--from-checkpoint", type=Path, help="verify only the entries after this trusted checkpoint"
    )
    verify.add_argument(
        "--progress",
        action="store_true",
        help="show progress on stderr even when it is not a terminal (after the first second)",
    )
    exp = action("export", "compliance report: who changed what and when, denials, bypasses")
    exp.add_argument("--format", choices=["csv", "json", "md"], default="md")
    exp.add_argument("--output", type=Path, help="write here instead of stdout")
    action("allowed-signers", "allowed_signers lines for ssh-keygen and git")
    cp = action("checkpoint", "signed statement of the head for an outside witness (server)")
    cp.add_argument("--output", type=Path)
    rot = action("rotate-key", "new signing key, announced by an entry signed by the old one")
    rot.add_argument("--reason", default="scheduled rotation")


def run(args: argparse.Namespace) -> int:
    repo = reader.open_repo(args.repo or args.repo_top or ".")
    handler = {
        "show": _show, "verify": _verify, "export": _export,
        "allowed-signers": _allowed_signers, "checkpoint": _checkpoint,
        "rotate-key": _rotate,
    }[args.audit_command]  # fmt: skip
    return handler(repo, args)


def _git_dir(repo: pygit2.Repository) -> Path:
    return Path(repo.path).resolve()


def _show(repo: pygit2.Repository, args: argparse.Namespace) -> int:
    wanted = None
    if args.commit:
        try:
            wanted = str(repo.revparse_single(args.commit).peel(pygit2.Commit).id)
        except (KeyError, ValueError, pygit2.GitError):
            wanted = args.commit  # a rejected push's commit is not in the server repo
    found = 0
    items = list(reader.entries(repo))
    done = landing.completed(items)
    for item in items:
        e = item.entry
        if args.seq is not None and item.seq != args.seq:
            continue
        if args.since and str(e.get("time", "")) < args.since:
            continue
        ids = {u.get(k, "") for u in e.get("updates", []) for k in ("old", "new")}
        # Entries whose reasons name the commit too (a review verdict on it).
        ids |= {r.get("commit", "") for u in e.get("updates", []) for r in u.get("reasons", [])}
        if wanted and not any(i.startswith(wanted) for i in ids):
            continue
        found += 1
        out = item.data.decode() if args.json else E.note_block(e, item.digest) + "\n"
        if not args.json and landing.outcome(e, item.seq, done) == landing.NOT_LANDED:
            out = out.rstrip("\n") + f"\n{landing.NOT_LANDED} ({landing.WHY})\n\n"
        sys.stdout.write(out)
    if not found:
        sys.stderr.write("gitannot: no matching audit entry\n")
        return EXIT_DENIED
    return EXIT_OK


def _trusted_keys(repo: pygit2.Repository, signers: Path | None) -> list[str]:
    if signers is not None:
        keys = _keys_in(signers.read_text(encoding="utf-8"))
        if not keys:
            # An empty trust list would let a checkpoint's own key vouch for the log.
            raise UsageError(
                f"no ssh-ed25519 key in {signers}",
                "pass the allowed_signers file from `gitannot audit allowed-signers` on the server",
            )
        return keys
    git_dir = _git_dir(repo)
    keys = state.known_keys(git_dir)
    pub = Path(f"{audit_key_path(git_dir)}.pub")
    if pub.exists():
        keys.append(" ".join(pub.read_text(encoding="utf-8").split()[:2]))
    if not keys:
        raise UsageError(
            "no trusted audit key here", "pass --allowed-signers FILE (from the server admin)"
        )
    return keys


def _keys_in(text: str) -> list[str]:
    keys = []
    for line in text.splitlines():
        words = line.split()
        if "ssh-ed25519" in words[:-1]:
            at = words.index("ssh-ed25519")
            keys.append(f"ssh-ed25519 {words[at + 1]}")
    return keys


def _verify(repo: pygit2.Repository, args: argparse.Namespace) -> int:
    trusted = _trusted_keys(repo, args.allowed_signers)
    marks = []
    mark = state.read_high_water(_git_dir(repo))
    if mark is not None:
        marks.append(("server's high-water mark", mark))
    for path in args.checkpoint:
        marks.append((f"checkpoint {path}", checkpoint.load(path.read_text(), trusted).mark))
    start = start_key = None
    if args.from_checkpoint:
        cp = checkpoint.load(args.from_checkpoint.read_text(), trusted)
        start, start_key = cp.mark, cp.key
    progress = Progress("verifying", enabled=args.progress or sys.stderr.isatty())
    try:
        result = verify_log(
            repo, trusted, marks=marks, start=start, start_key=start_key, progress=progress
        )
    finally:
        progress.finish()
    for problem in result.problems:
        sys.stdout.write(f"FAIL: {problem}\n")
    if not result.ok:
        sys.stdout.write(f"audit log NOT verified: {len(result.problems)} problem(s)\n")
        return EXIT_DENIED
    key = sshsig.fingerprint(result.key) if result.key else "?"
    sys.stdout.write(
        f"OK: {result.checked} entries verified; head #{result.head_seq} "
        f"{result.head_digest} (commit {result.head_commit[:12]}), key {key}\n"
    )
    return EXIT_OK


def _export(repo: pygit2.Repository, args: argparse.Namespace) -> int:
    items = list(reader.entries(repo))
    table = report.rows(repo, items)
    missing = report.missing_commits(repo, table)
    if missing:
        sys.stderr.write(
            f"gitannot: {missing} accepted update(s) name commits this repository does not "
            "have, so their paths are left blank; fetch them (`git fetch origin` with "
            "`gitannot setup` done, or `git fetch origin '+refs/heads/*:refs/remotes/origin/*'`) "
            "and export again\n"
        )
    if args.format == "csv":
        text = report.to_csv(table)
    else:
        summary = report.summarize(items, table)
        if args.format == "json":
            text = report.to_json(items, table, summary)
        else:
            text = report.to_markdown(table, summary)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def log_keys(repo: pygit2.Repository) -> list[str]:
    """Every key the log was signed with: the first entry's, then each rotation's that
    the key in force signed (a rotation anyone else wrote names no key of the log)."""
    keys: list[str] = []
    for item in reader.entries(repo):
        if keys and item.entry.get("type") != E.ROTATE:
            continue  # only the first entry and rotations can name a key
        try:
            signer = sshsig.verify(item.signature, item.data, E.NAMESPACE).public_key
        except sshsig.SignatureError:
            continue
        if not keys:
            keys.append(signer)
        if item.entry.get("type") == E.ROTATE and signer == keys[-1]:
            keys.append(" ".join(str(item.entry["new_key"]).split()[:2]))
    return keys


def _allowed_signers(repo: pygit2.Repository, args: argparse.Namespace) -> int:  # noqa: ARG001 — every subcommand handler takes the arguments
    keys = log_keys(repo)
    if not keys:
        keys = _trusted_keys(repo, None)
    for key in dict.fromkeys(keys):
        sys.stdout.write(f'{PRINCIPAL} namespaces="{E.NAMESPACE},{E.GIT_NAMESPACE}" {key}\n')
    return EXIT_OK


def _checkpoint(repo: pygit2.Repository, args: argparse.Namespace) -> int:
    commit = reader.head_commit(repo)
    if commit is None:
        raise AuditReadError(f"{AUDIT_REF} does not exist yet: nothing to checkpoint")
    key = load_private_key(audit_key_path(_git_dir(repo)))
    text = checkpoint.make(reader.parse_commit(commit), key, _git_dir(repo).name)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _rotate(repo: pygit2.Repository, args: argparse.Namespace) -> int:
    appended = rotate.rotate(_git_dir(repo), getpass.getuser(), args.reason)
    new_key = str(appended.entry["new_key"])
    sys.stdout.write(
        json.dumps({"seq": appended.seq, "entry": appended.digest,
                    "new_key": sshsig.fingerprint(new_key)}) + "\n"
    )  # fmt: skip
    return EXIT_OK
