"""Hook glue: the pre-receive recorder (one entry per push attempt) and the
post-receive receipt (the refs really moved)."""

from collections import Counter
from typing import Any

import pygit2

from gitannot.audit import bounds, reader, state, writer
from gitannot.audit import entry as E
from gitannot.core.findings import Finding
from gitannot.core.identity import transport_details
from gitannot.core.refupdate import RefUpdate
from gitannot.push.context import HookResult, PushContext

RECEIPT_SEARCH_DEPTH = 500  # how far back post-receive looks for its push entry


def lock_timeout(ctx: PushContext) -> float:
    value = ctx.server.extra.get("audit_lock_timeout_seconds", state.DEFAULT_LOCK_TIMEOUT)
    return (
        float(value) if isinstance(value, int | float) and value > 0 else state.DEFAULT_LOCK_TIMEOUT
    )


def record_push(ctx: PushContext, result: HookResult) -> None:
    """PUSH_RECORDERS entry: raising here turns an accepted push into a rejection."""
    entry = push_fields(ctx, result)
    appended = writer.append(
        ctx.git_dir,
        entry,
        lock_timeout=lock_timeout(ctx),
        time_limit=ctx.server.hook_timeout_seconds,
    )
    ctx.notes.append(f"logged as audit #{appended.seq} {appended.digest}")


class _Quota:
    """Reasons left for the rest of the entry (validation can find 10k)."""

    def __init__(self, caps: bounds.Caps) -> None:
        self.caps = caps
        self.left = caps.reasons


def push_fields(ctx: PushContext, result: HookResult) -> dict[str, Any]:
    """The entry's fields, bounded (see audit.bounds): an accepted push records every
    ref update (the policy's max_ref_updates bounds them); a rejected one its first
    100, the rest as a count and digest, and if that is still over 64 KB it is
    rebuilt with tighter caps."""
    fields = _push_fields(ctx, result, bounds.NORMAL)
    if not result.accepted and bounds.size(fields) > bounds.MAX_REJECTED_ENTRY_BYTES:
        fields = _push_fields(ctx, result, bounds.TIGHT)
    return fields


def _push_fields(ctx: PushContext, result: HookResult, caps: bounds.Caps) -> dict[str, Any]:
    by_ref: dict[str, list[Finding]] = {}
    general: list[Finding] = []
    for finding in result.findings:
        (by_ref.setdefault(finding.ref, []) if finding.ref else general).append(finding)
    kept, rest = list(ctx.updates), []
    if not result.accepted and len(kept) > caps.rejected_updates:
        kept, rest = kept[: caps.rejected_updates], kept[caps.rejected_updates :]
    quota = _Quota(caps)
    updates = [
        {
            "ref": u.ref if result.accepted else bounds.text(u.ref, caps.text),
            "old": u.old,
            "new": u.new,
            "action": _action(ctx, u),
            "decision": result.ref_decisions.get(u.ref, "denied"),
            "reasons": _reasons(by_ref.get(u.ref, []), quota),
        }
        for u in kept
    ]
    options, options_rest = bounds.push_options(list(ctx.push_options), caps.text)
    bypass, error = ctx.bypass_reason, result.error
    fields: dict[str, Any] = {
        "type": E.PUSH,
        "decision": "accepted" if result.accepted else "rejected",
        "actor": _actor(ctx),
        "transport": bounds.strings(transport_details(ctx.env), caps.text),
        "push_options": options,
        "updates": updates,
        "reasons": _reasons(general, quota),
        "bypass": bounds.text(bypass, caps.text) if bypass else bypass,
        "applied": dict(ctx.applied),
        "base": {"ref": ctx.base.ref, "commit": ctx.base.commit},
        "error": bounds.text(error, caps.text) if error else error,
    }
    if options_rest:
        fields["push_options_omitted"] = options_rest
    if rest:
        fields["updates_omitted"] = bounds.omitted(
            [{"ref": u.ref, "old": u.old, "new": u.new} for u in rest]
        )
        dropped = Counter(f.rule for u in rest for f in by_ref.get(u.ref, []))
        if dropped:
            fields["reasons"].append(_summary(dropped, f"for the {len(rest)} omitted ref updates"))
    return fields


