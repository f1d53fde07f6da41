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


# A Label Studio labeling config and a one-task export that uses it (labels from SCHEMA_V1).
LS_CONFIG = """\
<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="person"/>
    <Label value="car"/>
  </RectangleLabels>
</View>
"""


def ls_export(from_name: str = "label", label: str = "car") -> str:
    """One task with one rectangle, as Label Studio exports it (JSON list of tasks)."""
    region = {
        "id": "r1",
        "type": "rectanglelabels",
        "from_name": from_name,
        "to_name": "image",
        "original_width": 640,
        "original_height": 480,
        "value": {"x": 10, "y": 10, "width": 20, "height": 20, "rectanglelabels": [label]},
    }
    task = {
        "id": 1,
        "data": {"image": "/data/a.jpg"},
        "annotations": [{"id": 1, "result": [region]}],
    }
    return json.dumps([task], indent=1) + "\n"


# Ultralytics pose layout: kpt_shape [17, 3] (COCO keypoints, x y visibility).
POSE_DATA = "names: [person]\nnc: 1\nkpt_shape: [17, 3]\n"


def pose_row(visibility: int = 2, keypoints: int = 17) -> str:
    """One person: box, then `keypoints` x (x y v); 5 + 17*3 = 56 values for [17, 3]."""
    points = " ".join(f"0.{40 + k % 20} 0.{30 + k % 20} {visibility}" for k in range(keypoints))
    return f"0 0.5 0.5 0.4 0.6 {points}\n"


def schema_v2_with_keypoints() -> str:
    """SCHEMA_V1 where person may carry keypoints (pose rows), as version 2."""
    allowed = SCHEMA_V1.replace(
        "name: person, geometry: [bbox, polygon]", "name: person, geometry: [bbox, keypoints]"
    )
    return allowed.replace("version: 1\n", "version: 2\n") + (
        "  - {version: 2, changes: [person keypoints]}\n"
    )
