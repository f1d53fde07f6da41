"""Every commit an accepted push brings gets its audit note, not only the branch tips;
the notes share one blob, and verify checks them all."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable

import pytest

from gitannot.main import main
from tests.gitenv import Client, ServerRepo


def _note(server: ServerRepo, commit: str) -> str:
    return server.git("notes", "--ref=audit", "show", commit).stdout


def test_two_commits_pushed_at_once_both_noted(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = make_client(server, "alice")
    first = alice.commit({"README.md": "one\n"})
    second = alice.commit({"README.md": "two\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    assert "pushed by alice" in _note(server, first)
    push_block = _note(server, second).split("\n\n")[0].strip()
    assert _note(server, first).strip() == push_block  # the push's block; the receipt: tips
    third = alice.commit({"README.md": "three\n"})
    fourth = alice.commit({"README.md": "four\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    assert "gitannot audit #3 push" in _note(server, third)
    assert "#3" not in _note(server, first)  # already on main: not noted again
    assert "gitannot audit #3 push" in _note(server, fourth)
    assert main(["audit", "verify", "--repo", str(server.path)]) == 0


def _fast_import(client: Client, count: int) -> str:
    """`count` commits on top of HEAD in one fast-import (each changes one file)."""
    parent = client.git("rev-parse", "HEAD").stdout.strip()
    lines = []
    for i in range(count):
        data = f"{i}\n"
        lines += [
            "commit refs/heads/many",
            f"committer T <t@example.com> {1700000000 + i} +0000",
            "data 1",
            "c",
        ]
        if i == 0:
            lines.append(f"from {parent}")
        lines += [f"M 100644 inline labels/notes/n{i % 50}.txt", f"data {len(data)}", data]
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=client.path,
        input=("\n".join(lines) + "\n").encode(),
        check=True,
        env=dict(os.environ),
    )
    return client.git("rev-parse", "refs/heads/many").stdout.strip()


@pytest.mark.slow
def test_ten_thousand_commits_each_noted(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    server.configure(hook_timeout_seconds=600)
    alice = make_client(server, "alice")
    alice.commit({"README.md": "root\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    count = 10_000
    tip = _fast_import(alice, count)
    started = time.monotonic()
    result = alice.push("refs/heads/many:refs/heads/many")
    print(f"push of {count} commits (hooks included): {time.monotonic() - started:.1f} s")
    assert result.accepted, result.output
    pushed = server.git("rev-list", "refs/heads/many", "--not", "refs/heads/main").stdout.split()
    assert len(pushed) == count and pushed[0] == tip
    notes = server.git("notes", "--ref=audit", "list").stdout.split()
    noted = set(notes[1::2])
    assert set(pushed) <= noted
    # One shared blob for all of them: the note objects stay O(1) per push.
    inner = set(pushed[1:])  # the tip's note also holds the receipt
    blobs = {notes[i] for i in range(0, len(notes), 2) if notes[i + 1] in inner}
    assert len(blobs) == 1
    started = time.monotonic()
    assert main(["audit", "verify", "--repo", str(server.path)]) == 0
    print(f"audit verify: {time.monotonic() - started:.1f} s")
