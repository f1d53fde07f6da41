"""With the access policy in force: break-glass, per-ref reasons and applied blob ids."""

import json
from collections.abc import Callable

import pytest

from gitannot.main import main
from tests.access.helpers import seed, sync
from tests.audit.helpers import log_entries
from tests.gitenv import Client, ServerRepo

MakeClient = Callable[[ServerRepo, str], Client]


def test_break_glass_and_denials_are_recorded(
    server: ServerRepo, make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    alice, bob = make_client(server, "alice"), make_client(server, "bob")
    seed(server, alice)
    policy_blob = server.git("rev-parse", "main:configs/access.yaml").stdout.strip()
    sync(alice)
    alice.commit({"labels/raw/img.zip": b"PK\x03\x04zip"}, "raw data by mistake")
    result = alice.push("HEAD:refs/heads/main", options=["gitannot.bypass=restore INC-42"])
    assert result.accepted, result.output
    sync(bob)
    bob.commit({"schema/CHANGELOG.md": "bob edits\n"}, "bob edits the schema")
    assert not bob.push("HEAD:refs/heads/annotate/bob/x").accepted

    entries = [e for e in log_entries(server) if e.entry["type"] == "push"]
    bypass, denied = entries[-2].entry, entries[-1].entry
    assert bypass["bypass"] == "restore INC-42" and bypass["decision"] == "accepted"
    assert bypass["push_options"] == ["gitannot.bypass=restore INC-42"]
    assert bypass["applied"]["policy"] == policy_blob
    assert bypass["base"]["ref"] == "refs/heads/main"
    reasons = denied["updates"][0]["reasons"]
    assert denied["decision"] == "rejected" and denied["updates"][0]["decision"] == "denied"
    assert any(
        r["rule"] == "access.path-denied" and r["path"] == "schema/CHANGELOG.md" for r in reasons
    )
    tip = alice.git("rev-parse", "HEAD").stdout.strip()
    note = server.git("notes", "--ref=audit", "show", tip).stdout
    assert "break-glass bypass: restore INC-42" in note

    capsys.readouterr()
    assert main(["audit", "--repo", str(server.path), "export", "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert [b["reason"] for b in summary["bypasses"]] == ["restore INC-42"]
    assert summary["paths_denied"] == {"schema/CHANGELOG.md": 1}
    assert summary["paths_changed"]["labels/raw/img.zip"] == 1
