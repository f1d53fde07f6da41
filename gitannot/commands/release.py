"""`gitannot release check|list|show|verify|link-model|find-model`."""

import argparse
import base64
import json
import sys
import time
import uuid
from pathlib import Path

import pygit2

from gitannot.commands.audit import _keys_in, log_keys
from gitannot.constants import EXIT_DENIED, EXIT_OK
from gitannot.errors import UsageError
from gitannot.gitio import repo as gitrepo
from gitannot.gitio.run import run_git
from gitannot.release import store
from gitannot.release.gates import FAIL, run_gates, unlabeled
from gitannot.release.links import LINK_FILE, models
from gitannot.release.policy import RELEASE_POLICY_PATH, parse_policy
from gitannot.release.verify import verify_release
from gitannot.settings.server import audit_key_path
from gitannot.validation.sources import GitTreeSource

NAME = "release"
HELP = "dataset releases: run the release gates, list, show and verify signed records"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=".", help="repository (default: the current one)")
    sub = parser.add_subparsers(dest="release_command", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="run the release gates on REV as the server would")
    check.add_argument("rev", nargs="?", default="HEAD")
    sub.add_parser("list", help="releases with a record here (fetch refs/releases/* first)")
    show = sub.add_parser("show", help="a release's gates, files and linked models")
    show.add_argument("tag")
    verify = sub.add_parser("verify", help="check a release record's signature and every byte")
    verify.add_argument("tag")
    verify.add_argument("--allowed-signers", type=Path, help="trusted server key(s), ssh format")
    link = sub.add_parser("link-model", help="record that a checkpoint was trained on TAG")
    link.add_argument("tag")
    link.add_argument("--uri", required=True, help="where the checkpoint is")
    link.add_argument("--run-id", default="", help="the training run (e.g. an MLflow run id)")
    link.add_argument("--metrics", nargs="*", default=[], metavar="NAME=NUMBER")
    link.add_argument("--remote", default="origin")
    find = sub.add_parser("find-model", help="which releases a checkpoint URI was trained on")
    find.add_argument("uri")


def run(args: argparse.Namespace) -> int:
    repo = gitrepo.discover(args.repo)
    handler = {
        "check": _check, "list": _list, "show": _show, "verify": _verify,
        "link-model": _link, "find-model": _find,
    }[args.release_command]  # fmt: skip
    return handler(repo, args)


def _check(repo: pygit2.Repository, args: argparse.Namespace) -> int:
    try:
        commit = repo.revparse_single(args.rev).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError) as exc:
        raise UsageError(f"{args.rev!r} is not a commit here") from exc
    # The server reads the policy from its default branch; so does this, when it has one.
    base = gitrepo.ref_target(repo, gitrepo.default_branch(repo)) or str(commit.id)
    policy = parse_policy(gitrepo.read_blob(repo, base, RELEASE_POLICY_PATH))
    source = GitTreeSource(repo, commit.tree)
    result = run_gates(source, policy, store.frozen(repo))
    out = sys.stdout
    out.write(f"release gates at {str(commit.id)[:12]}:\n")
    for gate in result.gates:
        out.write(f"  {gate.status.upper():7} {gate.name}: {gate.detail}\n")
        for finding in gate.findings:
            out.write(f"          {finding.location()} [{finding.rule}] {finding.message}\n")
    for finding in unlabeled(result.manifest, result.items)[:20]:
        out.write(f"  INFO    {finding.path}#{finding.item} [{finding.rule}] {finding.message}\n")
    failed = [g.name for g in result.gates if g.status == FAIL]
    out.write(f"{'FAILED: ' + ', '.join(failed) if failed else 'every gate passed'}\n")
    return EXIT_DENIED if failed else EXIT_OK


def _list(repo: pygit2.Repository, _args: argparse.Namespace) -> int:
    for tag in store.tags(repo):
        files = store.read(repo, tag) or {}
        statement = _statement(files)
        raw = statement.get("predicate")
        predicate = raw if isinstance(raw, dict) else {}
        sys.stdout.write(
            f"{tag}\t{str(predicate.get('commit', '?'))[:12]}\t{predicate.get('time', '?')}\t"
            f"{len(models(files))} model(s)\n"
        )
    return EXIT_OK


