"""Match id-less shapes (YOLO rows, VOC/CVAT objects) across base, ours and theirs. Pure.

A shape has a label, an axis-aligned box (polygons and points use their bounding box)
and a hashable `value` holding its full content. Matching a side against base runs in
four passes, each greedy and deterministic:

1. identical content (so untouched shapes, even duplicates, always pair up);
2. same label and IoU >= threshold, best IoU first (a moved or resized shape);
3. different label but near-identical geometry (IoU >= RELABEL_IOU: a relabel); only
   shapes that have a geometry (`located`): a CVAT tag or a VOC object without bndbox
   never pairs across labels, however equal their (empty) boxes are;
4. against base only (not between two sides' adds): different label, IoU >= threshold
   (relabelled and moved).

A base shape may stand for a conflict a criss-cross merge left in the base (`alts`:
the objects the conflict holds); a side shape pairs with it when it pairs with any of
them, so both sides' resolutions meet that conflict again.

Keys are stable strings: `base:i` for shapes present in base (and their matches),
`ours:j` for shapes only ours added, `theirs:k` for shapes only theirs added. A shape
both sides added is matched across sides the same way and shares the `ours:j` key, so
an identical add is one add and two different adds of the same object are an add/add
conflict for the caller.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 with x1 <= x2, y1 <= y2

CONFLICT_KIND = "gitannot_conflict"
# A relabel keeps the geometry; only near-identical boxes may pair across labels.
RELABEL_IOU = 0.95


@dataclass(frozen=True)
class Shape:
    label: str
    box: Box
    value: Hashable
    kind: str = ""  # shape type (CVAT box, polygon...): never matched across kinds
    located: bool = True  # False: no geometry (CVAT tag), the box is a placeholder
    alts: tuple[Shape, ...] = ()  # a base conflict: the shapes it holds, matched instead


@dataclass
class Keys:
    base: list[str]
    ours: list[str]
    theirs: list[str]


def iou(a: Box, b: Box) -> float:
    """Intersection over union; degenerate (zero-area) boxes match only if identical."""
    if a == b:
        return 1.0
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def points_box(points: Sequence[tuple[float, float]]) -> Box:
    """Bounding box of a polygon, polyline or point set (a polygon matched as a box)."""
    if not points:
        return (0.0, 0.0, 0.0, 0.0)
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def center_box(cx: float, cy: float, w: float, h: float) -> Box:
    """YOLO's centre/size box as corners."""
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def match(base: Sequence[Shape], side: Sequence[Shape], threshold: float) -> dict[int, int]:
    """Pair side shapes with base shapes; returns {side index: base index}."""
    pairs: dict[int, int] = {}
    used: set[int] = set()
    _match_exact(base, side, pairs, used)
    _match_iou(base, side, pairs, used, threshold, same_label=True)
    _match_iou(base, side, pairs, used, max(threshold, RELABEL_IOU), same_label=False)
    return pairs


def _variants(base: Sequence[Shape], skip: set[int]) -> list[tuple[int, Shape]]:
    """(base index, shape to compare with): a conflict's held shapes, else the shape."""
    return [(i, alt) for i, b in enumerate(base) if i not in skip for alt in (b, *b.alts)]


def conflict_shape(value: Hashable, alts: Sequence[Shape]) -> Shape:
    """A conflict element among the shapes. In base it pairs through the shapes it holds
    (`alts`); as itself, only with an identical conflict (no side resolved it)."""
    return Shape(
        "", (0.0, 0.0, 0.0, 0.0), value, kind=CONFLICT_KIND, located=False, alts=tuple(alts)
    )


def _match_exact(
    base: Sequence[Shape], side: Sequence[Shape], pairs: dict[int, int], used: set[int]
) -> None:
    by_value: dict[Hashable, list[int]] = {}
    for i, shape in _variants(base, set()):
        held = by_value.setdefault(shape.value, [])
        if not held or held[-1] != i:  # a conflict may hold two equal shapes
            held.append(i)
    for j, shape in enumerate(side):
        free = by_value.get(shape.value)
        while free and free[0] in used:  # a conflict's other held shape took it
            free.pop(0)
        if free:
            i = free.pop(0)
            pairs[j] = i
            used.add(i)


