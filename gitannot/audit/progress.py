"""A progress line on stderr for long runs (verify of a year's log): silent for the
first second, then updated at most a few times a second, ended with a newline. Only
when asked (`enabled`: stderr is a terminal, or --progress), so logs and pipes stay clean."""

import sys
import time
from typing import TextIO


class Progress:
    def __init__(
        self, what: str, out: TextIO | None = None, delay: float = 1.0, *, enabled: bool = True
    ) -> None:
        self.what = what
        self.enabled = enabled
        self.out = out if out is not None else sys.stderr
        self.start = time.monotonic()
        self.delay = delay
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        elapsed = now - self.start
        if elapsed < self.delay or (now - self.last < 0.25 and done < total):
            return
        self.last = now
        rate = done / elapsed if elapsed > 0 else 0.0
        width = 30
        filled = width * done // total if total else width
        bar = "#" * filled + "." * (width - filled)
        left = (total - done) / rate if rate else 0.0
        self.out.write(
            f"\r{self.what} [{bar}] {done:,}/{total:,} ({rate:,.0f}/s, {left:.0f}s left) "
        )
        self.out.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.out.write("\n")
            self.out.flush()
