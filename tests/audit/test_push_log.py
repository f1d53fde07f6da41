"""Real pushes produce signed entries that git and ssh-keygen accept."""

from collections.abc import Callable

from tests.audit.helpers import log_entries
from tests.gitenv import Client, ServerRepo

MakeClient = Callable[[ServerRepo, str], Client]


def test_accepted_push_is_logged_with_note_and_receipt(
    server: ServerRepo, make_client: MakeClient
) -> None:
    alice = make_client(server, "alice")
    tip = alice.commit({"README.md": "labels\n"})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    entries = log_entries(server)
    assert [e.entry["type"] for e in entries] == ["push", "receipt"]
    push, receipt = entries
    assert push.seq == 1 and receipt.seq == 2
    assert push.entry["decision"] == "accepted"
    assert push.entry["actor"]["user"] == "alice"
    assert push.entry["updates"][0]["new"] == tip
    assert push.entry["updates"][0]["action"] == "create"
    assert receipt.entry["completes"] == 1
    assert receipt.entry["prev"] == push.digest
    assert f"gitannot: audit #1 {push.digest} (refs moved: receipt #2)" in result.remote_lines()
    note = server.git("notes", "--ref=audit", "show", tip).stdout
    assert "gitannot audit #1 push" in note and "pushed by alice" in note
    assert "decision: accepted" in note and "gitannot audit #2 receipt" in note
    server.git("fsck", "--strict")
    print(result.output)
