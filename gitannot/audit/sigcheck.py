"""The per-commit half of `audit verify`, run over chunks of log commits in worker
processes: read the raw commit, parse its entry, check both signatures, and check that
its tree is exactly the previous commit's tree plus what the entry explains.

None of that depends on the rest of the log (a commit's tree delta needs only the
previous commit's tree, which a chunk reads itself), so it spreads over every core; the
caller keeps the sequential part (key continuity, sequence, hash chain), which is a few
comparisons per entry. Each worker opens the repository itself, receives a job's
commit ids and sends back plain tuples, or only the first and last verdicts of a chunk
that agrees with itself (a Run). Results come back in log order, a bounded window of
chunks in flight keeps memory flat. Small logs, and one-core machines, run in-process.
"""

import multiprocessing
import multiprocessing.pool
import os
from collections import deque
from collections.abc import Iterator, Sequence
from multiprocessing.pool import AsyncResult
from typing import Any, NamedTuple

import pygit2

from gitannot.audit import ed25519, gitobjects, sshsig
from gitannot.audit import entry as E

CHUNK = 256  # commits per job, at least (and per step in-process)
CHUNK_MAX = 4096  # at most: what a job sends back stays small
WINDOW = 8  # chunks in flight
# Before the log is listed, each worker starts on about 1/AHEAD of it (its newest
# commits): git lists ~8 us a commit, a worker checks ~200 us an entry, and the
# listing shares the 2 cores with both workers.
AHEAD = 8
POOL_MIN_COMMITS = 4 * CHUNK  # below this, starting workers costs more than it saves


class Checked(NamedTuple):
    """One log commit, as the sequential checks need it."""

    id: str
    tree_id: str
    parents: int
    entry_error: str | None  # set when the commit carries no well-formed entry
    seq: int
    version: Any
    prev: Any
    digest: str
    kind: Any  # the entry's "type"
    new_key: Any  # a key rotation's new key
    entry_key: str | None  # who signed the entry, or None (entry_sig_error says why)
    entry_sig_error: str | None
    commit_key: str | None
    commit_error: str | None  # "" when the commit carries no signature at all
    tree_ok: bool  # the tree is the previous tree plus exactly this entry's blobs


class Run(NamedTuple):
    """A job whose commits each passed every check of their own and agree with each
    other: one signing key for entries and commits, no key rotation, seq contiguous,
    each `prev` the digest of the entry before it. The main process then checks only
    the first against the log so far (verify._check_run); the rest follow from it."""

    first: Checked
    last: Checked
    digests: dict[int, str]  # seq -> digest of the marked seqs among them
    rest: Sequence[str]  # the commits after the first (to check them one by one)


def agrees(verdicts: Sequence[Checked]) -> bool:
    """Whether `verdicts` (consecutive log commits) can be summed up as a Run."""
    key = verdicts[0].entry_key if verdicts else None
    if key is None:
        return False
    previous: Checked | None = None
    for verdict in verdicts:
        if not (
            verdict.tree_ok
            and verdict.entry_error is None
            and verdict.parents <= 1
            and verdict.entry_key == key
            and verdict.commit_key == key
            and verdict.kind != E.ROTATE
            and verdict.version in E.READABLE_VERSIONS
        ):
            return False
        if previous is not None and (
            verdict.seq != previous.seq + 1 or verdict.prev != previous.digest
        ):
            return False
        previous = verdict
    return True


def expected_blobs(
    repo: pygit2.Repository,
    before: str | None,
    entry: dict[str, Any],
    digest: str,
    trees: gitobjects.TreeCache | None = None,
) -> dict[str, bytes]:
    """What an entry adds (E.note_layout): its block or pointer appended to each tip's
    note in the `before` tree, and its seq/ copy."""
    expected: dict[str, bytes] = {}
    for path, content in note_changes(entry, digest).items():
        if isinstance(content, gitobjects.Appended):
            old = gitobjects.blob_at(repo, before, path, trees)
            content = (old + b"\n" if old else b"") + content.block
        expected[path] = content
    return expected


