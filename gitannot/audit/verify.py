"""Check the whole log: signatures, key continuity, sequence, chain, tree deltas,
and the head against the server's high-water mark and any checkpoint.

Every problem is reported with the entry number and commit it concerns; the first
problem of each kind is usually the cause and the rest its echoes.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pygit2

from gitannot.audit import entry as E
from gitannot.audit import gitobjects, reader, sigcheck, sshsig
from gitannot.audit.state import HighWater
from gitannot.constants import AUDIT_REF
from gitannot.gitio.run import run_git


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    checked: int = 0
    head_seq: int = 0
    head_digest: str = E.GENESIS_PREV
    head_commit: str = ""
    key: str = ""  # the key in force at the head
    # seq -> digest as found, kept only for the seqs `marks` name (not one per entry).
    digests: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Walk:
    expected: int
    prev_digest: str
    key: str | None
    tree: str | None  # the previous commit's tree id
    claimed: Callable[[], set[int]]  # every seq the log's commits claim (on demand)
    seen: set[int] = field(default_factory=set)
    _all_seqs: set[int] | None = None

    @property
    def all_seqs(self) -> set[int]:
        if self._all_seqs is None:
            self._all_seqs = self.claimed()
        return self._all_seqs


def verify_log(
    repo: pygit2.Repository,
    trusted_keys: list[str],
    *,
    marks: Sequence[tuple[str, HighWater]] = (),
    start: HighWater | None = None,
    start_key: str | None = None,
    ref: str = AUDIT_REF,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """`marks`: (what, mark) pairs the head must reach (high-water mark, checkpoints);
    `start`: a checkpoint to verify from instead of entry #1; `progress(done, total)`
    is called after each chunk of commits."""
    report = Report()
    head = reader.head_commit(repo, ref)
    if head is None:
        report.problems.append(f"{ref} does not exist")
        report.problems.extend(p for what, mark in marks for p in _check_mark(report, what, mark))
        return report
    if start is not None and not isinstance(repo.get(start.commit), pygit2.Commit):
        report.problems.append(
            f"the checkpoint's commit {start.commit} (entry #{start.seq}) is not in this log: "
            "the log was rewritten, or fetch it first"
        )
        return report
    marked = {mark.seq for _what, mark in marks}
    with sigcheck.Checker(repo, frozenset(marked)) as checker:
        # Pass 1 lists the commits (the workers start on the newest ones meanwhile);
        # pass 2 checks one chunk at a time (reading, parsing, signatures and tree
        # deltas in worker processes), so memory stays flat at 1M entries.
        expected = _seq_of(head.message) - (start.seq if start else 0)
        checker.ahead(str(head.id), start.commit if start else None, expected)
        commits = _commits(repo, head.id, start)
        walk = _Walk(
            expected=start.seq + 1 if start else 1,
            prev_digest=start.digest if start else E.GENESIS_PREV,
            key=start_key,
            tree=_tree_of(repo, start.commit) if start else None,
            claimed=lambda: _claimed_seqs(repo, commits),
        )
        if start is not None:
            report.head_seq, report.head_digest = start.seq, start.digest
            report.digests[start.seq] = start.digest
        done = 0
        for chunk in checker.checked(commits, start.commit if start is not None else None):
            if isinstance(chunk, sigcheck.Run):
                _check_run(repo, walk, report, chunk, trusted_keys, marked)
                done += 1 + len(chunk.rest)
            else:
                for verdict in chunk:
                    _check_commit(repo, walk, report, verdict, trusted_keys, marked)
                done += len(chunk)
            if progress is not None:
                progress(done, len(commits))
    report.key = walk.key or ""
    for what, mark in marks:
        report.problems.extend(_check_mark(report, what, mark))
    return report


def _check_commit(
    repo: pygit2.Repository,
    walk: "_Walk",
    report: Report,
    verdict: sigcheck.Checked,
    trusted_keys: list[str],
    marked: set[int],
) -> None:
    if verdict.parents > 1:
        report.problems.append(f"commit {verdict.id} is a merge: the log must be linear")
    if verdict.entry_error is not None:
        report.problems.append(
            f"commit {verdict.id} is not a gitannot audit entry: {verdict.entry_error}"
        )
    else:
        report.problems.extend(_check_entry(walk, verdict, trusted_keys))
        report.checked += 1
        report.head_seq, report.head_digest = verdict.seq, verdict.digest
        if verdict.seq in marked:
            report.digests.setdefault(verdict.seq, verdict.digest)
    if not verdict.tree_ok:
        report.problems.extend(_tree_problems(repo, walk.tree, verdict))
    walk.tree = verdict.tree_id
    report.head_commit = verdict.id


def _check_run(
    repo: pygit2.Repository,
    walk: "_Walk",
    report: Report,
    run: sigcheck.Run,
    trusted_keys: list[str],
    marked: set[int],
) -> None:
    """A chunk whose commits agree with each other (sigcheck.agrees). Its first commit
    is checked against the log so far like any other; when that finds nothing, its key
    is the log's and the rest's seqs are new, each later commit would pass the same way
    (same key, the next seq, prev = the digest before it, its own checks passed), so
    only the state moves on. Otherwise each commit is checked here, one by one."""
    problems = len(report.problems)
    _check_commit(repo, walk, report, run.first, trusted_keys, marked)
    rest = range(run.first.seq + 1, run.last.seq + 1)
    if (
        len(report.problems) > problems
        or walk.key != run.first.entry_key
        or not walk.seen.isdisjoint(rest)
    ):
        for verdict in sigcheck.check_chunk(repo, run.rest, run.first.id):
            _check_commit(repo, walk, report, verdict, trusted_keys, marked)
        return
    walk.seen.update(rest)
    walk.expected = max(walk.expected, run.last.seq + 1)
    walk.prev_digest = run.last.digest
    walk.tree = run.last.tree_id
    report.checked += len(rest)
    report.head_seq, report.head_digest = run.last.seq, run.last.digest
    for seq, digest in run.digests.items():
        report.digests.setdefault(seq, digest)
    report.head_commit = run.last.id


_SEQ = re.compile(r'"seq":(\d+)[,}]')


def _commits(repo: pygit2.Repository, tip: pygit2.Oid, start: HighWater | None) -> list[str]:
    """The log's commits, oldest first, first parents only. git lists 10,000 in about
    half the time a pygit2 walk takes, and no check can start before the list is done."""
    args = ["--git-dir", repo.path, "rev-list", "--first-parent", "--reverse", str(tip)]
    if start is not None:
        args.append(f"^{start.commit}")
    return run_git(args).stdout.decode("ascii").split()


def _seq_of(message: str) -> int:
    """The seq an entry's message claims, 0 when none (only an estimate is needed)."""
    lines = message.split("\n", 3)
    found = _SEQ.search(lines[2]) if len(lines) > 2 else None
    return int(found.group(1)) if found else 0


