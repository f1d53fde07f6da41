"""Agreement between annotators who labelled the same items. Pure.

Shapes match one to one by IoU (greedy, best first, IoU >= threshold, whatever the
label): F1 = 2*matched / (shapes of A + shapes of B) and the mean IoU of matched pairs
measure the geometry. The labels of matched shapes are the units of Krippendorff's
alpha (nominal). Per label, shapes match only within that label.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

Box = tuple[float, float, float, float]  # x, y, width, height
DEFAULT_IOU = 0.5


@dataclass(frozen=True)
class Shape:
    item: str  # "path#item id": the same key on every annotator's side
    label: str
    box: Box


def iou(a: Box, b: Box) -> float:
    ax2, ay2, bx2, by2 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    w = min(ax2, bx2) - max(a[0], b[0])
    h = min(ay2, by2) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def match(a: Sequence[Shape], b: Sequence[Shape], threshold: float) -> list[tuple[int, int, float]]:
    """One-to-one pairs (index in a, index in b, IoU) within the same item, best first."""
    candidates = sorted(
        (
            (iou(x.box, y.box), i, j)
            for i, x in enumerate(a)
            for j, y in enumerate(b)
            if x.item == y.item
        ),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for value, i, j in candidates:
        if value < threshold or i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs.append((i, j, value))
    return sorted(pairs)


def f1(matched: int, count_a: int, count_b: int) -> float | None:
    total = count_a + count_b
    return None if total == 0 else 2 * matched / total


def nominal_alpha(units: Sequence[Sequence[str]]) -> float | None:
    """Krippendorff's alpha for nominal values; units with fewer than 2 values are not
    pairable and are skipped. None when there is no variation to judge (D_e = 0)."""
    coincidence: dict[tuple[str, str], float] = {}
    for values in units:
        m = len(values)
        if m < 2:
            continue
        for i, j in ((i, j) for i in range(m) for j in range(m) if i != j):
            key = (values[i], values[j])
            coincidence[key] = coincidence.get(key, 0.0) + 1 / (m - 1)
    totals: dict[str, float] = {}
    for (c, _k), count in coincidence.items():
        totals[c] = totals.get(c, 0.0) + count
    n = sum(totals.values())
    if n <= 1:
        return None
    observed = sum(v for (c, k), v in coincidence.items() if c != k)
    expected = (n * n - sum(v * v for v in totals.values())) / (n - 1)
    if expected == 0:
        return None
    return 1 - observed / expected


@dataclass(frozen=True)
class PairAgreement:
    a: str
    b: str
    shapes_a: int
    shapes_b: int
    matched: int
    f1: float | None
    mean_iou: float | None
    label_units: list[tuple[str, str]]  # labels of matched shapes (A's, B's)
    per_label_f1: dict[str, float | None]

    def to_dict(self) -> dict[str, object]:
        return {
            "annotators": [self.a, self.b],
            "shapes": [self.shapes_a, self.shapes_b],
            "matched": self.matched,
            "f1": self.f1,
            "mean_iou": self.mean_iou,
            "alpha": nominal_alpha(self.label_units),
            "per_label_f1": self.per_label_f1,
        }


def pair_agreement(
    a_name: str, a: Sequence[Shape], b_name: str, b: Sequence[Shape], threshold: float = DEFAULT_IOU
) -> PairAgreement:
    pairs = match(a, b, threshold)
    per_label: dict[str, float | None] = {}
    for label in sorted({s.label for s in a} | {s.label for s in b}):
        la = [s for s in a if s.label == label]
        lb = [s for s in b if s.label == label]
        per_label[label] = f1(len(match(la, lb, threshold)), len(la), len(lb))
    return PairAgreement(
        a=a_name,
        b=b_name,
        shapes_a=len(a),
        shapes_b=len(b),
        matched=len(pairs),
        f1=f1(len(pairs), len(a), len(b)),
        mean_iou=sum(p[2] for p in pairs) / len(pairs) if pairs else None,
        label_units=[(a[i].label, b[j].label) for i, j, _ in pairs],
        per_label_f1=per_label,
    )


def task_agreement(
    shapes: dict[str, list[Shape]], threshold: float = DEFAULT_IOU
) -> list[PairAgreement]:
    """Every pair of annotators of one task (overlap k gives k*(k-1)/2 pairs)."""
    return [
        pair_agreement(x, shapes[x], y, shapes[y], threshold)
        for x, y in combinations(sorted(shapes), 2)
    ]
