"""Test-only stand-in for the server's interpreter: runs gitannot with a fault injected
into the pre-receive pipeline. Installed per test by tests.faults.inject_fault; nothing
in the shipped hook path knows about it.

Usage (as the hook shim calls the interpreter): fault_hook.py KIND -m gitannot ARGS...
KIND: crash | hang (a first check that raises / never returns), access-crash |
access-hang (the access check itself raises / never returns).
"""

import signal
import sys

from gitannot.core.findings import Finding
from gitannot.hook import pipeline
from gitannot.main import main
from gitannot.push.context import PushContext


def _crash(ctx: PushContext) -> list[Finding]:  # noqa: ARG001 — a push check's signature
    raise RuntimeError("injected fault (test hook shim: crash)")


def _hang(ctx: PushContext) -> list[Finding]:  # noqa: ARG001 — a push check's signature
    while True:
        signal.pause()


def _inject(kind: str) -> None:
    stage, _, fault = kind.rpartition("-")
    check = _crash if fault == "crash" else _hang
    if not stage:
        pipeline.PUSH_CHECKS.insert(0, ("fault", check))
        return
    pipeline.PUSH_CHECKS[:] = [
        (name, check if name == stage else original) for name, original in pipeline.PUSH_CHECKS
    ]


if __name__ == "__main__":
    kind, dash_m, module, *args = sys.argv[1:]
    assert (dash_m, module) == ("-m", "gitannot"), sys.argv
    if args[:2] == ["hook", "pre-receive"]:
        _inject(kind)
    sys.exit(main(args))
