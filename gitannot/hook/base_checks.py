"""Checks every installation runs, whatever the project's policy says."""

from collections import Counter

from gitannot.constants import AUDIT_REF
from gitannot.core.findings import Finding
from gitannot.core.refupdate import RefKind
from gitannot.gitio import repo as gitrepo
from gitannot.gitio.treenames import BadName, TreeNameChecker
from gitannot.push.context import PushContext


def check_identity(ctx: PushContext) -> list[Finding]:
    if ctx.identity is not None:
        return []
    return [
        Finding(
            rule="identity.missing",
            message="no authenticated pusher: the transport set none of GITANNOT_USER, "
            "GL_USER, REMOTE_USER, GITEA_PUSHER_NAME, GL_USERNAME, GITHUB_USER_LOGIN "
            "(or the name is not a valid user name)",
            hint="push through the server's SSH forced command or authenticated HTTP; "
            "commit author names never count as identity",
        )
    ]


def check_duplicate_refs(ctx: PushContext) -> list[Finding]:
    """Each ref at most once per push. git's client never sends a ref twice, but
    receive-pack runs any command list, one update after another; checks that look a
    ref's action up by name would judge one command by the other's (a rewind as the
    fast-forward sent after it, a deletion as an update)."""
    seen = Counter(u.ref for u in ctx.updates)
    return [
        Finding(
            rule="refs.duplicate-update",
            ref=ref,
            message=f"the push names {ref} {count} times; a push updates each ref once",
            hint="push each ref once (git's own client does); split the changes into "
            "separate pushes",
        )
        for ref, count in sorted(seen.items())
        if count > 1
    ]


def check_server_refs(ctx: PushContext) -> list[Finding]:
    """refs/notes/* belong to the server (the audit log); clients may never write them."""
    return [
        Finding(
            rule="refs.notes-server-only",
            ref=u.ref,
            message="refs/notes/* are written only by the server"
            + (" (this is the audit log)" if u.ref == AUDIT_REF else ""),
            hint="the audit log can be fetched but never pushed, rewound or deleted",
        )
        for u in ctx.updates
        if u.kind is RefKind.NOTES
    ]


def check_ref_targets(ctx: PushContext) -> list[Finding]:
    """Every pushed ref must lead to a commit.

    git refuses non-commits only under refs/heads/. A tag (or any other ref) pointing at a
    blob or tree would carry content past every per-commit path rule and limit.
    """
    findings = []
    for update in ctx.updates:
        if update.is_delete or update.kind is RefKind.NOTES:
            continue
        if gitrepo.peel_to_commit(ctx.repo, update.new) is None:
            findings.append(
                Finding(
                    rule="refs.non-commit-target",
                    ref=update.ref,
                    message=f"{update.new[:12]} is not a commit (nor a tag of one): "
                    "its content would bypass the path rules and content checks",
                    hint="point the ref at a commit that contains the files",
                )
            )
    return findings


def check_ref_case(ctx: PushContext) -> list[Finding]:
    """A new ref may not differ from another only in letter case.

    The server's refs are case-sensitive, but a clone on a case-insensitive file system
    keeps refs/heads/MAIN and refs/heads/main (or tag V1.0 and release v1.0) in one
    file: unreviewed work would pose there as the protected branch or the release.
    """
    creates = [u for u in ctx.updates if u.is_create and not u.is_delete]
    if not creates:
        return []
    known: dict[str, str] = {}
    for name in ctx.repo.references:
        known.setdefault(name.casefold(), name)
    findings = []
    for update in creates:
        other = known.setdefault(update.ref.casefold(), update.ref)
        if other != update.ref:
            findings.append(
                Finding(
                    rule="refs.case-collision",
                    ref=update.ref,
                    message=f"{update.ref} differs from {other} only in letter case: a "
                    "case-insensitive clone keeps both in one file, where one would pose "
                    "as the other",
                    hint=f"pick a name that differs from {other} in more than case",
                )
            )
    return findings


def check_tree_names(ctx: PushContext) -> list[Finding]:
    """No tree entry git refuses (`..`, `.git` and its disguises, empty names, `/`).

    git checks received objects only with receive.fsckObjects on (`server install` sets
    it); this check keeps a server with it off just as safe. Such a path would match
    `labels/**` yet land elsewhere on checkout, or make the branch impossible to clone.
    """
    checker = TreeNameChecker(ctx.repo)
    found: dict[str, list[BadName]] = {}
    findings: list[Finding] = []
    for update in ctx.updates:
        if update.is_delete or update.kind is RefKind.NOTES:
            continue
        for commit in ctx.incoming_commits(update):
            oid = str(commit.id)
            if oid not in found:
                found[oid] = checker.bad_names(commit)
            findings.extend(
                Finding(
                    rule="tree.invalid-name",
                    ref=update.ref,
                    commit=oid,
                    path=bad.path,
                    message=f"tree entry {bad.path!r} has {bad.reason}: git refuses to check "
                    "it out, and a path rule cannot see where it would land",
                    hint="rewrite the commit without this entry; on the server, keep "
                    "receive.fsckObjects on (`gitannot server doctor` checks it)",
                )
                for bad in found[oid]
            )
    return findings