def _claimed_seqs(repo: pygit2.Repository, commits: list[str]) -> set[int]:
    """Only read when an entry is out of place, to tell "reordered" from "dropped"."""
    return {_seq_of(gitobjects.read_commit(repo, oid).message) for oid in commits} - {0}


def _tree_of(repo: pygit2.Repository, commit_id: str) -> str | None:
    obj = repo.get(commit_id)
    return str(obj.tree_id) if isinstance(obj, pygit2.Commit) else None


def _check_entry(walk: _Walk, item: sigcheck.Checked, trusted: list[str]) -> list[str]:
    where = f"entry #{item.seq} (commit {item.id[:12]})"
    problems = _check_signatures(walk, item, trusted, where)
    if item.version not in E.READABLE_VERSIONS:
        problems.append(f"{where}: unknown entry format version {item.version!r}")
    problems += _check_order(walk, item)
    if item.prev != walk.prev_digest:
        problems.append(
            f"{where}: prev {item.prev} is not the sha256 of the entry before it "
            f"({walk.prev_digest}): the hash chain is broken"
        )
    walk.prev_digest = item.digest
    if item.kind == E.ROTATE and isinstance(item.new_key, str):
        walk.key = " ".join(item.new_key.split()[:2])
    return problems


def _check_signatures(
    walk: _Walk, verdict: sigcheck.Checked, trusted: list[str], where: str
) -> list[str]:
    problems = []
    signer = verdict.entry_key
    if signer is None:
        problems.append(
            f"{where}: entry signature does not verify ({verdict.entry_sig_error}): "
            "the entry was modified after it was signed"
        )
    elif walk.key is None:
        if signer not in trusted:
            problems.append(
                f"{where}: signed by {sshsig.fingerprint(signer)}, which is not a trusted key "
                "(pass the log's key with --allowed-signers)"
            )
        walk.key = signer
    elif signer != walk.key:
        problems.append(
            f"{where}: signed by another key {sshsig.fingerprint(signer)}, not the log's key "
            f"{sshsig.fingerprint(walk.key)}: forged or re-signed entry"
        )
    problems.extend(_check_commit_signature(walk, verdict, where))
    return problems


