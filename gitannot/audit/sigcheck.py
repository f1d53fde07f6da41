"""Both signatures of many log commits, checked in worker processes.

Ed25519 verification is most of what `audit verify` does; the chain, order and tree
checks are sequential, the signatures are not. Commits are read in chunks by the
caller, their signed parts go to a process pool, and results come back in log order
(a bounded window of chunks in flight keeps memory flat). Small logs, and machines
with one core, are checked in-process.
"""

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult

from gitannot.audit import entry as E
from gitannot.audit import gitobjects, sshsig
from gitannot.audit.gitobjects import RawCommit

CHUNK = 256  # commits per job
WINDOW = 8  # chunks in flight
POOL_MIN_COMMITS = 4 * CHUNK  # below this, starting workers costs more than it saves

Job = bytes  # a raw commit


@dataclass(frozen=True)
class Checked:
    """One commit's signature verdicts: the signer's key line, or why not."""

    entry_key: str | None
    entry_error: str | None
    commit_key: str | None
    commit_error: str | None  # "" when the commit carries no signature at all


def check_one(raw: Job) -> Checked:
    entry_key = entry_error = None
    try:
        data, signature = E.parse_message(raw.partition(b"\n\n")[2].decode("utf-8", "replace"))
        entry_key = sshsig.verify(signature, data, E.NAMESPACE).public_key
    except E.EntryFormatError as exc:
        entry_error = f"not an entry: {exc}"
    except sshsig.SignatureError as exc:
        entry_error = str(exc)
    signed = gitobjects.split_signature(raw)
    if signed is None:
        return Checked(entry_key, entry_error, None, "")
    try:
        commit_key = sshsig.verify(signed[0].decode(), signed[1], E.GIT_NAMESPACE).public_key
    except (sshsig.SignatureError, UnicodeDecodeError) as exc:
        return Checked(entry_key, entry_error, None, str(exc))
    return Checked(entry_key, entry_error, commit_key, None)


def check_batch(items: list[Job]) -> list[Checked]:
    return [check_one(item) for item in items]


def workers() -> int:
    """Processes to use: the cores this process may run on (one means none)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(cores, 8) if cores > 1 else 0


def checked(
    chunks: Iterable[list[RawCommit]], total: int
) -> Iterator[tuple[list[RawCommit], list[Checked]]]:
    """Each chunk of commits with its verdicts, in order."""
    count = workers() if total >= POOL_MIN_COMMITS else 0
    if not count:
        for commits in chunks:
            yield commits, check_batch([c.raw for c in commits])
        return
    # fork: the workers need nothing but this module, and start in milliseconds.
    # multiprocessing.Pool forks all its workers before it starts any helper thread
    # (forking a process that runs threads can deadlock the child).
    with multiprocessing.get_context("fork").Pool(count) as pool:
        window: deque[tuple[list[RawCommit], AsyncResult[list[Checked]]]] = deque()
        for commits in chunks:
            window.append((commits, pool.apply_async(check_batch, ([c.raw for c in commits],))))
            if len(window) >= WINDOW:
                done, pending = window.popleft()
                yield done, pending.get()
        while window:
            done, pending = window.popleft()
            yield done, pending.get()
