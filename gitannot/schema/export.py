"""`schema export`: one ontology, every tool. Targets, their writers and the file each
is kept in under configs/tools/ (where the push checks it stays in sync)."""

from collections.abc import Callable
from dataclasses import dataclass

from gitannot.schema.export_cvat import export_cvat
from gitannot.schema.export_datumaro import export_datumaro
from gitannot.schema.export_labelstudio import export_labelstudio
from gitannot.schema.export_yolo_coco import export_coco, export_yolo
from gitannot.schema.model import Ontology

TOOLS_DIR = "configs/tools"


@dataclass(frozen=True)
class Target:
    name: str
    path: str  # where `schema export --write` keeps it
    write: Callable[[Ontology], str]


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("labelstudio", f"{TOOLS_DIR}/labelstudio.xml", export_labelstudio),
        Target("cvat", f"{TOOLS_DIR}/cvat-labels.json", export_cvat),
        Target("datumaro", f"{TOOLS_DIR}/datumaro-categories.json", export_datumaro),
        Target("yolo", f"{TOOLS_DIR}/data.yaml", export_yolo),
        Target("coco", f"{TOOLS_DIR}/coco-categories.json", export_coco),
    )
}
TARGET_BY_PATH = {t.path: t for t in TARGETS.values()}


def export(onto: Ontology, target: str) -> str:
    return TARGETS[target].write(onto)
