"""Push gate for refs/reviews/<commit>/<user>: a review record is the pusher's own.

Always on (the namespace is the server's to check, configured workflow or not): the
user in the ref name and in the record must be the transport identity, the record must
sit on the reviewed commit (or the user's previous record) and change no file.
"""

import pygit2

from gitannot.core.findings import Finding, Severity
from gitannot.gitio import repo as gitrepo
from gitannot.push.context import PushContext
from gitannot.workflow import records
from gitannot.workflow.model import REVIEWS_REF_PREFIX
from gitannot.workflow.pushview import ref_tips
from gitannot.workflow.trusted import load_workflow

HINT = "record reviews with `gitannot review approve|request-changes|comment|resolve`"


def check_reviews(ctx: PushContext) -> list[Finding]:
    if ctx.identity is None:
        return []
    findings: list[Finding] = []
    for update in ctx.updates:
        if update.ref.startswith(REVIEWS_REF_PREFIX):
            findings.extend(_check(ctx, update.ref, update.old, update.new, update.is_delete))
    return findings


def _deny(ref: str, rule: str, message: str) -> list[Finding]:
    return [Finding(rule=rule, ref=ref, message=message, hint=HINT)]


def _check(ctx: PushContext, ref: str, old: str, new: str, delete: bool) -> list[Finding]:
    assert ctx.identity is not None
    user = ctx.identity.user
    parsed = records.parse_ref(ref)
    if parsed is None:
        return _deny(ref, "review.bad-ref", f"{ref} is not refs/reviews/<40-hex commit>/<user>")
    reviewed_id, owner = parsed
    if owner != user:
        return _deny(
            ref, "review.not-yours", f"{user} may not write {owner}'s review record ({ref})"
        )
    if delete:
        return _deny(ref, "review.delete-denied", "review records are kept: push a new verdict")
    repo = ctx.repo
    reviewed = repo.get(reviewed_id)
    # Only commits the server already holds on a ref: a record must not smuggle new
    # commits in past the path rules of any branch.
    if not isinstance(reviewed, pygit2.Commit) or _is_new(repo, reviewed_id):
        return _deny(
            ref,
            "review.unknown-commit",
            f"{reviewed_id[:12]} is not on any branch of the server: push the work first",
        )
    tip = repo.get(new)
    if not isinstance(tip, pygit2.Commit):
        return _deny(ref, "review.bad-record", "a review ref must point at a record commit")
    try:
        record = records.parse_message(tip.message)
    except records.RecordError as exc:
        return _deny(ref, "review.bad-record", f"{ref}: {exc}")
    if record.user != user or record.commit != reviewed_id:
        return _deny(
            ref,
            "review.not-yours",
            f"the record names {record.user} on {record.commit[:12]}; the pusher is {user} "
            f"and the ref names {reviewed_id[:12]}: only your own record on that commit",
        )
    expected = reviewed_id if set(old) == {"0"} else old
    if [str(p) for p in tip.parent_ids] != [expected]:
        return _deny(
            ref,
            "review.bad-chain",
            f"a record's only parent must be {expected[:12]} (the reviewed commit or your "
            "previous record); records are never rewritten",
        )
    if tip.tree_id != reviewed.tree_id:
        return _deny(ref, "review.changes-files", "a review record must not change any file")
    branch = record.data.get("branch")
    if branch is not None and not _holds(repo, branch, reviewed_id):
        return _deny(
            ref,
            "review.bad-branch",
            f"the record names {branch}, which does not hold {reviewed_id[:12]} on the "
            "server: a record's branch is a branch of the server the reviewed commit is on",
        )
    return [_recorded(ctx, ref, record)]


def _holds(repo: pygit2.Repository, branch: str, commit: str) -> bool:
    """Is `commit` on the server's `branch` (its tip or an ancestor of it)? Pass rates
    and events file a verdict under the branch a record names, so it must be true."""
    ref = repo.references.get(branch) if branch.startswith("refs/heads/") else None
    tip = gitrepo.peel_to_commit(repo, str(ref.resolve().target)) if ref is not None else None
    if tip is None:
        return False
    return str(tip.id) == commit or repo.descendant_of(tip.id, pygit2.Oid(hex=commit))


def _is_new(repo: pygit2.Repository, commit: str) -> bool:
    existing = ref_tips(repo)
    return next(iter(gitrepo.new_commits(repo, commit, existing)), None) is not None


def _recorded(ctx: PushContext, ref: str, record: records.Record) -> Finding:
    what = record.verdict or record.kind
    data = record.data
    text = f"{record.user} {what} {record.commit[:12]}"
    if data.get("branch"):
        text += f" on {data['branch']}"
    if data.get("file"):
        text += f" at {data['file']}" + (f"#{data['annotation']}" if data.get("annotation") else "")
    if data.get("id"):
        text += f" [comment {data['id']}]"
    if data.get("text"):
        text += f": {data['text']}"
    state = load_workflow(ctx.base)
    if state.blob_id:
        ctx.applied["workflow"] = state.blob_id
    return Finding(
        rule=f"review.{what}", ref=ref, commit=record.commit, message=text, severity=Severity.INFO
    )
