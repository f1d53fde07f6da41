"""Push gate: a protected ref moves only onto commits with enough independent approvals.

Counted: the latest verdict of each reviewer the rule selects on exactly the new tip,
when that reviewer pushed none of the commits the ref gains (who pushed comes from the
audit log). Approvals of older commits are stale once the branch moved past them
(`dismiss_stale: false` counts them). A standing request-changes blocks.
"""

from dataclasses import dataclass, field

from gitannot.access import globs
from gitannot.core.findings import Finding, Severity
from gitannot.core.refupdate import RefUpdate
from gitannot.gitio import repo as gitrepo
from gitannot.push.context import PushContext
from gitannot.workflow import approvals
from gitannot.workflow.model import Protection
from gitannot.workflow.pushview import WorkflowPush

HINT = (
    "a reviewer fetches the branch and runs `gitannot review approve BRANCH`; then push "
    "main onto exactly the approved commit"
)


def check_protected(ctx: PushContext) -> list[Finding]:
    view = WorkflowPush.of(ctx)
    if view is None or view.state.config is None:
        return []  # not configured, or check_tasks already reported the broken config
    findings: list[Finding] = []
    for update in view.branch_updates():
        rule = next((r for r in view.config.protect if _covers(r, update.ref)), None)
        if rule is None:
            continue
        if ctx.bypass_reason is not None:
            findings.append(
                Finding(
                    rule="workflow.approvals-bypassed",
                    ref=update.ref,
                    message=f"break-glass by {view.user}: {update.ref} moved to "
                    f"{update.new[:12]} without the required approvals",
                    severity=Severity.WARNING,
                )
            )
            continue
        findings.extend(_check(view, update, rule))
    return findings


def _covers(rule: Protection, ref: str) -> bool:
    return any(globs.matches(p, ref, "") for p in rule.refs)


@dataclass
class _Tally:
    counted: list[str] = field(default_factory=list)
    self_approved: list[str] = field(default_factory=list)
    not_reviewer: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)


def _check(view: WorkflowPush, update: RefUpdate, rule: Protection) -> list[Finding]:
    # Never empty for a move: a ref moved onto a commit it or the base already held
    # needs that commit approved like any other.
    commits = view.gained(update)
    target = gitrepo.peel_to_commit(view.ctx.repo, update.new)
    if not commits or target is None:
        return []  # refs.non-commit-target reports a ref that leads to no commit
    pushed_by = {view.pusher(c) for c in commits}
    tally = _tally(view, str(target.id), commits, pushed_by, rule)
    tip = str(target.id)[:12]
    if len(tally.counted) >= rule.approvals and not tally.changes:
        return [
            Finding(
                rule="workflow.approved",
                ref=update.ref,
                commit=str(target.id),
                message=f"{update.ref} moves onto {tip} approved by {', '.join(tally.counted)} "
                f"(pushed by {', '.join(sorted(pushed_by))})",
                severity=Severity.INFO,
            )
        ]
    policy = view.state.policy
    assert policy is not None
    may = [
        u
        for u in policy.known_users()
        if view.selects(rule.reviewers, u) and u not in pushed_by and u not in tally.counted
    ]
    missing = max(rule.approvals - len(tally.counted), 0)
    parts = [
        f"{update.ref} may move onto {tip} only with {rule.approvals} approval(s) of that "
        f"exact commit from {' '.join(rule.reviewers)}, none by a pusher of its commits "
        f"({', '.join(sorted(pushed_by))}); counted: {', '.join(tally.counted) or 'none'}"
    ]
    if tally.self_approved:
        parts.append(f"not counted, self-approval: {', '.join(tally.self_approved)}")
    if tally.not_reviewer:
        parts.append(f"not counted, not a required reviewer: {', '.join(tally.not_reviewer)}")
    if tally.stale:
        parts.append(f"stale, the branch moved after them: {', '.join(tally.stale)}")
    if tally.changes:
        parts.append(f"changes requested by {', '.join(tally.changes)}")
    if missing:
        parts.append(f"missing {missing} more from: {', '.join(may) or 'nobody eligible'}")
    return [
        Finding(
            rule="workflow.approvals-missing",
            ref=update.ref,
            commit=str(target.id),
            message="; ".join(parts),
            source=rule.source,
            hint=HINT,
        )
    ]


def _tally(
    view: WorkflowPush, tip: str, commits: list[str], pushed_by: set[str], rule: Protection
) -> _Tally:
    tally = _Tally()
    repo = view.ctx.repo
    for user, verdict in sorted(approvals.verdicts(repo, tip).items()):
        if verdict == "request-changes":
            if view.selects(rule.reviewers, user):
                tally.changes.append(user)
        elif not view.selects(rule.reviewers, user):
            tally.not_reviewer.append(user)
        elif user in pushed_by:
            tally.self_approved.append(user)
        else:
            tally.counted.append(user)
    for commit in commits:
        if commit == tip:
            continue
        for user, verdict in sorted(approvals.verdicts(repo, commit).items()):
            if verdict != "approve" or user in tally.counted or user in tally.changes:
                continue
            if (
                not rule.dismiss_stale
                and view.selects(rule.reviewers, user)
                and (user not in pushed_by)
            ):
                tally.counted.append(user)
            else:
                tally.stale.append(f"{user} ({commit[:12]})")
    return tally
