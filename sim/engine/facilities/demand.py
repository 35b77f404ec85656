"""Demand: container arrivals at origin terminals, per flow, for the whole run.

Arrivals are a non-homogeneous Poisson process with a rate that is constant within each
day: the flow's yearly volume (grown from the base year, times ``demand.scale``) spread
over the months by the seasonality factors, weighted by the days in each month so that
the expected yearly total is exactly the yearly volume. They are drawn up front, all at
once, from the flow's own demand stream; no SimPy events are involved.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable

import numpy as np

from sim.scenario.schema import Demand, Flow


def spread_over_days(per_year: Callable[[int], float], seasonality: list[float],
                     first_day: dt.date, n_days: int) -> np.ndarray:
    """Expected count on each day from ``first_day`` on, of something that happens
    ``per_year(y)`` times in calendar year y, spread over the months by the seasonality
    weights and the days in each month (so that each year's expected total is exact)."""
    season = np.asarray(seasonality, dtype=float)
    out = np.empty(n_days)
    # calendar month of each day, as months since January 1970
    months = (np.datetime64(first_day, "D") + np.arange(n_days)).astype("datetime64[M]")
    months = months.astype(np.int64)
    year, month = months // 12 + 1970, months % 12
    for y in np.unique(year).tolist():
        days_in = np.array([calendar.monthrange(y, m)[1] for m in range(1, 13)], float)
        weight = (season * days_in).sum()
        per_month = per_year(y) * season / weight if weight > 0 else season * 0
        in_year = year == y
        out[in_year] = per_month[month[in_year]]
    return out


def daily_rates(demand: Demand, flow: Flow, first_day: dt.date, n_days: int) -> np.ndarray:
    """Expected boxes of a flow on each day from ``first_day`` on."""
    def volume(y: int) -> float:
        return flow.volume(y, demand.base_year) * demand.scale
    return spread_over_days(volume, demand.seasonality, first_day, n_days)


def arrivals(rng: np.random.Generator, rates_per_day: np.ndarray, share_40ft: float,
             process: str = "poisson") -> tuple[np.ndarray, np.ndarray]:
    """Arrival times (hours from the first day's midnight, sorted) and sizes (20/40 ft).

    ``poisson``: Poisson counts per day, uniform times within the day. ``deterministic``:
    day d gets ``floor(cum_d) - floor(cum_{d-1})`` boxes (cum: cumulative expected count),
    evenly spaced at the middles of equal slices of the day.
    """
    days = np.arange(len(rates_per_day), dtype=float) * 24.0
    if process == "deterministic":
        cum = np.floor(np.cumsum(rates_per_day) + 1e-9).astype(np.int64)
        counts = np.diff(cum, prepend=0)
        total = int(counts.sum())
        starts = np.repeat(days, counts)
        n_day = np.repeat(counts, counts)
        slot = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        times = starts + (slot + 0.5) * 24.0 / np.maximum(n_day, 1)
    else:
        counts = rng.poisson(rates_per_day)
        total = int(counts.sum())
        times = np.sort(np.repeat(days, counts) + rng.uniform(0.0, 24.0, total))
    size = np.where(rng.random(total) < share_40ft, 40, 20).astype(np.int8)
    return times, size
