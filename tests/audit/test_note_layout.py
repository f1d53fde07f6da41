"""v2 notes: an entry too long to copy into every commit's note is stored once under
seq/ and each note points to it; logs written in the v1 layout (a full copy in every
note) still verify, and removing the stored copy or a pointer note is caught."""

import hashlib
import os
import subprocess
from typing import Any

import pytest

from gitannot.audit import entry as E
from gitannot.audit import sshsig, writer
from gitannot.gitio.repo import hook_environment_without_quarantine
from gitannot.main import main
from gitannot.settings.keys import load_private_key
from gitannot.settings.server import audit_key_path
from tests.audit.helpers import rebuild
from tests.gitenv import ServerRepo

TIPS = 80  # enough update lines to pass E.NOTE_INLINE_MAX


def wide_fields(salt: int) -> dict[str, Any]:
    # Commit ids that look real: git's notes code crashes on ids sharing 38 zero digits.
    updates = [
        {"ref": f"refs/heads/many/b{i:03d}", "old": "0" * 40,
         "new": hashlib.sha1(f"{salt} {i}".encode()).hexdigest(), "action": "create",
         "decision": "accepted", "reasons": []}
        for i in range(TIPS)
    ]  # fmt: skip
    return {
        "type": "push", "decision": "accepted", "updates": updates, "reasons": [],
        "actor": {"user": "alice", "source": "test", "variable": "GITANNOT_USER"},
    }  # fmt: skip


def verify(server: ServerRepo, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    rc = main(["audit", "--repo", str(server.path), "verify"])
    return rc, capsys.readouterr().out


def note(server: ServerRepo, commit: str) -> str:
    return server.git("notes", "--ref=audit", "show", commit).stdout


def test_v1_copies_and_v2_pointers_both_verify(
    server: ServerRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    key = load_private_key(audit_key_path(server.path))
    old = {**wide_fields(1), "v": 1, "seq": 1, "prev": E.GENESIS_PREV,
           "time": "2026-01-01T00:00:00.000000Z"}  # fmt: skip
    data = E.canonical_bytes(old)
    rebuild(server, [(data, sshsig.sign(key, data, E.NAMESPACE))])
    new = writer.append(server.path, wide_fields(2))
    assert new.entry["v"] == 2

    rc, out = verify(server, capsys)
    assert rc == 0 and out.startswith("OK: 2 entries verified"), out
    v1_note = note(server, old["updates"][7]["new"])  # the whole entry, as v1 wrote it
    assert v1_note.count("refs/heads/many/b") == TIPS
    v2_note = note(server, new.entry["updates"][7]["new"])
    assert v2_note.startswith(f"gitannot audit #2 push {new.digest}\n")
    assert f"git show refs/notes/audit:{E.seq_path(2)}" in v2_note
    assert "refs/heads/many/b" not in v2_note
    stored = server.git("show", f"refs/notes/audit:{E.seq_path(2)}").stdout
    assert stored == E.note_block(new.entry, new.digest)
    # One blob for every tip that had no note: the push cost is linear, not quadratic.
    blobs = {
        server.git("rev-parse", f"refs/notes/audit:{u['new'][:2]}/{u['new'][2:]}").stdout
        for u in new.entry["updates"]
    }
    assert len(blobs) == 1


def test_small_entries_keep_the_whole_text_in_the_note(server: ServerRepo) -> None:
    fields = wide_fields(3)
    fields["updates"] = fields["updates"][:2]
    new = writer.append(server.path, fields)
    text = note(server, fields["updates"][1]["new"])
    assert text == E.note_block(new.entry, new.digest)


@pytest.mark.parametrize("what", ["stored", "pointer"])
def test_removing_the_stored_copy_or_a_pointer_note_is_caught(
    what: str, server: ServerRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    new = writer.append(server.path, wide_fields(4))
    writer.append(server.path, wide_fields(5))
    env = hook_environment_without_quarantine(dict(os.environ))
    tip = new.entry["updates"][3]["new"]
    if what == "pointer":
        subprocess.run(
            ["git", "--git-dir", str(server.path), "notes", "--ref=audit", "remove", tip],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        expected = f"removed the note on commit {tip} (written by #1)"
    else:
        work = server.path.parent / "work"
        subprocess.run(["git", "clone", "-q", str(server.path), str(work)], check=True)
        git = ["git", "-C", str(work)]
        subprocess.run([*git, "fetch", "-q", "origin", "refs/notes/audit:refs/notes/audit"],
                       check=True)  # fmt: skip
        subprocess.run([*git, "checkout", "-q", "refs/notes/audit"], check=True)
        subprocess.run([*git, "rm", "-q", E.seq_path(1)], check=True)
        subprocess.run([*git, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm",
                        "drop"], check=True)  # fmt: skip
        server.git("fetch", "-q", str(work), "+HEAD:refs/notes/audit")
        expected = f"removed the stored copy {E.seq_path(1)} (written by #1)"
    rc, out = verify(server, capsys)
    assert rc == 1 and expected in out, out
