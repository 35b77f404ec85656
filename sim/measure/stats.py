"""Statistics over replications: Student's t quantiles and confidence intervals."""

from __future__ import annotations

import functools
import math

import numpy as np


@functools.lru_cache(maxsize=256)
def t_quantile(p: float, dof: float) -> float:
    """Student's t quantile (cached: one per distinct sample size, however many KPIs;
    ``dof`` may be fractional, as Welch's is)."""
    from scipy.special import stdtrit  # here: worker processes never need scipy
    return float(stdtrit(dof, p))


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and two-sided t confidence interval of the finite values (None bounds if n < 2)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    m = float(v.mean())
    if n < 2:
        return m, math.nan, math.nan, n
    half = float(t_quantile(0.5 + level / 2, n - 1) * v.std(ddof=1) / math.sqrt(n))
    return m, m - half, m + half, n


def welch_half_width(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> float:
    """Half-width of Welch's two-sided interval at ``level`` for mean(a) - mean(b), two
    independent samples (NaN when either has fewer than 2 values; 0 when neither varies)."""
    if len(a) < 2 or len(b) < 2:
        return math.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se2 = va + vb
    if se2 == 0:
        return 0.0
    dof = se2 ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    return float(t_quantile(0.5 + level / 2, dof) * math.sqrt(se2))