def check_one(
    repo: pygit2.Repository, oid: str, before: str | None, trees: gitobjects.TreeCache
) -> Checked:
    """`before`: the previous log commit's tree id (None for the first)."""
    _kind, raw = repo.odb.read(oid)
    usual = check_usual(repo, oid, raw, before, trees)
    if usual is not None:
        return usual
    return check_general(repo, gitobjects.parse_commit(oid, raw), before, trees)


def check_usual(
    repo: pygit2.Repository, oid: str, raw: bytes, before: str | None, trees: gitobjects.TreeCache
) -> Checked | None:
    """The check of a commit as the writer writes it, every part of which passes, read
    by slicing; None for anything else, which check_general then reads and explains.
    Where both answer, they agree (tests/audit/test_fast_paths.py)."""
    commit = gitobjects.usual_commit(raw)
    split = E.split_message(commit.message) if commit is not None else None
    if commit is None or split is None:
        return None
    data, armor = split
    try:
        entry = E.decode(data)
        entry_key = sshsig.verify(armor, data, E.NAMESPACE).public_key
        commit_key = sshsig.verify(commit.armor, commit.payload, E.GIT_NAMESPACE).public_key
    except (E.EntryFormatError, sshsig.SignatureError, UnicodeDecodeError):
        return None
    digest = E.entry_hash(data)
    try:
        tree_id = gitobjects.tree_id_with(repo, before, note_changes(entry, digest), trees)
    except (KeyError, TypeError, ValueError):
        return None
    if tree_id != commit.tree_id:
        return None
    get = entry.get
    return Checked(
        oid, tree_id, commit.parents, None, entry["seq"], get("v"), get("prev"), digest,
        get("type"), get("new_key"), entry_key, None, commit_key, None, True,
    )  # fmt: skip


def note_changes(entry: dict[str, Any], digest: str) -> dict[str, bytes | gitobjects.Appended]:
    """What an entry adds, each note's old text left to be read during the tree walk
    (expected_blobs reads it first)."""
    layout = E.note_layout(entry, digest)
    changes: dict[str, bytes | gitobjects.Appended] = {}
    if layout.stored is not None:
        changes[E.seq_path(entry["seq"])] = layout.stored
    appended = gitobjects.Appended(layout.tip_block)
    for tip in layout.tips:
        changes[gitobjects.note_path(tip)] = appended
    return changes


def check_general(
    repo: pygit2.Repository,
    commit: gitobjects.RawCommit,
    before: str | None,
    trees: gitobjects.TreeCache,
) -> Checked:
    """Any log commit, each part checked on its own and every failure said."""
    entry: dict[str, Any] | None = None
    entry_key = entry_sig_error = entry_error = None
    digest = ""
    try:
        data, signature = E.parse_message(commit.message)
        entry = E.decode(data)
        digest = E.entry_hash(data)
    except E.EntryFormatError as exc:
        entry_error = str(exc)
    if entry is not None:
        try:
            entry_key = sshsig.verify(signature, data, E.NAMESPACE).public_key
        except sshsig.SignatureError as exc:
            entry_sig_error = str(exc)
    commit_key, commit_error = _commit_signature(commit.raw)
    try:
        blobs = expected_blobs(repo, before, entry, digest, trees) if entry else {}
        tree_ok = gitobjects.tree_id_with(repo, before, blobs, trees) == commit.tree_id
    except (KeyError, TypeError, ValueError):  # a malformed entry: the slow path says what
        tree_ok = False
    fields: dict[str, Any] = entry if entry is not None else {}
    get = fields.get
    return Checked(
        commit.id,
        commit.tree_id,
        len(commit.parent_ids),
        entry_error,
        entry["seq"] if entry is not None else 0,
        get("v"),
        get("prev"),
        digest,
        get("type"),
        get("new_key"),
        entry_key,
        entry_sig_error,
        commit_key,
        commit_error,
        tree_ok,
    )


def _commit_signature(raw: bytes) -> tuple[str | None, str | None]:
    signed = gitobjects.split_signature(raw)
    if signed is None:
        return None, ""
    try:
        return sshsig.verify(signed[0].decode(), signed[1], E.GIT_NAMESPACE).public_key, None
    except (sshsig.SignatureError, UnicodeDecodeError) as exc:
        return None, str(exc)


