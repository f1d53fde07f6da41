"""Split raw JSON bytes into records without building Python objects for them.

The fast path of the merge and of incremental validation: msgspec hands back each
top-level member and each array element as a `Raw` slice of the input. Records whose
bytes are equal on two sides are equal; only records whose bytes differ are ever parsed
(orjson). Pure, no I/O.
"""

import re
from dataclasses import dataclass
from typing import Any

import msgspec
import orjson

Raw = msgspec.Raw
Key = int | str


class NotKeyed(ValueError):
    """A collection whose records cannot be keyed (no id, duplicate ids, not objects)."""


class _Id(msgspec.Struct):
    id: int | str


_ids_decoder = msgspec.json.Decoder(list[_Id])
_raws_decoder = msgspec.json.Decoder(list[msgspec.Raw])
_members_decoder = msgspec.json.Decoder(dict[str, msgspec.Raw])
_OPEN = re.compile(rb"\[(\s*)")
_JOIN = re.compile(rb"\s*,\s*")


def blank(buf: bytes) -> bool:
    """Empty or whitespace only (an absent side); never copies a large buffer."""
    return not buf or buf.isspace()


_last: list[tuple[bytes, dict[str, Raw]]] = []  # by identity: hashing 1 GB costs


def members(buf: bytes) -> dict[str, Raw]:
    """Top-level object members in file order; raises if `buf` is not a JSON object."""
    for seen, found in _last:
        if seen is buf:  # detection and the merge both ask about the same buffers
            return found
    try:
        found = _members_decoder.decode(buf)
    except msgspec.DecodeError as exc:
        raise ValueError(f"not a JSON object: {exc}") from exc
    _last[:] = [*_last[-3:], (buf, found)]
    return found


_last_elements: list[tuple[Raw | bytes, list[Raw]]] = []


def elements(raw: Raw | bytes) -> list[Raw]:
    """Array elements as raw slices. The last two splits are kept by identity, like
    members(): a hook splits the same big array for validation and the label diff."""
    for seen, found in _last_elements:
        if seen is raw:
            return found
    try:
        found = _raws_decoder.decode(raw)
        _last_elements[:] = [*_last_elements[-1:], (raw, found)]
        return found
    except msgspec.DecodeError as exc:
        raise ValueError(f"not a JSON array: {exc}") from exc


_any_decoder = msgspec.json.Decoder(msgspec.Raw)


def validate(buf: bytes) -> None:
    """Raise ValueError unless `buf` is one JSON value (scanned, no objects built)."""
    try:
        _any_decoder.decode(buf)
    except msgspec.DecodeError as exc:
        raise ValueError(str(exc)) from exc


_LONG_NUMBER = re.compile(rb"[0-9]{19}")  # 19 digits: maybe beyond 64-bit integers


def parse(raw: Raw | bytes) -> Any:
    """The value of a record. orjson reads integers beyond 64 bits as floats, which would
    round them on re-serialization: those records go to msgspec, which keeps them."""
    buf = memoryview(raw) if isinstance(raw, Raw) else raw
    if _LONG_NUMBER.search(buf):
        return msgspec.json.decode(buf)
    return orjson.loads(buf)


@dataclass
class RecordSet:
    """One side's keyed collection: key -> raw record, in file order."""

    records: dict[Key, Raw]
    gaps: tuple[bytes, bytes, bytes] | None  # (after "[", between items, before "]")

    def max_int_key(self) -> int:
        return max((k for k in self.records if isinstance(k, int)), default=0)


def keyed(raw: Raw | None, field: str = "id") -> RecordSet:
    """Key an array of objects by `field`; raises NotKeyed when that is impossible."""
    if raw is None:
        return RecordSet({}, None)
    try:
        raws = _raws_decoder.decode(raw)
        if field == "id":
            ids = _leading_ids(raws) or [rec.id for rec in _ids_decoder.decode(raw)]
        else:
            ids = [getattr(rec, field) for rec in _key_decoder(field).decode(raw)]
    except msgspec.DecodeError as exc:
        raise NotKeyed(str(exc)) from exc
    records = dict(zip(ids, raws, strict=True))
    if len(records) != len(raws):
        raise NotKeyed("duplicate ids")
    return RecordSet(records, array_gaps(raw, raws))


_key_decoders: dict[str, msgspec.json.Decoder[Any]] = {}


def _key_decoder(field: str) -> msgspec.json.Decoder[Any]:
    if field not in _key_decoders:
        struct = msgspec.defstruct("_Key", [(field, int | str)])
        _key_decoders[field] = msgspec.json.Decoder(list[struct])  # type: ignore[valid-type]
    return _key_decoders[field]


_LEADING_ID = re.compile(rb'\{\s*"id"\s*:\s*(-?[0-9]+)\s*[,}]')


def _leading_ids(raws: list[Raw]) -> list[Key] | None:
    """Integer ids read from each record's first bytes, when "id" is every record's first
    key (most exporters); None otherwise. Saves a third scan of the whole array."""
    match = _LEADING_ID.match
    ids: list[Key] = []
    for raw in raws:
        found = match(raw)  # Raw is a bytes-like buffer: re reads it in place
        if found is None:
            return None
        ids.append(int(found[1]))
    return ids if raws else None


_CLOSE = re.compile(rb"(\s*)\]\s*\Z")


def array_gaps(raw: Raw | bytes, raws: list[Raw]) -> tuple[bytes, bytes, bytes] | None:
    """How the array spaced its items, read from its first two; None if unknown."""
    if len(raws) < 2:
        return None
    view = memoryview(raw)
    opened = _OPEN.match(bytes(view[:64]))
    if not opened:
        return None
    end0 = opened.end() + len(raws[0])
    joined = _JOIN.match(bytes(view[end0 : end0 + 256]))
    closed = _CLOSE.search(bytes(view[-256:]))
    if not joined or not closed:
        return None
    return opened.group(1), joined.group(0), closed.group(1)


def join_array(items: list[Any], gaps: tuple[bytes, bytes, bytes]) -> list[Any]:
    """Output chunks of an array: items interleaved with joiners, nothing copied."""
    if not items:
        return [b"[]"]
    opened, joiner, closed = gaps
    out: list[Any] = [joiner] * (2 * len(items) + 1)
    out[1::2] = items
    out[0], out[-1] = b"[" + opened, closed + b"]"
    return out
