"""Validation speed of a large COCO file against plain `orjson.loads` of the same bytes.

    python bench/bench_validate.py                      # 200k annotations
    python bench/bench_validate.py --annotations 1000000

Generates a COCO instances file with realistic polygons (8-32 points on a noisy ellipse,
bbox and area computed from them, 80 categories, 10 annotations per 640x480 image),
then in two fresh subprocesses times (best of --repeat) `orjson.loads(data)` and
`gitannot.formats.parse_file(path, data)` on the same bytes, and reports the ratio and
each process's peak RSS (ru_maxrss). Reading the file is outside the timed region.
"""

import argparse
import math
import os
import random
import subprocess
import sys
import tempfile
import time

import orjson

CHILD = r"""
import resource, sys, time
mode, path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(path, "rb").read()
best = float("inf")
if mode.startswith("orjson"):
    import gc, orjson
    if mode == "orjson-nogc":
        gc.disable()
    for _ in range(repeat):
        t = time.perf_counter()
        doc = orjson.loads(data)
        del doc  # parse_file frees its document too: time both the same way
        best = min(best, time.perf_counter() - t)
    extra = ""
else:
    from gitannot.formats import FormatOptions, parse_file
    opts = FormatOptions(max_file_bytes=len(data) + 1)
    for _ in range(repeat):
        t = time.perf_counter()
        pf = parse_file(path, data, options=opts)
        extra = f"{len(pf.annotations)} {len(pf.findings)}"
        del pf
        best = min(best, time.perf_counter() - t)
print(best, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, extra)
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


def run_child(mode: str, path: str, repeat: int) -> tuple[float, int, str]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, path, str(repeat)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split(maxsplit=2)
    return float(out[0]), int(out[1]), out[2].strip() if len(out) > 2 else ""


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
    plain, plain_rss, _ = run_child("orjson", path, args.repeat)
    nogc, nogc_rss, _ = run_child("orjson-nogc", path, args.repeat)
    valid, valid_rss, extra = run_child("validate", path, args.repeat)
    scale = 1024 if sys.platform != "darwin" else 1  # ru_maxrss: KiB on Linux
    rows = [
        ("orjson.loads", plain, plain_rss),
        ("orjson.loads, gc off", nogc, nogc_rss),
        ("parse_file", valid, valid_rss),
    ]
    for name, seconds, rss in rows:
        print(f"{name:22} {seconds:8.3f}s  peak RSS {rss * scale / 2**20:7.0f} MiB")
    print(f"ratio parse_file / orjson.loads:         {valid / plain:5.2f}x")
    print(f"ratio parse_file / orjson.loads, gc off: {valid / nogc:5.2f}x (stricter baseline)")
    print(f"annotations, findings: {extra}")
    if not args.keep:
        os.remove(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
