"""`gitannot audit show|export|allowed-signers|rotate-key` and the notes layout."""

import csv
import io
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gitannot.audit import entry as E
from gitannot.audit import writer
from gitannot.main import main
from tests.audit.helpers import log_entries, synthetic_fields
from tests.gitenv import Client, ServerRepo

MakeClient = Callable[[ServerRepo, str], Client]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    rc = main(list(args))
    captured = capsys.readouterr()
    return rc, captured.out + captured.err


@pytest.fixture
def pushed(server: ServerRepo, make_client: MakeClient) -> dict[str, str]:
    alice, bob = make_client(server, "alice"), make_client(server, "bob")
    first = alice.commit({"labels/a.json": "{}\n", "README.md": "x\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    denied = bob.commit({"labels/b.json": "{}\n"})
    assert not bob.push("HEAD:refs/heads/bob").accepted
    return {"first": first, "denied": denied}


def test_show_by_commit_seq_and_since(
    server: ServerRepo, pushed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = str(server.path)
    rc, out = run(capsys, "audit", "--repo", repo, "show", pushed["first"])
    assert rc == 0 and "gitannot audit #1 push" in out and "gitannot audit #2 receipt" in out
    rc, out = run(capsys, "audit", "--repo", repo, "show", pushed["denied"])
    assert rc == 0 and "pushed by bob" in out and "decision: rejected" in out
    rc, out = run(capsys, "audit", "--repo", repo, "show", "--seq", "3", "--json")
    assert rc == 0 and json.loads(out)["seq"] == 3
    rc, out = run(capsys, "audit", "--repo", repo, "show", "--since", "2999-01-01")
    assert rc == 1 and "no matching audit entry" in out


@pytest.mark.usefixtures("pushed")
def test_export_formats(server: ServerRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo = str(server.path)
    rc, out = run(capsys, "audit", "--repo", repo, "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rc == 0 and [r["seq"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["user"] == "alice" and json.loads(rows[0]["paths"]) == [
        "README.md",
        "labels/a.json",
    ]
    assert rows[2]["ref_decision"] == "denied"
    assert rows[2]["rules"].startswith("access.")
    rc, out = run(capsys, "audit", "--repo", repo, "export", "--format", "json")
    doc = json.loads(out)
    assert doc["summary"]["users"] == {"alice": {"accepted": 1}, "bob": {"rejected": 1}}
    assert doc["summary"]["paths_changed"] == {"README.md": 1, "labels/a.json": 1}
    assert [d["seq"] for d in doc["summary"]["denials"]] == [3]
    rc, out = run(capsys, "audit", "--repo", repo, "export", "--format", "md")
    assert "| alice | accepted | 1 |" in out and "## Denials" in out and "- #3 " in out


def test_rotate_key_is_signed_by_the_old_key(
    server: ServerRepo, make_client: MakeClient, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = str(server.path)
    old_pub = (server.path / "gitannot" / "audit_ed25519.pub").read_text().split()[:2]
    writer.append(server.path, synthetic_fields(server, "alice"))
    rc, out = run(capsys, "audit", "--repo", repo, "rotate-key", "--reason", "test")
    assert rc == 0 and json.loads(out)["seq"] == 2
    new_pub = (server.path / "gitannot" / "audit_ed25519.pub").read_text().split()[:2]
    assert new_pub != old_pub
    alice = make_client(server, "alice")
    alice.commit({"x": "1\n"})
    assert alice.push("HEAD:refs/heads/main").accepted  # signed with the new key
    rotation = log_entries(server)[1]
    assert rotation.entry["type"] == "rotate-key"
    assert rotation.entry["new_key"] == " ".join(new_pub)
    rc, out = run(capsys, "audit", "--repo", repo, "allowed-signers")
    lines = out.splitlines()
    assert lines == [
        f'gitannot-audit namespaces="gitannot-audit,git" {" ".join(old_pub)}',
        f'gitannot-audit namespaces="gitannot-audit,git" {" ".join(new_pub)}',
    ]
    signers = tmp_path / "signers"
    signers.write_text(out)
    rc, out = run(capsys, "audit", "--repo", repo, "verify", "--allowed-signers", str(signers))
    assert rc == 0 and out.startswith("OK: 4 entries verified"), out
    log = server.git(
        "-c", f"gpg.ssh.allowedSignersFile={signers}", "log", "--format=%G?", "refs/notes/audit"
    ).stdout.split()  # fmt: skip
    assert log == ["G"] * 4
    # Only the old key is trusted as root: a log restarted under the new key would fail.
    signers.write_text(lines[1] + "\n")
    rc, out = run(capsys, "audit", "--repo", repo, "verify", "--allowed-signers", str(signers))
    assert rc == 1 and "which is not a trusted key" in out


def test_many_notes_use_fanout_and_git_reads_them(server: ServerRepo) -> None:
    """300 notes: every note sits at ab/cdef..., git notes show finds each one."""
    tips = []
    for i in range(300):
        appended = writer.append(server.path, synthetic_fields(server, f"u{i % 7}"))
        tips.append(appended.entry["updates"][0]["new"])
    top = server.git("ls-tree", "refs/notes/audit").stdout.split("\n")
    assert all(len(line.split("\t")[1]) == 2 or line.endswith("\tseq") for line in top if line)
    listed = server.git("notes", "--ref=audit", "list").stdout.split()
    assert set(tips) <= set(listed)
    for tip in (tips[0], tips[150], tips[-1]):
        note = server.git("notes", "--ref=audit", "show", tip).stdout
        assert note.startswith("gitannot audit #") and "decision: accepted" in note
    assert (
        subprocess.run(
            ["git", "--git-dir", str(server.path), "fsck", "--strict"], capture_output=True
        ).returncode
        == 0
    )
    assert E.seq_path(1300) == "seq/000001/000001300"


@pytest.mark.usefixtures("pushed")
def test_export_new_branch_counts_only_its_own_changes(
    server: ServerRepo, make_client: MakeClient,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    alice = make_client(server, "alice")
    alice.commit({"labels/new.json": "{}\n"})
    assert alice.push("HEAD:refs/heads/feature").accepted
    rc, out = run(capsys, "audit", "--repo", str(server.path), "export", "--format", "csv")
    row = next(r for r in csv.DictReader(io.StringIO(out)) if r["ref"] == "refs/heads/feature")
    assert rc == 0 and row["action"] == "create" and json.loads(row["paths"]) == ["labels/new.json"]


def test_export_keeps_a_path_with_spaces_whole(
    server: ServerRepo, make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """`labels/a b.json` is one path, not `labels/a` and `b.json`, in every format."""
    alice = make_client(server, "alice")
    alice.commit({"labels/a b.json": "{}\n", "labels/a": "x\n", "b.json": "{}\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    alice.commit({"labels/a b.json": "[]\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    repo = str(server.path)
    rc, out = run(capsys, "audit", "--repo", repo, "export", "--format", "csv")
    rows = [r for r in csv.DictReader(io.StringIO(out)) if r["type"] == "push"]
    assert rc == 0 and json.loads(rows[1]["paths"]) == ["labels/a b.json"]
    rc, out = run(capsys, "audit", "--repo", repo, "export", "--format", "json")
    doc = json.loads(out)
    assert doc["summary"]["paths_changed"] == {"b.json": 1, "labels/a": 1, "labels/a b.json": 2}
    assert doc["changes"][2]["paths"] == ["labels/a b.json"]
    rc, out = run(capsys, "audit", "--repo", repo, "export", "--format", "md")
    assert "| `labels/a b.json` | 2 |" in out and "| `labels/a` | 1 |" in out


def test_allowed_signers_ignores_a_rotation_the_log_key_did_not_sign(
    server: ServerRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A rotation entry written by someone without the key must not put their key into
    the allowed_signers file auditors feed to ssh-keygen and git."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from gitannot.audit import sshsig
    from tests.audit.helpers import rebuild

    real = " ".join((server.path / "gitannot" / "audit_ed25519.pub").read_text().split()[:2])
    writer.append(server.path, synthetic_fields(server, "alice"))
    first = log_entries(server)[0]
    mallory = Ed25519PrivateKey.generate()
    fake = sshsig.public_key_line(mallory.public_key())
    rotation = {
        "type": E.ROTATE, "v": E.FORMAT_VERSION, "seq": 2, "prev": first.digest,
        "time": "2026-01-15T12:00:00.000000Z", "new_key": fake, "old_key": real,
        "actor": {"user": "mallory", "source": "server-operator", "variable": ""},
        "reason": "trust me",
    }  # fmt: skip
    data = E.canonical_bytes(rotation)
    forged = (data, sshsig.sign(mallory, data, E.NAMESPACE))
    rebuild(server, [(first.data, first.signature), forged])
    rc, out = run(capsys, "audit", "--repo", str(server.path), "allowed-signers")
    assert rc == 0
    assert out == f'gitannot-audit namespaces="gitannot-audit,git" {real}\n'
