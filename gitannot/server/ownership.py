"""Root installing or checking a repository that another account owns.

The hooks run as the account that owns the repository (sshd, gitolite and web servers
switch to it), so what matters is what *that* account can do: run the interpreter, import
gitannot, read the audit key. Root checks by running the interpreter as that account, and
hands what it wrote over to it, instead of guessing from mode bits.
"""

import grp
import os
import pwd
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pygit2

from gitannot.constants import HOOK_NAMES
from gitannot.settings.server import server_dir


@dataclass(frozen=True)
class Account:
    uid: int
    gid: int
    name: str


def foreign_owner(git_dir: Path) -> Account | None:
    """The owning account when we are root and it is someone else; None otherwise."""
    if os.geteuid() != 0:
        return None
    st = git_dir.stat()
    if st.st_uid == 0:
        return None
    try:
        name = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        name = str(st.st_uid)
    return Account(uid=st.st_uid, gid=st.st_gid, name=name)


def act_for(git_dir: Path) -> Account | None:
    """Let root open the owner's repository (libgit2 refuses "not owned by current user")."""
    owner = foreign_owner(git_dir)
    if owner is not None:
        pygit2.option(pygit2.enums.Option.SET_OWNER_VALIDATION, False)
    return owner


def _groups(owner: Account) -> list[int]:
    try:
        return os.getgrouplist(owner.name, owner.gid)
    except (KeyError, OSError):
        return [owner.gid]


def interpreter_error(python: str, owner: Account | None, git_dir: Path) -> str | None:
    """Why `python` cannot run the hook as the owning account (or as us); None if it can."""
    try:
        proc = subprocess.run(
            [python, "-c", "import gitannot.hook.pre_receive"],
            capture_output=True,
            cwd=git_dir,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(git_dir)},
            check=False,
            user=owner.uid if owner else None,
            group=owner.gid if owner else None,
            extra_groups=_groups(owner) if owner else None,
        )
    except OSError as exc:
        return f"{python} cannot be started: {exc.strerror or exc}"
    if proc.returncode != 0:
        lines = proc.stderr.decode(errors="replace").strip().splitlines() or ["?"]
        return f"{python} cannot import gitannot: {lines[-1]}"
    return None


def refusal_hint(owner: Account, python: str) -> str:
    return (
        f"the hooks run as {owner.name}: install gitannot where {owner.name} can read and "
        "execute it (e.g. python3 -m venv /opt/gitannot && /opt/gitannot/bin/pip install "
        f"CHECKOUT, all mode 755) and pass --python /opt/gitannot/bin/python, or run "
        f"install as {owner.name} (sudo -u {owner.name} ...); {python} is not usable by it"
    )


def written_paths(git_dir: Path) -> list[Path]:
    sdir = server_dir(git_dir)
    paths = [sdir, *sorted(sdir.rglob("*"))] if sdir.exists() else []
    hooks = [git_dir / "hooks" / name for name in HOOK_NAMES]
    return [*paths, git_dir / "config", git_dir / "hooks", *hooks]


def hand_over(git_dir: Path, owner: Account) -> list[str]:
    """chown what install wrote to the owner (the audit key is 0600: root-owned, unusable)."""
    changed = []
    for path in written_paths(git_dir):
        if path.exists() and not path.is_symlink() and path.stat().st_uid != owner.uid:
            os.chown(path, owner.uid, owner.gid)
            changed.append(path)
    return [f"handed {len(changed)} file(s) over to {owner.name}"] if changed else []


def foreign_files(git_dir: Path, owner: Account) -> list[Path]:
    return [
        p
        for p in written_paths(git_dir)
        if p.exists() and not p.is_symlink() and p.stat().st_uid != owner.uid
    ]


def group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)
