"""A server-side index of first pushers, so a push reads only the log entries added
since the last one instead of the whole log.

<repo.git>/gitannot/workflow-pushers.json holds {"v", "seq", "digest", "placed"}: the
commit -> first pusher map derived from log entries 1..seq, and the digest of entry
seq. It is derived data: when it is missing, unreadable, or that entry is no longer in
the log with that digest (a rewritten log), it is rebuilt from the signed log.
"""

import json
import os
from pathlib import Path
from typing import Any

import pygit2

from gitannot.audit import entry as E
from gitannot.audit import reader
from gitannot.settings.server import server_dir
from gitannot.workflow.pushers import place_entries

INDEX_FILE = "workflow-pushers.json"
INDEX_VERSION = 1


def index_path(git_dir: Path) -> Path:
    return server_dir(git_dir) / INDEX_FILE


def first_pushers_indexed(
    repo: pygit2.Repository, git_dir: Path, commits: set[str]
) -> dict[str, str]:
    placed, seq, digest = _load(index_path(git_dir))
    newer, matches = _entries_after(repo, seq, digest)
    if not matches:  # no index yet, or the log no longer holds its last entry: rebuild
        placed, newer = {}, list(reader.entries(repo))
    if newer:
        place_entries(repo, newer, placed)
        _save(index_path(git_dir), placed, newer[-1])
    return {c: placed[c] for c in commits if c in placed}


def _entries_after(
    repo: pygit2.Repository, seq: int, digest: str
) -> tuple[list[reader.LogEntry], bool]:
    """Entries newer than #seq, oldest first, and whether #seq is in the log as indexed."""
    newer: list[reader.LogEntry] = []
    commit = reader.head_commit(repo)
    while commit is not None:
        try:
            item = reader.parse_commit(commit)
        except E.EntryFormatError:
            item = None
        if item is not None and item.seq <= seq:
            return list(reversed(newer)), item.seq == seq and item.digest == digest
        if item is not None:
            newer.append(item)
        commit = commit.parents[0] if commit.parents else None
    return list(reversed(newer)), seq == 0


def _load(path: Path) -> tuple[dict[str, str], int, str]:
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, 0, ""  # no index: everything from entry #1 on is new
    if not isinstance(raw, dict) or raw.get("v") != INDEX_VERSION:
        return {}, -1, ""  # matches no entry: rebuilt
    placed, seq, digest = raw.get("placed"), raw.get("seq"), raw.get("digest")
    if not isinstance(placed, dict) or not isinstance(seq, int) or not isinstance(digest, str):
        return {}, -1, ""  # matches no entry: rebuilt
    return {str(k): str(v) for k, v in placed.items()}, seq, digest


def _save(path: Path, placed: dict[str, str], last: reader.LogEntry) -> None:
    """Atomic replace: concurrent pushes each write a complete index of a log prefix."""
    data = {"v": INDEX_VERSION, "seq": last.seq, "digest": last.digest, "placed": placed}
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)
