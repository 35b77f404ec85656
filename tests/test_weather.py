"""Sea weather: one storm process per sea closes the ports exposed to it together.

Theory: storms start as a Poisson process (rate lambda per hour) and their closures are
merged, so a port is closed exactly when at least one storm that closes it is still
blowing: an M/G/infinity system, busy with probability 1 - exp(-lambda x mean closure)
whatever the duration distribution. Storms from different sectors are independent
thinnings of the sea's process, which gives the joint closure of two ports in closed
form (see :func:`test_closed_shares_match_the_weather_model`)."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import numpy as np
import pytest

from sim.engine.facilities.disruptions import closures, merge
from sim.engine.facilities.weather import Storms, port_closures, sea_storms, weather_closures
from sim.engine.logs import Span, columns
from sim.engine.model import Model
from sim.engine.randomness import stream
from sim.measure import kpis
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.scenario.summary import describe
from sim.scenario.weather import SECTORS, Exposure, SeaWeather
from tests.conftest import child_writer

from .conftest import HERE

TOY_SEA = HERE / "scenarios" / "toy_sea.toml"

WEATHER = {"storms_per_year": 40, "duration_h": {"dist": "lognormal", "mean": 36, "cv": 0.6},
           "sectors": {"N": 0.5, "NW": 0.3, "SE": 0.2}}


def _run(seed: int = 1, **overrides):
    # a stormy sea for the toy's two months: 150 storms a year of 24 h
    stormy = {**WEATHER, "storms_per_year": 150,
              "duration_h": {"dist": "lognormal", "mean": 24, "cv": 0.6}}
    s = load_scenario(TOY_SEA, overrides={"seas.caspian.weather": stormy, **overrides})
    return Model(s, seed=seed).run()


def _hours(windows, lo: float, hi: float) -> float:
    """Hours of [lo, hi) covered by the merged ``windows``."""
    return sum(max(0.0, min(b, hi) - max(a, lo)) for a, b in merge(windows))


# -- the closures of one port, by hand ----------------------------------------------------
def test_hand_traced_storms_close_the_exposed_ports():
    # three storms: N at 10 h for 20 h, SE at 25 h for 10 h, NW at 100 h for 8 h
    storms = Storms(np.array([10.0, 25.0, 100.0]), np.array([20.0, 10.0, 8.0]),
                    np.array([SECTORS.index(k) for k in ("N", "SE", "NW")]))
    # exposed to N and NW, full length: 10-30 and 100-108
    assert port_closures(storms, Exposure(sectors=["N", "NW"])) == [(10, 30), (100, 108)]
    # exposed to N and SE, half length: 10-20 and 25-30 (apart: 20 < 25)
    assert port_closures(storms, Exposure(sectors=["N", "SE"], duration_factor=0.5)) == [
        (10, 20), (25, 30)]
    # full length, N and SE overlap (10-30 and 25-35) and merge into one closure 10-35
    assert merge(port_closures(storms, Exposure(sectors=["SE", "N"]))) == [(10, 35)]
    assert port_closures(storms, Exposure(sectors=["S"])) == []
    assert port_closures(storms, Exposure(sectors=[])) == []


def test_sea_storms_draws_in_a_fixed_order():
    # the draws, replayed by hand from the same stream: counts per day, hours within the
    # day, durations, sectors
    w = SeaWeather.model_validate(WEATHER)
    first, n_days = dt.date(2024, 1, 1), 366
    got = sea_storms(w, stream(3, "weather", 0, "sea:caspian"), first, n_days)
    rng = stream(3, "weather", 0, "sea:caspian")
    counts = rng.poisson(np.full(n_days, 40 / 366))
    n = int(counts.sum())
    start = np.sort(np.repeat(np.arange(n_days) * 24.0, counts) + rng.uniform(0, 24, n))
    length = w.duration_h.sample(rng, n)
    sector = rng.choice(8, size=n, p=np.array(w.shares()))
    assert n == len(got.start_h) > 20
    assert np.array_equal(got.start_h, start) and np.array_equal(got.duration_h, length)
    assert np.array_equal(got.sector, sector)
    assert set(np.array(SECTORS)[got.sector]) <= {"N", "NW", "SE"}


# -- theory ---------------------------------------------------------------------------------
def test_closed_shares_match_the_weather_model():
    # 400 years of storms (about 16,000): 40 a year, mean 36 h, sectors N .5 / NW .3 /
    # SE .2. Port A closes for N and NW storms, full length; port B for N and SE storms,
    # half length (sheltered). Per port P(closed) = 1 - exp(-lambda_p x f_p x mean);
    # at least one closed: a storm of a sector both see closes one of them for the
    # longer of the two closures, so P(A or B) = 1 - exp(-lambda x mean x (.5 x max(1,
    # .5) + .3 x 1 + .2 x .5)); both = P(A) + P(B) - P(A or B).
    w = SeaWeather.model_validate(WEATHER)
    n_days = 400 * 365
    storms = sea_storms(w, stream(7, "weather", 0, "sea:caspian"), dt.date(2001, 1, 1),
                        n_days)
    a = merge(port_closures(storms, Exposure(sectors=["N", "NW"])))
    b = merge(port_closures(storms, Exposure(sectors=["N", "SE"], duration_factor=0.5)))
    total_h = n_days * 24.0
    lam_mean = 40 / (365.2425 * 24) * 36  # storms per hour x mean hours
    p_a = 1 - math.exp(-lam_mean * 0.8)
    p_b = 1 - math.exp(-lam_mean * 0.7 * 0.5)
    p_either = 1 - math.exp(-lam_mean * (0.5 * 1 + 0.3 + 0.2 * 0.5))
    p_both = p_a + p_b - p_either
    share_a, share_b = _hours(a, 0, total_h) / total_h, _hours(b, 0, total_h) / total_h
    both = (share_a + share_b) * total_h - _hours(a + b, 0, total_h)
    # about 4 standard errors (closures ~30 h long: ~100,000 independent stretches)
    assert share_a == pytest.approx(p_a, rel=0.04)
    assert share_b == pytest.approx(p_b, rel=0.05)
    assert both / total_h == pytest.approx(p_both, rel=0.06)
    # and not what independent weather would give
    assert p_both > 1.5 * p_a * p_b
    assert both / total_h > 1.5 * share_a * share_b


# -- the model ------------------------------------------------------------------------------
def test_same_exposure_closes_both_ports_together_and_a_subset_on_a_subset():
    out = _run(**{"nodes.west.port.exposure": {"sectors": ["N", "NW"]},
                  "nodes.east.port.exposure": {"sectors": ["NW", "N"]}})
    west, east = out.ports["west"].closures, out.ports["east"].closures
    assert len(west) >= 5, "the fixture should storm"
    assert west == east
    # east closes only for N storms: each of its closures lies inside one of west's
    out = _run(**{"nodes.west.port.exposure": {"sectors": ["N", "NW"]},
                  "nodes.east.port.exposure": {"sectors": ["N"]}})
    end_h = out.calendar.end_h
    west = [(a, b if b == b else end_h) for a, b in out.ports["west"].closures]
    east = [(a, b if b == b else end_h) for a, b in out.ports["east"].closures]
    assert 0 < len(east) < len(west) + 1
    assert all(any(a0 <= a and b <= b0 for a0, b0 in west) for a, b in east)
    assert _hours(east, 0, end_h) < _hours(west, 0, end_h)


def test_the_ports_log_the_drawn_storms_merged_with_their_own_disruptions():
    gale = {"kind": "storm", "events_per_year": 30,
            "duration_h": {"dist": "constant", "value": 20}}
    over = {"nodes.west.port.exposure": {"sectors": ["N", "SE"], "duration_factor": 0.5},
            "nodes.east.port.exposure": {"sectors": []}, "nodes.west.disruptions": [gale]}
    s = load_scenario(TOY_SEA, overrides={"seas.caspian.weather": WEATHER, **over})
    out = Model(s, seed=4).run()
    cal = out.calendar
    n_days = (cal.end - cal.t0).days
    storms = sea_storms(s.seas["caspian"].weather, stream(4, "weather", 0, "sea:caspian"),
                        cal.t0, n_days)
    own = closures(s.nodes["west"].disruptions[0], stream(4, "weather", 0, "west#storm#0"),
                   cal.t0, n_days)
    want = [(a, b) for a, b in merge(port_closures(storms, s.nodes["west"].port.exposure)
                                     + own) if a < cal.end_h]
    got = columns(out.ports["west"].closures, Span)
    assert np.allclose(got.from_h, [a for a, _ in want])
    ends = np.array([b for _, b in want])
    assert np.allclose(np.where(ends > cal.end_h, np.nan, ends), got.to_h, equal_nan=True)
    assert out.ports["east"].closures == []  # explicitly unexposed
    assert weather_closures(s, 4, 0, cal.t0, n_days).keys() == {"west"}


def test_same_seed_same_storms_and_other_ports_keep_theirs():
    expo = {"nodes.west.port.exposure": {"sectors": ["N", "NW"]},
            "nodes.east.port.exposure": {"sectors": ["SE"]}}
    a, b = _run(seed=5, **expo), _run(seed=5, **expo)
    assert a.ports["west"].closures == b.ports["west"].closures
    assert a.ports["east"].closures == b.ports["east"].closures
    c = _run(seed=6, **expo)
    assert c.ports["west"].closures != a.ports["west"].closures
    # a new exposure of one port does not move the storms at the other (common random
    # numbers: the sea's storms are drawn once, whatever the ports)
    d = _run(seed=5, **{**expo, "nodes.east.port.exposure": {"sectors": ["N"],
                                                             "duration_factor": 2}})
    assert d.ports["west"].closures == a.ports["west"].closures
    assert d.ports["east"].closures != a.ports["east"].closures


def test_unexposed_ports_change_nothing_and_kpis_report_weather_closures():
    calm = Model(load_scenario(TOY_SEA), seed=1).run()
    quiet = _run(**{"nodes.west.port.exposure": {"sectors": []},
                    "nodes.east.port.exposure": {"sectors": []}})
    a, b = kpis.compute(quiet), kpis.compute(calm)
    assert a.keys() == b.keys()
    assert np.array_equal(list(a.values()), list(b.values()), equal_nan=True)
    out = _run(**{"nodes.west.port.exposure": {"sectors": ["N", "NW"]},
                  "nodes.east.port.exposure": {"sectors": []}})
    K = kpis.compute(out)
    end_h = out.calendar.end_h
    shut = [(a, b if b == b else end_h) for a, b in out.ports["west"].closures]
    year = out.calendar.years()[0]
    assert K[("closure_hours", "2024", "west")] == pytest.approx(
        _hours(shut, year.from_h, year.to_h))
    assert K[("closure_hours", "2024", "west")] > 0
    # the exposed port's storms are closures; the sheltered port has none
    assert K[("disruption_events", "2024", "west")] > 0
    assert K[("disruption_events", "2024", "east")] == 0


# -- validation -----------------------------------------------------------------------------
@pytest.fixture
def child(tmp_path, monkeypatch):
    return child_writer(tmp_path, monkeypatch, "toy_sea.toml", ("toy.toml",))


SEA = """
[seas.caspian.weather]
storms_per_year = 20
duration_h = { dist = "lognormal", mean = 48, cv = 0.6 }
sectors = { N = 0.6, NW = 0.4 }
"""
EXPOSED = """
[nodes.west.port.exposure]
sectors = ["N"]
[nodes.east.port.exposure]
sectors = []
"""

CASES = [
    (SEA.replace("NW = 0.4", "NW = 0.3") + EXPOSED,
     ["seas.caspian.weather.sectors: sector shares must sum to 1 (they sum to 0.9)"]),
    (SEA.replace("NW = 0.4", "NNW = 0.4") + EXPOSED,
     ["seas.caspian.weather.sectors: unknown wind sector 'NNW' (allowed: N, NE, E, SE, S, "
      "SW, W, NW)"]),
    (SEA.replace("N = 0.6, NW = 0.4", "N = 1.2, NW = -0.2") + EXPOSED,
     ["seas.caspian.weather.sectors: sector shares must be >= 0 (negative: NW)"]),
    (SEA.replace("storms_per_year = 20", "storms_per_year = 0") + EXPOSED,
     ["seas.caspian.weather.storms_per_year: must be > 0 (got 0)"]),
    (SEA + "seasonality = [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + EXPOSED,
     ["seas.caspian.weather.seasonality: monthly weights must average 1 (they average "
      "1.0833)"]),
    (SEA + "storms_per_yr = 3\n" + EXPOSED,
     ["seas.caspian.weather.storms_per_yr: unknown key (did you mean "
      "'storms_per_year'?)"]),
    (SEA.replace("caspian", "caspain") + EXPOSED,
     ["seas.caspain: unknown sea 'caspain' (did you mean 'caspian'?)",
      "nodes.west.port.exposure: the port is exposed to storms but its sea 'caspian' has "
      "no weather: add [seas.caspian.weather], or write sectors = [] if no storm closes "
      "the port"]),
    (SEA + EXPOSED.replace('["N"]', '["N", "NX"]'),
     ["nodes.west.port.exposure.sectors[1]: 'NX' is not allowed (did you mean 'N'?)"]),
    (SEA + EXPOSED.replace('["N"]', '["N", "NW", "N"]'),
     ["nodes.west.port.exposure.sectors: sector 'N' named twice"]),
    (SEA + EXPOSED.replace('["N"]', '["N", "SE"]'),
     ["nodes.west.port.exposure.sectors: no share is given for sector SE in "
      "seas.caspian.weather.sectors (it gives N, NW); add it there (0 if no storm comes "
      "from it) or remove it here"]),
    (SEA + EXPOSED + "duration_factor = 0\n",
     ["nodes.east.port.exposure.duration_factor: must be > 0 (got 0)"]),
    (SEA + "[nodes.west.port.exposure]\nsectors = [\"N\"]\n",
     ["nodes.east.port.exposure: the port's sea 'caspian' has weather "
      "(seas.caspian.weather): say which storms close the port, e.g. exposure = "
      "{ sectors = [\"N\", \"NW\"] } (sectors = [] if none do)"]),
    (EXPOSED,
     ["nodes.west.port.exposure: the port is exposed to storms but its sea 'caspian' has "
      "no weather: add [seas.caspian.weather], or write sectors = [] if no storm closes "
      "the port"]),
]


@pytest.mark.parametrize("text,lines", CASES, ids=range(len(CASES)))
def test_bad_weather_is_reported_one_line_per_problem(child, text, lines):
    with pytest.raises(ConfigError) as e:
        load_scenario(child(text))
    got = [re.sub(r"^error: [^:]+: ", "", p.line()) for p in e.value.problems]
    assert sorted(got) == sorted(lines)


def test_weather_errors_name_the_field(child):
    with pytest.raises(ConfigError, match=r"seas\.caspian\.weather\.sectors: sector shares "
                       r"must sum to 1 \(they sum to 0\.9\)"):
        load_scenario(child(SEA.replace("NW = 0.4", "NW = 0.3") + EXPOSED))
    # a valid table loads, and an unexposed sea needs nothing
    s = load_scenario(child(SEA + EXPOSED))
    assert s.nodes["west"].port.exposure.sectors == ["N"]
    assert s.seas["caspian"].weather.rate_of(["N", "NW", "N"]) == pytest.approx(20)


def test_a_child_replaces_the_sector_shares_whole(child):
    Path("parent.toml").write_text('extends = "toy_sea.toml"\n' + SEA + EXPOSED,
                                   encoding="utf-8")
    Path("child.toml").write_text('extends = "parent.toml"\n[seas.caspian.weather]\n'
                                  'sectors = { N = 0.2, SE = 0.8 }\n', encoding="utf-8")
    s = load_scenario("child.toml")
    assert s.seas["caspian"].weather.sectors == {"N": 0.2, "SE": 0.8}
    assert s.seas["caspian"].weather.storms_per_year == 20  # the rest is merged as usual


def test_check_summarises_the_weather(child):
    text = describe(load_scenario(child(SEA + EXPOSED)))
    assert "  weather   caspian: 20 storms/yr x 48 h (N 0.6, NW 0.4)" in text
    assert "    west                   N x 1, 12.0 storms/yr close it" in text
    assert "    east                   not exposed\n" in text
