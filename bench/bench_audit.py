"""Audit log speed: append time at 10k and 100k entries, verify throughput, and an
append of one push of many refs (time, and how long it holds the lock).

    .venv/bin/python bench/bench_audit.py            # 10k and 100k (about 2-3 minutes)
    .venv/bin/python bench/bench_audit.py --sizes 10000 --appends 200 --refs 5000

Verify prints entries/s and the ratio of its time to raw Ed25519 verification of as
many signatures in the same run, with the library verify uses (libsodium, through
gitannot.audit.ed25519); each entry carries two: the entry's and the commit's. Verify
spreads each commit's work (read, parse, both signatures, tree delta) over worker
processes, so the ratio can be below 2; 1.0 on two cores is two signatures per entry,
perfectly parallel, with no other cost. The bound is that case (two raw verifications
per entry on each verifying process); the load average is printed with it, since on a
shared machine the wall time measures the neighbours too.

Logs up to --verify-max entries are built for real, entry by entry, with the writer's
own building blocks (entry encoding, SSHSIG, fanout tree update, signed commit) in one
process, without pushes, the lock or the per-entry ref update; verify then runs over
that whole chain. Larger logs are not materialized commit by commit (100k entries would
take ~6 minutes of object writes): an append reads only the head commit and the tree
paths it touches, so the bench writes a head entry numbered N whose notes tree holds N
notes in the real fanout layout, which is exactly what an append at N entries works on.
What is *timed* is the real `writer.append` (lock, head read, sign, tree update, signed
commit, ref CAS, high-water mark) on top of either, and `verify_log` over a real chain.
"""

import argparse
import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pygit2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from gitannot.audit import ed25519, gitobjects, reader, sigcheck, sshsig, state, writer
from gitannot.audit import entry as E
from gitannot.audit.verify import verify_log
from gitannot.constants import AUDIT_REF


def fields(i: int) -> dict[str, object]:
    tip = os.urandom(20).hex()
    decision = "rejected" if i % 10 == 0 else "accepted"
    return {
        "type": "push",
        "decision": decision,
        "actor": {"user": f"user{i % 25}", "source": "bench", "variable": "GITANNOT_USER"},
        "transport": {"SSH_CONNECTION": "10.0.0.1 5555 10.0.0.2 22"},
        "updates": [{"ref": f"refs/heads/task-{i % 300}", "old": "0" * 40, "new": tip,
                     "action": "create", "decision": decision, "reasons": []}],
        "reasons": [],
        "applied": {"configs/access.yaml": "1" * 40},
        "time": "2026-01-15T12:00:00.000000Z",
    }  # fmt: skip


def bulk_fill(git_dir: Path, key: Ed25519PrivateKey, count: int) -> None:
    """Grow the log to `count` entries with the writer's own building blocks."""
    repo = pygit2.Repository(str(git_dir))
    head = reader.head_commit(repo)
    last = reader.parse_commit(head) if head else None
    seq, prev = (last.seq, last.digest) if last else (0, E.GENESIS_PREV)
    tree: pygit2.Tree | None = head.tree if head else None
    parent: list[str | pygit2.Oid] = [head.id] if head else []
    while seq < count:
        seq += 1
        entry = {**fields(seq), "v": E.FORMAT_VERSION, "seq": seq, "prev": prev}
        data = E.canonical_bytes(entry)
        prev = E.entry_hash(data)
        blobs = writer.entry_blobs(repo, tree, entry, prev)
        tree = repo[gitobjects.update_tree(repo, tree, blobs)].peel(pygit2.Tree)
        message = E.compose_message(data, sshsig.sign(key, data, E.NAMESPACE))
        commit = gitobjects.create_signed_commit(
            repo, key, tree=tree.id, parents=parent, message=message, when=1700000000
        )
        parent = [commit]
    repo.create_reference_direct(AUDIT_REF, parent[0], True)
    state.write_high_water(git_dir, state.HighWater(seq, prev, str(parent[0])))


def synthetic_head(git_dir: Path, key: Ed25519PrivateKey, count: int) -> None:
    """A head entry #count whose tree holds `count` notes in the fanout layout."""
    repo = pygit2.Repository(str(git_dir))
    blob = repo.create_blob(b"gitannot audit (synthetic note for the bench)\n")
    buckets: dict[str, list[str]] = {}
    for _ in range(count):
        tip = os.urandom(20).hex()
        buckets.setdefault(tip[:2], []).append(tip[2:])
    root = repo.TreeBuilder()
    for name, notes in buckets.items():
        sub = repo.TreeBuilder()
        for note in notes:
            sub.insert(note, blob, gitobjects.BLOB_MODE)
        root.insert(name, sub.write(), gitobjects.TREE_MODE)
    entry = {**fields(count), "v": E.FORMAT_VERSION, "seq": count, "prev": E.GENESIS_PREV}
    data = E.canonical_bytes(entry)
    message = E.compose_message(data, sshsig.sign(key, data, E.NAMESPACE))
    commit = gitobjects.create_signed_commit(
        repo, key, tree=root.write(), parents=[], message=message, when=1700000000
    )
    repo.create_reference_direct(AUDIT_REF, commit, True)
    state.write_high_water(git_dir, state.HighWater(count, E.entry_hash(data), str(commit)))


