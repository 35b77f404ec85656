"""Random closures of facilities (gales, storms, breakdowns), drawn up front.

Each disruption of a facility starts events as a Poisson process whose daily rate follows
its monthly profile; each event closes the facility for a drawn duration. Overlapping
events merge into one closure. Closures then act exactly as timeline closures do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

from sim.engine.facilities.demand import spread_over_days
from sim.scenario.schema import Disruption


def closures(disruption: Disruption, rng: np.random.Generator, first_day: dt.date,
             n_days: int) -> list[tuple[float, float]]:
    """(start, end) hours of the events of one disruption, from midnight of
    ``first_day``."""
    rates = spread_over_days(lambda _y: disruption.events_per_year, disruption.seasonality,
                             first_day, n_days)
    counts = rng.poisson(rates)
    n = int(counts.sum())
    starts = np.sort(np.repeat(np.arange(n_days) * 24.0, counts) + rng.uniform(0, 24, n))
    length = np.asarray(disruption.duration_h.sample(rng, n), float) if n else np.empty(0)
    return list(zip(starts.tolist(), (starts + length).tolist()))


def merge(windows: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Union of intervals, as sorted disjoint intervals."""
    out: list[list[float]] = []
    for a, b in sorted(windows):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]
