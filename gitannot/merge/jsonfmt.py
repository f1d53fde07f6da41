"""Detect a JSON file's layout and write values back in it. Pure, no I/O.

Keeping the layout (indent or compact, separators, ASCII escaping, trailing newline)
keeps later diffs of merged label files small. Key order is kept by the callers: they
emit members in the order the template file had them.
"""

import json
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec
import orjson

Chunk = bytes | msgspec.Raw  # pieces of output, joined once at the end

_LEAD = re.compile(rb"\s*[{\[](\s*)")
_SCAN_LIMIT = 1 << 16


@dataclass(frozen=True)
class Layout:
    indent: bytes | None  # one indent unit, None when compact
    item_sep: bytes  # between items on one line: b"," or b", "
    key_sep: bytes  # between key and value: b":" or b": "
    ascii: bool  # non-ASCII characters written as \\u escapes
    final_newline: bool
    newline: bytes = b"\n"  # b"\r\n" for files written on Windows

    def copies_to(self, other: "Layout") -> bool:
        """Whether a record's raw bytes from this layout can go into `other` as they are
        (ASCII escaping and the final newline do not change how a record looks)."""
        mine = (self.indent, self.item_sep, self.key_sep, self.newline)
        return mine == (other.indent, other.item_sep, other.key_sep, other.newline)

    def pad(self, depth: int) -> bytes:
        return self.newline + (self.indent or b"") * depth


PRETTY2 = Layout(b"  ", b",", b": ", True, True)


def detect(buf: bytes) -> Layout:
    """The layout of an existing document (defaults for an empty one)."""
    if not buf or buf.isspace():
        return PRETTY2
    indent: bytes | None = None
    lead = _LEAD.match(buf)
    if lead and b"\n" in lead.group(1):
        indent = lead.group(1).rsplit(b"\n", 1)[1] or None
    # The first line break says which kind the file uses; a one-line file has only its last.
    breaks = lead.group(1) if lead and b"\n" in lead.group(1) else buf[-2:]
    newline = b"\r\n" if b"\r\n" in breaks else b"\n"
    item_sep, key_sep = _separators(buf[:_SCAN_LIMIT])
    if indent is not None:
        item_sep = b","  # line breaks separate items in indented output
    ends = buf.endswith(b"\n")
    return Layout(indent, item_sep, key_sep, buf.isascii(), ends, newline)


def _separators(head: bytes) -> tuple[bytes, bytes]:
    """First comma and colon outside strings, with the spaces after them."""
    item: bytes | None = None
    key: bytes | None = None
    in_str = esc = False
    for i, c in enumerate(head):
        if in_str:
            if esc:
                esc = False
            elif c == 0x5C:
                esc = True
            elif c == 0x22:
                in_str = False
        elif c == 0x22:
            in_str = True
        elif c in (0x2C, 0x3A):
            sep = b"," if c == 0x2C else b":"
            sep += b" " if head[i + 1 : i + 2] == b" " else b""
            if c == 0x2C and item is None:
                item = sep
            elif c == 0x3A and key is None:
                key = sep
            if item is not None and key is not None:
                break
    return item or b", ", key or b": "


class Number(float):
    """A JSON number kept as written.

    A float holds ~17 significant digits: `0.12345678901234567890123` read as a float
    and written back would come out rounded, `2.50` as `2.5`, `1e5` as `100000.0`, so a
    merge would change numbers nobody edited. records.parse reads such numbers to this:
    a float for code that computes with it (boxes, areas), written back as its text.
    Equality is exact decimal equality, also with a plain float: `2.5` equals `2.50`,
    but two texts that one float would equate are different values (an edit)."""

    __slots__ = ("_exact", "text")
    text: str
    _exact: Decimal | None

    def __new__(cls, text: str) -> "Number":
        number = super().__new__(cls, text)
        number.text = text
        number._exact = None
        return number

    @property
    def exact(self) -> Decimal:
        if self._exact is None:
            self._exact = Decimal(self.text)
        return self._exact

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Number):
            return self.text == other.text or self.exact == other.exact
        # The same number read as a float from a record that had no long number.
        return type(other) is float and self.exact == Decimal(repr(other))

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self.exact)

    def __repr__(self) -> str:
        return f"Number({self.text!r})"


