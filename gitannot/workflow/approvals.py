"""Read the review records stored on refs/reviews/<commit>/<user> of a repository."""

import contextlib

import pygit2

from gitannot.workflow import records
from gitannot.workflow.model import REVIEWS_REF_PREFIX

MAX_CHAIN = 1000  # records one user keeps on one commit; older ones are not read


def chain(repo: pygit2.Repository, ref: str) -> list[records.Record]:
    """The records of one review ref, newest first (malformed ones are skipped: the
    server refuses them, so only a local, unpushed ref can hold one)."""
    parsed = records.parse_ref(ref)
    reference = repo.references.get(ref)
    if parsed is None or reference is None:
        return []
    reviewed, _user = parsed
    out: list[records.Record] = []
    commit = repo.get(reference.resolve().target)
    for _ in range(MAX_CHAIN):
        if not isinstance(commit, pygit2.Commit) or str(commit.id) == reviewed:
            break
        with contextlib.suppress(records.RecordError):
            out.append(records.parse_message(commit.message))
        commit = commit.parents[0] if len(commit.parents) == 1 else None
    return out


def review_refs(repo: pygit2.Repository, commit: str | None = None) -> list[str]:
    prefix = REVIEWS_REF_PREFIX + (f"{commit}/" if commit else "")
    return sorted(name for name in repo.references if name.startswith(prefix))


def verdicts(repo: pygit2.Repository, commit: str) -> dict[str, str]:
    """user -> their latest verdict on exactly this commit."""
    out: dict[str, str] = {}
    for ref in review_refs(repo, commit):
        for record in chain(repo, ref):
            if record.kind == "verdict" and record.user == records.parse_ref(ref)[1]:  # type: ignore[index]
                out[record.user] = record.verdict
                break
    return out


def all_records(repo: pygit2.Repository) -> list[records.Record]:
    """Every record in the repository, oldest first per ref."""
    out: list[records.Record] = []
    for ref in review_refs(repo):
        out.extend(reversed(chain(repo, ref)))
    return out