def time_appends(git_dir: Path, key: Ed25519PrivateKey, n: int) -> list[float]:
    times = []
    for i in range(n):
        start = time.perf_counter()
        writer.append(git_dir, fields(i), key=key)
        times.append((time.perf_counter() - start) * 1000)
    return times


def ref_update_floor(git_dir: Path, n: int = 200) -> float:
    """Median ms of one bare ref move (lock file + rename) on this disk: every git ref
    update pays it, whatever writes it; shown so the append figure can be read."""
    repo = pygit2.Repository(str(git_dir))
    blobs = [repo.create_blob(os.urandom(8)) for _ in range(n)]
    times = []
    for blob in blobs:
        start = time.perf_counter()
        repo.create_reference_direct("refs/bench/floor", blob, True)
        times.append((time.perf_counter() - start) * 1000)
    repo.references.delete("refs/bench/floor")
    return statistics.median(times)


def cpu_seconds() -> float:
    """CPU time of this process and of its waited-for children (verify's workers): on a
    shared machine, wall time measures the neighbours as much as the code."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def raw_verify_seconds(count: int) -> tuple[float, float]:
    """(wall, cpu) of `count` plain Ed25519 verifications, single-threaded, with the
    function verify itself calls (ed25519.verify, libsodium) on messages of the size
    an SSHSIG signs (about 110 bytes): the floor."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    messages = [os.urandom(110) for _ in range(count)]
    signed = [(data, key.sign(data)) for data in messages]
    ed25519.load()  # the import is not part of the floor
    start, cpu = time.perf_counter(), cpu_seconds()
    for data, signature in signed:
        assert ed25519.verify(public, signature, data)
    return time.perf_counter() - start, cpu_seconds() - cpu


def time_verify(git_dir: Path, trusted: list[str], repeat: int = 1) -> None:
    """On the packed log: a server's `git gc --auto` packs it (receive-pack runs it after
    pushes), and loose objects would make every read a file open. `repeat`: runs with
    worker processes (on a shared machine, each meets different neighbours)."""
    subprocess.run(["git", "--git-dir", str(git_dir), "repack", "-adq"], check=True)
    real_workers = sigcheck.workers
    try:
        for pool in [True] * repeat + [False]:
            if not pool:
                setattr(sigcheck, "workers", lambda: 0)  # noqa: B010 (the in-process run)
            _verify_once(git_dir, trusted)
    finally:
        setattr(sigcheck, "workers", real_workers)  # noqa: B010
    verify_breakdown(git_dir)


def verify_breakdown(git_dir: Path) -> None:
    """Where verify's CPU goes per entry: each step of a worker's check (check_usual)
    run over the whole log on its own, in this process; the listing is git's CPU."""
    repo = pygit2.Repository(str(git_dir))
    tip = str(repo.references[AUDIT_REF].target)
    steps: dict[str, float] = {}

    def step(name: str, work: Callable[[], list[Any]]) -> list[Any]:
        start = cpu_seconds()
        out = work()
        steps[name] = cpu_seconds() - start
        return out

    oids = step("list", lambda: _list_commits(repo, tip))
    raws = step("read", lambda: [repo.odb.read(oid)[1] for oid in oids])
    commits = step("parse", lambda: [gitobjects.usual_commit(raw) for raw in raws])
    parts = step("parse+", lambda: [E.split_message(c.message) for c in commits])
    entries = step("entry", lambda: [(E.decode(d), E.entry_hash(d)) for d, _ in parts])
    step("entry signature", lambda: [sshsig.verify(a, d, E.NAMESPACE) for d, a in parts])
    step("commit signature", lambda: [
        sshsig.verify(c.armor, c.payload, E.GIT_NAMESPACE) for c in commits])  # fmt: skip
    changes = step("note text", lambda: [sigcheck.note_changes(e, d) for e, d in entries])
    trees: gitobjects.TreeCache = {}

    def rehash() -> list[Any]:
        before = None
        for commit, change in zip(commits, changes, strict=True):
            before = gitobjects.tree_id_with(repo, before, change, trees)
            assert before == commit.tree_id
        return []

    step("tree", rehash)
    steps["parse"] += steps.pop("parse+")
    n = len(oids)
    shown = ", ".join(f"{name} {seconds / n * 1e6:.1f}" for name, seconds in steps.items())
    total = sum(steps.values()) / n * 1e6
    print(f"verify CPU per entry, step by step in one process (us): {shown}; sum {total:.0f}")


