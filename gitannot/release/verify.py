"""`release verify`: check a release record from any clone, byte for byte.

The DSSE signature must verify with a trusted server key; the Statement's subjects must
match the record's files and the tag's commit; the sha256 manifest must match the
commit's files when the clone has them; no file may be added; each model link must be
signed by a trusted key too.
"""

import json
from dataclasses import dataclass, field

import pygit2

from gitannot.audit import reader
from gitannot.gitio import repo as gitrepo
from gitannot.release import dsse, store
from gitannot.release.links import LINK_TYPE, models
from gitannot.release.record import (
    ATTESTATION,
    PREDICATE_TYPE,
    RELEASE_ENTRY,
    STATEMENT_TYPE,
    SUBJECT_FILES,
    SUMS,
    sha256,
    sums_text,
    tree_sums,
)
from gitannot.validation.sources import GitTreeSource


@dataclass
class Verification:
    tag: str
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    statement: dict[str, object] = field(default_factory=dict)
    key: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_release(repo: pygit2.Repository, tag: str, trusted: list[str]) -> Verification:
    out = Verification(tag)
    files = store.read(repo, tag)
    if files is None:
        out.problems.append(
            f"no record {store.record_ref(tag)} here; fetch it: "
            f"git fetch origin '+{store.RELEASE_REFS}*:{store.RELEASE_REFS}*'"
        )
        return out
    try:
        payload, out.key = dsse.verify(files.get(ATTESTATION, b""), trusted, dsse.IN_TOTO)
        statement = json.loads(payload)
    except (dsse.EnvelopeError, ValueError) as exc:
        out.problems.append(f"{ATTESTATION}: {exc}")
        return out
    out.statement = statement
    out.checked.append(f"signature by {out.key}")
    _statement(out, statement, files)
    _commit(out, repo, tag, statement, files)
    _models(out, files, trusted)
    _audit(out, repo, files)
    return out


def _audit(out: Verification, repo: pygit2.Repository, files: dict[str, bytes]) -> None:
    """The audit log's release entry names the envelope's sha256 (when the log is here;
    `gitannot audit verify` checks the log itself)."""
    if reader.head_commit(repo) is None:
        out.checked.append("audit log not fetched: release entry not cross-checked")
        return
    digest = "sha256:" + sha256(files.get(ATTESTATION, b""))
    found = [
        e.entry for e in reader.entries(repo)
        if e.entry.get("type") == RELEASE_ENTRY and e.entry.get("tag") == out.tag
    ]  # fmt: skip
    if not found:
        out.problems.append(f"the audit log has no release entry for {out.tag}")
    elif found[0].get("attestation") != digest:
        out.problems.append(f"the audit log's release entry names another {ATTESTATION}")
    else:
        out.checked.append(f"audit log release entry names this {ATTESTATION}")


def _statement(out: Verification, statement: dict[str, object], files: dict[str, bytes]) -> None:
    if statement.get("_type") != STATEMENT_TYPE or statement.get("predicateType") != PREDICATE_TYPE:
        out.problems.append("the attestation is not a gitannot release Statement")
        return
    subjects = statement.get("subject")
    digests = (
        {s["name"]: s.get("digest", {}) for s in subjects if isinstance(s, dict) and "name" in s}
        if isinstance(subjects, list)
        else {}
    )
    for name in SUBJECT_FILES:
        want = digests.get(name, {}).get("sha256") if isinstance(digests.get(name), dict) else None
        if name not in files:
            out.problems.append(f"{name}: missing from the record")
        elif want != sha256(files[name]):
            out.problems.append(f"{name}: sha256 differs from the signed statement")
        else:
            out.checked.append(f"{name} sha256 {want[:12]}...")
    allowed = {*SUBJECT_FILES, ATTESTATION}
    extra = [p for p in files if p not in allowed and not p.startswith("models/")]
    if extra:
        out.problems.append(f"files the statement does not cover: {', '.join(sorted(extra))}")


def _commit(
    out: Verification,
    repo: pygit2.Repository,
    tag: str,
    statement: dict[str, object],
    files: dict[str, bytes],
) -> None:
    predicate = statement.get("predicate")
    if not isinstance(predicate, dict):
        out.problems.append("the statement has no predicate")
        return
    if predicate.get("tag") != tag:
        out.problems.append(f"the statement is for tag {predicate.get('tag')!r}, not {tag!r}")
    commit_id = predicate.get("commit")
    subjects = statement.get("subject")
    named = (
        [s for s in subjects if isinstance(s, dict) and s.get("name") == "git-commit"]
        if isinstance(subjects, list)
        else []
    )
    if not named or named[0].get("digest", {}).get("gitCommit") != commit_id:
        out.problems.append("the statement's commit subject and predicate disagree")
    local = gitrepo.ref_target(repo, f"refs/tags/{tag}")
    if local is None:
        out.checked.append("tag not in this clone: commit files not re-hashed")
        return
    if local != predicate.get("tagObject"):
        out.problems.append(
            f"refs/tags/{tag} is {local[:12]}, "
            f"the release was {str(predicate.get('tagObject'))[:12]}"
        )
    commit = gitrepo.peel_to_commit(repo, local)
    if commit is None or str(commit.id) != commit_id:
        out.problems.append(f"tag {tag} does not point at the released commit {commit_id}")
        return
    if sums_text(tree_sums(GitTreeSource(repo, commit.tree))) != files.get(SUMS):
        out.problems.append(f"{SUMS} does not match the files of commit {str(commit_id)[:12]}")
    else:
        out.checked.append(f"every file of commit {str(commit_id)[:12]} matches {SUMS}")


def _models(out: Verification, files: dict[str, bytes], trusted: list[str]) -> None:
    for path, data in models(files):
        try:
            payload, _key = dsse.verify(data, trusted, LINK_TYPE)
            link = json.loads(payload)
        except (dsse.EnvelopeError, ValueError) as exc:
            out.problems.append(f"{path}: {exc}")
            continue
        if link.get("tag") != out.tag:
            out.problems.append(f"{path}: signed for release {link.get('tag')!r}")
        else:
            out.checked.append(f"{path}: model link signed")
