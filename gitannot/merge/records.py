"""The merge's name for the record splitter, which lives in gitannot.formats.records so
that validation (which must not import the merge) reuses the same layout-preserving split.

Only `parse` is the merge's own: it keeps every number exactly as written (Number), which
a merge must write back unchanged and validation does not need.
"""

import re
from typing import Any

import msgspec
import orjson

from gitannot.formats.records import (
    Key,
    NotKeyed,
    Raw,
    RecordSet,
    array_gaps,
    blank,
    elements,
    join_array,
    keyed,
    members,
    validate,
)
from gitannot.merge.jsonfmt import Number

__all__ = [
    "Key",
    "NotKeyed",
    "Raw",
    "RecordSet",
    "array_gaps",
    "blank",
    "elements",
    "join_array",
    "keyed",
    "members",
    "parse",
    "validate",
]

_value_decoder = msgspec.json.Decoder(float_hook=Number)
# Number texts a float could write back differently: an exponent, 16+ digits (also
# integers beyond 64 bits, which orjson reads as floats), a fraction ending in 0 after
# its first digit (2.50), a tiny fraction (0.00001 is written 1e-05). Others round-trip:
# repr() and orjson write a float back as the shortest text that reads the same, and
# for these that is the text itself. A string may match too: then only speed is lost.
_RISKY = re.compile(rb"[0-9][eE]|[0-9.]{16}|\.[0-9]+0(?![0-9])|\.0000")


def parse(raw: Raw | bytes) -> Any:
    """The value of a record with every number kept exactly as written: integers of any
    size as int, other numbers as float where that writes back to the same text, else
    as Number (its text). orjson is the fast path; msgspec reads the records it cannot."""
    buf = memoryview(raw) if isinstance(raw, Raw) else raw
    if not _RISKY.search(buf):
        return orjson.loads(buf)
    try:
        return _value_decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise ValueError(str(exc)) from exc
