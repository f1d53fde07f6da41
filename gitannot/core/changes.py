"""One path a commit changes: the value access limits and validation both read. Pure."""

from dataclasses import dataclass

MODE_SYMLINK = 0o120000
MODE_SUBMODULE = 0o160000


@dataclass(frozen=True)
class Change:
    """One path a commit touches (against any parent), or a ref's net change touches.

    Deleted: mode and oid None.
    """

    path: str
    mode: int | None = None
    oid: str | None = None
    size: int | None = None  # blob size; None for deletions, submodules and unreadable blobs