def _check_commit_signature(walk: _Walk, verdict: sigcheck.Checked, where: str) -> list[str]:
    if verdict.commit_error == "":
        return [f"{where}: the log commit is not signed"]
    if verdict.commit_key is None:
        return [f"{where}: the log commit's signature does not verify ({verdict.commit_error})"]
    if walk.key is not None and verdict.commit_key != walk.key:
        fingerprint = sshsig.fingerprint(verdict.commit_key)
        return [f"{where}: the log commit is signed by another key {fingerprint}"]
    return []


def _check_order(walk: _Walk, item: sigcheck.Checked) -> list[str]:
    seq, expected = item.seq, walk.expected
    problems = []
    if seq in walk.seen:
        problems.append(f"entry #{seq} appears twice (again at commit {item.id})")
    elif seq != expected:
        if seq > expected and expected in walk.all_seqs:
            problems.append(
                f"entries out of order: #{seq} comes before #{expected} "
                f"(commit {item.id[:12]}): entries were reordered or swapped"
            )
        elif seq > expected:
            missing = f"#{expected}" if seq == expected + 1 else f"#{expected}..#{seq - 1}"
            problems.append(
                f"entry {missing} is missing: #{seq} follows #{expected - 1} "
                f"(commit {item.id[:12]}): entries were dropped"
            )
        else:
            problems.append(
                f"entries out of order: #{seq} comes after #{expected - 1} "
                f"(commit {item.id[:12]}): entries were reordered or swapped"
            )
    walk.seen.add(seq)
    walk.expected = max(expected, seq + 1)
    return problems


def _tree_problems(
    repo: pygit2.Repository, before_id: str | None, verdict: sigcheck.Checked
) -> list[str]:
    """The slow path, for a tree that is not the previous tree plus exactly what the
    entry explains (E.note_layout): say what changed."""
    entry: dict[str, Any] | None = None
    if verdict.entry_error is None:
        data, _signature = E.parse_message(gitobjects.read_commit(repo, verdict.id).message)
        entry = E.decode(data)
    label = f"entry #{verdict.seq}" if entry is not None else "a non-entry commit"
    where = f"commit {verdict.id[:12]} ({label})"
    try:
        expected = sigcheck.expected_blobs(repo, before_id, entry, verdict.digest) if entry else {}
    except (KeyError, TypeError, ValueError) as exc:
        return [f"{where}: its entry does not say which notes it writes ({exc!r})"]
    after = repo.get(verdict.tree_id)
    before = repo.get(before_id) if before_id else None
    if not isinstance(after, pygit2.Tree):
        return [f"{where}: its tree {verdict.tree_id} is missing"]
    before = before if isinstance(before, pygit2.Tree) else None
    problems = []
    diff = before.diff_to_tree(after) if before is not None else after.diff_to_tree(swap=True)
    for delta in diff.deltas:
        path = delta.old_file.path if delta.status_char() == "D" else delta.new_file.path
        if path in expected:
            continue
        old = gitobjects.read_blob(repo, before, path) if before is not None else None
        problems.append(f"{where} {_describe(path, old, delta.status_char())}")
    for path, content in expected.items():
        if gitobjects.read_blob(repo, after, path) != content:
            problems.append(f"{where}: {path} does not hold exactly this entry appended")
    return problems


def _describe(path: str, old: bytes | None, status: str) -> str:
    verb = {"D": "removed", "A": "added", "M": "rewrote"}.get(status, "changed")
    first = (old or b"").split(b"\n", 1)[0].decode(errors="replace")
    origin = f" (written by {first.split(' ')[2]})" if first.startswith("gitannot audit #") else ""
    if path.startswith("seq/"):
        return f"{verb} the stored copy {path}{origin}"
    if len(path) == 41 and path[2] == "/":
        return f"{verb} the note on commit {path.replace('/', '')}{origin}"
    return f"{verb} {path}, which no entry wrote"


def _check_mark(report: Report, what: str, mark: HighWater) -> list[str]:
    if report.head_seq < mark.seq:
        return [
            f"{AUDIT_REF} was rewound: its head is entry #{report.head_seq} but the {what} "
            f"records entry #{mark.seq} {mark.digest} (commit {mark.commit})"
        ]
    found = report.digests.get(mark.seq)
    if found is None:
        return [f"entry #{mark.seq} recorded by the {what} is not in the log"]
    if found != mark.digest:
        return [
            f"entry #{mark.seq} is {found} but the {what} records {mark.digest}: "
            "the log was rewritten"
        ]
    return []