def _statement(files: dict[str, bytes]) -> dict[str, object]:
    """Unverified view for list/show (verify is the command that checks it)."""
    try:
        envelope = json.loads(files.get("attestation.dsse.json", b"{}"))
        doc = json.loads(base64.b64decode(envelope.get("payload", "")))
    except (ValueError, TypeError, AttributeError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _show(repo: pygit2.Repository, args: argparse.Namespace) -> int:
    files = store.read(repo, args.tag)
    if files is None:
        raise UsageError(
            f"no release record for {args.tag}",
            f"git fetch origin '+{store.RELEASE_REFS}*:{store.RELEASE_REFS}*'",
        )
    predicate = _statement(files).get("predicate", {})
    assert isinstance(predicate, dict)
    out = sys.stdout
    out.write(f"release {args.tag} (unverified view; `release verify` checks it)\n")
    for key in ("commit", "tagObject", "pusher", "time"):
        out.write(f"  {key}: {predicate.get(key)}\n")
    for gate in predicate.get("gates", []):
        out.write(f"  gate {gate.get('name')}: {gate.get('status')} ({gate.get('detail')})\n")
    out.write(f"  files: {', '.join(sorted(p for p in files if '/' not in p))}\n")
    for path, data in models(files):
        link = _link_payload(data)
        raw = link.get("metrics")
        pairs = sorted(raw.items()) if isinstance(raw, dict) else []
        metrics = ", ".join(f"{k}={v}" for k, v in pairs)
        out.write(
            f"  model {link.get('uri')} run {link.get('run_id') or '-'} by "
            f"{link.get('linked_by')} at {link.get('time')} ({path}) {metrics}\n"
        )
    return EXIT_OK


def _link_payload(data: bytes) -> dict[str, object]:
    try:
        doc = json.loads(base64.b64decode(json.loads(data)["payload"]))
    except (ValueError, KeyError, TypeError):
        return {}
    return doc if isinstance(doc, dict) else {}


def trusted_keys(repo: pygit2.Repository, signers: Path | None) -> list[str]:
    """--allowed-signers, else the server's own key (on the server), else the keys the
    fetched audit log was signed with."""
    if signers is not None:
        keys = _keys_in(signers.read_text(encoding="utf-8"))
        if not keys:
            raise UsageError(f"no ssh-ed25519 key in {signers}")
        return keys
    pub = Path(f"{audit_key_path(Path(repo.path).resolve())}.pub")
    if pub.is_file():
        return [" ".join(pub.read_text(encoding="utf-8").split()[:2])]
    keys = log_keys(repo)
    if not keys:
        raise UsageError(
            "no trusted server key here",
            "pass --allowed-signers FILE, or fetch the audit log: "
            "git fetch origin refs/notes/audit:refs/notes/audit",
        )
    return keys


def _verify(repo: pygit2.Repository, args: argparse.Namespace) -> int:
    result = verify_release(repo, args.tag, trusted_keys(repo, args.allowed_signers))
    for line in result.checked:
        sys.stdout.write(f"ok: {line}\n")
    for problem in result.problems:
        sys.stdout.write(f"FAILED: {problem}\n")
    verdict = "verified" if result.ok else "NOT verified"
    sys.stdout.write(f"release {args.tag}: {verdict}\n")
    return EXIT_OK if result.ok else EXIT_DENIED


def _link(repo: pygit2.Repository, args: argparse.Namespace) -> int:
    metrics: dict[str, float] = {}
    for item in args.metrics:
        name, sep, value = item.partition("=")
        try:
            metrics[name] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name:
            raise UsageError(f"--metrics {item!r}: write NAME=NUMBER")
    body = {"uri": args.uri, "run_id": args.run_id, "metrics": metrics}
    blob = repo.create_blob((json.dumps(body, sort_keys=True, indent=2) + "\n").encode())
    builder = repo.TreeBuilder()
    builder.insert(LINK_FILE, blob, pygit2.enums.FileMode.BLOB)
    # Who links is taken from the transport by the server; the commit's author is not read.
    sig = pygit2.Signature("gitannot link-model", "link-model@gitannot", int(time.time()), 0)
    commit = repo.create_commit(None, sig, sig, f"link model to {args.tag}", builder.write(), [])
    ref = f"{store.LINK_REFS}{args.tag}/{uuid.uuid4().hex[:12]}"
    workdir = repo.workdir or repo.path
    proc = run_git(["push", args.remote, f"{commit}:{ref}"], cwd=workdir, check=False)
    # The server's answer (accepted, or the hook's reason) is the user's to read.
    sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
    return EXIT_OK if proc.returncode == 0 else EXIT_DENIED


def _find(repo: pygit2.Repository, args: argparse.Namespace) -> int:
    found = 0
    for tag in store.tags(repo):
        for path, data in models(store.read(repo, tag) or {}):
            link = _link_payload(data)
            if link.get("uri") == args.uri:
                found += 1
                sys.stdout.write(f"{tag}\t{link.get('run_id') or '-'}\t{path}\n")
    return EXIT_OK if found else EXIT_DENIED
