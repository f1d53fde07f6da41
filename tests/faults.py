"""Fault injection for real pushes, from the outside: the server's recorded interpreter
is swapped for a test-only wrapper (tests/fault_hook.py) that crashes or hangs a check.
"""

import sys
from pathlib import Path

from tests.gitenv import ServerRepo

FAULT_HOOK = Path(__file__).resolve().with_name("fault_hook.py")


def inject_fault(server: ServerRepo, kind: str) -> None:
    """From now on every pre-receive of `server` runs with fault `kind` (see fault_hook)."""
    state = server.path / "gitannot"
    wrapper = state / "fault-python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAULT_HOOK}" {kind} "$@"\n')
    wrapper.chmod(0o755)
    interpreter = state / "interpreter"
    saved = state / "interpreter.real"
    if not saved.exists():
        saved.write_text(interpreter.read_text())
    interpreter.write_text(f"{wrapper}\n")


def clear_fault(server: ServerRepo) -> None:
    state = server.path / "gitannot"
    saved = state / "interpreter.real"
    (state / "interpreter").write_text(saved.read_text())
    saved.unlink()
