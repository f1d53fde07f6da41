"""Everything a push check may look at, gathered once per push."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pygit2

from gitannot.constants import ZERO_OID
from gitannot.core.findings import Finding
from gitannot.core.identity import Identity
from gitannot.core.refupdate import Action, RefUpdate
from gitannot.gitio import repo as gitrepo
from gitannot.gitio.changes import ChangeReader
from gitannot.server.config import ServerConfig


@dataclass
class TrustedBase:
    """The default branch tip *before* the push: where policy and schema are read from."""

    repo: pygit2.Repository
    ref: str
    commit: str | None  # None: empty repository (bootstrap admins apply)

    def read(self, path: str) -> bytes | None:
        return gitrepo.read_blob(self.repo, self.commit, path)

    def blob_id(self, path: str) -> str | None:
        return gitrepo.blob_id(self.repo, self.commit, path)


@dataclass
class PushContext:
    git_dir: Path
    repo: pygit2.Repository
    env: Mapping[str, str]
    updates: list[RefUpdate]
    identity: Identity | None
    push_options: list[str]
    server: ServerConfig
    base: TrustedBase
    # Set by the access check when an allowed break-glass is in force; content checks skip.
    bypass_reason: str | None = None
    # Rules/schema blob ids that were applied, by name (recorded in the audit log).
    applied: dict[str, str] = field(default_factory=dict)
    # Informational lines for the push report (not findings).
    notes: list[str] = field(default_factory=list)

    def push_option(self, name: str) -> str | None:
        """Value of `git push -o name=value` (the last one wins); "" for a bare `-o name`."""
        value = None
        for option in self.push_options:
            key, sep, rest = option.partition("=")
            if key == name:
                value = rest if sep else ""
        return value

    def action(self, update: RefUpdate) -> Action:
        return self._actions[update.ref]

    @cached_property
    def _actions(self) -> dict[str, Action]:
        return {
            u.ref: u.action(fast_forward=gitrepo.is_fast_forward(self.repo, u.old, u.new))
            for u in self.updates
        }

    def incoming_commits(self, update: RefUpdate) -> list[pygit2.Commit]:
        """Commits the update brings to this ref: `new --not old --not <trusted base>`.

        A superset of the brand-new commits (`new --not --all`): a commit already on
        another ref was judged against that ref's rights and content rules only (or came
        in under a break-glass there), so moving main onto it, or creating a branch there,
        judges it again. Only the ref's own old history and the trusted base count as
        already judged.
        """
        if update.is_delete:
            return []
        judged = tuple(oid for oid in (update.old, self.base.commit) if oid and oid != ZERO_OID)
        key = (update.new, judged)
        if key not in self._incoming_cache:
            self._incoming_cache[key] = list(
                gitrepo.new_commits(self.repo, update.new, list(judged))
            )
        return self._incoming_cache[key]

    @cached_property
    def _incoming_cache(self) -> dict[tuple[str, tuple[str, ...]], list[pygit2.Commit]]:
        return {}

    @cached_property
    def changes(self) -> ChangeReader:
        """Per-commit changes, diffed once per push whoever asks (access, validation)."""
        return ChangeReader(self.repo)


@dataclass
class HookResult:
    accepted: bool
    findings: list[Finding]
    # Per ref: "accepted" or "denied" (pre-receive is all-or-nothing; this says which refs
    # caused a rejection).
    ref_decisions: dict[str, str]
    error: str | None = None  # crash / timeout description when the pipeline did not finish