def check_chunk(
    repo: pygit2.Repository,
    oids: Sequence[str],
    before: str | None,
    trees: gitobjects.TreeCache | None = None,
) -> list[Checked]:
    """`before`: the id of the commit preceding the chunk in the log (None at the start).
    `trees`: raw trees kept from earlier chunks (each entry is checked against the tree
    id it was computed for, so one from any earlier point of the log is safe to reuse)."""
    tree = _tree_of(repo, before)
    trees = {} if trees is None else trees
    out = []
    for oid in oids:
        checked = check_one(repo, oid, tree, trees)
        out.append(checked)
        tree = checked.tree_id
    return out


def _tree_of(repo: pygit2.Repository, commit_id: str | None) -> str | None:
    return gitobjects.read_commit(repo, commit_id).tree_id if commit_id else None


_REPO: pygit2.Repository | None = None  # each worker's own handle
_TREES: gitobjects.TreeCache = {}  # each worker's raw trees, kept across its chunks
_MARKED: frozenset[int] = frozenset()  # seqs whose digests the caller needs


def _open_worker(path: str, marked: frozenset[int]) -> None:
    global _REPO, _MARKED
    # libgit2 re-hashes each object it reads (~3.5 µs of an entry's ~165). Verify does
    # not rely on it: commits are proven by their signatures, entries by the hash chain,
    # and each tree by re-hashing the spliced tree against the signed commit's tree id.
    # git itself does not re-hash on read either (the manual check in docs/audit.md).
    pygit2.option(pygit2.enums.Option.ENABLE_STRICT_HASH_VERIFICATION, False)
    _REPO = pygit2.Repository(path)
    _MARKED = marked
    ed25519.load()  # here, in parallel, while the main process walks or lists the log


# What a job sends back: ("run", first, last, digests) for a Run, or ("each",
# verdicts). Plain tuples: a NamedTuple pickles through Python code, 5x slower.
Reply = tuple[Any, ...]


def _worker_chunk(oids: list[str], before: str | None) -> Reply:
    assert _REPO is not None, "worker started without its repository"
    verdicts = check_chunk(_REPO, oids, before, _TREES)
    if len(verdicts) > 1 and agrees(verdicts):
        digests = {v.seq: v.digest for v in verdicts if v.seq in _MARKED}
        return ("run", tuple(verdicts[0]), tuple(verdicts[-1]), digests)
    return ("each", [tuple(one) for one in verdicts])


def _received(oids: list[str], reply: Reply) -> "list[Checked] | Run":
    if reply[0] == "run":
        _kind, first, last, digests = reply
        return Run(Checked._make(first), Checked._make(last), digests, oids[1:])
    return [Checked._make(one) for one in reply[1]]


