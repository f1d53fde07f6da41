"""Workflow gate cost: finding who first pushed a commit in an audit log of N pushes.

    .venv/bin/python bench/bench_workflow.py                  # 1,000 and 5,000 pushes
    .venv/bin/python bench/bench_workflow.py --pushes 200

A linear history of N commits is pushed by N logged pushes (one commit each, entries
built with the audit writer's own building blocks: entry encoding, SSHSIG, fanout tree,
signed commit). The timed call is `first_pushers` for the newest commit (the worst case:
the whole log is read) and for the oldest (the walk stops at the first entry).
"""

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import pygit2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gitannot.audit import entry as E
from gitannot.audit import gitobjects, sshsig, writer
from gitannot.constants import AUDIT_REF
from gitannot.workflow.pusherindex import first_pushers_indexed
from gitannot.workflow.pushers import first_pushers


def build(git_dir: Path, key: Ed25519PrivateKey, pushes: int) -> list[str]:
    repo = pygit2.Repository(str(git_dir))
    sig = pygit2.Signature("bench", "bench@example.invalid", 1700000000, 0)
    empty = repo.TreeBuilder().write()
    commits: list[str] = []
    tree: pygit2.Tree | None = None
    parent: list[str | pygit2.Oid] = []
    prev = E.GENESIS_PREV
    for seq in range(1, pushes + 1):
        parents = [pygit2.Oid(hex=commits[-1])] if commits else []
        commit = str(repo.create_commit(None, sig, sig, f"c{seq}", empty, parents))
        old = commits[-1] if commits else "0" * 40
        commits.append(commit)
        fields = {
            "type": "push", "decision": "accepted", "seq": seq, "prev": prev,
            "v": E.FORMAT_VERSION, "time": "2026-01-15T12:00:00.000000Z",
            "actor": {"user": f"user{seq % 7}", "source": "bench", "variable": "GITANNOT_USER"},
            "updates": [{"ref": "refs/heads/main", "old": old, "new": commit,
                         "action": "update", "decision": "accepted", "reasons": []}],
        }  # fmt: skip
        data = E.canonical_bytes(fields)
        prev = E.entry_hash(data)
        blobs = writer.entry_blobs(repo, tree, fields, prev)
        tree = repo[gitobjects.update_tree(repo, tree, blobs)].peel(pygit2.Tree)
        message = E.compose_message(data, sshsig.sign(key, data, E.NAMESPACE))
        log_commit = gitobjects.create_signed_commit(
            repo, key, tree=tree.id, parents=parent, message=message, when=1700000000
        )
        parent = [log_commit]
    repo.create_reference_direct(AUDIT_REF, parent[0], True)
    return commits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, nargs="+", default=[1_000, 5_000])
    args = parser.parse_args()
    key = Ed25519PrivateKey.generate()
    for pushes in args.pushes:
        with tempfile.TemporaryDirectory() as tmp:
            git_dir = Path(tmp) / "log.git"
            subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], check=True)
            (git_dir / "gitannot").mkdir()
            commits = build(git_dir, key, pushes)
            repo = pygit2.Repository(str(git_dir))
            for name, commit in (("newest", commits[-1]), ("oldest", commits[0])):
                start = time.perf_counter()
                found = first_pushers(repo, [commit])
                elapsed = (time.perf_counter() - start) * 1000
                assert len(found) == 1
                print(f"first pusher of the {name} commit in a log of {pushes:,} pushes: "
                      f"{elapsed:.1f} ms", flush=True)  # fmt: skip
            for call in ("builds the index", "reads the index"):
                start = time.perf_counter()
                found = first_pushers_indexed(repo, git_dir, {commits[-1]})
                elapsed = (time.perf_counter() - start) * 1000
                assert len(found) == 1
                print(f"indexed, {pushes:,} pushes, the call that {call}: {elapsed:.1f} ms",
                      flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
