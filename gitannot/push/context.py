"""Everything a push check may look at, gathered once per push."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pygit2

from gitannot.constants import ZERO_OID
from gitannot.core.changes import Change
from gitannot.core.findings import Finding
from gitannot.core.identity import Identity
from gitannot.core.refupdate import Action, RefUpdate
from gitannot.gitio import repo as gitrepo
from gitannot.gitio.changes import ChangeReader
from gitannot.settings.server import ServerConfig


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

    def holds(self, change: Change) -> bool:
        """True when the base tree has exactly this version of the path (absent for a
        deletion): content the default branch already approved."""
        tree = self._tree
        if tree is None:
            return False
        try:
            entry = tree[change.path]
        except KeyError:
            return change.mode is None
        except (ValueError, pygit2.GitError):
            return False  # a path git cannot look up is never "already approved"
        return change.mode == entry.filemode and change.oid == str(entry.id)

    @cached_property
    def _tree(self) -> pygit2.Tree | None:
        commit = gitrepo.peel_to_commit(self.repo, self.commit) if self.commit else None
        return commit.tree if commit is not None else None


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

    def net_change(self, update: RefUpdate) -> list[Change]:
        """What the update makes the ref's tree become, as changes from where it stood.

        An update: old tip -> new tip, whatever the history between them. A new ref: from
        where the new tip leaves the trusted base (their merge base), or from the empty
        tree when it shares no history with it. A rollback hidden in a merge's parents
        shows here as a plain change of the ref's tree.
        """
        if update.is_delete:
            return []
        new = gitrepo.peel_to_commit(self.repo, update.new)
        if new is None:
            return []
        return self.changes.between(self._net_start(update, new), new)

    def _net_start(self, update: RefUpdate, new: pygit2.Commit) -> pygit2.Commit | None:
        if update.old != ZERO_OID:
            return gitrepo.peel_to_commit(self.repo, update.old)  # None: all of new counts
        base = gitrepo.peel_to_commit(self.repo, self.base.commit) if self.base.commit else None
        if base is None:
            return None
        merge_base = self.repo.merge_base(new.id, base.id)
        return gitrepo.peel_to_commit(self.repo, str(merge_base)) if merge_base else None

    @cached_property
    def _incoming_cache(self) -> dict[tuple[str, tuple[str, ...]], list[pygit2.Commit]]:
        return {}

    @cached_property
    def changes(self) -> ChangeReader:
        """Per-commit changes (against every parent) and net changes, diffed once per
        push whoever asks (access, validation)."""
        return ChangeReader(self.repo)


@dataclass
class HookResult:
    accepted: bool
    findings: list[Finding]
    # Per ref: "accepted" or "denied" (pre-receive is all-or-nothing; this says which refs
    # caused a rejection).
    ref_decisions: dict[str, str]
    error: str | None = None  # crash / timeout description when the pipeline did not finish
