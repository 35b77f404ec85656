"""Daily counts of background traffic (:class:`sim.scenario.traffic.Background`), drawn up
front for the whole run: one number per day, not one event per unit."""

from __future__ import annotations

import datetime as dt

import numpy as np

from sim.engine.facilities.demand import spread_over_days
from sim.scenario.traffic import Background


def daily_means(bg: Background, first_day: dt.date, n_days: int) -> np.ndarray:
    """Expected units on each day from ``first_day`` on."""
    return spread_over_days(bg.per_year, bg.seasonality, first_day, n_days)


def daily_counts(bg: Background, rng: np.random.Generator, first_day: dt.date,
                 n_days: int) -> np.ndarray:
    """Units on each day from ``first_day`` on (``int64``): Poisson around the day's mean,
    mixed with a gamma of mean 1 and coefficient of variation ``bg.cv`` when it is > 0."""
    mean = daily_means(bg, first_day, n_days)
    if bg.cv > 0:
        k = 1.0 / bg.cv**2
        mean = mean * rng.gamma(k, 1.0 / k, n_days)
    return rng.poisson(mean).astype(np.int64)


def hours_of(counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One hour per unit counted, uniform within its day (day 0 from hour 0), sorted."""
    day = np.repeat(np.arange(len(counts)), counts)
    return np.sort(24.0 * (day + rng.random(len(day))))
