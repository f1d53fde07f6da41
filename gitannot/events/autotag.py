"""Automatic tags for merges into a protected branch, written by the server.

The pattern's {date} is the server's UTC date, {n} counts that day's tags of the pattern
from 1, {branch} is the branch name. The tag is annotated (tagger gitannot-server) and
the audit log gets an entry for it, so who wrote it is never in doubt.
"""

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pygit2

from gitannot.audit import writer
from gitannot.constants import ZERO_OID

TAGGER = "gitannot-server"
MAX_PER_DAY = 10_000


def render(pattern: str, branch: str, today: str, n: int) -> str:
    return pattern.replace("{date}", today).replace("{branch}", branch).replace("{n}", str(n))


def next_name(repo: pygit2.Repository, pattern: str, branch: str, today: str) -> str:
    """The first free name with {n} = 1, 2, ... (names of one day never collide)."""
    taken = {r.removeprefix("refs/tags/") for r in repo.references if r.startswith("refs/tags/")}
    for n in range(1, MAX_PER_DAY):
        name = render(pattern, branch, today, n)
        if name not in taken:
            return name
    raise RuntimeError(f"more than {MAX_PER_DAY} automatic tags today for {pattern!r}")


def server_prefix(pattern: str) -> str:
    """The fixed start of the pattern (refs/tags/<prefix>...): clients may not push there."""
    return re.split(r"\{", pattern, maxsplit=1)[0]


_PLACEHOLDERS = {"{date}": r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "{n}": r"[0-9]+", "{branch}": r".+"}


def pattern_makes(pattern: str, name: str) -> bool:
    """Could the pattern give this tag name (any date, number and branch)?"""
    parts = re.split(r"(\{date\}|\{n\}|\{branch\})", pattern)
    regex = "".join(_PLACEHOLDERS.get(part) or re.escape(part) for part in parts)
    return re.fullmatch(regex, name) is not None


class TagRefused(RuntimeError):
    """The name the pattern gives is reserved (a release tag): no tag is written."""


# name -> None when the server may write it, else why not (e.g. it is a release tag name).
Guard = Callable[[str], str | None]


def create(
    git_dir: Path,
    repo: pygit2.Repository,
    pattern: str,
    branch: str,
    commit: str,
    guard: Guard | None = None,
) -> str:
    """Create the tag; returns its name. The audit entry is appended after the ref."""
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    name = next_name(repo, pattern, branch, today)
    refusal = guard(name) if guard is not None else None
    if refusal is not None:
        raise TagRefused(refusal)
    who = pygit2.Signature(TAGGER, "gitannot@server", int(time.time()), 0)
    message = f"automatic tag: {branch} at {commit[:12]} after a merge\n"
    tag_oid = repo.create_tag(
        name, pygit2.Oid(hex=commit), pygit2.enums.ObjectType.COMMIT, who, message
    )
    writer.append(
        git_dir,
        {
            "type": "auto-tag",
            "decision": "accepted",  # a server action, shown like an accepted push
            "actor": {"user": TAGGER, "source": "server", "variable": ""},
            "updates": [
                {
                    "ref": f"refs/tags/{name}",
                    "old": ZERO_OID,
                    "new": str(tag_oid),
                    "action": "create",
                    "target": commit,
                }
            ],
        },
    )
    return name
