"""A second local account (root only) and an interpreter that account can run.

The suite runs as root; the servers the issue is about run hooks as a git account. These
helpers create such an account for one test (login shell git-shell, home under /tmp) and a
venv built from the system python that sees this checkout, all world-readable, the way an
admin would put gitannot under /opt.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GIT_SHELL = shutil.which("git-shell")
SYSTEM_PYTHON = "/usr/bin/python3.11"


def accounts_available() -> str | None:
    """Why the account tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (creates a local account)"
    if shutil.which("useradd") is None or GIT_SHELL is None:
        return "needs useradd and git-shell"
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"needs {SYSTEM_PYTHON} (same ABI as the test venv)"
    return None


@contextmanager
def git_account(base: Path, shell: str | None = None) -> Iterator[pwd.struct_passwd]:
    """A system account whose home is base/home (0755), removed afterwards."""
    name = f"gat{os.getpid() % 100000}{len(os.listdir(base.parent)) % 100}"
    home = base / "home"
    home.mkdir(parents=True)
    subprocess.run(
        ["useradd", "--system", "-M", "-d", str(home), "-s", shell or str(GIT_SHELL), name],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(["usermod", "-p", "*", name], check=True, capture_output=True)
        entry = pwd.getpwnam(name)
        os.chown(home, entry.pw_uid, entry.pw_gid)
        home.chmod(0o755)
        yield entry
    finally:
        subprocess.run(["userdel", name], check=False, capture_output=True)


def shared_interpreter(base: Path) -> Path:
    """A venv any account can run that imports this checkout and the test venv's packages."""
    venv = base / "venv"
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(sysconfig.get_paths()["purelib"])
    target = next((venv / "lib").glob("python3*/site-packages"))
    (target / "gitannot-checkout.pth").write_text(f"{site}\n{ROOT}\n", encoding="utf-8")
    for path in [venv, *venv.rglob("*")]:
        if not path.is_symlink():
            extra = 0o555 if path.is_dir() else 0o444
            path.chmod(path.stat().st_mode | extra)
    assert sys.version_info[:2] == (3, 11)
    return venv / "bin" / "python"
