"""Shared fixtures: sealed git, a server repo with gitannot installed, clones, sshd."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.gitenv import Client, ServerRepo, clone, install_server, sealed_environ
from tests.sshd import Sshd, sshd_available

# Real exports copied into the repository (provenance and licenses: tests/data/SOURCES.md).
DATA = Path(__file__).resolve().parent / "data"
REALDATA = DATA / "realdata"


def missing_test_data() -> list[str]:
    """Files listed in tests/data/SHA256SUMS that are absent or changed."""
    sums = DATA / "SHA256SUMS"
    if not sums.is_file():
        return [str(sums)]
    bad = []
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, rel = line.partition("  ")
        path = DATA / rel
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            bad.append(rel)
    return bad


def pytest_configure() -> None:
    # Parametrized tests list real files at import: missing data would shrink them to
    # nothing and pass, so stop the whole run instead.
    bad = missing_test_data()
    if bad:
        raise pytest.UsageError(
            f"test data missing or changed under {DATA}: {', '.join(bad[:5])}"
            + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
            + " (it is part of the repository: restore it with git checkout -- tests/data)"
        )


@pytest.fixture(autouse=True)
def sealed_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with no user git config, fixed identities and dates."""
    home = tmp_path_factory.mktemp("home")
    env = sealed_environ(home)
    for key in list(os.environ):
        if key not in env:
            monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    # Hooks and the merge driver must run this interpreter's gitannot.
    bindir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", bindir + os.pathsep + env.get("PATH", ""))


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    if not sshd_available():
        if os.environ.get("CI"):
            pytest.fail("sshd is required in CI (apt-get install openssh-server)")
        pytest.skip("sshd not installed (apt-get install openssh-server)")
    server = Sshd(tmp_path_factory.mktemp("sshd"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(tmp_path: Path) -> ServerRepo:
    """A bare repo with gitannot installed; alice is the bootstrap admin."""
    return install_server(tmp_path / "server" / "labels.git", ["alice"])


@pytest.fixture
def ssh_server(server: ServerRepo, sshd: Sshd) -> ServerRepo:
    """The same server repo, reachable over the real sshd too."""
    server.sshd = sshd
    return server


@pytest.fixture
def make_client(tmp_path: Path) -> Callable[[ServerRepo, str], Client]:
    def factory(server: ServerRepo, user: str) -> Client:
        dest = tmp_path / "clients" / user
        suffix = 1
        while dest.exists():
            suffix += 1
            dest = tmp_path / "clients" / f"{user}{suffix}"
        return clone(server, dest, user)

    return factory


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.fail(f"test data missing: {REALDATA} (it is part of the repository; restore it)")
    return REALDATA
