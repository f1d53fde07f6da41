"""Chi-squared homogeneity test and Jensen-Shannon divergence, stdlib only.

The chi-squared survival function is the regularized upper incomplete gamma function
Q(k/2, x/2), computed as in Numerical Recipes (6.2): a power series for x < a + 1, a
Lentz continued fraction otherwise, both to 1e-14 relative accuracy. scipy is not a
dependency of a git hook; these forty lines are checked against tabulated critical
values in tests/events/test_stats.py.
"""

import math
from collections.abc import Mapping

EPS = 1e-14
MAX_ITER = 10_000
TINY = 1e-300


def chi2_sf(x: float, dof: int) -> float:
    """P(X >= x) for X ~ chi-squared with `dof` degrees of freedom."""
    if dof <= 0:
        raise ValueError("degrees of freedom must be positive")
    if x <= 0:
        return 1.0
    a, half = dof / 2.0, x / 2.0
    if half < a + 1:
        return max(0.0, 1.0 - _lower_series(a, half))
    return _upper_fraction(a, half)


def _lower_series(a: float, x: float) -> float:
    """P(a, x) by its series: e^-x x^a / Gamma(a+1) * sum x^n / ((a+1)...(a+n))."""
    term = total = 1.0 / a
    denom = a
    for _ in range(MAX_ITER):
        denom += 1
        term *= x / denom
        total += term
        if abs(term) < abs(total) * EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _upper_fraction(a: float, x: float) -> float:
    """Q(a, x) by its continued fraction (modified Lentz)."""
    b = x + 1.0 - a
    c = 1.0 / TINY
    d = 1.0 / b
    h = d
    for i in range(1, MAX_ITER):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = TINY if abs(d) < TINY else d
        c = b + an / c
        c = TINY if abs(c) < TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def chi2_homogeneity(
    pushed: Mapping[str, int], base: Mapping[str, int], min_expected: float = 5.0
) -> tuple[float, int, float]:
    """(statistic, degrees of freedom, p-value) for "both samples come from one label
    distribution", on the 2 x k table of counts. Labels whose expected count in either
    row is under `min_expected` are pooled into one column, the usual validity rule."""
    labels = sorted(set(pushed) | set(base))
    n1, n2 = sum(pushed.values()), sum(base.values())
    total = n1 + n2
    if n1 == 0 or n2 == 0:
        return 0.0, 0, 1.0
    columns: list[tuple[int, int]] = []
    pooled = [0, 0]
    for label in labels:
        a, b = pushed.get(label, 0), base.get(label, 0)
        col = a + b
        if min(col * n1 / total, col * n2 / total) < min_expected:
            pooled[0] += a
            pooled[1] += b
        else:
            columns.append((a, b))
    if sum(pooled):
        columns.append((pooled[0], pooled[1]))
    if len(columns) < 2:
        return 0.0, 0, 1.0
    stat = 0.0
    for a, b in columns:
        col = a + b
        for observed, row in ((a, n1), (b, n2)):
            expected = col * row / total
            stat += (observed - expected) ** 2 / expected
    dof = len(columns) - 1
    return stat, dof, chi2_sf(stat, dof)


def js_divergence(p_counts: Mapping[str, int], q_counts: Mapping[str, int]) -> float:
    """Jensen-Shannon divergence in bits (0 = same mix, 1 = no label in common)."""
    p_total, q_total = sum(p_counts.values()), sum(q_counts.values())
    if p_total == 0 or q_total == 0:
        return 0.0
    out = 0.0
    for label in set(p_counts) | set(q_counts):
        p = p_counts.get(label, 0) / p_total
        q = q_counts.get(label, 0) / q_total
        m = (p + q) / 2
        if p > 0:
            out += 0.5 * p * math.log2(p / m)
        if q > 0:
            out += 0.5 * q * math.log2(q / m)
    return max(0.0, out)
