"""Time to refuse hostile input grows with its size, not faster.

    python bench/bench_hostile.py                 # 1, 2, 4 and 8 MB
    python bench/bench_hostile.py --sizes 1 2

A COCO file whose one compressed RLE count never ends ('o' carries the continuation bit)
used to take minutes for a few MB (ever larger ints). The tests bound the work by
characters read (tests/formats/test_bad_input.py); this prints the time, best of
--repeat, per size and as a ratio to the smallest size: a linear check stays near the
ratio of the sizes.
"""

import argparse
import time

import orjson

from gitannot.formats import FormatOptions, parse_file

MB = 1_000_000


def hostile(chars: int) -> bytes:
    doc = {
        "images": [{"id": 1, "width": 10, "height": 10, "file_name": "a.jpg"}],
        "categories": [{"id": 1, "name": "a"}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "bbox": [0, 0, 1, 1],
                "area": 1,
                "iscrowd": 1,
                "segmentation": {"size": [10, 10], "counts": "o" * chars + "0"},
            }
        ],
    }
    return orjson.dumps(doc)


def best_time(data: bytes, repeat: int) -> float:
    opts = FormatOptions(max_file_bytes=len(data) + 1)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        pf = parse_file("a.json", data, options=opts)
        best = min(best, time.perf_counter() - started)
        assert any(f.rule == "coco.rle-counts" for f in pf.findings)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 2, 4, 8], help="MB")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    first = None
    for size in args.sizes:
        seconds = best_time(hostile(int(size * MB)), args.repeat)
        first = first or (size, seconds)
        print(
            f"hostile RLE {size:g} MB: {seconds * 1000:.1f} ms, "
            f"ratio {seconds / first[1]:.2f} for size ratio {size / first[0]:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
