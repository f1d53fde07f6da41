"""Plain-Python geometry helpers kept allocation-light for the per-annotation hot path."""

from operator import mul


def polygon_area(flat: list[float]) -> float:
    """Shoelace area of a flat [x1, y1, x2, y2, ...] ring (map/sum run in C)."""
    xs = flat[0::2]
    ys = flat[1::2]
    twice = sum(map(mul, xs, ys[1:] + ys[:1])) - sum(map(mul, xs[1:] + xs[:1], ys))
    return float(abs(twice) * 0.5)


def decode_compressed_rle(counts: str) -> list[int] | None:
    """COCO's LEB128-like compressed counts string (pycocotools rleFrString), or None.
    A count is at most 13 characters (65 bits; pycocotools reads it into 64): a longer
    one would make ever larger ints, quadratic in the length of a hostile string."""
    out: list[int] = []
    pos = 0
    n = len(counts)
    while pos < n:
        value = 0
        shift = 0
        more = True
        while more:
            if pos >= n or shift > 60:
                return None
            c = ord(counts[pos]) - 48
            if c < 0 or c > 63:
                return None
            value |= (c & 0x1F) << shift
            more = bool(c & 0x20)
            pos += 1
            shift += 5
            if not more and c & 0x10:
                value |= -1 << shift
        if len(out) > 2:
            value += out[-2]
        out.append(value)
    return out


def rle_area_bbox(
    counts: list[int], height: int
) -> tuple[int, tuple[float, float, float, float] | None]:
    """Foreground pixel count and bbox (x, y, w, h) of a column-major RLE."""
    area = 0
    pos = 0
    xmin = ymin = 1 << 62
    xmax = ymax = -1
    for index, run in enumerate(counts):
        if index & 1 and run > 0:
            area += run
            end = pos + run - 1
            x0, y0 = divmod(pos, height)
            x1, y1 = divmod(end, height)
            if x1 > x0:  # the run wraps to the next column: it touches top and bottom
                y0, y1 = 0, height - 1
            xmin = min(xmin, x0)
            xmax = max(xmax, x1)
            ymin = min(ymin, y0)
            ymax = max(ymax, y1)
        pos += run
    if xmax < 0:
        return area, None
    return area, (float(xmin), float(ymin), float(xmax - xmin + 1), float(ymax - ymin + 1))
