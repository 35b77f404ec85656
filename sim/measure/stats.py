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
