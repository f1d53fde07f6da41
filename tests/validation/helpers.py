"""Small builders for validation tests: an ontology, a project config, COCO files."""

import json
from typing import Any

SCHEMA_V1 = """\
version: 1
name: street
attributes:
  occluded: {type: bool}
labels:
  - {id: 1, name: person, geometry: [bbox, polygon]}
  - {id: 2, name: car, geometry: [bbox, polygon]}
  - {id: 3, name: bicycle}
changelog:
  - {version: 1, changes: [first ontology]}
"""

PROJECT = """\
dataset: {name: street, type: detection, version: 1.0.0}
formats:
  - {glob: "labels/coco/*.json", format: coco}
  - {glob: "labels/**/*.json", format: detect}
"""


def coco(labels: list[str], *, categories: list[str] | None = None, **attrs: Any) -> str:
    """A one-image COCO file with one box per entry of `labels`."""
    names = categories or sorted(set(labels))
    cats = [{"id": i + 1, "name": n, "supercategory": ""} for i, n in enumerate(names)]
    ids = {n: i + 1 for i, n in enumerate(names)}
    anns = [
        {
            "id": k + 1,
            "image_id": 1,
            "category_id": ids[label],
            "bbox": [10 + k, 10, 20, 20],
            "area": 400,
            "iscrowd": 0,
            "segmentation": [],
            **({"attributes": attrs} if attrs else {}),
        }
        for k, label in enumerate(labels)
    ]
    doc = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
        "annotations": anns,
        "categories": cats,
    }
    return json.dumps(doc, indent=1) + "\n"
