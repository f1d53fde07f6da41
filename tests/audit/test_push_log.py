"""Real pushes produce signed entries that git and ssh-keygen accept."""

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gitannot.audit import entry as E
from gitannot.audit import state
from gitannot.audit.sshsig import fingerprint
from gitannot.gitio.repo import hook_environment_without_quarantine
from tests.audit.helpers import allowed_signers, log_entries, rebuild, ssh_keygen_verify
from tests.faults import inject_fault
from tests.gitenv import Client, ServerRepo
from tests.sshd import Sshd

MakeClient = Callable[[ServerRepo, str], Client]


@pytest.mark.parametrize("via", ["file", "ssh"])
def test_accepted_push_is_logged_with_note_and_receipt(
    via: str, request: pytest.FixtureRequest, make_client: MakeClient
) -> None:
    server: ServerRepo = request.getfixturevalue("ssh_server" if via == "ssh" else "server")
    alice = make_client(server, "alice")
    tip = alice.commit({"README.md": "labels\n"})
    result = alice.push("HEAD:refs/heads/main", via=via)
    assert result.accepted, result.output
    push, receipt = log_entries(server)
    assert (push.seq, push.entry["type"], receipt.seq, receipt.entry["type"]) == (
        1, "push", 2, "receipt"
    )  # fmt: skip
    assert push.entry["decision"] == "accepted"
    assert push.entry["actor"] == {
        "user": "alice", "source": "ssh-forced-command", "variable": "GITANNOT_USER"
    }  # fmt: skip
    assert push.entry["updates"] == [
        {"ref": "refs/heads/main", "old": "0" * 40, "new": tip, "action": "create",
         "decision": "accepted", "reasons": []}
    ]  # fmt: skip
    assert push.entry["prev"] == E.GENESIS_PREV and push.entry["v"] == E.FORMAT_VERSION == 2
    if via == "ssh":
        assert push.entry["transport"]["SSH_CONNECTION"].startswith("127.0.0.1 ")
    assert receipt.entry["completes"] == 1 and receipt.entry["prev"] == push.digest
    assert f"gitannot: audit #1 {push.digest} (refs moved: receipt #2)" in result.remote_lines()
    note = server.git("notes", "--ref=audit", "show", tip).stdout
    assert f"gitannot audit #1 push {push.digest}" in note
    assert "pushed by alice via ssh-forced-command" in note and "decision: accepted" in note
    assert "gitannot audit #2 receipt" in note and "refs moved for push #1" in note
    server.git("fsck", "--strict", "--no-dangling")


