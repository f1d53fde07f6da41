"""Small helpers shared by the XML formats (VOC, CVAT, Label Studio config), and the
one policy for reading XML safely, used by the validators and the merge driver alike."""

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import defusedxml.ElementTree as DET

# What every XML reader of gitannot refuses: any DTD (and with it entity declarations,
# the "billion laughs"), and external references. defusedxml's keyword arguments.
SAFE_XML: dict[str, bool] = {"forbid_dtd": True, "forbid_entities": True, "forbid_external": True}


def safe_fromstring(data: bytes) -> ET.Element:
    """Parse XML under SAFE_XML; raises ET.ParseError or defusedxml's DefusedXmlException."""
    element: ET.Element = DET.fromstring(data, **SAFE_XML)
    return element


def harden_expat(parser: Any, refuse: Callable[..., Any]) -> None:
    """SAFE_XML on a raw expat parser (readers that need byte offsets): `refuse` is
    called, and must raise, on a DTD, an entity declaration or an external reference."""
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse


def text_of(elem: ET.Element | None, path: str) -> str | None:
    if elem is None:
        return None
    found = elem.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def number(value: str | None) -> float | None:
    """A finite float, or None (missing, not a number, NaN or infinite)."""
    if value is None:
        return None
    try:
        result = float(value)
    except ValueError:
        return None
    return result if math.isfinite(result) else None


def is_non_finite(value: str | None) -> bool:
    try:
        return value is not None and not math.isfinite(float(value))
    except ValueError:
        return False
