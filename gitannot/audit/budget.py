"""A time limit for audit work, so writing the log runs under hook_timeout_seconds too."""

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from gitannot.audit.errors import AuditWriteError


@contextmanager
def time_limit(seconds: float | None, what: str) -> Iterator[None]:
    """Raise AuditWriteError when `what` takes longer than `seconds`.

    SIGALRM works only in the main thread and only when no other timer runs (the lock
    wait has its own); elsewhere the work runs unbounded rather than break that timer."""
    usable = (
        seconds is not None
        and seconds > 0
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )
    if not usable:
        yield
        return
    assert seconds is not None

    def on_alarm(signum: int, frame: object) -> None:  # noqa: ARG001 — a signal handler's signature
        raise AuditWriteError(
            f"{what} took longer than gitannot's time limit of {seconds:g}s",
            "push fewer refs at once, or raise hook_timeout_seconds in <repo>/gitannot/server.yaml",
        )

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
