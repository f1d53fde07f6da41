"""Small helpers shared by the XML formats (VOC, CVAT, Label Studio config)."""

import math
import xml.etree.ElementTree as ET


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
