"""Fixtures: one real Label Studio per session; a server repository holding a project
the sync mirrors; the sync run in-process as the `ls-sync` transport identity."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.gitenv import Client, ServerRepo
from tests.sync.helpers import seed
from tests.sync.labelstudio import LabelStudioServer, find_binary


@pytest.fixture(scope="session")
def labelstudio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStudioServer]:
    binary = find_binary()
    if binary is None or not binary.is_file():
        reason = (
            "Label Studio is not installed: tests/run.sh installs it into .venv-labelstudio "
            "(or set GITANNOT_TEST_LABELSTUDIO to a label-studio binary)"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    server = LabelStudioServer(binary, tmp_path_factory.mktemp("labelstudio"))
    try:
        server.start()
    except RuntimeError as exc:
        server.stop()
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture
def project_repo(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> tuple[ServerRepo, Client]:
    alice = make_client(server, "alice")
    seed(alice)
    return server, alice


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path / "sync-host" / "clone"
