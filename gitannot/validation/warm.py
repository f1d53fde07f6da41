"""`gitannot server warm REPO.git`: fill the validation cache for the trusted branch.

The first push of a big label file pays for a full check (and its record index), which
may not fit in the hook's time limit. Warming checks every label file at the tip of the
trusted branch (recorded at install; the hook reads its rules there), on the server,
under that tip's rules and with the hook's own cache keys, so a later push of an edited
file re-checks only the records that changed.
"""

import time
from dataclasses import dataclass
from pathlib import Path

from gitannot.access.offline import server_trusted
from gitannot.gitio import repo as gitrepo
from gitannot.validation.cache import ResultCache
from gitannot.validation.change import BaseRules
from gitannot.validation.push import cache_dir
from gitannot.validation.service import Validator
from gitannot.validation.sources import EntryKind, GitTreeSource


@dataclass
class Warmed:
    ref: str
    files: int = 0
    already: int = 0  # verdicts that were in the cache already
    seconds: float = 0.0
    note: str = ""


def warm(git_dir: Path) -> Warmed:
    repo = gitrepo.open_repository(git_dir)
    ref = server_trusted(repo)
    out = Warmed(ref)
    target = gitrepo.ref_target(repo, ref)
    commit = gitrepo.peel_to_commit(repo, target) if target else None
    if commit is None:
        out.note = f"{ref} has no commits: nothing to warm"
        return out
    source = GitTreeSource(repo, commit.tree)
    base = BaseRules.load(source)
    if base.rules is None:
        out.note = f"the rules on {ref} do not load: {base.error}"
        return out
    started = time.monotonic()
    validator = Validator(base.rules, source, ResultCache(cache_dir(git_dir)))
    paths = [
        e.path
        for e in source.walk()
        if e.kind is EntryKind.FILE and validator.is_annotation_path(e.path)
    ]
    with validator.cache:
        report = validator.validate(paths)
    out.files = len(report.files)
    out.already = report.cached
    out.seconds = time.monotonic() - started
    return out
