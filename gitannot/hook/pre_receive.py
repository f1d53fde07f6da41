"""The pre-receive service: parse, check, decide, record, report. Fails closed."""

import signal
import sys
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from gitannot.access.breakglass import apply_bypass
from gitannot.access.check import BOOTSTRAP_SOURCE as BOOTSTRAP
from gitannot.constants import EXIT_DENIED, EXIT_OK
from gitannot.core.findings import Finding, format_findings
from gitannot.hook import pipeline
from gitannot.hook.startup import start_context
from gitannot.push.context import HookResult, PushContext


class HookTimeout(BaseException):
    """gitannot's own time limit. A BaseException on purpose: the `except Exception`
    that turns a validator crash into a finding must not turn a cut-short check into a
    verdict (it would be cached as one and served to the next attempt)."""


class StageTimeout(HookTimeout):
    """One stage's share of the time limit ran out (see ACCESS_SHARE)."""


# A bootstrap admin's access check gets this share of the time limit: when the policy in
# force hangs or crashes, the admin still has time left to push the fix.
ACCESS_SHARE = 0.5


def evaluate(ctx: PushContext) -> HookResult:
    """Run every check; identity failure stops the rest (they all need a pusher)."""
    findings: list[Finding] = []
    for name, check in pipeline.PUSH_CHECKS:
        if name == "access" and _is_bootstrap_admin(ctx):
            findings.extend(_access_for_bootstrap_admin(ctx, check))
        else:
            findings.extend(check(ctx))
        if ctx.identity is None:
            break
    blocking = [f for f in findings if f.blocks]
    denied_refs = {f.ref for f in blocking if f.ref}
    decisions = {
        u.ref: "denied" if (u.ref in denied_refs or (blocking and not denied_refs)) else "accepted"
        for u in ctx.updates
    }
    return HookResult(accepted=not blocking, findings=findings, ref_decisions=decisions)


def _is_bootstrap_admin(ctx: PushContext) -> bool:
    return ctx.identity is not None and ctx.identity.user in ctx.server.admins


def _access_for_bootstrap_admin(ctx: PushContext, check: pipeline.PushCheck) -> list[Finding]:
    """The documented way out: when the policy on the default branch cannot be evaluated
    (it crashes or runs out of time), a bootstrap admin pushes as on an empty repository,
    so a fix can land. Everyone else is rejected (fail closed). A policy that cannot be
    loaded at all is handled the same way by the access check itself."""
    assert ctx.identity is not None
    seconds = ctx.server.hook_timeout_seconds * ACCESS_SHARE
    notes = len(ctx.notes)
    try:
        with deadline(seconds, StageTimeout):
            return check(ctx)
    except (Exception, StageTimeout) as exc:  # noqa: BLE001 — the admin's way out of any failure
        del ctx.notes[notes:]
        ctx.bypass_reason = None
        reason = str(exc) if isinstance(exc, StageTimeout) else f"{type(exc).__name__}: {exc}"
        ctx.notes.append(
            f"the access policy in force could not be evaluated ({reason}); "
            f"{ctx.identity.user} pushes as a bootstrap admin"
        )
        return apply_bypass(
            ctx, ctx.identity.user, may=True, who=" ".join(ctx.server.admins), source=BOOTSTRAP
        )


@contextmanager
def deadline(seconds: float, kind: type[HookTimeout] = HookTimeout) -> Iterator[None]:
    """Raise `kind` after `seconds`; nests inside an outer deadline, which keeps running
    (and fires as itself when it comes first)."""
    started = time.monotonic()
    outer_left = signal.getitimer(signal.ITIMER_REAL)[0]
    previous = signal.getsignal(signal.SIGALRM)
    inner_first = not outer_left or seconds < outer_left

    def on_alarm(signum: int, frame: object) -> None:
        if inner_first or not callable(previous):
            what = "gitannot's own time limit" if kind is HookTimeout else "the access check's"
            raise kind(f"{what} of {seconds:g}s was exceeded")
        previous(signum, frame)  # type: ignore[arg-type]

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds if inner_first else outer_left)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:  # the outer limit keeps counting from where it was
            left = outer_left - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-4))


def run_pre_receive(git_dir: Path, stdin_text: str, env: Mapping[str, str], out: TextIO) -> int:
    """Exit 0 to accept, 1 to reject. Every failure path rejects with a one-line reason."""
    ctx: PushContext | None = None
    try:
        ctx, startup_error = start_context(git_dir, stdin_text, env)
        if startup_error is not None:
            raise startup_error
        assert ctx is not None
        with deadline(ctx.server.hook_timeout_seconds):
            result = evaluate(ctx)
    except (Exception, HookTimeout) as exc:  # noqa: BLE001 — fail closed on anything
        result = _failure_result(exc, ctx)
    if ctx is not None:
        result = _record(ctx, result)
    _report(ctx, result, out)
    return EXIT_OK if result.accepted else EXIT_DENIED


def _failure_result(exc: BaseException, ctx: PushContext | None) -> HookResult:
    if isinstance(exc, HookTimeout):
        rule, hint = "internal.timeout", "raise hook_timeout_seconds in <repo>/gitannot/server.yaml"
    else:
        rule, hint = "internal.error", "run `gitannot server doctor REPO.git` on the server"
        traceback.print_exc(file=sys.stderr) if _debug() else None
    reason = f"{type(exc).__name__}: {exc}" if not isinstance(exc, HookTimeout) else str(exc)
    finding = Finding(
        rule=rule, message=f"push rejected because the check failed: {reason}", hint=hint
    )
    refs = {u.ref: "denied" for u in ctx.updates} if ctx else {}
    return HookResult(accepted=False, findings=[finding], ref_decisions=refs, error=reason)


def _record(ctx: PushContext, result: HookResult) -> HookResult:
    """Run recorders (audit log). A recorder failure turns an accept into a reject."""
    for name, recorder in pipeline.PUSH_RECORDERS:
        try:
            recorder(ctx, result)
        except Exception as exc:  # noqa: BLE001 — a recorder failure refuses the push
            finding = Finding(
                rule=f"internal.{name}-failed",
                message=f"push rejected: the {name} step failed: {type(exc).__name__}: {exc}",
                hint="run `gitannot server doctor REPO.git` on the server",
            )
            return HookResult(
                accepted=False,
                findings=[*result.findings, finding],
                ref_decisions={ref: "denied" for ref in result.ref_decisions},
                error=str(exc),
            )
    return result


def _report(ctx: PushContext | None, result: HookResult, out: TextIO) -> None:
    user = ctx.identity.user if ctx and ctx.identity else "(no identity)"
    verdict = "accepted" if result.accepted else "REJECTED"
    lines = [f"gitannot: push by {user} {verdict}"]
    if ctx is not None:
        lines.extend(f"gitannot: {note}" for note in ctx.notes)
    lines.extend(f"gitannot: {line}" for line in format_findings(result.findings))
    out.write("\n".join(lines) + "\n")
    out.flush()


def _debug() -> bool:
    import os

    return bool(os.environ.get("GITANNOT_DEBUG"))
