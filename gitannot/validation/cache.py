"""Results keyed by (rules id, file blob id, ...) on disk, so unchanged files are free.

One small JSON file per key under `<dir>/<k[:2]>/<k>.json`, written atomically
(temp + rename), so concurrent pushes never read a half-written entry. An entry that
cannot be read is a miss, never an error.
"""

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def cache_key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class ResultCache:
    def __init__(self, root: Path | None) -> None:
        self.root = root  # None: caching off
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Any:
        if self.root is None:
            return None
        try:
            value = json.loads((self.root / key[:2] / f"{key}.json").read_bytes())
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        if self.root is None:
            return
        folder = self.root / key[:2]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(value, handle, separators=(",", ":"))
            os.replace(tmp, folder / f"{key}.json")
        except OSError:
            return  # a read-only cache only costs speed
