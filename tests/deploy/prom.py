"""A real Prometheus (Debian's package) and `gitannot server metrics` on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_listening(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited: {log.read_text(errors='replace')}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after 60s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_metrics(spool: Path, workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    log = workdir / "metrics.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitannot", "server", "metrics", "--spool", str(spool),
         "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=open(log, "wb"),  # noqa: SIM115
    )  # fmt: skip
    wait_listening(port, proc, log)
    return proc, port


def start_prometheus(workdir: Path, target_port: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    config = workdir / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: gitannot\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{target_port}']\n"
    )
    log = workdir / "prometheus.log"
    proc = subprocess.Popen(
        [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={workdir / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=open(log, "wb"),  # noqa: SIM115
    )  # fmt: skip
    wait_listening(port, proc, log)
    return proc, port


def query(port: int, expr: str) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as response:
        body = json.loads(response.read())
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def values_by(port: int, expr: str, label: str) -> dict[str, float]:
    return {item["metric"].get(label, ""): float(item["value"][1]) for item in query(port, expr)}


def wait_for(port: int, expr: str, label: str, expected: dict[str, float]) -> dict[str, float]:
    """Poll Prometheus until `expr` by `label` equals `expected` (a scrape every second);
    the last answer is returned for the caller's assertion either way."""
    deadline = time.monotonic() + 90
    seen = values_by(port, expr, label)
    while seen != expected and time.monotonic() < deadline:
        time.sleep(0.5)
        seen = values_by(port, expr, label)
    return seen
