"""Attack: one push that names the same ref twice. git's client never sends that, but
receive-pack runs whatever command list a client sends, one ref update after another.
The hook kept a ref's action in a table keyed by ref name, so the second command's
action (a fast-forward) stood for the first (a rewind): a reviewer allowed only to
update main force-rewound it. A client speaking the protocol itself does this."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

from tests.access.helpers import assert_accepted
from tests.gitenv import Client, ServerRepo
from tests.workflow.helpers import gitannot, start_from


def _pkt(line: str) -> bytes:
    data = line.encode()
    return f"{len(data) + 4:04x}".encode() + data


def raw_push(client: Client, user: str, commands: list[tuple[str, str, str]]) -> str:
    """Send receive-pack this command list (objects already on the server: an empty
    pack), as the transport with `user` as the identity; its output."""
    first, *rest = commands
    body = _pkt(f"{first[0]} {first[1]} {first[2]}\0report-status\n")
    body += b"".join(_pkt(f"{old} {new} {ref}\n") for old, new, ref in rest) + b"0000"
    pack = subprocess.run(
        ["git", "pack-objects", "--stdout", "--revs"], cwd=client.path, input=b"",
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    proc = subprocess.run(
        ["git", "receive-pack", str(client.server.path)], input=body + pack,
        env=dict(os.environ, GITANNOT_USER=user), capture_output=True, check=False,
    )  # fmt: skip
    return proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")


def test_a_push_may_name_each_ref_once(wf: ServerRepo, user: Callable[[str], Client]) -> None:
    alice = user("alice")
    start_from(alice)
    commits = [alice.commit({"labels/cats/b.txt": f"cat 2 v{n}\n"}, f"v{n}") for n in (1, 2, 3)]
    refs = [f"{c}:refs/heads/review/alice/v{n}" for n, c in enumerate(commits)]
    assert_accepted(alice.push(*refs))
    erin = user("erin")
    for n in range(3):
        assert gitannot(erin, "review", "approve", f"review/alice/v{n}").accepted
    first, second, third = commits
    dave = user("dave")  # may update main, never force it
    assert_accepted(dave.push(f"{second}:refs/heads/main"))
    out = raw_push(
        dave, "dave", [(second, first, "refs/heads/main"), (second, third, "refs/heads/main")]
    )
    assert "[refs.duplicate-update] refs/heads/main" in out, out
    assert "names refs/heads/main 2 times" in out
    assert wf.rev("refs/heads/main") == second
