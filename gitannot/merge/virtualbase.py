"""Conflict records inside a merge base: the base git builds for a criss-cross merge.

With more than one merge base, git first merges the bases with this same driver (an
"inner" merge; git 2.39 tells an external driver only through `%L`, the marker size
plus 2 per level) and takes its result, conflicts included, as the base of the final
merge. So a base collection may hold conflict records, which have no "id": each is
keyed here by the key of the record it stands for, so the final merge pairs it with
both sides' records (and threeway.merge_record makes it a conflict again unless both
sides agree). Pure, no I/O.
"""

import re
from typing import Any

from gitannot.constants import CONFLICT_KEY
from gitannot.merge import records
from gitannot.merge.records import Key, NotKeyed, Raw, RecordSet

_MARK = re.compile(re.escape(f'"{CONFLICT_KEY}"'.encode()))


def keyed(raw: Raw | bytes | None, field: str = "id") -> RecordSet:
    """records.keyed, also for an array that holds conflict records."""
    try:
        return records.keyed(raw, field)  # type: ignore[arg-type]
    except NotKeyed:
        if raw is None or _MARK.search(raw) is None:
            raise
    try:
        raws = records.elements(raw)
    except ValueError as exc:  # the whole member is one conflict record
        raise NotKeyed(str(exc)) from exc
    keys = [_key(records.parse(item), field) for item in raws]
    found = dict(zip(keys, raws, strict=True))
    if len(found) != len(raws):
        raise NotKeyed("duplicate ids")
    return RecordSet(found, records.array_gaps(raw, raws))


def _key(value: Any, field: str) -> Key:
    """A record's key; for a conflict record, the key its sides' records share."""
    candidates = [value]
    if isinstance(value, dict) and CONFLICT_KEY in value:
        candidates = [value.get(side) for side in ("base", "ours", "theirs")]
    for record in candidates:
        key = record.get(field) if isinstance(record, dict) else None
        if isinstance(key, int | str) and not isinstance(key, bool):
            return key
    raise NotKeyed(f"a record without a usable {field!r}")
