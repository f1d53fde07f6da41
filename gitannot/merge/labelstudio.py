"""Label Studio JSON export: task -> annotation -> region. Pure, no I/O. (stub)"""

from gitannot.merge.outcome import MergeOutcome


def looks_like(data: bytes) -> bool:
    return False


def merge_text(base: bytes, ours: bytes, theirs: bytes, *, path: str = "") -> MergeOutcome:
    raise NotImplementedError
