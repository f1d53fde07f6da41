"""Fixtures for access tests: seeded servers (per test, or shared by a table), clones."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.access.helpers import seed
from tests.gitenv import Client, ServerRepo, clone, install_server, sealed_environ
from tests.sshd import Sshd


@pytest.fixture
def seeded(server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]) -> ServerRepo:
    """A server whose main holds the scaffold policy and one file per project folder."""
    seed(server, make_client(server, "alice"))
    return server


@pytest.fixture
def user_client(
    seeded: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> Callable[[str], Client]:
    def factory(user: str) -> Client:
        return make_client(seeded, user)

    return factory


@pytest.fixture(scope="module")
def shared_seeded(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[ServerRepo]:
    """One seeded server for a whole table: rows use distinct refs, so they stay independent.

    Set up under its own sealed environment (the per-test one does not exist yet). Also
    reachable over sshd when it is installed; ssh rows skip themselves otherwise.
    """
    sshd: Sshd | None
    try:
        sshd = request.getfixturevalue("sshd")
    except pytest.skip.Exception:
        sshd = None
    root = tmp_path_factory.mktemp("shared")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in sealed_environ(root / "home").items():
            mp.setenv(key, value)
        server = install_server(root / "labels.git", ["alice"])
        seed(server, clone(server, root / "alice", "alice"))
    server.sshd = sshd
    yield server


@pytest.fixture
def needs_ssh(shared_seeded: ServerRepo) -> None:
    if shared_seeded.sshd is None:
        pytest.skip("sshd not installed (apt-get install openssh-server)")


@pytest.fixture
def shared_client(shared_seeded: ServerRepo, tmp_path: Path) -> Callable[[str], Client]:
    def factory(user: str) -> Client:
        return clone(shared_seeded, tmp_path / f"clone-{user}", user)

    return factory
