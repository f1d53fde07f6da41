"""The pre-receive service: parse, check, decide, record, report. Fails closed."""

import signal
import sys
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from gitannot.constants import EXIT_DENIED, EXIT_OK
from gitannot.core.findings import Finding, format_findings
from gitannot.hook import pipeline
from gitannot.hook.context import HookResult, PushContext
from gitannot.hook.startup import start_context
from gitannot.metrics import probe, spool


class HookTimeout(Exception):
    pass


def evaluate(ctx: PushContext) -> HookResult:
    """Run every check; identity failure stops the rest (they all need a pusher)."""
    _inject_fault(ctx.env)
    findings: list[Finding] = []
    for _name, check in pipeline.PUSH_CHECKS:
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


def _inject_fault(env: Mapping[str, str]) -> None:
    """Test seam: GITANNOT_FAULT=crash|hang. It can only ever cause a rejection."""
    fault = env.get("GITANNOT_FAULT", "")
    if fault == "crash":
        raise RuntimeError("injected fault (GITANNOT_FAULT=crash)")
    if fault == "hang":
        signal.pause()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    def on_alarm(signum: int, frame: object) -> None:  # noqa: ARG001 — a signal handler's signature
        raise HookTimeout(f"gitannot's own time limit of {seconds:g}s was exceeded")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_pre_receive(git_dir: Path, stdin_text: str, env: Mapping[str, str], out: TextIO) -> int:
    """Exit 0 to accept, 1 to reject. Every failure path rejects with a one-line reason."""
    started = time.perf_counter()
    probe.reset()
    ctx: PushContext | None = None
    try:
        ctx, startup_error = start_context(git_dir, stdin_text, env)
        if startup_error is not None:
            raise startup_error
        assert ctx is not None
        with deadline(ctx.server.hook_timeout_seconds):
            result = evaluate(ctx)
    except Exception as exc:  # noqa: BLE001 — fail closed on anything, including HookTimeout
        result = _failure_result(exc, ctx)
    if ctx is not None:
        result = _record(ctx, result)
    _report(ctx, result, out)
    verdict = "accepted" if result.accepted else "error" if result.error else "rejected"
    rules = [] if result.accepted else [f.rule for f in result.findings if f.blocks]
    spool.emit_hook(git_dir, "pre-receive", verdict, time.perf_counter() - started, rules)
    return EXIT_OK if result.accepted else EXIT_DENIED


def _failure_result(exc: Exception, ctx: PushContext | None) -> HookResult:
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
