"""Where a Git host runs server hooks: plain git, GitLab (Gitaly) or Gitea/Forgejo.

- plain: git runs <repo>/hooks/pre-receive itself; gitannot's shim is that file.
- gitlab: Gitaly owns <repo>/hooks (core.hooksPath points at its own hook binary) and
  runs every executable file in <repo>/custom_hooks/pre-receive.d/ after its own checks,
  with the pusher in GL_USERNAME; gitannot's shim goes there.
- gitea: Gitea (and Forgejo) write a dispatcher as <repo>/hooks/pre-receive that feeds
  stdin to every executable file in <repo>/hooks/pre-receive.d/ and fails if any fails;
  the pusher is in GITEA_PUSHER_NAME. gitannot's shim goes in that folder, beside
  Gitea's own.

The chosen layout is kept in <repo>/gitannot/layout so doctor checks the right places.
"""

import os
from pathlib import Path

LAYOUTS = ("plain", "gitlab", "gitea")
LAYOUT_FILE = "layout"
SHIM_NAME = "gitannot"  # file name of the shim inside a *.d folder


def hook_file(git_dir: Path, layout: str, hook: str) -> Path:
    if layout == "plain":
        return git_dir / "hooks" / hook
    if layout == "gitlab":
        return git_dir / "custom_hooks" / f"{hook}.d" / SHIM_NAME
    if layout == "gitea":
        return git_dir / "hooks" / f"{hook}.d" / SHIM_NAME
    raise ValueError(f"unknown layout {layout!r} (one of {', '.join(LAYOUTS)})")


def read_layout(git_dir: Path) -> str:
    """The installed layout; plain when none was recorded (installs before layouts)."""
    try:
        layout = (git_dir / "gitannot" / LAYOUT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return "plain"
    return layout


def write_layout(git_dir: Path, layout: str) -> None:
    (git_dir / "gitannot" / LAYOUT_FILE).write_text(layout + "\n", encoding="utf-8")


def dispatcher_problem(git_dir: Path, layout: str, hook: str) -> str | None:
    """Gitea's dispatcher must be there and run its .d folder, or the shim never runs."""
    if layout != "gitea":
        return None
    dispatcher = git_dir / "hooks" / hook
    if not dispatcher.is_file():
        return f"{dispatcher} is missing: nothing runs {dispatcher}.d/ (Gitea writes it)"
    if not os.access(dispatcher, os.X_OK):
        return f"{dispatcher} is not executable: git skips it and every hook in {hook}.d/"
    text = dispatcher.read_text(encoding="utf-8", errors="replace")
    if f"{hook}.d" not in text and "${hookname}.d" not in text:
        return f"{dispatcher} does not run the hooks in {hook}.d/ (not Gitea's dispatcher)"
    return None
