"""The money arithmetic of an appraisal: discount factors, net present value,
benefit-cost ratio and economic internal rate of return of a stream of yearly cash
flows (year 0 = the first year of the stream, flows at the year's start)."""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

# the rates searched for a change of sign of the NPV: -95 % to +1,000 % a year
_GRID = np.concatenate([np.linspace(-0.95, 0.5, 146), np.linspace(0.51, 10.0, 950)])


def discount_factors(years: list[int] | np.ndarray, base_year: int, rate: float) -> np.ndarray:
    """(1 + rate)^-(year - base_year) for each year."""
    return (1.0 + rate) ** -(np.asarray(years, float) - base_year)


def npv(flows: np.ndarray, rate: float, t0: int = 0) -> float:
    """Present value at year ``t0`` of ``flows`` (one a year, the first in year 0)."""
    t = np.arange(len(flows)) - t0
    return float(np.sum(np.asarray(flows, float) * (1.0 + rate) ** -t))


def bcr(pv_benefits: float, pv_costs: float) -> float:
    """Benefit-cost ratio: present value of the benefits over that of the costs (NaN
    when the costs' present value is not positive)."""
    return pv_benefits / pv_costs if pv_costs > 0 else math.nan


def eirr(flows: np.ndarray) -> tuple[float | None, int]:
    """The economic internal rate of return of ``flows``: the rate at which their NPV is
    zero, by Brent's method on the first bracket of a change of sign over -95 % ..
    +1,000 % a year. When the NPV never changes sign there: ``inf`` if it is positive
    at every rate (the benefits repay the costs at once, e.g. in the year they are
    spent), None if it is negative at every rate (they never repay). Also returns how
    many changes of sign the grid found (more than one: several rates, the lowest
    given)."""
    flows = np.asarray(flows, float)
    if not np.any(flows):
        return None, 0
    values = np.array([npv(flows, r) for r in _GRID])
    sign = np.sign(values)
    changes = np.flatnonzero(sign[:-1] * sign[1:] < 0)
    exact = np.flatnonzero(values == 0)
    if len(changes) == 0:
        if len(exact):
            return float(_GRID[exact[0]]), 1
        return (math.inf, 0) if values[-1] > 0 else (None, 0)
    i = int(changes[0])
    root = brentq(lambda r: npv(flows, r), _GRID[i], _GRID[i + 1], xtol=1e-12, rtol=1e-12,
                  maxiter=200)
    return float(root), len(changes)
