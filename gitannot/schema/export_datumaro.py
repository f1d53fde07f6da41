"""The ontology as Datumaro categories: the `categories` part of a Datumaro dataset's
annotations file (labels with parents and attribute names, label groups, global
attributes), written as a whole dataset file with no items so Datumaro can load it."""

import json
from typing import Any

from gitannot.schema.export_common import tool_labels
from gitannot.schema.model import Ontology

DM_FORMAT_VERSION = "1.0"


def datumaro_categories(onto: Ontology) -> dict[str, Any]:
    """Every label, abstract parents included (Datumaro labels have parents but no
    'abstract' mark), in id order; exclusive groups become exclusive label groups."""
    concrete = {lab.name: lab for lab in tool_labels(onto)}
    labels = []
    for spec in sorted(onto.labels, key=lambda lab: lab.id):
        tool = concrete.get(spec.name)
        attrs = [a.name for a in tool.attributes] if tool else [a.name for a in spec.attributes]
        labels.append({"name": spec.name, "parent": spec.parent or "", "attributes": attrs})
    groups = [
        {"name": g.name, "group_type": "exclusive", "labels": list(g.labels)}
        for g in onto.exclusive_groups
    ]
    return {
        "label": {
            "labels": labels,
            "label_groups": groups,
            "attributes": [a.name for a in onto.attributes],
        }
    }


def export_datumaro(onto: Ontology) -> str:
    doc = {
        "dm_format_version": DM_FORMAT_VERSION,
        "media_type": 2,  # images
        "infos": {},
        "categories": datumaro_categories(onto),
        "items": [],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
