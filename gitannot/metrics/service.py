"""`gitannot server metrics`: drain the spool into Prometheus metrics and serve them.

Every scrape drains the spool first, so a scrape shows every hook run finished before it.
Counters start from zero when the service restarts (Prometheus handles counter resets);
records are removed once counted, so a record is counted once.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Histogram, make_wsgi_app

from gitannot.metrics import spool as spoolfile

# Hook runs are tens of milliseconds to the hook limit (4 s by default).
HOOK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 30.0)
AUDIT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 10.0)


class Metrics:
    def __init__(self, spool: Path) -> None:
        self.spool = spool
        self.registry = CollectorRegistry()
        self.lock = threading.Lock()
        r = self.registry
        self.hook_seconds = Histogram(
            "gitannot_hook_duration_seconds",
            "Hook run time, by hook and result (accepted, rejected, error, ok).",
            ["hook", "result"],
            buckets=HOOK_BUCKETS,
            registry=r,
        )
        self.pushes = Counter(
            "gitannot_pushes",
            "Pre-receive runs per repository and result.",
            ["repository", "result"],
            registry=r,
        )
        self.rejections = Counter(
            "gitannot_push_rejections",
            "Rejected pushes per blocking rule (a push rejected by two rules counts for both).",
            ["rule"],
            registry=r,
        )
        self.findings = Counter(
            "gitannot_validation_findings",
            "Validation findings in pushed label files, by format and severity.",
            ["format", "severity"],
            registry=r,
        )
        self.audit_append = Histogram(
            "gitannot_audit_append_seconds",
            "Time to append one audit entry (lock wait included).",
            buckets=AUDIT_BUCKETS,
            registry=r,
        )
        self.lock_wait = Histogram(
            "gitannot_audit_lock_wait_seconds",
            "Time an audit writer waited for the repository's audit lock.",
            buckets=AUDIT_BUCKETS,
            registry=r,
        )
        self.deliveries = Counter(
            "gitannot_events_deliveries",
            "Events delivery attempts per target and status (delivered, failed, dead).",
            ["target", "status"],
            registry=r,
        )
        self.delivery_lag = Histogram(
            "gitannot_events_delivery_lag_seconds",
            "From an event written to the outbox to its delivery, per target.",
            ["target"],
            buckets=(1, 2, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400),
            registry=r,
        )
        self.records = Counter("gitannot_metrics_records", "Spool records counted.", registry=r)
        self.bad_records = Counter(
            "gitannot_metrics_bad_records",
            "Spool records that could not be read (dropped).",
            registry=r,
        )

    def drain(self) -> int:
        with self.lock:
            records, bad = spoolfile.drain(self.spool)
            for record in records:
                try:
                    self.count(record)
                except (KeyError, TypeError, ValueError):
                    bad += 1
                else:
                    self.records.inc()
            if bad:
                self.bad_records.inc(bad)
            return len(records)

    def count(self, record: dict[str, Any]) -> None:
        if record.get("kind") == "delivery":
            target = str(record["target"])
            self.deliveries.labels(target, str(record["status"])).inc()
            if record.get("lag_seconds") is not None:
                self.delivery_lag.labels(target).observe(max(0.0, float(record["lag_seconds"])))
            return
        hook, result = str(record["hook"]), str(record["result"])
        self.hook_seconds.labels(hook, result).observe(float(record["seconds"]))
        if hook == "pre-receive":
            self.pushes.labels(str(record["repository"]), result).inc()
            for rule in record.get("rules") or []:
                self.rejections.labels(str(rule)).inc()
        for fmt, severity, n in record.get("findings") or []:
            self.findings.labels(str(fmt), str(severity)).inc(int(n))
        timings = record.get("timings") or {}
        for seconds in timings.get("audit_append", []):
            self.audit_append.observe(float(seconds))
        for seconds in timings.get("audit_lock_wait", []):
            self.lock_wait.observe(float(seconds))


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def wsgi_app(metrics: Metrics) -> Callable[..., Iterable[bytes]]:
    inner = make_wsgi_app(metrics.registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        metrics.drain()
        result: Iterable[bytes] = inner(environ, start_response)
        return result

    return app


def parse_listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"--listen {value!r}: expected HOST:PORT, e.g. 127.0.0.1:9464")
    return host.strip("[]") or "127.0.0.1", int(port)


def make_metrics_server(spool: Path, listen: str) -> tuple[Metrics, WSGIServer]:
    spool.mkdir(mode=0o770, parents=True, exist_ok=True)
    metrics = Metrics(spool)
    host, port = parse_listen(listen)
    server = make_server(host, port, wsgi_app(metrics), handler_class=_QuietHandler)
    return metrics, server


def serve(spool: Path, listen: str) -> None:
    _metrics, server = make_metrics_server(spool, listen)
    host, port = server.server_address[:2]
    where = f"{host!s}:{port}" if isinstance(host, str) else f"{listen}"
    sys.stderr.write(f"gitannot-metrics: serving http://{where}/metrics from {spool}\n")
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
