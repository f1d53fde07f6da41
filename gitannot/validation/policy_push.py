"""A push that changes the access policy must leave one that loads.

The policy is read from the default branch on every later push; one that does not load
(bad YAML, an alias bomb, an unknown key) would lock everyone but the bootstrap admins
out. So the policy at each pushed tip is linted whenever the push changes it (from the
ref's old tip, or for a new ref from where it leaves the default branch), whoever pushes
and whatever branch it goes to (it may be merged into the default branch later).
"""

import pygit2

from gitannot.access.model import POLICY_PATH
from gitannot.access.trusted import parse_bytes
from gitannot.constants import ZERO_OID
from gitannot.core.findings import Finding
from gitannot.core.refupdate import RefUpdate
from gitannot.gitio import repo as gitrepo
from gitannot.push.context import PushContext


def check_pushed_policy(ctx: PushContext) -> list[Finding]:
    findings = []
    for update in ctx.updates:
        if update.is_delete:
            continue
        blob = gitrepo.blob_id(ctx.repo, update.new, POLICY_PATH)
        if blob is None or blob == gitrepo.blob_id(ctx.repo, _before(ctx, update), POLICY_PATH):
            continue
        state = parse_bytes(gitrepo.read_blob(ctx.repo, update.new, POLICY_PATH), POLICY_PATH, blob)
        if state.error is not None:
            findings.append(
                Finding(
                    rule="access.pushed-policy-invalid",
                    ref=update.ref,
                    path=POLICY_PATH,
                    message=f"push rejected: the pushed {POLICY_PATH} does not load: "
                    f"{state.error.message}",
                    source=state.error.source,
                    hint=f"run `gitannot policy lint {POLICY_PATH}` and fix it; a policy "
                    "that does not load would lock everyone out",
                )
            )
    return findings


def _before(ctx: PushContext, update: RefUpdate) -> str | None:
    """What the push changes the ref from: its old tip, or for a new ref the point where
    it leaves the default branch (a branch started on a commit that already had the
    policy does not change it)."""
    if update.old != ZERO_OID:
        return update.old
    if ctx.base.commit is None:
        return None
    try:
        fork = ctx.repo.merge_base(update.new, ctx.base.commit)
    except (pygit2.GitError, ValueError):
        return None
    return str(fork) if fork is not None else None
