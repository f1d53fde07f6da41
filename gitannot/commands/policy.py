"""`gitannot policy lint|explain|check`: the hook's access decisions, offline."""

import argparse
import sys
from pathlib import Path

from gitannot.access import offline
from gitannot.access.check import check_access
from gitannot.access.evaluate import decide, trace
from gitannot.access.model import ACTION_NAMES, POLICY_PATH
from gitannot.constants import EXIT_DENIED, EXIT_OK
from gitannot.core.findings import format_findings
from gitannot.core.refupdate import RefUpdate
from gitannot.errors import ConfigError
from gitannot.hook.base_checks import check_ref_targets, check_server_refs

NAME = "policy"
HELP = "check or explain access decisions offline (same answers as the server hook)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    lint = sub.add_parser("lint", help="parse a policy file and report the first problem")
    lint.add_argument("file", type=Path, nargs="?", default=Path(POLICY_PATH))

    explain = sub.add_parser(
        "explain",
        help="may USER do ACTION on REF (and PATH)? shows the rules in evaluation order",
        description="Exit 0 when allowed, 1 when denied.",
    )
    explain.add_argument("user")
    explain.add_argument("ref", help="full ref name, e.g. refs/heads/main")
    explain.add_argument("action", choices=sorted(ACTION_NAMES))
    explain.add_argument("--path", help="a file path the change touches")
    _source_args(explain)
    explain.add_argument("--policy", type=Path, metavar="FILE", help="use this file instead")

    check = sub.add_parser(
        "check",
        help="would the server accept USER's update of REF from OLD to NEW?",
        description="Runs the hook's access check on every new commit of OLD..NEW "
        "(use 0 for a create or a delete). Exit 0 when accepted, 1 when denied.",
    )
    check.add_argument("--user", required=True, help="the pusher, as the transport names them")
    check.add_argument("ref", help="full ref name, e.g. refs/heads/annotate/bob/x")
    check.add_argument("old", help="revision the ref points at now, or 0 (create)")
    check.add_argument("new", help="revision to push, or 0 (delete)")
    check.add_argument(
        "-o",
        "--push-option",
        action="append",
        default=[],
        dest="options",
        metavar="OPTION",
        help='as `git push -o`, e.g. gitannot.bypass="reason"',
    )
    check.add_argument(
        "--admin", action="append", default=[], help="bootstrap admin (client repos)"
    )
    _source_args(check)


def _source_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", type=Path, default=Path("."), help="server or client repo")
    parser.add_argument("--base", help="ref holding the policy (default: the default branch)")
    parser.add_argument("--remote", default="origin", help="remote of a client repo")


def run(args: argparse.Namespace) -> int:
    if args.policy_command == "lint":
        return _lint(args.file)
    if args.policy_command == "explain":
        return _explain(args)
    return _check(args)


def _lint(path: Path) -> int:
    state = offline.policy_state(None, "", path)
    if state.error is not None:
        raise state.error
    assert state.policy is not None
    p = state.policy
    print(f"{path}: ok: {len(p.known_users())} users, {len(p.rules)} rules, {len(p.limits)} limits")
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    repo = None if args.policy else offline.open_repo(args.repo)
    base = offline.base_ref(repo, args.remote, args.base) if repo else ""
    state = offline.policy_state(repo, base, args.policy)
    if repo is not None:
        sys.stderr.write(offline.used_commit_line(repo, base) + "\n")
    if state.error is not None:
        raise ConfigError(f"the policy cannot be used: {state.error.message}")
    if state.policy is None:
        print(f"no {POLICY_PATH} on {base}: only the bootstrap admins may push")
        return EXIT_DENIED
    policy, action = state.policy, ACTION_NAMES[args.action]
    if not policy.knows(args.user):
        print(f"DENIED: user {args.user!r} is not in {policy.path}")
        return EXIT_DENIED
    for rule, hit in trace(policy, args.user, args.ref, action, args.path):
        print(f"  {rule.source}: {'MATCH' if hit else 'no match'}: {rule.describe()}")
    decision = decide(policy, args.user, args.ref, action, args.path)
    target = f" {args.path}" if args.path else ""
    verdict = "ALLOWED" if decision.allowed else "DENIED"
    decided = decision.source or f"{policy.path} (no matching rule: deny by default)"
    print(f"{verdict}: {args.user} {args.action} {args.ref}{target} (decided by {decided})")
    if decision.would_decide is not None:
        print(f"  evaluate-mode rule {decision.would_decide.source} disagrees (not enforced)")
    return EXIT_OK if decision.allowed else EXIT_DENIED


def _check(args: argparse.Namespace) -> int:
    repo = offline.open_repo(args.repo)
    update = RefUpdate(offline.resolve(repo, args.old), offline.resolve(repo, args.new), args.ref)
    ctx = offline.push_context(
        repo,
        update,
        args.user,
        base=offline.base_ref(repo, args.remote, args.base),
        admins=args.admin,
        options=args.options,
    )
    findings = check_server_refs(ctx) + check_ref_targets(ctx) + check_access(ctx)
    blocking = any(f.blocks for f in findings)
    verdict = "DENIED" if blocking else "ALLOWED"
    print(f"{verdict}: {args.user} {ctx.action(update).value} {update.ref}")
    for line in ctx.notes + format_findings(findings):
        print(line)
    print(offline.used_commit_line(repo, ctx.base.ref))
    return EXIT_DENIED if blocking else EXIT_OK
