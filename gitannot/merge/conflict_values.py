"""The competing values of one conflict, as short lines for `gitannot conflicts`.

Showing key and field alone sent annotators to open three versions by hand; base, ours
and theirs side by side are what they decide between. Pure, no I/O.
"""

from typing import Any

import orjson

WIDTH = 100  # longer values are cut with an ellipsis: the file holds them in full
SIDES = ("base", "ours", "theirs")


def _short(value: Any) -> str:
    if value is None:
        return "(absent)"
    text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def json_lines(record: dict[str, Any]) -> list[str]:
    """Per clashing field its three values; the whole record when no field is named
    (added on both sides, deleted on one, ...)."""
    fields = [str(f) for f in record.get("fields") or []]
    sides = {side: record.get(side) for side in SIDES}
    if not fields:
        return [f"    {side}: {_short(sides[side])}" for side in SIDES]
    lines = []
    for name in fields:
        values = [
            f"{side}={_short(v.get(name) if isinstance(v, dict) else None)}"
            for side, v in sides.items()
        ]
        lines.append(f"    {name}: " + " ".join(values))
    return lines


def raw_lines(sides: dict[str, bytes]) -> list[str]:
    """YOLO rows / VOC and CVAT elements: each side's text on one line."""
    lines = []
    for side in SIDES:
        text = " ".join(sides.get(side, b"").decode("utf-8", "replace").split())
        text = text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"
        lines.append(f"    {side}: {text or '(absent)'}")
    return lines