def workers() -> int:
    """Processes to use: the cores this process may run on (one means none)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(cores, 8) if cores > 1 else 0


def jobs(total: int, count: int) -> Iterator[tuple[int, int]]:
    """(start, stop) of each job for `count` workers: large first (a chunk starts with
    a cold tree cache: the notes buckets it touches were last rewritten by another
    worker), then shrinking, so that the workers run out of work together."""
    start = 0
    while start < total:
        size = min(CHUNK_MAX, max(CHUNK, -(-(total - start) // (3 * count))))
        yield start, min(total, start + size)
        start += size


Pending = tuple[list[str], "AsyncResult[Reply]"]  # a job's commits, and its reply to come


class Checker:
    """The per-commit checks of one verify, in worker processes for a large log.

    Listing the log (git, about 8 us a commit on one core) must finish before the
    chunks can be handed out in log order, so `ahead` first walks the newest commits
    back from the head and has the workers check them while git lists the rest; their
    verdicts are used once the listing confirms they are the log's last commits.
    Small logs, and one-core machines, are checked in-process."""

    def __init__(self, repo: pygit2.Repository, marked: frozenset[int] = frozenset()) -> None:
        self.repo = repo
        self.marked = marked
        self.pool: multiprocessing.pool.Pool | None = None
        self.count = 0  # its processes
        self.early: list[tuple[str, Pending]] = []  # (the commit before, job), oldest first

    def __enter__(self) -> "Checker":
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()

    def _start(self, count: int) -> multiprocessing.pool.Pool:
        if self.pool is None:
            # fork: the workers need nothing but this module, and start in
            # milliseconds. multiprocessing.Pool forks all its workers before it starts
            # any helper thread (forking a process that runs threads can deadlock).
            context = multiprocessing.get_context("fork")
            setup = (self.repo.path, self.marked)
            self.pool = context.Pool(count, initializer=_open_worker, initargs=setup)
            self.count = count
        return self.pool

    def ahead(self, head: str, stop: str | None, expected: int) -> None:
        """Start on the newest commits before the log is listed. `stop`: where the
        log to check begins (a checkpoint's commit); `expected`: about how many
        commits it has (from the head entry's seq), to size that head start. The
        workers are forked first (they open the repository and load PyNaCl while this
        walks back), and each chunk is handed out as soon as its commits are known."""
        count = workers()
        size = min(CHUNK_MAX, expected // (AHEAD * max(count, 1)))
        if not count or expected < 2 * POOL_MIN_COMMITS or size < CHUNK:
            return
        pool = self._start(count)
        walk = _first_parents(self.repo, head, stop)
        # a chunk (newest first), then the commit before it
        walked: list[str | None] = [next(walk, None) for _ in range(size + 1)]
        for _job in range(count):
            before = walked[-1]
            if before is None:
                return  # the log is shorter than that: listing it is quick
            oids = [oid for oid in reversed(walked[:-1]) if oid is not None]
            job = (oids, pool.apply_async(_worker_chunk, (oids, before)))
            self.early.insert(0, (before, job))  # oldest first
            walked = [before, *(next(walk, None) for _ in range(size))]

    def checked(
        self, commits: Sequence[str], before: str | None
    ) -> Iterator["list[Checked] | Run"]:
        """The verdicts of `commits` (log order), one list per chunk, in order; from
        worker processes, a chunk that agrees with itself comes as a Run. `before`:
        the log commit preceding the first (a checkpoint's), or None."""
        early = self._confirmed(commits)
        todo = commits[: len(commits) - sum(len(oids) for oids, _ in early)]
        count = workers() if len(commits) >= POOL_MIN_COMMITS else 0
        if not count and self.pool is None:
            trees: gitobjects.TreeCache = {}
            for at in range(0, len(todo), CHUNK):
                yield check_chunk(
                    self.repo, todo[at : at + CHUNK], todo[at - 1] if at else before, trees
                )
            return
        pool = self._start(count)
        window: deque[Pending] = deque()
        for start, stop in jobs(len(todo), self.count):
            oids = list(todo[start:stop])
            job_before = todo[start - 1] if start else before
            window.append((oids, pool.apply_async(_worker_chunk, (oids, job_before))))
            if len(window) >= WINDOW:
                yield _received(*_wait(window.popleft()))
        window.extend(early)
        while window:
            yield _received(*_wait(window.popleft()))

    def _confirmed(self, commits: Sequence[str]) -> list[Pending]:
        """The early jobs, when the listing ends with exactly their commits."""
        oids = [oid for _before, (job, _reply) in self.early for oid in job]
        if not oids or len(commits) <= len(oids) or list(commits[-len(oids) :]) != oids:
            return []
        if commits[-len(oids) - 1] != self.early[0][0]:
            return []
        return [job for _before, job in self.early]


def _wait(pending: Pending) -> tuple[list[str], Reply]:
    oids, reply = pending
    return oids, reply.get()


def _first_parents(repo: pygit2.Repository, head: str, stop: str | None) -> Iterator[str]:
    """Commits from `head` back along first parents, newest first, ending before
    `stop`: only each header's first parent line is read (the listing confirms)."""
    oid: str | None = head
    while oid is not None and oid != stop:
        yield oid
        raw = repo.odb.read(oid)[1]
        at = raw.find(b"\nparent ", 0, raw.find(b"\n\n"))
        oid = raw[at + 8 : at + 48].decode("ascii", "replace") if at >= 0 else None
