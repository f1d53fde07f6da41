"""Rejected pushes cannot grow the append-only log without bound: what a pusher controls
is cut to a fixed size in the entry, and what was cut is kept as its size and digest."""

import hashlib
import json
from collections.abc import Callable

from gitannot.audit import bounds
from tests.access.helpers import seed
from tests.audit.helpers import log_entries
from tests.audit.test_many_refs import make_branches
from tests.gitenv import Client, ServerRepo

MakeClient = Callable[[ServerRepo, str], Client]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_thirty_huge_push_options_from_an_unknown_user_make_a_small_entry(
    server: ServerRepo, make_client: MakeClient
) -> None:
    alice, mallory = make_client(server, "alice"), make_client(server, "mallory")
    seed(server, alice)
    mallory.commit({"labels/x.txt": "x\n"})
    options = [f"o{i}=" + chr(ord("a") + i % 26) * 45_000 for i in range(30)]
    result = mallory.push("HEAD:refs/heads/mallory", options=options)
    assert not result.accepted and "access.unknown-user" in result.output

    item = log_entries(server)[-1]
    entry = item.entry
    assert entry["decision"] == "rejected" and entry["actor"]["user"] == "mallory"
    assert len(item.data) < 32_000  # 30 x 45 KB were sent
    kept = entry["push_options"]
    assert len(kept) == bounds.MAX_PUSH_OPTIONS
    for sent, logged in zip(options, kept, strict=False):
        assert logged.startswith(sent[: bounds.MAX_TEXT])
        assert logged.endswith(
            f"… [truncated: {len(sent.encode())} bytes, sha256:{_sha256(sent.encode())}]"
        )
    rest = options[bounds.MAX_PUSH_OPTIONS :]
    canonical = json.dumps(rest, separators=(",", ":")).encode()
    assert entry["push_options_omitted"] == {
        "count": len(rest), "bytes": len(canonical), "sha256": _sha256(canonical)
    }  # fmt: skip


def test_a_rejected_push_of_many_refs_logs_a_bounded_summary(
    server: ServerRepo, make_client: MakeClient
) -> None:
    alice, mallory = make_client(server, "alice"), make_client(server, "mallory")
    seed(server, alice)
    mallory.git("fetch", "-q", "origin", "main")
    mallory.git("checkout", "-q", "FETCH_HEAD")
    tips = make_branches(mallory, 300)
    result = mallory.push("refs/heads/many/*:refs/heads/many/*")
    assert not result.accepted

    item = log_entries(server)[-1]
    entry = item.entry
    limit = bounds.MAX_REJECTED_UPDATES
    assert [u["new"] for u in entry["updates"]] == tips[:limit]
    assert all(u["reasons"][0]["rule"] == "access.unknown-user" for u in entry["updates"])
    omitted = [
        {"new": tip, "old": "0" * 40, "ref": f"refs/heads/many/b{i:05d}"}
        for i, tip in enumerate(tips)
    ][limit:]
    canonical = json.dumps(omitted, sort_keys=True, separators=(",", ":")).encode()
    assert entry["updates_omitted"] == {
        "count": 300 - limit, "bytes": len(canonical), "sha256": _sha256(canonical)
    }  # fmt: skip
    assert entry["reasons"][-1]["rule"] == "audit.truncated"
    assert "access.unknown-user x200" in entry["reasons"][-1]["message"]
    assert len(item.data) < 64_000
