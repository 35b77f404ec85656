"""A flow's own monthly weights in a year where how its volume came is known
(``demand.flows.X.seasonality_by_year``): they replace demand.seasonality in that year
only, and the year's expected total stays the flow's volume."""

import calendar
import datetime as dt

import numpy as np
import pytest

from sim.engine.facilities.demand import daily_rates
from sim.scenario.loading import load_scenario
from sim.scenario.summary import describe

from .test_config_errors import TOY

# a quarter of the year's boxes in Jan-Jun (0.5), the rest in Jul-Dec (1.5)
HALVES = [0.5] * 6 + [1.5] * 6


def _rates(tmp_path, profile: dict[int, list[float]] | None) -> tuple[np.ndarray, dt.date]:
    text = 'extends = "' + TOY.as_posix() + '"\n'
    if profile:
        years = ", ".join(f"{y} = {w}" for y, w in profile.items())
        text += f"[demand.flows.west]\nseasonality_by_year = {{ {years} }}\n"
    p = tmp_path / "child.toml"
    p.write_text(text, encoding="utf-8")
    s = load_scenario(p)
    first = dt.date(2023, 1, 1)
    return daily_rates(s.demand, s.demand.flows["west"], first, 3 * 365 + 1), first


def test_the_flows_own_weights_shape_that_year_only(tmp_path):
    flat, first = _rates(tmp_path, None)
    shaped, _ = _rates(tmp_path, {2024: HALVES})
    day = [first + dt.timedelta(days=i) for i in range(len(flat))]
    in_2024 = np.array([d.year == 2024 for d in day])
    h1 = np.array([d.year == 2024 and d.month <= 6 for d in day])
    # the other years are as before
    assert shaped[~in_2024] == pytest.approx(flat[~in_2024])
    # 2024's total is the flow's volume, whatever the weights
    assert shaped[in_2024].sum() == pytest.approx(flat[in_2024].sum())
    # Jan-Jun at a third of Jul-Dec's daily rate (weights 0.5 : 1.5, days as they fall)
    days_h1 = sum(calendar.monthrange(2024, m)[1] for m in range(1, 7))
    days_h2 = 366 - days_h1
    total = flat[in_2024].sum()
    want_h1 = total * 0.5 * days_h1 / (0.5 * days_h1 + 1.5 * days_h2)
    assert shaped[h1].sum() == pytest.approx(want_h1)
    assert shaped[h1].max() == pytest.approx(shaped[in_2024 & ~h1].min() / 3)


def test_the_summary_shows_each_flows_months_and_whether_the_run_uses_them(tmp_path):
    # toy: 2024-01-01 .. 2025-01-01, a 10-day warm-up in December 2023
    p = tmp_path / "child.toml"
    p.write_text('extends = "' + TOY.as_posix() + '"\n[demand.flows.west]\n'
                 f"seasonality_by_year = {{ 2023 = {HALVES}, 2024 = {HALVES[::-1]}, "
                 f"2026 = {HALVES} }}\n", encoding="utf-8")
    lines = describe(load_scenario(p)).splitlines()
    assert "            west 2023: low Jan (0.50), high Jul (1.50) (in the warm-up only)" in lines
    assert "            west 2024: low Jul (0.50), high Jan (1.50)" in lines
    assert ("            west 2026: low Jan (0.50), high Jul (1.50) (outside the run: not used)"
            in lines)
