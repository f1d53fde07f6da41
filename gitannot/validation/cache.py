"""Results keyed by (rules id, file blob id, ...), so unchanged files are never re-parsed.

One SQLite file (`<dir>/results.sqlite3`, WAL mode): a push writes its new entries in a
few transactions instead of one file each (a thousand small files cost seconds on some
file systems), and concurrent pushes are serialised by SQLite's own locking. Writes are
buffered and flushed every FLUSH_EVERY entries and on close(), so a push cut short by the
time limit still leaves most of its work for the next attempt. Any cache failure is a
miss, never an error: the cache only ever costs speed.
"""

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

FLUSH_EVERY = 200
DB_NAME = "results.sqlite3"


def cache_key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class ResultCache:
    def __init__(self, root: Path | None) -> None:
        self.root = root  # None: caching off
        self._db: sqlite3.Connection | None = None
        self._pending: dict[str, str] = {}
        self._broken = root is None

    def _conn(self) -> sqlite3.Connection | None:
        if self._broken:
            return None
        if self._db is None:
            assert self.root is not None
            try:
                self.root.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.root / DB_NAME, timeout=2.0, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT)")
                # Record indexes of big files (incremental.py): binary, one row per file.
                db.execute("CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, value BLOB)")
            except (OSError, sqlite3.Error):
                self._broken = True
                return None
            self._db = db
        return self._db

    def get(self, key: str) -> Any:
        if key in self._pending:
            return json.loads(self._pending[key])
        db = self._conn()
        row = None
        if db is not None:
            try:
                row = db.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error:
                row = None
        if row is None:
            return None
        try:
            value = json.loads(row[0])
        except ValueError:
            return None
        return value

    def put(self, key: str, value: Any) -> None:
        if self._broken:
            return
        self._pending[key] = json.dumps(value, separators=(",", ":"))
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def get_blob(self, key: str) -> bytes | None:
        db = self._conn()
        if db is None:
            return None
        try:
            row = db.execute("SELECT value FROM blobs WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return bytes(row[0]) if row is not None else None

    def has_blob(self, key: str) -> bool:
        """Whether a blob is stored under `key`, without reading it."""
        db = self._conn()
        if db is None:
            return False
        try:
            return db.execute("SELECT 1 FROM blobs WHERE key = ?", (key,)).fetchone() is not None
        except sqlite3.Error:
            return False

    def put_blob(self, key: str, value: bytes) -> None:
        """Written at once: a record index is worth keeping even if the push times out."""
        db = self._conn()
        if db is None:
            return
        try:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT OR REPLACE INTO blobs (key, value) VALUES (?, ?)", (key, value))
        except sqlite3.Error:
            return

    def flush(self) -> None:
        db = self._conn()
        pending, self._pending = self._pending, {}
        if db is None or not pending:
            return
        try:
            with db:  # one transaction
                db.execute("BEGIN IMMEDIATE")
                db.executemany(
                    "INSERT OR REPLACE INTO results (key, value) VALUES (?, ?)", pending.items()
                )
        except sqlite3.Error:
            return  # lost entries are re-validated next time

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> "ResultCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
