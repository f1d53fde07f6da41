"""Validation speed of a large COCO file against plain `orjson.loads` of the same bytes.

    python bench/bench_validate.py                      # 200k annotations
    python bench/bench_validate.py --annotations 1000000

Generates a COCO instances file with realistic polygons (8-32 points on a noisy ellipse,
bbox and area computed from them, 80 categories, 10 annotations per 640x480 image),
then in a fresh subprocess times (best of --repeat, interleaved) `orjson.loads(data)`
(GC on and off) and `gitannot.formats.parse_file(path, data)` on the same bytes, wall and
CPU time, and each one's peak RSS (ru_maxrss) in its own subprocess. Reading the file
is outside the timed region.
"""

import argparse
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from typing import Any

import orjson

CHILD = r"""
import gc, json, resource, sys, time
import orjson
from gitannot.formats import FormatOptions, parse_file

mode, path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(path, "rb").read()
opts = FormatOptions(max_file_bytes=len(data) + 1)


def plain():
    doc = orjson.loads(data)
    del doc  # parse_file frees its document too: time both the same way


def plain_nogc():
    gc.disable()
    try:
        plain()
    finally:
        gc.enable()


def validate():
    pf = parse_file(path, data, options=opts)
    global extra
    extra = f"{len(pf.annotations)} annotations, {len(pf.findings)} findings"
    del pf


extra = ""
runs = {"orjson": plain, "orjson-nogc": plain_nogc, "validate": validate}
if mode == "time":
    # Interleaved, best of `repeat`: a busy machine slows all three alike.
    best = {name: [float("inf"), float("inf")] for name in runs}
    for _ in range(repeat):
        for name, fn in runs.items():
            w, c = time.perf_counter(), time.process_time()
            fn()
            w, c = time.perf_counter() - w, time.process_time() - c
            best[name] = [min(best[name][0], w), min(best[name][1], c)]
    print(json.dumps({"best": best, "extra": extra}))
else:
    runs[mode]()
    print(json.dumps({"maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def polygon(rng: random.Random, w: int, h: int) -> tuple[list[float], list[float], float]:
    cx, cy = rng.uniform(40, w - 40), rng.uniform(40, h - 40)
    rx, ry = rng.uniform(5, 38), rng.uniform(5, 38)
    n = rng.randint(8, 32)
    flat: list[float] = []
    for i in range(n):
        t = 2 * math.pi * i / n
        k = rng.uniform(0.8, 1.0)
        flat += [round(cx + k * rx * math.cos(t), 2), round(cy + k * ry * math.sin(t), 2)]
    xs, ys = flat[0::2], flat[1::2]
    bbox = [min(xs), min(ys), round(max(xs) - min(xs), 2), round(max(ys) - min(ys), 2)]
    twice = sum(xs[i] * ys[(i + 1) % n] - xs[(i + 1) % n] * ys[i] for i in range(n))
    return flat, bbox, round(abs(twice) / 2, 2)


def generate(path: str, count: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    n_images = max(1, count // 10)
    head = {
        "info": {"description": "gitannot bench"},
        "images": [
            {"id": i, "file_name": f"{i:012d}.jpg", "width": 640, "height": 480}
            for i in range(1, n_images + 1)
        ],
        "categories": [{"id": c, "name": f"class{c}", "supercategory": ""} for c in range(1, 81)],
    }
    with open(path, "wb") as out:
        out.write(orjson.dumps(head)[:-1] + b',"annotations":[')
        chunk: list[dict[str, object]] = []
        for aid in range(1, count + 1):
            flat, bbox, area = polygon(rng, 640, 480)
            chunk.append(
                {
                    "id": aid,
                    "image_id": (aid - 1) // 10 + 1,
                    "category_id": rng.randint(1, 80),
                    "segmentation": [flat],
                    "area": area,
                    "bbox": bbox,
                    "iscrowd": 0,
                }
            )
            if len(chunk) == 10000 or aid == count:
                body = orjson.dumps(chunk)[1:-1]
                out.write(body if aid <= 10000 else b"," + body)
                chunk = []
        out.write(b"]}")


def run_child(mode: str, path: str, repeat: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, path, str(repeat)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = orjson.loads(out)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--annotations", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", help="write the generated file here and keep it")
    args = parser.parse_args(argv)
    path = args.keep or os.path.join(tempfile.mkdtemp(), "instances_bench.json")
    t = time.perf_counter()
    generate(path, args.annotations)
    size = os.path.getsize(path)
    print(
        f"generated {args.annotations} annotations, {size / 1e6:.1f} MB "
        f"in {time.perf_counter() - t:.1f}s"
    )
    timing = run_child("time", path, args.repeat)
    scale = 1024 if sys.platform != "darwin" else 1  # ru_maxrss: KiB on Linux
    rss = {m: run_child(m, path, 1)["maxrss"] * scale / 2**20 for m in ("orjson", "validate")}
    best = timing["best"]
    print(f"{'best of ' + str(args.repeat):22} {'wall':>9} {'cpu':>9}")
    for name, label in (
        ("orjson", "orjson.loads"),
        ("orjson-nogc", "orjson.loads, gc off"),
        ("validate", "parse_file"),
    ):
        print(f"{label:22} {best[name][0]:8.2f}s {best[name][1]:8.2f}s")
    for base, label in (("orjson", "orjson.loads"), ("orjson-nogc", "orjson.loads, gc off")):
        wall = best["validate"][0] / best[base][0]
        cpu = best["validate"][1] / best[base][1]
        print(f"ratio parse_file / {label:22} wall {wall:5.2f}x  cpu {cpu:5.2f}x")
    print(f"peak RSS: orjson.loads {rss['orjson']:.0f} MiB, parse_file {rss['validate']:.0f} MiB")
    print(timing["extra"])
    if not args.keep:
        os.remove(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
