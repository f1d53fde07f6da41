"""The stdlib chi-squared and Jensen-Shannon code against tabulated and hand-worked values."""

import math
from collections import Counter
from pathlib import Path

import pytest

from gitannot.events.stats import chi2_homogeneity, chi2_sf, js_divergence
from gitannot.formats import parse_file

# Critical values from any chi-squared table: P(X >= x) for the given dof.
TABLE = [
    (1, 3.841459, 0.05),
    (1, 6.634897, 0.01),
    (2, 5.991465, 0.05),
    (2, 13.815511, 0.001),
    (5, 11.070498, 0.05),
    (10, 23.209251, 0.01),
    (30, 43.772972, 0.05),
    (100, 124.342113, 0.05),
]


@pytest.mark.parametrize(("dof", "x", "p"), TABLE)
def test_chi2_sf_matches_table(dof: int, x: float, p: float) -> None:
    assert chi2_sf(x, dof) == pytest.approx(p, rel=1e-5)


@pytest.mark.parametrize("x", [0.1, 1.0, 7.5, 40.0, 86.14])
def test_chi2_sf_closed_forms(x: float) -> None:
    # dof 2: exp(-x/2); dof 1: erfc(sqrt(x/2)). Both sides of the series/fraction switch.
    assert chi2_sf(x, 2) == pytest.approx(math.exp(-x / 2), rel=1e-10)
    assert chi2_sf(x, 1) == pytest.approx(math.erfc(math.sqrt(x / 2)), rel=1e-9)
    assert chi2_sf(0.0, 3) == 1.0


def real_counts(path: Path) -> Counter[str]:
    parsed = parse_file(path.name, path.read_bytes())
    return Counter(a.label for a in parsed.annotations)


def test_homogeneity_on_real_exports(realdata: Path) -> None:
    base = real_counts(realdata / "sahi/coco_evaluate/dataset.json")
    pushed = real_counts(realdata / "sahi/coco_utils/terrain_all_coco.json")
    assert base == {"car": 131, "person": 99, "truck": 8, "motorcycle": 7, "bus": 2, "bicycle": 2}
    assert pushed == {"human": 17, "car": 5}
    # By hand (N = 271, rows 22 and 249). Expected pushed counts: car 136*22/271 = 11.04,
    # person 99*22/271 = 8.04; motorcycle 0.57, truck 0.65, bus 0.16, bicycle 0.16 and
    # human 1.38 are under 5 and pooled into "other" (17 pushed, 19 base, 36 in all).
    # Terms: car 3.3050 + 0.2920, person 8.0369 + 0.7101, other 67.811 + 5.9913 = 86.146.
    stat, dof, p = chi2_homogeneity(pushed, base)
    assert dof == 2
    assert stat == pytest.approx(86.146, abs=2e-3)
    assert p == pytest.approx(math.exp(-86.14535 / 2), rel=1e-4)  # dof 2: exp(-x/2)


def test_js_on_real_exports(realdata: Path) -> None:
    base = real_counts(realdata / "sahi/coco_evaluate/dataset.json")
    pushed = real_counts(realdata / "sahi/coco_utils/terrain_all_coco.json")
    # By hand: only "car" is shared. Pushed half: 5/22*log2((5/22)/m_car) + 17/22*1 =
    # -0.16567 + 0.77273; base half: 131/249*log2((131/249)/m_car) + (1 - 131/249)*1 =
    # 0.25358 + 0.47390, m_car = (5/22 + 131/249)/2. JS = (0.60706 + 0.72748)/2.
    assert js_divergence(pushed, base) == pytest.approx(0.66727, abs=5e-5)
    assert js_divergence(base, base) == 0.0
    assert js_divergence({"a": 3}, {"b": 9}) == pytest.approx(1.0)


def test_one_label_in_common_only_is_not_a_test() -> None:
    assert chi2_homogeneity({"car": 10}, {"car": 500}) == (0.0, 0, 1.0)