def _actor(ctx: PushContext) -> dict[str, str] | None:
    if ctx.identity is None:
        return None
    return bounds.strings(
        {
            "user": ctx.identity.user,
            "source": ctx.identity.source,
            "variable": ctx.identity.variable,
        }
    )


def _action(ctx: PushContext, update: RefUpdate) -> str:
    try:
        return ctx.action(update).value
    except (KeyError, ValueError, pygit2.GitError):  # objects unreadable: say so, still log
        return "create" if update.is_create else "delete" if update.is_delete else "unknown"


def _reasons(findings: list[Finding], quota: _Quota) -> list[dict[str, Any]]:
    room = max(0, min(quota.caps.reasons_per_list, quota.left))
    quota.left -= min(room, len(findings))
    kept = [bounds.strings(dict(f.to_dict()), quota.caps.text) for f in findings[:room]]
    for item in kept:
        item.pop("hint", None)
    rest = Counter(f.rule for f in findings[room:])
    if rest:
        kept.append(_summary(rest, "more"))
    return kept


def _summary(rules: Counter[str], what: str) -> dict[str, Any]:
    listed = ", ".join(f"{rule} x{n}" for rule, n in sorted(rules.items())[:50])
    more = f" and {len(rules) - 50} more rules" if len(rules) > 50 else ""
    message = bounds.text(f"{sum(rules.values())} findings {what}: {listed}{more}")
    return {"rule": "audit.truncated", "severity": "info", "message": message}


def receipt_step(ctx: PushContext) -> list[str]:
    """POST_RECEIVE_STEPS entry: record that the refs moved, print the receipt."""
    push = find_push_entry(ctx.repo, ctx)
    moved = [
        {"ref": u.ref, "old": u.old, "new": u.new, "action": _action(ctx, u)} for u in ctx.updates
    ]
    fields = {
        "type": E.RECEIPT,
        "completes": push.seq if push else None,
        "completes_digest": push.digest if push else None,
        "actor": _actor(ctx),
        "updates": moved,
    }
    appended = writer.append(
        ctx.git_dir,
        fields,
        lock_timeout=lock_timeout(ctx),
        time_limit=ctx.server.hook_timeout_seconds,
    )
    if push is None:
        return [f"audit #{appended.seq} {appended.digest} (receipt; no matching push entry!)"]
    return [f"audit #{push.seq} {push.digest} (refs moved: receipt #{appended.seq})"]


def find_push_entry(repo: pygit2.Repository, ctx: PushContext) -> reader.LogEntry | None:
    """The newest accepted push entry by this pusher that holds these ref updates.

    Concurrent pushes interleave, so walk back a bounded distance rather than take the
    head; an entry already completed by a receipt is skipped."""
    # Only the refs git really moved reach post-receive: a subset of the push's updates
    # when git refused some of them after pre-receive accepted.
    wanted = {(u.ref, u.old, u.new) for u in ctx.updates}
    user = ctx.identity.user if ctx.identity else None
    completed: set[int] = set()
    commit = reader.head_commit(repo)
    for _ in range(RECEIPT_SEARCH_DEPTH):
        if commit is None:
            return None
        try:
            item = reader.parse_commit(commit)
        except E.EntryFormatError:
            return None
        entry = item.entry
        if entry.get("type") == E.RECEIPT and entry.get("completes"):
            completed.add(int(entry["completes"]))
        elif (
            entry.get("type") == E.PUSH
            and entry.get("decision") == "accepted"
            and item.seq not in completed
            and (entry.get("actor") or {}).get("user") == user
            and wanted <= {(u["ref"], u["old"], u["new"]) for u in entry["updates"]}
        ):
            return item
        commit = commit.parents[0] if commit.parents else None
    return None
