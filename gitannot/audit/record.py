"""Hook glue: the pre-receive recorder (one entry per push attempt) and the
post-receive receipt (the refs really moved)."""

from collections import Counter
from typing import Any

import pygit2

from gitannot.audit import entry as E
from gitannot.audit import reader, state, writer
from gitannot.core.findings import Finding
from gitannot.core.identity import transport_details
from gitannot.core.refupdate import RefUpdate
from gitannot.hook.context import HookResult, PushContext

MAX_REASONS = 50  # per entry; the rest are counted per rule (validation can find 10k)
RECEIPT_SEARCH_DEPTH = 500  # how far back post-receive looks for its push entry


def lock_timeout(ctx: PushContext) -> float:
    value = ctx.server.extra.get("audit_lock_timeout_seconds", state.DEFAULT_LOCK_TIMEOUT)
    return (
        float(value) if isinstance(value, int | float) and value > 0 else state.DEFAULT_LOCK_TIMEOUT
    )


def record_push(ctx: PushContext, result: HookResult) -> None:
    """PUSH_RECORDERS entry: raising here turns an accepted push into a rejection."""
    entry = push_fields(ctx, result)
    appended = writer.append(ctx.git_dir, entry, lock_timeout=lock_timeout(ctx))
    ctx.notes.append(f"logged as audit #{appended.seq} {appended.digest}")


def push_fields(ctx: PushContext, result: HookResult) -> dict[str, Any]:
    by_ref: dict[str, list[Finding]] = {}
    general: list[Finding] = []
    for finding in result.findings:
        (by_ref.setdefault(finding.ref, []) if finding.ref else general).append(finding)
    updates = [
        {
            "ref": u.ref,
            "old": u.old,
            "new": u.new,
            "action": _action(ctx, u),
            "decision": result.ref_decisions.get(u.ref, "denied"),
            "reasons": _reasons(by_ref.get(u.ref, [])),
        }
        for u in ctx.updates
    ]
    return {
        "type": E.PUSH,
        "decision": "accepted" if result.accepted else "rejected",
        "actor": _actor(ctx),
        "transport": transport_details(ctx.env),
        "push_options": list(ctx.push_options),
        "updates": updates,
        "reasons": _reasons(general),
        "bypass": ctx.bypass_reason,
        "applied": dict(ctx.applied),
        "base": {"ref": ctx.base.ref, "commit": ctx.base.commit},
        "error": result.error,
    }


def _actor(ctx: PushContext) -> dict[str, str] | None:
    if ctx.identity is None:
        return None
    return {
        "user": ctx.identity.user,
        "source": ctx.identity.source,
        "variable": ctx.identity.variable,
    }


def _action(ctx: PushContext, update: RefUpdate) -> str:
    try:
        return ctx.action(update).value
    except (KeyError, ValueError, pygit2.GitError):  # objects unreadable: say so, still log
        return "create" if update.is_create else "delete" if update.is_delete else "unknown"


def _reasons(findings: list[Finding]) -> list[dict[str, Any]]:
    kept = [dict(f.to_dict()) for f in findings[:MAX_REASONS]]
    for item in kept:
        item.pop("hint", None)
    rest = Counter(f.rule for f in findings[MAX_REASONS:])
    if rest:
        summary = ", ".join(f"{rule} x{n}" for rule, n in sorted(rest.items()))
        kept.append({"rule": "audit.truncated", "severity": "info", "message": summary})
    return kept


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
    appended = writer.append(ctx.git_dir, fields, lock_timeout=lock_timeout(ctx))
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
