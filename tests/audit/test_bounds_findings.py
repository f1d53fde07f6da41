"""A rejected push whose findings would make a large entry (many refs, each with many
denied paths of long names) is logged with the tight caps: the entry stays under 64 KB
and still names every ref, the first findings, and the digest of each cut text."""

import hashlib
from collections.abc import Callable

from gitannot.audit import bounds
from tests.access.helpers import seed, sync
from tests.audit.helpers import log_entries
from tests.gitenv import Client, ServerRepo

MakeClient = Callable[[ServerRepo, str], Client]


def test_many_long_findings_make_a_tightly_bounded_entry(
    server: ServerRepo, make_client: MakeClient
) -> None:
    alice, bob = make_client(server, "alice"), make_client(server, "bob")
    seed(server, alice)
    sync(bob)
    names = [f"configs/{i:03d}-" + "x" * 200 + ".yaml" for i in range(300)]
    bob.commit(dict.fromkeys(names, "k: v\n"), "bob touches configs/")
    refs = [f"HEAD:refs/heads/annotate/bob/try{i}" for i in range(3)]
    result = bob.push(*refs)
    assert not result.accepted and "access.path-denied" in result.output

    item = log_entries(server)[-1]
    entry = item.entry
    assert len(item.data) < bounds.MAX_REJECTED_ENTRY_BYTES
    assert [u["ref"] for u in entry["updates"]] == [r.split(":")[1] for r in refs]
    for update in entry["updates"]:
        *shown, summary = update["reasons"]
        assert [r["rule"] for r in shown] == ["access.path-denied"] * bounds.TIGHT.reasons_per_list
        assert [r["path"] for r in shown] == [cut(name) for name in names[:3]]
        assert summary["rule"] == "audit.truncated"
        assert "297 findings more: access.path-denied x297" in summary["message"]


def cut(text: str) -> str:
    raw = text.encode()
    return (
        f"{text[: bounds.TIGHT.text]}… [truncated: {len(raw)} bytes, "
        f"sha256:{hashlib.sha256(raw).hexdigest()}]"
    )
