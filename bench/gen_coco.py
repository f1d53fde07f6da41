"""Generate COCO files with realistic polygons, and the three sides of a merge.

    python bench/gen_coco.py --annotations 100000 --out /tmp/coco  # base/ours/theirs.json

Ours edits 1% of the annotations, theirs another 1%, and both append 1% (distinct ids),
all written in one layout so unchanged records keep their bytes, like a labeling tool
re-exporting the file.
"""

from __future__ import annotations

import argparse
import math
import random
from pathlib import Path
from typing import Any

import orjson

PER_IMAGE = 8
CATEGORIES = 80


def polygon(rng: random.Random, cx: float, cy: float, r: float) -> list[float]:
    """A star-ish closed outline of 8-32 vertices, like a hand-drawn object mask."""
    n = rng.randint(8, 32)
    points: list[float] = []
    for k in range(n):
        angle = 2 * math.pi * k / n
        radius = r * rng.uniform(0.6, 1.0)
        points += [round(cx + radius * math.cos(angle), 2), round(cy + radius * math.sin(angle), 2)]
    return points


def annotation(rng: random.Random, ann_id: int, image_id: int) -> dict[str, Any]:
    cx, cy, r = rng.uniform(50, 590), rng.uniform(50, 430), rng.uniform(5, 50)
    seg = polygon(rng, cx, cy, r)
    xs, ys = seg[0::2], seg[1::2]
    x0, y0 = min(xs), min(ys)
    w, h = round(max(xs) - x0, 2), round(max(ys) - y0, 2)
    return {
        "id": ann_id,
        "image_id": image_id,
        "category_id": rng.randint(1, CATEGORIES),
        "segmentation": [seg],
        "area": round(w * h * 0.7, 2),
        "bbox": [x0, y0, w, h],
        "iscrowd": 0,
    }


def dataset(n: int, seed: int = 0) -> dict[str, Any]:
    rng = random.Random(seed)
    images = [
        {"id": i, "file_name": f"{i:012d}.jpg", "width": 640, "height": 480, "license": 1}
        for i in range(1, n // PER_IMAGE + 2)
    ]
    anns = [annotation(rng, i, 1 + (i - 1) // PER_IMAGE) for i in range(1, n + 1)]
    cats = [
        {"id": c, "name": f"class{c}", "supercategory": "thing"} for c in range(1, CATEGORIES + 1)
    ]
    return {
        "info": {"description": "gitannot bench", "version": "1.0", "year": 2026},
        "licenses": [{"id": 1, "name": "CC-BY-4.0", "url": "https://creativecommons.org"}],
        "images": images,
        "annotations": anns,
        "categories": cats,
    }


def edit(doc: dict[str, Any], seed: int, targets: list[int], new_ids: range) -> dict[str, Any]:
    """A copy of `doc` with `targets` (annotation indexes) moved and `new_ids` appended."""
    rng = random.Random(seed)
    out = dict(doc)
    anns = list(doc["annotations"])
    for index in targets:
        ann = dict(anns[index])
        dx = rng.uniform(-3, 3)
        ann["segmentation"] = [[round(v + dx, 2) for v in ann["segmentation"][0]]]
        ann["bbox"] = [
            round(ann["bbox"][0] + dx, 2),
            round(ann["bbox"][1] + dx, 2),
            *ann["bbox"][2:],
        ]
        anns[index] = ann
    images = len(doc["images"])
    anns += [annotation(rng, i, rng.randint(1, images)) for i in new_ids]
    out["annotations"] = anns
    return out


def sides(n: int, seed: int = 0) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    base = dataset(n, seed)
    rng = random.Random(seed + 1)
    k = max(1, n // 100)
    picked = rng.sample(range(n), 2 * k)
    ours = edit(base, seed + 2, picked[:k], range(n + 1, n + k + 1))
    theirs = edit(base, seed + 3, picked[k:], range(n + k + 1, n + 2 * k + 1))
    return base, ours, theirs


def encode(doc: dict[str, Any], layout: str) -> bytes:
    if layout == "pretty":
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    return orjson.dumps(doc)


def write_sides(n: int, out: Path, layout: str, seed: int = 0) -> tuple[Path, Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = (out / "base.json", out / "ours.json", out / "theirs.json")
    for path, doc in zip(paths, sides(n, seed), strict=True):
        path.write_bytes(encode(doc, layout))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=10_000)
    parser.add_argument("--layout", choices=["pretty", "compact"], default="pretty")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    for path in write_sides(args.annotations, args.out, args.layout, args.seed):
        print(f"{path}  {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
