"""Submitted annotations as the bytes of a label file, in the format the project declares
for that path (configs/project.yaml). Deterministic: the same annotations always give
the same bytes, so a re-run with nothing new commits nothing."""

import hashlib
from collections.abc import Iterable
from typing import Any

import orjson

from gitannot.errors import ConfigError
from gitannot.project.config import DETECT, ProjectConfig
from gitannot.schema.model import Ontology
from gitannot.sync.model import IMAGE_FIELD, KEY_FIELD, ToolTask

# What each declared format accepts from the sync. `detect` (an unmatched path under a
# label root) is judged by the file name: *.coco.json is COCO, other .json Label Studio.
WRITABLE = ("labelstudio", "coco")


def output_format(project: ProjectConfig, path: str) -> str:
    declared = project.format_for(path)
    if declared == DETECT:
        declared = "coco" if path.endswith(".coco.json") else "labelstudio"
    if declared not in WRITABLE:
        raise ConfigError(
            f"configs/sync.yaml: {path} is declared as {declared or 'no annotation file'!r} "
            "in configs/project.yaml; the sync writes labelstudio or coco",
            "declare the path with format: labelstudio or format: coco",
        )
    return declared


def render(fmt: str, tasks: Iterable[ToolTask], onto: Ontology, sizes: dict[str, Any]) -> bytes:
    done = sorted((t for t in tasks if t.annotations), key=lambda t: (t.key or "", t.id))
    if fmt == "coco":
        return _dump(_coco(done, onto, sizes))
    return _dump([_ls_task(t) for t in done])


def _dump(doc: object) -> bytes:
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"


def _ls_task(task: ToolTask) -> dict[str, Any]:
    # The image and the item key only: task metadata Git owns (split, task files) stays
    # out, so changing it in Git does not echo back as an annotation commit.
    data = {k: task.data[k] for k in (IMAGE_FIELD, KEY_FIELD) if k in task.data}
    return {
        "id": task.id,
        "data": data,
        "annotations": [
            {
                "id": ann.id,
                "completed_by": ann.user,
                "updated_at": ann.updated_at,
                "result": ann.result,
            }
            for ann in sorted(task.annotations, key=lambda a: a.id)
        ],
    }


def _coco(tasks: list[ToolTask], onto: Ontology, sizes: dict[str, Any]) -> dict[str, Any]:
    names = onto.by_any_name()
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    lost: list[str] = []  # regions COCO cannot hold: refused, never left out unseen
    for task in tasks:
        width, height = _size(task, sizes)
        images.append(
            {
                "id": task.id,
                "file_name": str(task.data.get("image", "")),
                "width": width,
                "height": height,
            }
        )
        for ann in sorted(task.annotations, key=lambda a: a.id):
            for region in ann.result:
                coco = _region(region, width, height)
                label = _label(region)
                if coco is None or label not in names:
                    why = f"a {region.get('type')!r} region" if coco is None else f"label {label!r}"
                    lost.append(f"task {task.key or task.id} annotation {ann.id}: {why}")
                    continue
                coco |= {
                    "id": _stable_id(ann.id, str(region.get("id", ""))),
                    "image_id": task.id,
                    "category_id": names[label].id,
                    "iscrowd": 0,
                }
                annotations.append(coco)
    if lost:
        more = f" (and {len(lost) - 3} more)" if len(lost) > 3 else ""
        raise ConfigError(
            f"COCO output cannot hold {'; '.join(lost[:3])}{more}; nothing was written",
            "COCO keeps rectangles and polygons with labels of schema/labels.yaml: declare "
            "the file as format: labelstudio in configs/project.yaml to keep every region, "
            "or add the label to the schema",
        )
    categories = [
        {"id": lab.id, "name": lab.name, "supercategory": lab.parent or ""}
        for lab in sorted(onto.labels, key=lambda lab: lab.id)
        if not lab.abstract
    ]
    return {"images": images, "annotations": annotations, "categories": categories}


def _size(task: ToolTask, sizes: dict[str, Any]) -> tuple[float, float]:
    known = sizes.get(task.key or "")
    if known:
        return known[0], known[1]
    for ann in task.annotations:
        for region in ann.result:
            w, h = region.get("original_width"), region.get("original_height")
            if isinstance(w, int | float) and isinstance(h, int | float) and w > 0 and h > 0:
                return w, h
    raise ConfigError(
        f"task {task.key or task.id}: no image size for COCO output",
        "give the item width and height in its data/ manifest row",
    )


def _label(region: dict[str, Any]) -> str:
    value = region.get("value") or {}
    for key in ("rectanglelabels", "polygonlabels"):
        found = value.get(key)
        if isinstance(found, list) and found:
            return str(found[0])
    return ""


def _region(region: dict[str, Any], width: float, height: float) -> dict[str, Any] | None:
    """A rectangle or polygon in pixels; other region kinds have no COCO form here."""
    value = region.get("value") or {}
    kind = region.get("type")
    if kind == "rectanglelabels":
        x, y = value["x"] * width / 100, value["y"] * height / 100
        w, h = value["width"] * width / 100, value["height"] * height / 100
        box = [_r(x), _r(y), _r(w), _r(h)]
        return {"bbox": box, "area": _r(w * h), "segmentation": []}
    if kind == "polygonlabels":
        points = [(p[0] * width / 100, p[1] * height / 100) for p in value["points"]]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        flat = [_r(c) for p in points for c in p]
        box = [_r(min(xs)), _r(min(ys)), _r(max(xs) - min(xs)), _r(max(ys) - min(ys))]
        return {"bbox": box, "area": _r(_shoelace(points)), "segmentation": [flat]}
    return None


def _shoelace(points: list[tuple[float, float]]) -> float:
    total = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


def _r(value: float) -> float:
    return round(value, 2)


def _stable_id(annotation: int, region: str) -> int:
    """The same region keeps its COCO id across syncs (the merge driver keys by id)."""
    digest = hashlib.sha256(f"{annotation}/{region}".encode()).digest()
    return int.from_bytes(digest[:6], "big")
