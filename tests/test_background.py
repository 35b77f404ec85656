"""Background traffic counts: yearly totals exact in expectation, growth, seasonality,
over-dispersion, validation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from pydantic import ValidationError

from sim.engine.facilities.counts import daily_counts, daily_means
from sim.engine.randomness import stream
from sim.scenario.traffic import Background


def test_yearly_means_add_up_to_per_day_times_days_with_growth():
    bg = Background(per_day=10, base_year=2024, growth_per_year=0.1,
                    seasonality=[2, 2] + [0.8] * 10)
    m = daily_means(bg, dt.date(2024, 1, 1), 366 + 365)
    assert m[:366].sum() == pytest.approx(3660)
    assert m[366:].sum() == pytest.approx(11 * 365)
    # January (weight 2) carries twice March's (weight 0.8) rate / 0.8 ... per day
    assert m[0] / m[31 + 29] == pytest.approx(2 / 0.8)


def test_per_day_by_year_overrides_growth_and_later_years_grow_from_it():
    bg = Background(per_day=10, base_year=2023, growth_per_year=0.5,
                    per_day_by_year={2025: 4})
    assert bg.mean_per_day(2024) == pytest.approx(15)
    assert bg.mean_per_day(2025) == 4
    assert bg.mean_per_day(2026) == pytest.approx(6)
    assert bg.mean_per_day(2022) == pytest.approx(10 / 1.5)  # back from the earliest year


def test_counts_are_poisson_without_cv_and_overdispersed_with_it():
    days = 20_000
    plain = daily_counts(Background(per_day=30, base_year=2024), stream(1, "background"),
                         dt.date(2024, 1, 1), days)
    assert plain.dtype == np.int64
    assert plain.mean() == pytest.approx(30, rel=0.01)
    assert plain.var() == pytest.approx(30, rel=0.05)
    mixed = daily_counts(Background(per_day=30, base_year=2024, cv=0.5),
                         stream(1, "background"), dt.date(2024, 1, 1), days)
    assert mixed.mean() == pytest.approx(30, rel=0.02)
    # negative binomial: var = m + (cv m)^2 = 30 + 225
    assert mixed.var() == pytest.approx(255, rel=0.08)


def test_bad_seasonality_names_the_problem():
    with pytest.raises(ValidationError, match="average 1"):
        Background(per_day=1, base_year=2024, seasonality=[2] * 12)
    with pytest.raises(ValidationError, match="per_day"):
        Background(per_day=-1, base_year=2024)
