"""Demo steps: label files are validated on push against the ontology in schema/."""

import json

from gitannot.demo.scenario import Demo

ORDER = 30


def _coco(objects: list[tuple[str, dict[str, object]]]) -> str:
    """A one-image COCO file; categories are the ontology labels the objects use."""
    names = sorted({label for label, _ in objects})
    ids = {name: i + 1 for i, name in enumerate(names)}
    doc = {
        "images": [{"id": 1, "file_name": "street-0001.jpg", "width": 640, "height": 480}],
        "categories": [{"id": ids[n], "name": n} for n in names],
        "annotations": [
            {
                "id": k + 1,
                "image_id": 1,
                "category_id": ids[label],
                "bbox": [40 + 90 * k, 120, 80, 160],
                "area": 80 * 160,
                "iscrowd": 0,
                "attributes": attrs,
            }
            for k, (label, attrs) in enumerate(objects)
        ],
    }
    return json.dumps(doc, indent=1) + "\n"


def run(demo: Demo) -> None:
    bob = demo.client("bob")
    bob.git("fetch", "-q", "origin")
    bob.git("checkout", "-q", "-B", "annotate/bob/batch-1", "origin/main")
    path = "labels/coco/street-0001.json"

    demo.step("bob labels an image, with a label the ontology lacks and a bad attribute")
    demo.say("schema/labels.yaml knows person, car, bicycle, dog ...: not 'truck';")
    demo.say("dog's visible_percent must be 0..100. bob checks locally first, then pushes.")
    bob.commit(
        {
            path: _coco(
                [
                    ("person", {"occluded": False}),
                    ("truck", {"occluded": True}),
                    ("dog", {"visible_percent": 150}),
                ]
            )
        },
        "Label street-0001",
    )
    bob.gitannot("validate", path)
    bob.push("HEAD:refs/heads/annotate/bob/batch-1", expect="rejected")

    demo.step("bob fixes the file (truck -> car, visible_percent 80) and pushes again")
    bob.commit(
        {
            path: _coco(
                [
                    ("person", {"occluded": False}),
                    ("car", {"occluded": True}),
                    ("dog", {"visible_percent": 80}),
                ]
            )
        },
        "Fix labels of street-0001",
    )
    bob.push("HEAD:refs/heads/annotate/bob/batch-1", expect="accepted")