def _match_iou(
    base: Sequence[Shape],
    side: Sequence[Shape],
    pairs: dict[int, int],
    used: set[int],
    threshold: float,
    *,
    same_label: bool,
) -> None:
    by_label: dict[str, list[tuple[int, Shape]]] = {}
    variants = _variants(base, used)
    for i, b in variants:
        by_label.setdefault(b.label, []).append((i, b))
    candidates: list[tuple[float, int, int]] = []
    for j, s in enumerate(side):
        if j in pairs:
            continue
        for i, b in by_label.get(s.label, []) if same_label else variants:
            if s.kind != b.kind or (s.label == b.label) != same_label:
                continue
            if not same_label and not (s.located and b.located):
                continue  # no geometry: nothing shows it is the same object
            score = iou(s.box, b.box)
            if score >= threshold:
                candidates.append((-score, i, j))
    # Best overlap first; ties broken by position so the result is deterministic.
    for _, i, j in sorted(candidates):
        if i not in used and j not in pairs:
            pairs[j] = i
            used.add(i)


def assign_keys(
    base: Sequence[Shape], ours: Sequence[Shape], theirs: Sequence[Shape], threshold: float
) -> Keys:
    """Stable keys for all three versions so a keyed three-way merge can run on them."""
    base_keys = [f"base:{i}" for i in range(len(base))]
    ours_pairs = match(base, ours, threshold)
    theirs_pairs = match(base, theirs, threshold)
    # Relabelled and moved (IoU < RELABEL_IOU): still the base object the side dropped,
    # so an edit of it on the other side conflicts instead of leaving two objects.
    for pairs, side in ((ours_pairs, ours), (theirs_pairs, theirs)):
        _match_iou(base, side, pairs, set(pairs.values()), threshold, same_label=False)
    ours_keys = [
        base_keys[ours_pairs[j]] if j in ours_pairs else f"ours:{j}" for j in range(len(ours))
    ]
    # Shapes both sides added: match theirs' new shapes against ours' new shapes.
    ours_new = [j for j in range(len(ours)) if j not in ours_pairs]
    theirs_new = [k for k in range(len(theirs)) if k not in theirs_pairs]
    cross = match([ours[j] for j in ours_new], [theirs[k] for k in theirs_new], threshold)
    theirs_keys: list[str] = []
    for k in range(len(theirs)):
        if k in theirs_pairs:
            theirs_keys.append(base_keys[theirs_pairs[k]])
            continue
        pos = theirs_new.index(k)
        theirs_keys.append(ours_keys[ours_new[cross[pos]]] if pos in cross else f"theirs:{k}")
    return Keys(base=base_keys, ours=ours_keys, theirs=theirs_keys)


def merged_order(base: list[str], ours: list[str], theirs: list[str]) -> list[str]:
    """Output order of keys: one side's order, the other side's new keys after their
    predecessor there, then keys only base has (deleted somewhere, maybe conflicting).

    The skeleton is ours unless ours kept base's order and theirs did not, so merging
    an untouched side returns the other side's order exactly.
    """
    skeleton, other = (theirs, ours) if ours == base and theirs != base else (ours, theirs)
    present = set(skeleton)
    # Keys the skeleton side added, each pointing to the next: the other side's adds in
    # the same gap go after them (ours first, as git's markers read).
    olds = set(base) | set(other)
    run = {
        prev: key for prev, key in zip([None, *skeleton], skeleton, strict=False) if key not in olds
    }
    after: dict[str | None, list[str]] = {}  # anchor -> keys inserted right after it
    for seq, skip_run in ((other, True), (base, False)):
        anchor: str | None = None
        for key in seq:
            if key not in present:
                at = anchor
                while skip_run and at in run:
                    at = run[at]
                after.setdefault(at, []).append(key)
                present.add(key)
            anchor = key
    out: list[str] = []
    stack = list(reversed(after.get(None, []) + skeleton))
    while stack:
        key = stack.pop()
        out.append(key)
        stack.extend(reversed(after.get(key, [])))
    return out
