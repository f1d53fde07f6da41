"""The merge's name for the record splitter, which lives in gitannot.formats.records so
that validation (which must not import the merge) reuses the same layout-preserving split.
"""

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
    parse,
    validate,
)

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
