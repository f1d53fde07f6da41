"""The ontology as a YOLO `data.yaml` class list and as COCO categories.

YOLO rows name a class by its index in `names`; the exported order is the concrete
labels in id order, so a new label (a new, higher id) appends and keeps every index.
COCO categories keep the ontology ids; a parent becomes the `supercategory`.
"""

import json

from gitannot.schema.draft import q
from gitannot.schema.export_common import tool_labels
from gitannot.schema.model import Ontology


def yolo_names(onto: Ontology) -> list[str]:
    return [lab.name for lab in tool_labels(onto)]


def export_yolo(onto: Ontology) -> str:
    names = yolo_names(onto)
    lines = [
        f"# classes of ontology version {onto.version} (gitannot schema export --to yolo)",
        f"nc: {len(names)}",
        "names:",
    ]
    lines.extend(f"  {index}: {q(name)}" for index, name in enumerate(names))
    return "\n".join(lines) + "\n"


def export_coco(onto: Ontology) -> str:
    categories = [
        {"id": lab.spec.id, "name": lab.name, "supercategory": lab.spec.parent or lab.name}
        for lab in tool_labels(onto)
    ]
    return json.dumps({"categories": categories}, indent=2, ensure_ascii=False) + "\n"
