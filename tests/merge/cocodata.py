"""Small COCO documents and their two layouts for merge tests."""

from __future__ import annotations

import copy
import json
from typing import Any

STYLES = ("pretty", "compact")


def dump(doc: Any, style: str) -> bytes:
    if style == "pretty":
        return (json.dumps(doc, indent=2) + "\n").encode()
    return json.dumps(doc).encode()  # json.dump's default: one line, ", " and ": "


def base_doc() -> dict[str, Any]:
    return {
        "info": {"description": "test set", "version": "1.0"},
        "licenses": [{"id": 1, "name": "CC-BY"}],
        "images": [
            {"id": i, "file_name": f"img{i}.jpg", "width": 640, "height": 480} for i in (1, 2, 3)
        ],
        "annotations": [
            {
                "id": i,
                "image_id": 1 + (i - 1) % 3,
                "category_id": 1 + i % 2,
                "bbox": [10.0 * i, 20.0, 30.0, 40.5],
                "area": 1215.0,
                "segmentation": [[10.0 * i, 20.0, 10.0 * i + 30, 20.0, 10.0 * i + 30, 60.5]],
                "iscrowd": 0,
            }
            for i in range(1, 11)
        ],
        "categories": [
            {"id": 1, "name": "car", "supercategory": "vehicle"},
            {"id": 2, "name": "person", "supercategory": "human"},
        ],
    }


def clone(doc: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(doc)


def ann(doc: dict[str, Any], ann_id: int) -> dict[str, Any]:
    return next(a for a in doc["annotations"] if a["id"] == ann_id)


def ids(doc: dict[str, Any], collection: str) -> list[Any]:
    return [r["id"] for r in doc[collection]]
