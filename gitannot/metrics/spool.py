"""The metrics spool: one small JSON file per hook run, drained by `gitannot server metrics`.

Hooks live for one push and the hook service's work runs in forked children, so neither
can be scraped. Each run instead drops one record into a spool folder (written under a
temporary name, then renamed: a reader never sees half a record, and no lock is taken).
A repository takes part when <repo>/gitannot/metrics.json names the spool; without it the
hook writes nothing. Writing a record never raises: metrics must not touch a push.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from gitannot.metrics import probe

SETTINGS_FILE = "metrics.json"  # in <repo>/gitannot/
RECORD_SUFFIX = ".rec"
RECORD_VERSION = 1


@dataclass(frozen=True)
class SpoolSetting:
    spool: Path
    repository: str


def settings_path(git_dir: Path) -> Path:
    return git_dir / "gitannot" / SETTINGS_FILE


def read_setting(git_dir: Path) -> SpoolSetting | None:
    """The repository's spool, or None when metrics are off. Raises on a malformed file."""
    try:
        data = json.loads(settings_path(git_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("spool"), str):
        raise ValueError(f"{settings_path(git_dir)}: expected {{'spool': DIR, 'repository': NAME}}")
    name = data.get("repository")
    return SpoolSetting(Path(data["spool"]), name if isinstance(name, str) else git_dir.name)


def write_setting(git_dir: Path, spool: Path, repository: str) -> None:
    path = settings_path(git_dir)
    tmp = path.with_name(f".{path.name}.tmp")
    body = {"spool": str(spool.resolve()), "repository": repository}
    tmp.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def emit_hook(
    git_dir: Path, hook: str, result: str, seconds: float, rules: list[str] | None = None
) -> None:
    """Spool one hook run (with what the probe gathered). Never raises."""
    try:
        setting = read_setting(git_dir)
        if setting is None:
            return
        record = {
            "v": RECORD_VERSION,
            "kind": "hook",
            "hook": hook,
            "result": result,
            "seconds": seconds,
            "repository": setting.repository,
            "rules": sorted(set(rules or [])),
            "time": time.time(),
            **probe.snapshot(),
        }
        write_record(setting.spool, record)
    except Exception as exc:  # noqa: BLE001 — a metrics failure must never affect a push
        sys.stderr.write(f"gitannot: metrics record not written: {type(exc).__name__}: {exc}\n")


def emit_delivery(git_dir: Path, target: str, status: str, lag_seconds: float | None) -> None:
    """Spool one events delivery attempt (lag: event written -> delivered). Never raises."""
    try:
        setting = read_setting(git_dir)
        if setting is None:
            return
        record = {
            "v": RECORD_VERSION,
            "kind": "delivery",
            "target": target,
            "status": status,
            "lag_seconds": lag_seconds,
            "repository": setting.repository,
            "time": time.time(),
        }
        write_record(setting.spool, record)
    except Exception as exc:  # noqa: BLE001 — metrics must never affect a delivery
        sys.stderr.write(f"gitannot: metrics record not written: {type(exc).__name__}: {exc}\n")


def write_record(spool: Path, record: dict[str, object]) -> Path:
    name = f"{time.time_ns()}-{os.getpid()}-{secrets.token_hex(4)}"
    final = spool / f"{name}{RECORD_SUFFIX}"
    tmp = spool / f".{name}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        os.write(fd, json.dumps(record, separators=(",", ":")).encode("utf-8"))
    finally:
        os.close(fd)
    os.rename(tmp, final)
    return final


def drain(spool: Path) -> tuple[list[dict[str, object]], int]:
    """Read and remove every finished record: (records, number of unreadable ones)."""
    records: list[dict[str, object]] = []
    bad = 0
    try:
        names = sorted(n for n in os.listdir(spool) if n.endswith(RECORD_SUFFIX))
    except FileNotFoundError:
        return records, bad
    for name in names:
        path = spool / name
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            continue  # another drainer took it
        except (OSError, ValueError):
            data = None
        path.unlink(missing_ok=True)
        if isinstance(data, dict) and data.get("v") == RECORD_VERSION:
            records.append(data)
        else:
            bad += 1
    return records, bad
