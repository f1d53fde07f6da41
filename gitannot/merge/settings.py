"""Per-repository merge settings, read from git config where git runs the driver.

`gitannot.merge.iouThreshold`: the IoU at or above which a YOLO row, VOC object or CVAT
shape on one side is the same object as in base (geometry_match). A bad value must not
stop a merge: the driver warns on stderr and uses the default.
"""

from __future__ import annotations

import math
import sys

from gitannot.gitio.run import run_git

IOU_KEY = "gitannot.merge.iouThreshold"
DEFAULT_IOU = 0.5


def parse_iou(text: str) -> float | None:
    """The threshold in `text`, or None unless it is a number in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        return None
    # 0 would pair any two same-label objects however far apart; > 1 pairs nothing.
    return value if math.isfinite(value) and 0.0 < value <= 1.0 else None


def iou_threshold() -> float:
    """The repository's threshold (git config in the current directory), else 0.5."""
    try:
        proc = run_git(["config", "--get", IOU_KEY], check=False)
    except OSError as exc:
        return _warn(f"cannot run git config ({exc})")
    if proc.returncode == 1:  # not set
        return DEFAULT_IOU
    if proc.returncode != 0:
        why = proc.stderr.decode("utf-8", "replace").strip()
        return _warn(f"cannot be read ({why or f'git config exit {proc.returncode}'})")
    text = proc.stdout.decode("utf-8", "replace").strip()
    value = parse_iou(text)
    return _warn(f"= {text!r} is not a number in (0, 1]") if value is None else value


def _warn(problem: str) -> float:
    sys.stderr.write(f"gitannot: warning: {IOU_KEY} {problem}; using the default {DEFAULT_IOU}\n")
    return DEFAULT_IOU