def _list_commits(repo: pygit2.Repository, tip: str) -> list[str]:
    args = ["--git-dir", repo.path, "rev-list", "--first-parent", "--reverse", tip]
    return subprocess.run(["git", *args], capture_output=True, check=True, text=True).stdout.split()


def _verify_once(git_dir: Path, trusted: list[str]) -> None:
    start, cpu = time.perf_counter(), cpu_seconds()
    report = verify_log(pygit2.Repository(str(git_dir)), trusted)
    elapsed, used = time.perf_counter() - start, cpu_seconds() - cpu
    assert report.ok, report.problems[:3]
    raw, raw_cpu = raw_verify_seconds(report.checked)
    n = report.checked
    workers = sigcheck.workers() if n >= sigcheck.POOL_MIN_COMMITS else 0
    how = f"signatures in {workers} worker processes" if workers else "in one process"
    # The most verify could do: two signatures per entry, each as fast as the raw loop,
    # on every process it runs (this one, or its workers), nothing else.
    bound = max(workers, 1) * (n / raw) / 2
    print(
        f"verify {n:,} entries ({how}): {elapsed:.2f}s = {n / elapsed:,.0f} entries/s; "
        f"raw Ed25519 verify (libsodium) x{n:,}: {raw:.2f}s ({n / raw:,.0f}/s, "
        f"{raw_cpu / n * 1e6:.1f} us CPU each); ratio {elapsed / raw:.2f}"
        f" (CPU time: {used:.2f}s vs {raw_cpu:.2f}s, ratio {used / raw_cpu:.2f}, "
        f"{used / n * 1e6:.0f} us per entry); "
        f"bound {bound:,.0f} entries/s (2 signatures each), reached {n / elapsed / bound:.2f}; "
        f"load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )


def time_many_refs(git_dir: Path, key: Ed25519PrivateKey, refs: int) -> None:
    """One push entry of `refs` ref updates: the whole append, and the lock's share."""
    held: list[float] = []
    real_locked = state.locked

    @contextlib.contextmanager
    def timed_lock(git_dir: Path, timeout: float) -> Iterator[None]:
        with real_locked(git_dir, timeout):
            start = time.perf_counter()
            try:
                yield
            finally:
                held.append(time.perf_counter() - start)

    push = fields(0)
    push["updates"] = [
        {"ref": f"refs/heads/many/b{i:05d}", "old": "0" * 40, "new": os.urandom(20).hex(),
         "action": "create", "decision": "accepted", "reasons": []}
        for i in range(refs)
    ]  # fmt: skip
    setattr(state, "locked", timed_lock)  # noqa: B010 (the writer calls state.locked)
    try:
        start = time.perf_counter()
        writer.append(git_dir, push, key=key)
        elapsed = time.perf_counter() - start
    finally:
        setattr(state, "locked", real_locked)  # noqa: B010
    print(
        f"append of one push of {refs:,} refs: {elapsed * 1000:.0f} ms, "
        f"lock held {sum(held) * 1000:.1f} ms",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--appends", type=int, default=200, help="timed appends per size")
    parser.add_argument(
        "--verify-max",
        type=int,
        default=10_000,
        help="largest log to time verify on (verify 100k takes longer)",
    )
    parser.add_argument("--refs", type=int, default=5000, help="refs in the many-refs append")
    parser.add_argument(
        "--verify-repeat", type=int, default=1, help="verify runs with worker processes"
    )
    args = parser.parse_args()
    key = Ed25519PrivateKey.generate()
    with tempfile.TemporaryDirectory() as tmp:
        git_dir = Path(tmp) / "log.git"
        subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], check=True)
        (git_dir / "gitannot").mkdir()
        trusted = [sshsig.public_key_line(key.public_key())]
        os.sync()
        print(
            f"floor: one plain ref update on this disk: median {ref_update_floor(git_dir):.2f} ms"
        )
        for size in sorted(args.sizes):
            real = size <= args.verify_max
            start = time.perf_counter()
            (bulk_fill if real else synthetic_head)(git_dir, key, size)
            built = time.perf_counter() - start
            os.sync()  # the build's dirty pages must not be flushed inside timed appends
            times = sorted(time_appends(git_dir, key, args.appends))
            p95 = times[int(len(times) * 0.95)]
            how = "full chain" if real else "synthetic head"
            print(
                f"append at {size:>7,} entries ({how}, built in {built:.0f}s): median "
                f"{statistics.median(times):.2f} ms, p95 {p95:.2f} ms, "
                f"max {max(times):.2f} ms over {args.appends} appends",
                flush=True,
            )
            if real:
                time_verify(git_dir, trusted, args.verify_repeat)
                time_many_refs(git_dir, key, args.refs)
            if not real:  # the next size starts from a fresh repository
                git_dir = Path(tmp) / f"log-{size}.git"
                subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], check=True)
                (git_dir / "gitannot").mkdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