def test_rejected_pushes_are_logged_and_survive_notes_prune(
    server: ServerRepo, make_client: MakeClient
) -> None:
    bob = make_client(server, "bob")
    bob_tip = bob.commit({"labels/a.json": "{}\n"})
    assert not bob.push("HEAD:refs/heads/main").accepted
    anon = make_client(server, "alice")
    anon.commit({"x": "1\n"})
    assert not anon.push("HEAD:refs/heads/main", identity_env={}).accepted
    inject_fault(server, "crash")
    crash = anon.push("HEAD:refs/heads/main")
    assert not crash.accepted
    entries = log_entries(server)
    assert [(e.seq, e.entry["decision"]) for e in entries] == [
        (1, "rejected"), (2, "rejected"), (3, "rejected")
    ]  # fmt: skip
    denied = entries[0].entry
    assert denied["actor"]["user"] == "bob"
    assert denied["updates"][0]["new"] == bob_tip
    assert denied["updates"][0]["reasons"][0]["rule"] == "access.bootstrap-admins-only"
    assert entries[1].entry["actor"] is None
    assert entries[1].entry["reasons"][0]["rule"] == "identity.missing"
    assert "injected fault" in entries[2].entry["error"]
    # The rejected objects are gone; the entries live under seq/, which prune never drops.
    assert server.git("cat-file", "-e", bob_tip, check=False).returncode != 0
    env = hook_environment_without_quarantine(dict(os.environ))
    subprocess.run(
        ["git", "--git-dir", str(server.path), "notes", "--ref=audit", "prune"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    assert server.rev("refs/notes/audit") == str(entries[2].commit.id)  # nothing to prune
    stored = server.git("show", f"refs/notes/audit:{E.seq_path(1)}").stdout
    assert "pushed by bob" in stored and "access.bootstrap-admins-only" in stored
    server.git("fsck", "--strict", "--no-dangling")


def test_every_entry_and_commit_verifies_with_ssh_keygen_and_git(
    server: ServerRepo, make_client: MakeClient, tmp_path: Path
) -> None:
    alice, bob = make_client(server, "alice"), make_client(server, "bob")
    alice.commit({"README.md": "1\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    bob.commit({"b": "1\n"})
    assert not bob.push("HEAD:refs/heads/bob").accepted
    signers = allowed_signers(server, tmp_path / "allowed_signers")
    entries = log_entries(server)
    assert len(entries) == 3
    for item in entries:
        out = ssh_keygen_verify(signers, item.data, item.signature, tmp_path)
        assert 'Good "gitannot-audit" signature for gitannot-audit' in out
    log = server.git(
        "-c", "gpg.format=ssh", "-c", f"gpg.ssh.allowedSignersFile={signers}",
        "log", "--show-signature", "--format=%H %G?", "refs/notes/audit",
    ).stdout  # fmt: skip
    assert log.count('Good "git" signature for gitannot-audit') == 3
    assert [line.split()[1] for line in log.splitlines() if len(line.split()) == 2] == ["G"] * 3


def _docs_script() -> str:
    """The sh block docs/audit.md says the test suite runs verbatim."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "audit.md").read_text()
    after = text[text.index("is run verbatim by the test suite") :]
    block = after[after.index("```sh\n") + 6 : after.index("```\n", after.index("```sh\n") + 6)]
    return "\n".join(line.removeprefix("   ") for line in block.splitlines()) + "\n"


def test_auditor_shell_recipe_from_docs(
    server: ServerRepo, make_client: MakeClient, tmp_path: Path
) -> None:
    """docs/audit.md's auditor check (git + sed + ssh-keygen + sha256sum), on a clone,
    passes on the real log and fails on a log with a dropped entry."""
    alice, bob = make_client(server, "alice"), make_client(server, "bob")
    alice.commit({"README.md": "1\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    bob.commit({"b": "1\n"})
    assert not bob.push("HEAD:refs/heads/bob").accepted
    allowed_signers(server, tmp_path / "allowed_signers")
    clone = tmp_path / "audit.git"
    subprocess.run(["git", "clone", "-q", "--bare", server.file_url(), str(clone)], check=True)
    git_env = {**os.environ, "GIT_DIR": str(clone)}
    subprocess.run(
        ["git", "fetch", "-q", "origin", "refs/notes/audit:refs/notes/audit"],
        env=git_env, check=True,
    )  # fmt: skip
    sigs = subprocess.run(
        ["git", "-c", f"gpg.ssh.allowedSignersFile={tmp_path / 'allowed_signers'}", "log",
         "--show-signature", "--format=%G? %H %s", "refs/notes/audit"],
        env=git_env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert [line[:2] for line in sigs.splitlines() if line[:2] in ("G ", "B ", "N ")] == ["G "] * 3
    script = _docs_script()
    proc = subprocess.run(
        ["sh", "-c", script], cwd=tmp_path, env=git_env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == f"OK: 3 entries, head {log_entries(server)[-1].digest}"
    # Drop entry #2 (as someone rewriting the auditor's copy would): the script notices.
    entries = log_entries(server)
    rebuild(server, [(e.data, e.signature) for e in (entries[0], entries[2])])
    subprocess.run(["git", "fetch", "-q", "-f", "origin", "refs/notes/audit:refs/notes/audit"],
                   env=git_env, check=True)  # fmt: skip
    proc = subprocess.run(
        ["sh", "-c", script], cwd=tmp_path, env=git_env, capture_output=True, text=True
    )
    assert proc.returncode == 1 and "SEQUENCE BROKEN" in proc.stdout, proc.stdout


def test_objects_land_in_main_store_and_fsck_is_clean(
    server: ServerRepo, make_client: MakeClient
) -> None:
    alice = make_client(server, "alice")
    for i in range(3):
        alice.commit({"n": f"{i}\n"})
        assert alice.push("HEAD:refs/heads/main").accepted
    assert not list((server.path / "objects").glob("tmp_objdir-incoming-*"))
    for item in log_entries(server):
        # loose object in the main store (not an alternate that vanished with quarantine)
        oid = str(item.commit.id)
        assert (server.path / "objects" / oid[:2] / oid[2:]).exists()
    server.git("fsck", "--strict", "--no-dangling")
    server.git("gc", "--prune=now", "-q")
    server.git("fsck", "--strict", "--no-dangling")
    assert len(log_entries(server)) == 6


def test_client_cannot_push_rewind_or_delete_the_log(
    server: ServerRepo, make_client: MakeClient
) -> None:
    alice = make_client(server, "alice")
    alice.commit({"README.md": "1\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    alice.git("fetch", "-q", "origin", "refs/notes/audit:refs/notes/audit")  # readable
    head = server.rev("refs/notes/audit")
    assert alice.git("rev-parse", "refs/notes/audit").stdout.strip() == head
    forged = alice.git("commit-tree", "-m", "forged", "HEAD^{tree}").stdout.strip()
    rewind = alice.push(f"{forged}:refs/notes/audit", force=True)
    assert not rewind.accepted and "refs.notes-server-only" in rewind.output
    delete = alice.push(":refs/notes/audit")
    assert not delete.accepted
    assert server.rev("refs/notes/audit") != head  # the refused attempts were logged ...
    entries = log_entries(server)
    assert [e.entry["decision"] for e in entries[-2:]] == ["rejected", "rejected"]
    assert entries[-2].entry["updates"][0]["ref"] == "refs/notes/audit"
    assert str(entries[1].commit.id) == head  # ... on top of the untouched history


def test_lock_timeout_rejects_an_accepted_push(server: ServerRepo, make_client: MakeClient) -> None:
    server.configure(audit_lock_timeout_seconds=0.3)
    alice = make_client(server, "alice")
    alice.commit({"README.md": "1\n"})
    with state.locked(server.path, 1.0):
        result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert (
        "[internal.audit-failed]" in result.output and "not acquired within 0.3s" in result.output
    )
    assert server.rev("refs/heads/main") is None
    assert server.rev("refs/notes/audit") is None


def test_missing_key_rejects_an_accepted_push(server: ServerRepo, make_client: MakeClient) -> None:
    (server.path / "gitannot" / "audit_ed25519").unlink()
    alice = make_client(server, "alice")
    alice.commit({"README.md": "1\n"})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted and "audit signing key" in result.output
    assert server.rev("refs/heads/main") is None


def test_rewound_ref_stops_the_writer(server: ServerRepo, make_client: MakeClient) -> None:
    alice = make_client(server, "alice")
    alice.commit({"README.md": "1\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    server.git("update-ref", "refs/notes/audit", "refs/notes/audit~1")
    alice.commit({"README.md": "2\n"})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted and "was rewound or rewritten" in result.output


def test_doctor_reports_a_rewound_log(server: ServerRepo, make_client: MakeClient) -> None:
    from gitannot.server.doctor import diagnose

    assert [p for p in diagnose(server.path) if p.check == "audit-log"] == []
    alice = make_client(server, "alice")
    alice.commit({"README.md": "1\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    assert [p for p in diagnose(server.path) if p.check == "audit-log"] == []
    server.git("update-ref", "refs/notes/audit", "refs/notes/audit~1")
    problems = [p for p in diagnose(server.path) if p.check == "audit-log"]
    assert len(problems) == 1 and "was rewound or rewritten" in problems[0].message


def test_ssh_key_fingerprint_and_push_certificate_are_recorded(
    ssh_server: ServerRepo, sshd: Sshd, make_client: MakeClient, tmp_path: Path
) -> None:
    """A signed push (SSH-signed certificate) over ssh: the entry names the key the
    transport authenticated and the certificate's signer as git verified it."""
    alice_pub = Path(f"{sshd.key('alice')}.pub").read_text()
    signers = tmp_path / "push_signers"
    signers.write_text(f"alice@example.com {' '.join(alice_pub.split()[:2])}\n")
    ssh_server.git("config", "receive.certNonceSeed", "audit-test-seed")
    ssh_server.git("config", "gpg.ssh.allowedSignersFile", str(signers))
    alice = make_client(ssh_server, "alice")
    alice.git("config", "gpg.format", "ssh")
    alice.git("config", "user.signingkey", str(sshd.key("alice")))
    alice.commit({"README.md": "signed\n"})
    alice.git("config", "push.gpgSign", "true")
    result = alice.push("HEAD:refs/heads/main", via="ssh")
    assert result.accepted, result.output
    transport = log_entries(ssh_server)[0].entry["transport"]
    assert transport["GITANNOT_KEY_FINGERPRINT"] == fingerprint(alice_pub)
    assert transport["GIT_PUSH_CERT_STATUS"] == "G"
    assert transport["GIT_PUSH_CERT_KEY"] == fingerprint(alice_pub)


def test_timed_out_push_is_logged(server: ServerRepo, make_client: MakeClient) -> None:
    server.configure(hook_timeout_seconds=0.5)
    alice = make_client(server, "alice")
    alice.commit({"README.md": "x\n"})
    inject_fault(server, "hang")
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted and "[internal.timeout]" in result.output
    (entry,) = [e.entry for e in log_entries(server)]
    assert entry["decision"] == "rejected" and "time limit of 0.5s" in entry["error"]
    assert entry["reasons"][0]["rule"] == "internal.timeout"
    assert entry["actor"]["user"] == "alice"


def test_receipt_lists_only_refs_git_really_moved(
    server: ServerRepo, make_client: MakeClient
) -> None:
    """receive.denyDeletes is applied by git *after* pre-receive: gitannot accepts and
    logs both updates, git refuses the delete, the receipt records only the create."""
    alice = make_client(server, "alice")
    base = alice.commit({"README.md": "1\n"})
    assert alice.push("HEAD:refs/heads/main", "HEAD:refs/heads/old").accepted
    server.git("config", "receive.denyDeletes", "true")
    result = alice.push(":refs/heads/old", "HEAD:refs/heads/new")
    assert not result.accepted  # the delete was refused by git, the create went through
    assert server.rev("refs/heads/new") == base and server.rev("refs/heads/old") == base
    push, receipt = log_entries(server)[-2:]
    assert push.entry["decision"] == "accepted"
    assert sorted(u["ref"] for u in push.entry["updates"]) == ["refs/heads/new", "refs/heads/old"]
    assert receipt.entry["completes"] == push.seq
    assert [u["ref"] for u in receipt.entry["updates"]] == ["refs/heads/new"]
