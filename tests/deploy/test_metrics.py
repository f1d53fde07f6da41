"""A real Prometheus scrapes `gitannot server metrics` after real pushes and sees the counts."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gitannot.main import main
from gitannot.metrics import spool
from tests.deploy import prom
from tests.gitenv import Client, ServerRepo
from tests.validation.helpers import PROJECT, SCHEMA_V1, coco

MakeClient = Callable[[ServerRepo, str], Client]
DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "gitannot-dashboard.json"


@pytest.fixture
def spooled(server: ServerRepo, tmp_path: Path) -> Path:
    folder = tmp_path / "spool"
    args = ["server", "install", str(server.path), "--metrics-spool", str(folder)]
    assert main([*args, "--metrics-name", "street"]) == 0
    return folder


@pytest.fixture
def scraped(spooled: Path, tmp_path: Path) -> Iterator[int]:
    """`gitannot server metrics` on the spool and Prometheus scraping it; yields the
    Prometheus port."""
    if not os.path.exists(prom.PROMETHEUS):
        if os.environ.get("CI"):
            pytest.fail("prometheus is required in CI (tests/run.sh installs it)")
        pytest.skip("prometheus not installed (apt-get install prometheus)")
    metrics, metrics_port = prom.start_metrics(spooled, tmp_path)
    try:
        prometheus, port = prom.start_prometheus(tmp_path, metrics_port)
        try:
            yield port
        finally:
            prom.stop(prometheus)
    finally:
        prom.stop(metrics)


@pytest.mark.slow
def test_prometheus_counts_accepted_and_rejected_pushes(
    server: ServerRepo, scraped: int, make_client: MakeClient
) -> None:
    alice = make_client(server, "alice")
    alice.commit(
        {
            "schema/labels.yaml": SCHEMA_V1,
            "configs/project.yaml": PROJECT,
            "labels/coco/a.json": coco(["person", "car"]),
        }
    )
    assert alice.push("HEAD:refs/heads/main").accepted
    alice.commit({"labels/coco/b.json": coco(["person", "truck", "truck"])})
    bad = alice.push("HEAD:refs/heads/main")
    assert not bad.accepted and "[schema.unknown-label]" in bad.output
    alice.git("reset", "-q", "--hard", "HEAD~1")
    alice.commit({"README.md": "two\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    anonymous = alice.push("HEAD:refs/heads/other", identity_env={})
    assert not anonymous.accepted and "[identity.missing]" in anonymous.output

    pushes = prom.wait_for(scraped, 'gitannot_pushes_total{repository="street"}', "result", {
        "accepted": 2, "rejected": 2,
    })  # fmt: skip
    assert pushes == {"accepted": 2, "rejected": 2}
    rules = prom.values_by(scraped, "gitannot_push_rejections_total", "rule")
    assert rules == {"schema.unknown-label": 1, "identity.missing": 1}
    findings = prom.query(scraped, "gitannot_validation_findings_total")
    by_key = {(f["metric"]["format"], f["metric"]["severity"]): f["value"][1] for f in findings}
    assert by_key == {("coco", "error"): "2"}
    hooks = prom.values_by(
        scraped, 'gitannot_hook_duration_seconds_count{hook="post-receive"}', "result"
    )
    assert hooks == {"ok": 2}
    # Every push attempt (4) and receipt (2) appended one entry and waited for the lock once.
    for name in ("gitannot_audit_append_seconds_count", "gitannot_audit_lock_wait_seconds_count"):
        assert prom.values_by(scraped, name, "") == {"": 6}
    assert prom.values_by(scraped, "gitannot_metrics_bad_records_total", "") == {"": 0}
    check_dashboard(scraped)


def check_dashboard(port: int) -> None:
    """Every expression of the Grafana dashboard is valid PromQL to this Prometheus, uses
    only series the service exports, and the push panels show the pushes."""
    dashboard = json.loads(DASHBOARD.read_text())
    # rate() and increase() need two samples of a series: wait for a few more scrapes.
    enough = "min(count_over_time(gitannot_pushes_total[5m])) >= bool 3"
    assert prom.wait_for(port, enough, "", {"": 1.0}) == {"": 1.0}
    exported = {
        name
        for item in prom.query(port, '{__name__=~"gitannot_.+"}')
        for name in [item["metric"]["__name__"]]
    }
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            expr = target["expr"].replace("$__rate_interval", "5m").replace("$__range", "5m")
            used = set(re.findall(r"gitannot_[a-z_]+", expr))
            # No events target here: delivery series exist once something was delivered
            # (tests/deploy/test_events_metrics.py counts those).
            used = {name for name in used if not name.startswith("gitannot_events_")}
            assert used <= exported, (panel["title"], used - exported)
            result = prom.query(port, expr)
            if "pushes_total" in expr:
                assert result, panel["title"]


def test_metrics_failure_never_touches_a_push(
    server: ServerRepo, spooled: Path, make_client: MakeClient
) -> None:
    """A spool that cannot be written (gone, replaced by a file) costs a stderr line only."""
    spooled.rmdir()
    spooled.write_text("not a folder")
    alice = make_client(server, "alice")
    alice.commit({"README.md": "one\n"})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert "metrics record not written" in result.output
    assert server.rev("refs/heads/main") == alice.git("rev-parse", "HEAD").stdout.strip()


def test_spool_drain_counts_each_record_once_and_drops_garbage(tmp_path: Path) -> None:
    folder = tmp_path / "spool"
    folder.mkdir()
    spool.write_record(folder, {"v": 1, "kind": "hook", "hook": "pre-receive"})
    (folder / "junk.rec").write_text("{not json")
    (folder / ".half.tmp").write_text("{")  # a record still being written: left alone
    records, bad = spool.drain(folder)
    assert [r["hook"] for r in records] == ["pre-receive"] and bad == 1
    assert sorted(p.name for p in folder.iterdir()) == [".half.tmp"]
    assert spool.drain(folder) == ([], 0)
