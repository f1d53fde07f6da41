"""Every kind of tampering is caught by `gitannot audit verify` with a specific message."""

import os
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gitannot.audit import entry as E
from gitannot.audit import sshsig, writer
from gitannot.audit.reader import LogEntry
from gitannot.gitio.repo import hook_environment_without_quarantine
from gitannot.main import main
from gitannot.settings.keys import load_private_key
from gitannot.settings.server import audit_key_path
from tests.audit.helpers import log_entries, rebuild, synthetic_fields
from tests.gitenv import ServerRepo


@pytest.fixture
def logged(server: ServerRepo) -> list[LogEntry]:
    """A 5-entry log written through the real writer (no pushes needed for tamper tests)."""
    for i, user in enumerate(["alice", "bob", "carol", "alice", "dave"]):
        writer.append(
            server.path, synthetic_fields(server, user, "rejected" if i == 1 else "accepted")
        )
    return log_entries(server)


def verify(server: ServerRepo, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    rc = main(["audit", "--repo", str(server.path), "verify", *extra])
    return rc, capsys.readouterr().out


def pairs(items: list[LogEntry]) -> list[tuple[bytes, str]]:
    return [(i.data, i.signature) for i in items]


def test_intact_log_verifies(
    server: ServerRepo, logged: list[LogEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out = verify(server, capsys)
    assert rc == 0, out
    assert out.startswith(f"OK: 5 entries verified; head #5 {logged[-1].digest}")


def test_edited_entry_recommitted(
    server: ServerRepo, logged: list[LogEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    edited = logged[1].data.replace(b'"decision":"rejected"', b'"decision":"accepted"')
    assert edited != logged[1].data
    rebuild(server, [pairs(logged)[0], (edited, logged[1].signature), *pairs(logged)[2:]])
    rc, out = verify(server, capsys)
    assert rc == 1
    assert "entry #2 (commit " in out
    assert "entry signature does not verify (signature does not match the signed bytes): " \
        "the entry was modified after it was signed" in out  # fmt: skip
    assert "entry #3" in out and "the hash chain is broken" in out


def test_edited_entry_resigned_by_insider_breaks_chain_and_high_water(
    server: ServerRepo, logged: list[LogEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    key = load_private_key(audit_key_path(server.path))
    edited = logged[1].data.replace(b'"user":"bob"', b'"user":"eve"')
    rebuild(server, [pairs(logged)[0], (edited, sshsig.sign(key, edited, E.NAMESPACE)),
                     *pairs(logged)[2:]])  # fmt: skip
    rc, out = verify(server, capsys)
    assert rc == 1
    assert "entry #3 (commit" in out and "is not the sha256 of the entry before it" in out
    assert "the hash chain is broken" in out


def test_whole_tail_rewritten_by_insider_caught_by_high_water_mark(
    server: ServerRepo, logged: list[LogEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    """An insider with the key re-chains every later entry: only the mark notices."""
    key = load_private_key(audit_key_path(server.path))
    rewritten, prev = [pairs(logged)[0]], logged[0].digest
    for item in logged[1:]:
        entry = dict(item.entry, prev=prev)
        if item.seq == 2:
            entry["actor"] = dict(entry["actor"], user="eve")
        data = E.canonical_bytes(entry)
        rewritten.append((data, sshsig.sign(key, data, E.NAMESPACE)))
        prev = E.entry_hash(data)
    rebuild(server, rewritten)
    rc, out = verify(server, capsys)
    assert rc == 1
    assert f"FAIL: entry #5 is {prev} but the server's high-water mark records " \
        f"{logged[4].digest}: the log was rewritten" in out  # fmt: skip


def test_dropped_entry(
    server: ServerRepo, logged: list[LogEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    rebuild(server, [p for i, p in enumerate(pairs(logged)) if i != 2])
    rc, out = verify(server, capsys)
    assert rc == 1
    assert "FAIL: entry #3 is missing: #4 follows #2" in out and "entries were dropped" in out


def test_swapped_entries(
    server: ServerRepo, logged: list[LogEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    p = pairs(logged)
    rebuild(server, [p[0], p[2], p[1], p[3], p[4]])
    rc, out = verify(server, capsys)
    assert rc == 1
    assert "FAIL: entries out of order: #3 comes before #2" in out
    assert "entries were reordered or swapped" in out


def test_signature_from_another_key(
    server: ServerRepo, logged: list[LogEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    other = Ed25519PrivateKey.generate()
    forged = (logged[3].data, sshsig.sign(other, logged[3].data, E.NAMESPACE))
    rebuild(server, [*pairs(logged)[:3], forged, pairs(logged)[4]])
    rc, out = verify(server, capsys)
    assert rc == 1
    other_fp = sshsig.fingerprint(sshsig.public_key_line(other.public_key()))
    assert "entry #4 (commit" in out and f"signed by another key {other_fp}" in out
    assert "forged or re-signed entry" in out


def test_log_commit_signed_by_another_key(
    server: ServerRepo, logged: list[LogEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    rebuild(server, pairs(logged), key=Ed25519PrivateKey.generate())
    rc, out = verify(server, capsys)
    assert rc == 1 and "the log commit is signed by another key" in out


def test_note_removed_in_later_commit(
    server: ServerRepo, logged: list[LogEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    tip = logged[0].entry["updates"][0]["new"]
    env = hook_environment_without_quarantine(dict(os.environ))
    subprocess.run(
        ["git", "--git-dir", str(server.path), "notes", "--ref=audit", "remove", tip],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    rc, out = verify(server, capsys)
    assert rc == 1
    assert f"removed the note on commit {tip} (written by #1)" in out
    assert "is not a gitannot audit entry" in out


def test_ref_rewound(
    server: ServerRepo, logged: list[LogEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    server.git("update-ref", "refs/notes/audit", str(logged[2].commit.id))
    rc, out = verify(server, capsys)
    assert rc == 1
    assert (
        "FAIL: refs/notes/audit was rewound: its head is entry #3 but the server's high-water "
        f"mark records entry #5 {logged[4].digest}"
    ) in out


def test_checkpoint_catches_rewind_in_a_clone_without_server_state(
    server: ServerRepo, logged: list[LogEntry], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cp = tmp_path / "cp.txt"
    assert main(["audit", "--repo", str(server.path), "checkpoint", "--output", str(cp)]) == 0
    signers = tmp_path / "signers"
    capsys.readouterr()
    main(["audit", "--repo", str(server.path), "allowed-signers"])
    signers.write_text(capsys.readouterr().out)
    clone = tmp_path / "auditor.git"
    subprocess.run(["git", "init", "-q", "--bare", str(clone)], check=True)
    subprocess.run(["git", "--git-dir", str(clone), "fetch", "-q", str(server.path),
                    f"{logged[2].commit.id}:refs/notes/audit"], check=True)  # fmt: skip
    capsys.readouterr()
    rc = main(["audit", "--repo", str(clone), "verify", "--allowed-signers", str(signers),
               "--checkpoint", str(cp)])  # fmt: skip
    out = capsys.readouterr().out
    assert rc == 1 and f"was rewound: its head is entry #3 but the checkpoint {cp}" in out


@pytest.mark.usefixtures("logged")
def test_verify_from_checkpoint_checks_only_what_follows(
    server: ServerRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cp = tmp_path / "cp.txt"
    assert main(["audit", "--repo", str(server.path), "checkpoint", "--output", str(cp)]) == 0
    writer.append(server.path, synthetic_fields(server, "erin"))
    rc, out = verify(server, capsys, "--from-checkpoint", str(cp))
    assert rc == 0 and out.startswith("OK: 1 entries verified; head #6"), out


@pytest.mark.usefixtures("logged")
def test_deleted_ref(server: ServerRepo, capsys: pytest.CaptureFixture[str]) -> None:
    server.git("update-ref", "-d", "refs/notes/audit")
    rc, out = verify(server, capsys)
    assert rc == 1 and "FAIL: refs/notes/audit does not exist" in out
    assert (
        "was rewound: its head is entry #0 but the server's high-water mark records entry #5" in out
    )


def test_forged_log_and_checkpoint_never_verify_without_a_trusted_key(
    server: ServerRepo, logged: list[LogEntry], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A log re-signed end to end by another key, with a checkpoint from that key: an
    allowed-signers file that names no usable key must not make it verify."""
    from gitannot.audit import checkpoint
    from gitannot.audit.errors import AuditReadError

    other = Ed25519PrivateKey.generate()
    forged = [(d, sshsig.sign(other, d, E.NAMESPACE)) for d, _ in pairs(logged)]
    rebuild(server, forged, key=other)
    cp = tmp_path / "forged-cp.txt"
    cp.write_text(checkpoint.make(log_entries(server)[1], other, "labels.git"))
    clone = tmp_path / "auditor.git"
    subprocess.run(["git", "init", "-q", "--bare", str(clone)], check=True)
    subprocess.run(["git", "--git-dir", str(clone), "fetch", "-q", str(server.path),
                    "refs/notes/audit:refs/notes/audit"], check=True)  # fmt: skip
    for text in ("", "# the admin's key was RSA by mistake\nx ssh-rsa AAAAB3Nza\n"):
        signers = tmp_path / "signers"
        signers.write_text(text)
        capsys.readouterr()
        rc = main(["audit", "--repo", str(clone), "verify", "--allowed-signers", str(signers),
                   "--from-checkpoint", str(cp)])  # fmt: skip
        out = capsys.readouterr()
        assert rc != 0 and "OK:" not in out.out, out
        assert f"no ssh-ed25519 key in {signers}" in out.err
    with pytest.raises(AuditReadError, match="untrusted key"):
        checkpoint.load(cp.read_text(), [])


def test_signatures_checked_in_worker_processes_catch_the_same_tampering(
    server: ServerRepo,
    logged: list[LogEntry],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Big logs check signatures in a process pool; force it on for a small log."""
    from gitannot.audit import sigcheck

    monkeypatch.setattr(sigcheck, "POOL_MIN_COMMITS", 0)
    monkeypatch.setattr(sigcheck, "CHUNK", 2)
    monkeypatch.setattr(sigcheck, "workers", lambda: 2)
    rc, out = verify(server, capsys)
    assert rc == 0 and out.startswith("OK: 5 entries verified"), out
    other = Ed25519PrivateKey.generate()
    edited = logged[1].data.replace(b'"decision":"rejected"', b'"decision":"accepted"')
    forged = (logged[3].data, sshsig.sign(other, logged[3].data, E.NAMESPACE))
    p = pairs(logged)
    rebuild(server, [p[0], (edited, logged[1].signature), p[2], forged, p[4]])
    rc, out = verify(server, capsys)
    assert rc == 1
    assert "entry #2 (commit " in out and "the entry was modified after it was signed" in out
    other_fp = sshsig.fingerprint(sshsig.public_key_line(other.public_key()))
    assert "entry #4 (commit" in out and f"signed by another key {other_fp}" in out


@pytest.mark.usefixtures("logged")
def test_verify_shows_progress_on_stderr_once_it_takes_over_a_second(
    server: ServerRepo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    clock = iter(range(0, 1000, 2))  # each reading of the clock is 2 s later
    monkeypatch.setattr(time, "monotonic", lambda: float(next(clock)))
    capsys.readouterr()
    assert main(["audit", "--repo", str(server.path), "verify", "--progress"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("OK: 5 entries verified")
    assert "\rverifying [##############################] 5/5 (" in captured.err
    assert captured.err.endswith("\n")


@pytest.mark.usefixtures("logged")
def test_verify_shows_no_progress_when_stderr_is_not_a_terminal_unless_asked(
    server: ServerRepo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    clock = iter(range(0, 1000, 2))  # slow: each reading of the clock is 2 s later
    monkeypatch.setattr(time, "monotonic", lambda: float(next(clock)))
    capsys.readouterr()
    assert main(["audit", "--repo", str(server.path), "verify"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("OK: 5 entries verified") and captured.err == ""


@pytest.mark.usefixtures("logged")
def test_verify_is_quiet_when_fast(
    server: ServerRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setattr(time, "monotonic", lambda: 100.0)
    capsys.readouterr()
    assert main(["audit", "--repo", str(server.path), "verify"]) == 0
    assert capsys.readouterr().err == ""
