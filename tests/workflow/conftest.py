"""Fixtures: a server whose main holds the workflow project, and clones per user."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.gitenv import Client, ServerRepo
from tests.workflow.helpers import seed


@pytest.fixture
def wf(server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]) -> ServerRepo:
    seed(make_client(server, "alice"))
    return server


@pytest.fixture
def user(
    wf: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> Callable[[str], Client]:
    def factory(name: str) -> Client:
        client = make_client(wf, name)
        client.git("fetch", "-q", "origin")
        return client

    return factory
