"""Events delivery reports to the metrics spool: attempts per target and status, and the
lag from an event written on push to its delivery (a real receiver on loopback)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gitannot.main import main
from gitannot.metrics.service import Metrics
from tests.events.helpers import bootstrap, coco, set_secret
from tests.events.receiver import Receiver
from tests.gitenv import Client, ServerRepo

SECRET = "s3cret-for-tests"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(SECRET).start()
    yield r
    r.stop()


def sample(metrics: Metrics, name: str, labels: dict[str, str]) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_delivery_attempts_and_lag_are_counted(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "spool"
    assert main(["server", "install", str(server.path), "--metrics-spool", str(folder)]) == 0
    set_secret(server, "ci-hook", SECRET)
    config = f'targets:\n  - {{name: ci, kind: webhook, url: "{receiver.url}", secret: ci-hook}}\n'
    alice = bootstrap(server, make_client, config)
    alice.commit({"labels/f0.json": coco([(1, 1)])}, "labels")
    assert alice.push("HEAD:refs/heads/main").accepted
    assert main(["events", "deliver", "--repo", str(server.path)]) == 0
    delivered = len(receiver.got)
    assert delivered >= 2

    metrics = Metrics(folder)
    metrics.drain()
    target = {"target": "ci"}
    assert (
        sample(metrics, "gitannot_events_deliveries_total", {**target, "status": "delivered"})
        == delivered
    )
    assert sample(metrics, "gitannot_events_delivery_lag_seconds_count", target) == delivered
    assert (
        sample(metrics, "gitannot_events_deliveries_total", {**target, "status": "failed"}) is None
    )
