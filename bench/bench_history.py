"""`gitannot diff` speed on a large COCO file against one bare `orjson.loads` of it.

    python bench/bench_history.py                       # 100k annotations
    python bench/bench_history.py --annotations 1000000

Two versions of a generated COCO instances file (bench/gen_coco.py: 1 % of the
annotations moved, 1 % added) are diffed with gitannot.history.diff.diff_versions (the
text form of `gitannot diff`), timed best of --repeat against `orjson.loads` of one
version. The issue's target is a ratio of at most 1; today's diff parses both versions
whole with the validator's reader, so expect well above it (docs/history.md).
"""

import argparse
import gc
import sys
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_coco import encode, sides  # the generator sits next to this file

from gitannot.history.diff import diff_versions


def best(repeat: int, run: object) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base, ours, _ = sides(args.annotations)
    old, new = encode(base, "pretty"), encode(ours, "pretty")
    found = diff_versions("labels/a.json", old, new)
    bare = best(args.repeat, lambda: orjson.loads(old))
    diff = best(args.repeat, lambda: diff_versions("labels/a.json", old, new))
    print(
        f"{args.annotations} annotations, {len(old) / 1e6:.0f} MB: "
        f"{len(found.changed)} changed, {len(found.added)} added, {len(found.removed)} removed"
    )
    print(f"orjson.loads of one version: {bare:.3f} s")
    print(f"gitannot diff: {diff:.3f} s (ratio diff/orjson.loads {diff / bare:.1f})")


if __name__ == "__main__":
    main()
