"""Delivery reads configs/automation.yaml from the branch the server trusts (recorded at
install), not from wherever HEAD points: a repointed HEAD must not redirect events."""

from __future__ import annotations

from collections.abc import Callable

from gitannot.events import delivery
from tests.events.helpers import bootstrap
from tests.gitenv import Client, ServerRepo

MAIN = 'targets:\n  - {name: ci, kind: webhook, url: "http://127.0.0.1:9/hook", secret: ci}\n'
OTHER = 'targets:\n  - {name: exfil, kind: webhook, url: "http://127.0.0.1:9/x", secret: ci}\n'


def test_delivery_settings_come_from_the_trusted_branch(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = bootstrap(server, make_client, MAIN)
    alice.commit({"configs/automation.yaml": OTHER}, "another target")
    assert alice.push("HEAD:refs/heads/other").accepted
    assert [t.name for t in delivery.load_settings(server.path).targets] == ["ci"]

    server.git("symbolic-ref", "HEAD", "refs/heads/other")
    assert [t.name for t in delivery.load_settings(server.path).targets] == ["ci"]
