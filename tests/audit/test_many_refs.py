"""5,000 branches in one push: refused by the default max_ref_updates, accepted once the
policy raises it, while another user's one-file push completes and is logged; the audit
work is linear in the push (one stored copy, notes point to it) and the chain verifies."""

import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from gitannot.access.limits import DEFAULT_MAX_REF_UPDATES
from gitannot.audit import bounds
from gitannot.audit import entry as E
from gitannot.main import main
from tests.access.helpers import policy_text, seed, sync
from tests.audit.helpers import log_entries
from tests.gitenv import Client, PushResult, ServerRepo

MakeClient = Callable[[ServerRepo, str], Client]
BRANCHES = 5000


def make_branches(client: Client, count: int) -> list[str]:
    """`count` branches refs/heads/many/bNNNN, each on its own commit, via fast-import."""
    parent = client.git("rev-parse", "HEAD").stdout.strip()
    stream = []
    for i in range(count):
        message = f"branch {i}".encode()
        stream.append(
            f"commit refs/heads/many/b{i:05d}\n"
            "committer alice <alice@example.invalid> 1700000000 +0000\n"
            f"data {len(message)}\n{message.decode()}\n"
            f"from {parent}\n\n"
        )
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=client.path, input="".join(stream), capture_output=True, text=True, check=True,
    )  # fmt: skip
    listed = client.git("for-each-ref", "--format=%(objectname)", "refs/heads/many/").stdout
    return listed.split()


def push_many(client: Client) -> PushResult:
    return client.push("refs/heads/many/*:refs/heads/many/*")


@pytest.mark.slow
def test_five_thousand_branches_and_a_concurrent_one_file_push(
    server: ServerRepo, make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    # The hook's own time limit is generous here: this test is about the lock and the
    # log staying usable, not about speed (bench/bench_audit.py measures that).
    server.configure(hook_timeout_seconds=300, audit_lock_timeout_seconds=300)
    alice, bob = make_client(server, "alice"), make_client(server, "bob")
    seed(server, alice)
    tips = make_branches(alice, BRANCHES)

    refused = push_many(alice)
    assert not refused.accepted
    assert (
        f"DENIED by limit max_ref_updates: this push updates {BRANCHES} refs, over the "
        f"limit of {DEFAULT_MAX_REF_UPDATES} per push"
    ) in refused.output
    assert f"split the push into batches of at most {DEFAULT_MAX_REF_UPDATES} refs" in (
        refused.output
    )
    assert server.rev("refs/heads/many/b00000") is None
    rejected = log_entries(server)[-1].entry
    assert rejected["decision"] == "rejected"
    assert rejected["reasons"][0]["rule"] == "access.limit.max_ref_updates"
    assert len(rejected["updates"]) == bounds.MAX_REJECTED_UPDATES
    assert rejected["updates_omitted"]["count"] == BRANCHES - bounds.MAX_REJECTED_UPDATES

    sync(alice)
    raised = policy_text().replace(
        "limits:\n", f"limits:\n  - max_ref_updates: {BRANCHES + 1000}\n", 1
    )
    alice.commit({"configs/access.yaml": raised}, "allow big pushes")
    assert alice.push("HEAD:refs/heads/main").accepted
    sync(bob)
    bob.commit({"labels/notes/bob.txt": "one file\n"}, "bob's one file")

    with ThreadPoolExecutor(max_workers=2) as pool:
        big = pool.submit(push_many, alice)
        small = pool.submit(bob.push, "HEAD:refs/heads/annotate/bob/one")
        big_result, small_result = big.result(), small.result()
    assert big_result.accepted, big_result.output[-2000:]
    assert small_result.accepted, small_result.output
    assert server.rev("refs/heads/many/b04999") == tips[-1]

    entries = log_entries(server)
    pushes = [e for e in entries if e.entry["type"] == "push" and e.entry["decision"] == "accepted"]
    bob_push = next(e for e in pushes if e.entry["actor"]["user"] == "bob")
    assert [u["ref"] for u in bob_push.entry["updates"]] == ["refs/heads/annotate/bob/one"]
    big_push = next(e for e in pushes if len(e.entry["updates"]) == BRANCHES)
    # The big entry is stored once; each branch's note points to it.
    stored = server.git("show", f"refs/notes/audit:{E.seq_path(big_push.seq)}").stdout
    assert stored.count("refs/heads/many/b") == BRANCHES
    note = server.git("notes", "--ref=audit", "show", tips[1234]).stdout
    assert f"gitannot audit #{big_push.seq} push {big_push.digest}" in note
    assert f"gitannot audit show --seq {big_push.seq}" in note
    assert len(note) < 2000

    capsys.readouterr()
    assert main(["audit", "--repo", str(server.path), "verify"]) == 0
    assert capsys.readouterr().out.startswith(f"OK: {len(entries)} entries verified")
