"""Run the hook's access decision outside a push (`gitannot policy check|explain`).

The same PushContext and check_access the pre-receive hook uses, built from a server
(bare) or client repository: in a client the trusted base is the remote's default
branch (what the server already has approved).
"""

from pathlib import Path

import pygit2

from gitannot.access.model import POLICY_PATH
from gitannot.access.remote_base import tracking_ref
from gitannot.access.trusted import PolicyState, load_trusted, parse_bytes
from gitannot.constants import ZERO_OID
from gitannot.core.identity import Identity
from gitannot.core.refupdate import RefUpdate
from gitannot.core.trusted_ref import KEY, trusted_ref
from gitannot.errors import UsageError
from gitannot.gitio import repo as gitrepo
from gitannot.push.context import PushContext, TrustedBase
from gitannot.settings.server import ServerConfig, config_path, load_server_config


def open_repo(path: Path) -> pygit2.Repository:
    return gitrepo.discover(path)


def base_ref(repo: pygit2.Repository, remote: str, explicit: str | None) -> str:
    """The default branch the server would read the policy from."""
    if explicit:
        return explicit
    if repo.is_bare:
        return server_trusted(repo)
    remote_tracking = tracking_ref(repo, remote)
    if remote_tracking is not None:
        return remote_tracking
    head = repo.references.get(f"refs/remotes/{remote}/HEAD")
    if head is not None and head.type == pygit2.enums.ReferenceType.SYMBOLIC:
        return str(head.target)
    return f"refs/remotes/{remote}/main"


def server_trusted(repo: pygit2.Repository) -> str:
    """On the server itself: the branch recorded at install, as the hook reads it (HEAD's
    branch only for installs that predate recording it)."""
    git_dir = Path(repo.path)
    config = load_server_config(git_dir) if config_path(git_dir).exists() else None
    head = gitrepo.default_branch(repo)
    return trusted_ref(config.extra.get(KEY), head) if config is not None else head


def used_commit_line(repo: pygit2.Repository, ref: str) -> str:
    """Which commit the decision read the policy from (stale clones judge stale rules)."""
    commit = gitrepo.ref_target(repo, ref)
    return f"policy read from {ref} at {commit[:12] if commit else '(no commit: missing)'}"


def trusted_base(repo: pygit2.Repository, ref: str) -> TrustedBase:
    return TrustedBase(repo=repo, ref=ref, commit=gitrepo.ref_target(repo, ref))


def policy_state(repo: pygit2.Repository | None, ref: str, file: Path | None) -> PolicyState:
    """A policy file on disk (to try an edit) or the one on the base ref."""
    if file is not None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {file}: {exc}") from exc
        return parse_bytes(data, str(file), None)
    if repo is None:
        raise UsageError("no repository and no --policy FILE", "pass --repo DIR or --policy FILE")
    return load_trusted(trusted_base(repo, ref), POLICY_PATH)


def resolve(repo: pygit2.Repository, rev: str) -> str:
    if rev in ("0", "-", ZERO_OID):
        return ZERO_OID
    try:
        return str(repo.revparse_single(rev).id)
    except (KeyError, ValueError) as exc:
        raise UsageError(f"unknown revision {rev!r}") from exc


def server_config(repo: pygit2.Repository, admins: list[str]) -> ServerConfig:
    git_dir = Path(repo.path)
    if repo.is_bare and config_path(git_dir).exists():
        return load_server_config(git_dir)
    return ServerConfig(admins=admins)


def push_context(
    repo: pygit2.Repository,
    update: RefUpdate,
    user: str,
    *,
    base: str,
    admins: list[str],
    options: list[str],
) -> PushContext:
    return PushContext(
        git_dir=Path(repo.path),
        repo=repo,
        env={},
        updates=[update],
        identity=Identity(user=user, source="offline", variable="--user"),
        push_options=options,
        server=server_config(repo, admins),
        base=trusted_base(repo, base),
    )
