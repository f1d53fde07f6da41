"""Push limits (like GitHub push rulesets and gitolite VREFs). Pure: changes in, hits out.

Limit paths are deny lists: they match without regard to case (`a.ZIP` is `a.zip`).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from gitannot.access import globs
from gitannot.access.model import POLICY_PATH, Limit, LimitKind, Mode, Policy
from gitannot.core.changes import MODE_SUBMODULE, MODE_SYMLINK, Change
from gitannot.core.findings import Finding
from gitannot.core.refupdate import RefUpdate

# Every ref update costs hook time and a line in the audit log; a policy without a
# max_ref_updates limit gets this one (also while no policy is in force).
DEFAULT_MAX_REF_UPDATES = 1000
DEFAULT_LIMIT = Limit(
    kind=LimitKind.MAX_REF_UPDATES,
    value=DEFAULT_MAX_REF_UPDATES,
    paths=(),
    refs=("**",),
    mode=Mode.ENFORCE,
    source=f"gitannot's default (set max_ref_updates under limits: in {POLICY_PATH})",
)


@dataclass(frozen=True)
class LimitHit:
    limit: Limit
    path: str
    message: str


def applicable(policy: Policy, ref: str, user: str) -> list[Limit]:
    return [lim for lim in policy.limits if any(globs.matches(p, ref, user) for p in lim.refs)]


def check_change(limits: Iterable[Limit], change: Change, user: str) -> list[LimitHit]:
    """Per-path limits. A deletion never breaks one: removing a bad file must stay possible."""
    if change.mode is None:
        return []
    hits = []
    for lim in limits:
        if lim.kind is LimitKind.MAX_CHANGED_FILES:
            continue
        # The cheap test on the change first; globs only when the change could break it.
        message = _breaks(lim, change)
        if message and any(globs.matches_any_case(p, change.path, user) for p in lim.paths):
            hits.append(LimitHit(lim, change.path, message))
    return hits


def _breaks(lim: Limit, change: Change) -> str | None:
    if lim.kind is LimitKind.MAX_BLOB_BYTES:
        if change.mode == MODE_SUBMODULE:
            return None  # a gitlink has no size here (forbid_submodules covers it)
        if change.size is None:  # fail closed: an unreadable object is not a small one
            return f"its size cannot be read, so the limit of {lim.value} bytes is not met"
        if change.size > lim.value:
            return f"file is {change.size} bytes, over the limit of {lim.value} bytes"
        return None
    if lim.kind is LimitKind.FORBID_PATHS:
        return "this path is forbidden by a limit"
    if lim.kind is LimitKind.FORBID_SYMLINKS and change.mode == MODE_SYMLINK:
        return "symlinks are not allowed here"
    if lim.kind is LimitKind.FORBID_SUBMODULES and change.mode == MODE_SUBMODULE:
        return "submodules (gitlinks) are not allowed here"
    return None


def check_count(limits: Iterable[Limit], paths: set[str], user: str) -> list[LimitHit]:
    """max_changed_files: distinct paths a ref update's new commits touch."""
    hits = []
    for lim in limits:
        if lim.kind is not LimitKind.MAX_CHANGED_FILES:
            continue
        count = sum(1 for p in paths if any(globs.matches_any_case(g, p, user) for g in lim.paths))
        if count > lim.value:
            hits.append(LimitHit(lim, "", f"{count} files changed, over the limit of {lim.value}"))
    return hits


def check_ref_count(policy: Policy | None, updates: list[RefUpdate], user: str) -> list[Finding]:
    """max_ref_updates: ref updates in one push (those matching the limit's refs).

    Checked before anything per ref, so an oversized push costs little; a break-glass
    bypass does not lift it (it guards the server, not the content)."""
    own = [lim for lim in policy.limits if lim.kind is LimitKind.MAX_REF_UPDATES] if policy else []
    findings = []
    for lim in own or [DEFAULT_LIMIT]:
        count = sum(1 for u in updates if any(globs.matches(p, u.ref, user) for p in lim.refs))
        if count <= lim.value:
            continue
        findings.append(
            Finding(
                rule=f"access.limit.{lim.kind.value}",
                message=f"DENIED by limit max_ref_updates: this push updates {count} refs, "
                f"over the limit of {lim.value} per push",
                source=lim.source,
                hint=f"split the push into batches of at most {lim.value} refs (e.g. push "
                "refs/heads/a* then refs/heads/b*, or a few refspecs per `git push`), or an "
                f"admin may raise `max_ref_updates` under `limits:` in {POLICY_PATH}",
                evaluate_only=lim.mode is Mode.EVALUATE,
            )
        )
    return findings
