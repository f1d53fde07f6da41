"""Time to refuse hostile input grows with its size, not faster.

    python bench/bench_hostile.py                 # 1, 2, 4 and 8 MB
    python bench/bench_hostile.py --sizes 1 2

A COCO file whose one compressed RLE count never ends ('o' carries the continuation bit)
used to take minutes for a few MB (ever larger ints). The tests bound the work by
characters read (tests/formats/test_bad_input.py); this prints the time, best of
--repeat, per size, against plain `orjson.loads` of the same bytes: the refusal stays a
small constant factor of reading the JSON at every size.
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


def best_times(data: bytes, repeat: int) -> tuple[float, float]:
    """(parse_file, orjson.loads), best of `repeat`, interleaved."""
    opts = FormatOptions(max_file_bytes=len(data) + 1)
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        started = time.perf_counter()
        pf = parse_file("a.json", data, options=opts)
        best[0] = min(best[0], time.perf_counter() - started)
        assert any(f.rule == "coco.rle-counts" for f in pf.findings)
        started = time.perf_counter()
        orjson.loads(data)
        best[1] = min(best[1], time.perf_counter() - started)
    return best[0], best[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 2, 4, 8], help="MB")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    for size in args.sizes:
        validate, plain = best_times(hostile(int(size * MB)), args.repeat)
        print(
            f"hostile RLE {size:g} MB: parse_file {validate * 1000:.1f} ms, "
            f"orjson.loads {plain * 1000:.1f} ms, ratio {validate / plain:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
