"""Build a hook run's PushContext: repository, settings, ref updates, identity, base.

Kept apart from the checks so post-receive (which only writes a receipt) does not import
the whole pre-receive pipeline.
"""

from collections.abc import Mapping
from pathlib import Path

from gitannot.core.identity import identity_from_env
from gitannot.core.refupdate import parse_ref_updates
from gitannot.core.trusted_ref import KEY, trusted_ref
from gitannot.gitio import repo as gitrepo
from gitannot.push.context import PushContext, TrustedBase
from gitannot.settings.server import ServerConfig, load_server_config


def push_options_from_env(env: Mapping[str, str]) -> list[str]:
    count = int(env.get("GIT_PUSH_OPTION_COUNT", "0") or 0)
    return [env.get(f"GIT_PUSH_OPTION_{i}", "") for i in range(count)]


def build_context(git_dir: Path, stdin_text: str, env: Mapping[str, str]) -> PushContext:
    context, error = start_context(git_dir, stdin_text, env)
    if error is not None:
        raise error
    assert context is not None
    return context


def start_context(
    git_dir: Path, stdin_text: str, env: Mapping[str, str]
) -> tuple[PushContext | None, Exception | None]:
    """The push context, and the error that stops the checks from running, if any.

    When the settings or the hook input cannot be read, the push is rejected, but a
    context is still built where the repository opens, so the attempt reaches the audit
    log: one entry per push attempt.
    """
    gitrepo.cache_blobs()  # each big pushed file is inflated once per hook run
    try:
        repo = gitrepo.open_repository(git_dir, env)
    except Exception as exc:  # noqa: BLE001 — any failure is reported and the push refused
        return None, exc
    error: Exception | None = None
    try:
        server = load_server_config(git_dir)
    except Exception as exc:  # noqa: BLE001 — any failure is reported and the push refused
        server, error = ServerConfig(admins=[]), exc
    try:
        updates = parse_ref_updates(stdin_text)
    except Exception as exc:  # noqa: BLE001 — any failure is reported and the push refused
        updates, error = [], error or exc
    base_ref = trusted_ref(server.extra.get(KEY), gitrepo.default_branch(repo))
    context = PushContext(
        git_dir=git_dir,
        repo=repo,
        env=env,
        updates=updates,
        identity=identity_from_env(env),
        push_options=push_options_from_env(env),
        server=server,
        base=TrustedBase(repo=repo, ref=base_ref, commit=gitrepo.ref_target(repo, base_ref)),
    )
    return context, error
