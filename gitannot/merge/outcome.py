"""The result every format adapter returns to the driver."""

from dataclasses import dataclass, field
from typing import Any

from gitannot.merge.threeway import Conflict


@dataclass
class MergeOutcome:
    """Merged file bytes, the conflicts left inside them, and the format that merged.

    `data` is a complete, parseable file in the adapter's format; when `conflicts` is
    non-empty it carries conflict records and the driver exits non-zero. A streaming
    adapter may instead leave `data` empty and hand `chunks` (bytes-like pieces whose
    concatenation is the file): joining a 1 GB result would double the memory.
    """

    data: bytes
    conflicts: list[Conflict] = field(default_factory=list)
    format: str = ""
    chunks: list[Any] | None = field(default=None, repr=False)

    def content(self) -> bytes:
        return self.data if self.chunks is None else b"".join(self.chunks)

    @property
    def clean(self) -> bool:
        return not self.conflicts