def _fragment(value: Any) -> Any:
    if isinstance(value, Number):
        return orjson.Fragment(value.text.encode())
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _std_dumps(value: Any, **options: Any) -> bytes:
    """json.dumps, with Numbers written as their text. json writes any float itself
    (float.__repr__), so each Number is first swapped for a marker string holding a
    per-call random nonce (no input string can hold it), swapped back after."""
    texts: list[str] = []
    nonce = secrets.token_hex(8)

    def mark(found: Any) -> Any:
        if isinstance(found, Number):
            texts.append(found.text)
            return f"\0{nonce}:{len(texts) - 1}\0"
        if isinstance(found, dict):
            return {k: mark(v) for k, v in found.items()}
        if isinstance(found, list | tuple):
            return [mark(v) for v in found]
        return found

    text = json.dumps(mark(value), **options)
    if texts:
        pattern = re.compile(r'"\\u0000' + nonce + r':([0-9]+)\\u0000"')
        text = pattern.sub(lambda m: texts[int(m[1])], text)
    return text.encode()


def dumps(value: Any, layout: Layout, depth: int = 0) -> bytes:
    """Serialize `value` as it would appear at `depth` inside a document in `layout`."""
    if layout.indent is None:
        if layout.item_sep == b"," and layout.key_sep == b":":
            text = _orjson(value, 0, layout.ascii)
            if text is not None:
                return text
        seps = (layout.item_sep.decode(), layout.key_sep.decode())
        return _std_dumps(value, separators=seps, ensure_ascii=layout.ascii)
    fast = layout.indent == b"  " and layout.key_sep == b": "
    text = _orjson(value, orjson.OPT_INDENT_2, layout.ascii) if fast else None
    if text is None:
        text = _std_dumps(
            value,
            indent=layout.indent.decode(),
            separators=(",", layout.key_sep.decode()),
            ensure_ascii=layout.ascii,
        )
    # Newlines inside strings are escaped, so every raw newline is structure.
    return text.replace(b"\n", layout.pad(depth)) if depth or layout.newline != b"\n" else text


def _orjson(value: Any, option: int, ascii: bool) -> bytes | None:
    """orjson's output (C, several times faster than json's indenting encoder), or None
    where only json can write it: integers beyond 64 bits, \\u-escaped non-ASCII."""
    try:
        text = orjson.dumps(value, default=_fragment, option=option)
    except orjson.JSONEncodeError:
        return None
    return None if ascii and not text.isascii() else text


def key_bytes(key: str, layout: Layout) -> bytes:
    return json.dumps(key, ensure_ascii=layout.ascii).encode()


def object_chunks(
    members: list[tuple[str, list[Chunk]]], layout: Layout, depth: int = 0
) -> list[Chunk]:
    """An object from already-serialized member values (each laid out for depth+1).

    Returns pieces to join once: copying a 500 MB document per nesting level is what
    would make the merge slow, not the merge itself.
    """
    if not members:
        return [b"{}"]
    inner = layout.pad(depth + 1) if layout.indent is not None else b""
    between = b"," + inner if layout.indent is not None else layout.item_sep
    out: list[Chunk] = [b"{" + inner]
    for i, (key, value) in enumerate(members):
        if i:
            out.append(between)
        out.append(key_bytes(key, layout) + layout.key_sep)
        out += value
    out.append((layout.pad(depth) if layout.indent is not None else b"") + b"}")
    return out


def default_gaps(layout: Layout, depth: int) -> tuple[bytes, bytes, bytes]:
    """How an array at `depth` spaces its items (see records.array_gaps) in `layout`."""
    if layout.indent is None:
        return b"", layout.item_sep, b""
    return layout.pad(depth), b"," + layout.pad(depth), layout.pad(depth - 1)


def finish(chunks: list[Chunk], layout: Layout) -> list[Chunk]:
    return [*chunks, layout.newline] if layout.final_newline else chunks


def document(chunks: list[Chunk], layout: Layout) -> bytes:
    return b"".join(finish(chunks, layout))
