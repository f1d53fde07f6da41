"""Safe decoding of raw bytes: JSON via orjson, XML via defusedxml, text as UTF-8.

Each loader reports what is wrong with the file as a finding and returns None instead
of raising; callers stop format checks when nothing usable was loaded.
"""

import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import defusedxml.ElementTree as DET
import orjson
from defusedxml import DefusedXmlException

from gitannot.formats.report import Reporter
from gitannot.formats.xmlutil import SAFE_XML

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_NOT_A_NUMBER = (b"NaN", b"Infinity", b"-Infinity", b"+Infinity")
_MISSING = object()


def strip_bom(data: bytes, rep: Reporter) -> bytes | None:
    """Drop a UTF-8 BOM (reported as info); refuse UTF-16/32 outright."""
    if data.startswith(_UTF8_BOM):
        rep.add("file.bom", "UTF-8 byte order mark at the start of the file (ignored)")
        return data[len(_UTF8_BOM) :]
    if data.startswith(_UTF16_BOMS):
        rep.add("file.encoding", "file is UTF-16/UTF-32 (byte order mark found), not UTF-8")
        return None
    return data


def load_json(data: bytes, rep: Reporter) -> Any:
    """Parse JSON; returns _MISSING-free value or None with a finding on failure."""
    body = strip_bom(data, rep)
    if body is None:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        _report_json_error(body, exc, rep)
        return None


def _report_json_error(body: bytes, exc: orjson.JSONDecodeError, rep: Reporter) -> None:
    msg = str(exc)
    pos = exc.pos
    if "UTF-8" in msg:
        rep.add("file.encoding", f"not valid UTF-8 near byte {pos}")
    elif "depth limit" in msg:
        rep.add("json.too-deep", f"nesting deeper than 1024 levels at byte {pos}")
    elif "infinity when parsed" in msg:
        rep.add("json.number-range", f"number out of range: {msg}")
    elif any(body.startswith(tok, p) for tok in _NOT_A_NUMBER for p in (pos - 1, pos)):
        rep.add("json.nan", f"NaN/Infinity is not valid JSON: {msg}")
    else:
        rep.add("json.parse", msg)


def load_text(data: bytes, rep: Reporter) -> str | None:
    body = strip_bom(data, rep)
    if body is None:
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        rep.add("file.encoding", f"not valid UTF-8 at byte {exc.start}")
        return None


_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)")


def load_xml(data: bytes, rep: Reporter, max_depth: int) -> ET.Element | None:
    """Parse XML with DTDs/entities refused and nesting depth capped while streaming."""
    body = strip_bom(data, rep)
    if body is None:
        return None
    declared = _XML_ENCODING.match(body[:200])
    if declared is None or declared.group(1).lower() in (b"utf-8", b"utf8"):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            rep.add("file.encoding", f"not valid UTF-8 at byte {exc.start}")
            return None
    depth = 0
    root: ET.Element | None = None
    try:
        events = DET.iterparse(io.BytesIO(body), events=("start", "end"), **SAFE_XML)
        for event, elem in events:
            if event == "start":
                depth += 1
                if root is None:
                    root = elem
                if depth > max_depth:
                    rep.add("xml.too-deep", f"XML nesting deeper than {max_depth} levels")
                    return None
            else:
                depth -= 1
    except DefusedXmlException as exc:
        rep.add("xml.entities", f"refused: {type(exc).__name__} ({exc})")
        return None
    except ET.ParseError as exc:
        rep.add("xml.parse", str(exc))
        return None
    except (ValueError, LookupError) as exc:  # unknown encoding names and the like
        rep.add("xml.parse", str(exc))
        return None
    if root is None:
        rep.add("xml.parse", "no root element")
    return root
