"""Route choice: the logit arithmetic, and shares that follow the learned transit times."""

import datetime as dt
import math

import numpy as np
import pytest

from sim.engine.choice import logit_probabilities, utility
from sim.engine.model import Model
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.scenario.schema import RouteChoice

from .conftest import HERE

TWO = HERE / "scenarios" / "toy_two_routes.toml"


def test_logit_arithmetic():
    p = logit_probabilities(np.array([0.0, -1.0, -2.0]))
    e = np.exp([0.0, -1.0, -2.0])
    assert p == pytest.approx(e / e.sum())
    assert logit_probabilities(np.array([1000.0, 0.0])) == pytest.approx([1.0, 0.0])
    rc = RouteChoice(model="logit", time_per_day=-0.3, tariff_per_kusd=-0.5,
                     unreliability_per_day=-0.2)
    assert utility(rc, 0.4, 10, 3000, 2) == pytest.approx(0.4 - 3.0 - 1.5 - 0.4)


def _shares(extra, seed=3, after_h=None):
    out = Model(load_scenario(TWO, overrides=extra), seed=seed).run()
    ot = np.array(out.origin_trains)
    t0 = out.calendar.start_h if after_h is None else after_h
    return ot[ot[:, 2] >= t0], out


def test_equal_routes_share_equally_and_a_slower_one_loses_what_the_logit_predicts():
    same, _ = _shares({})
    n = len(same)
    p_main = (same[:, 1] == 0).mean()
    assert abs(p_main - 0.5) < 3 * math.sqrt(0.25 / n)
    # alt one day slower (1000 km more at 1000 km/day), time_per_day = -1
    slow, _ = _shares({"links.gate2_omega.length_km": 5000})
    p_main = (slow[:, 1] == 0).mean()
    predicted = 1 / (1 + math.exp(-1.0))
    assert abs(p_main - predicted) < 3 * math.sqrt(predicted * (1 - predicted) / len(slow))


def test_a_closed_route_sheds_traffic_once_its_delays_are_seen():
    closed = [{"date": "2024-02-01", "close": "gate2_omega", "days": 15}]
    before, out = _shares({"timeline": closed})
    h = out.calendar.hours
    ot = np.array(out.origin_trains)
    window = (ot[:, 2] >= h(dt.date(2024, 2, 20))) & (ot[:, 2] < h(dt.date(2024, 3, 10)))
    early = (ot[:, 2] >= h(dt.date(2024, 1, 1))) & (ot[:, 2] < h(dt.date(2024, 2, 1)))
    alt_after = (ot[window, 1] == 1).mean()
    alt_before = (ot[early, 1] == 1).mean()
    assert alt_before > 0.4
    assert alt_after < alt_before - 0.2


def test_logit_needs_priors_and_known_constants():
    with pytest.raises(ConfigError) as e:
        load_scenario(TWO, overrides={"routes.alt.prior_transit_days": None,
                                      "route_choice.constants": {"mian": 0.5}})
    assert str(e.value).splitlines() == [
        "error: overrides: route_choice.constants.mian: unknown route 'mian' (did you mean "
        "'main'?)",
        "error: overrides: routes.alt.prior_transit_days: logit "
        "route choice needs an expected transit time before any journey is seen (days, > 0)"]


def test_the_learners_window_keeps_the_statistics_of_its_deliveries():
    """The window's running statistics (sorted values inserted and removed by batch, a
    running sum, a sliding maximum) equal those computed afresh, ties and all."""
    from collections import deque

    from sim.engine.choice import _Window
    rng = np.random.default_rng(3)
    w, ref = _Window(), deque()
    for step in range(1500):
        if ref and rng.random() < 0.45:
            w.drop_oldest()
            ref.popleft()
        else:
            v = np.round(rng.gamma(3, 5, int(rng.integers(1, 60))), 1)  # many ties
            if rng.random() < 0.3:
                v[:] = v[0]  # a block train's boxes: all alike
            run = float(rng.gamma(3, 5))
            w.add(float(step // 3), v, run)
            ref.append((v, run))
        if ref:
            x = np.concatenate([a for a, _ in ref])
            p50, p95 = np.percentile(x, [50, 95])
            mean, spread, longest = w.stats()
            assert mean == pytest.approx(x.mean(), rel=1e-12)
            assert spread == float(p95 - p50)
            assert longest == max(r for _, r in ref)
