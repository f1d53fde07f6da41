"""The post-receive service: refs have moved; run informational steps (audit receipt)."""

from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from gitannot.constants import EXIT_OK
from gitannot.hook.post_steps import POST_RECEIVE_STEPS
from gitannot.hook.startup import build_context


def run_post_receive(git_dir: Path, stdin_text: str, env: Mapping[str, str], out: TextIO) -> int:
    """Never fails the push (it already landed); problems are printed for the pusher."""
    try:
        ctx = build_context(git_dir, stdin_text, env)
    except Exception as exc:  # noqa: BLE001 — the push already landed: report, never fail
        out.write(f"gitannot: post-receive could not start: {exc}\n")
        return EXIT_OK
    for name, step in POST_RECEIVE_STEPS:
        try:
            lines = step(ctx)
        except Exception as exc:  # noqa: BLE001 — one failed step must not stop the others
            lines = [f"post-receive step {name} failed: {type(exc).__name__}: {exc}"]
        for line in lines:
            out.write(f"gitannot: {line}\n")
    out.flush()
    return EXIT_OK
