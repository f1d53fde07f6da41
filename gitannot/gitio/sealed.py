"""A git environment sealed from the machine it runs on, for the demo, tests and benches.

No system or user git config is read (only a config file written here), no identity or
transport variable of the caller leaks in (a pusher's identity comes only from what the
caller sets), git never prompts, and the first branch is `main`.
"""

import os
from pathlib import Path

# Variables that name a pusher or carry git/ssh state of the calling shell.
_DROPPED_PREFIXES = ("GIT_", "GITANNOT_", "GL_", "SSH_")
_DROPPED_NAMES = frozenset({"REMOTE_USER", "GITEA_PUSHER_NAME", "GITHUB_USER_LOGIN"})

GITCONFIG = (
    "[init]\n\tdefaultBranch = main\n"
    '[protocol "file"]\n\tallow = always\n'
    "[advice]\n\tdetachedHead = false\n"
    "[core]\n\tautocrlf = false\n"
)


def sealed_git_env(
    home: Path,
    *,
    author: tuple[str, str] | None = None,
    committer: tuple[str, str] | None = None,
    date: str | None = None,
) -> dict[str, str]:
    """The environment to run git in, with `home` as HOME (created, holding the only
    git config). author/committer: (name, email); date: fixed author and commit date."""
    home.mkdir(parents=True, exist_ok=True)
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(GITCONFIG, encoding="utf-8")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_DROPPED_PREFIXES) and key not in _DROPPED_NAMES
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_TERMINAL_PROMPT="0",
        LC_ALL="C",
        LANG="C",
    )
    if author is not None:
        env.update(GIT_AUTHOR_NAME=author[0], GIT_AUTHOR_EMAIL=author[1])
    if committer is not None:
        env.update(GIT_COMMITTER_NAME=committer[0], GIT_COMMITTER_EMAIL=committer[1])
    if date is not None:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    return env
