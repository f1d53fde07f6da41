"""`server install --metrics-spool DIR`: point a repository's hooks at a metrics spool."""

from pathlib import Path

from gitannot.metrics import spool


def enable(git_dir: Path, folder: Path, name: str | None) -> str:
    # Group-writable so hooks of several accounts can share one spool (setgid folder).
    folder.mkdir(mode=0o2770, parents=True, exist_ok=True)
    spool.write_setting(git_dir, folder, name or git_dir.name)
    return f"hooks spool metrics records to {folder.resolve()} (serve: gitannot server metrics)"
