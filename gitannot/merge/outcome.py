"""The result every format adapter returns to the driver."""

from dataclasses import dataclass, field

from gitannot.merge.threeway import Conflict


@dataclass
class MergeOutcome:
    """Merged file bytes, the conflicts left inside them, and the format that merged.

    `data` is always a complete, parseable file in the adapter's format; when
    `conflicts` is non-empty it carries conflict records and the driver exits non-zero.
    """

    data: bytes
    conflicts: list[Conflict] = field(default_factory=list)
    format: str = ""

    @property
    def clean(self) -> bool:
        return not self.conflicts
