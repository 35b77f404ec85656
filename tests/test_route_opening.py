"""Routes that open during a run (``routes.X.open_from``): not offered before their date,
competing by their utility after it (toy_nested_opening.toml, hand-worked there), and the
rules on them."""

import datetime as dt
import math

import numpy as np
import pytest

from sim.engine.choice import Learner
from sim.engine.logs import MarketDay, OriginTrain, columns
from sim.engine.model import Model
from sim.engine.output import Calendar
from sim.engine.randomness import stream
from sim.engine.routing import NestedChoice
from sim.scenario.loading import load_scenario
from sim.scenario.mode_split import reference_rail_share, sea_constant
from sim.scenario.nested_logit import nested_shares
from sim.scenario.problems import ConfigError

from .conftest import HERE

OPENING = HERE / "scenarios" / "toy_nested_opening.toml"
TWO = HERE / "scenarios" / "toy_two_routes.toml"

V_MAIN, V_ALT, V_SEA, MU = -1.95, -2.45, -1.875, 0.5  # the toy's header
BEFORE = nested_shares(np.array([V_MAIN]), V_SEA, MU)  # alt not offered
AFTER = nested_shares(np.array([V_MAIN, V_ALT]), V_SEA, MU)
OPENS = dt.date(2024, 4, 1)


def _errors(path, overrides) -> list[str]:
    with pytest.raises(ConfigError) as e:
        load_scenario(path, overrides=overrides)
    return str(e.value).splitlines()


def test_the_hand_worked_probabilities():
    assert float(BEFORE.rail) == pytest.approx(0.481259, abs=1e-6)
    assert float(AFTER.rail) == pytest.approx(0.520396, abs=1e-6)
    assert float(AFTER.within_rail[1]) == pytest.approx(0.268941, abs=1e-6)


def test_a_route_not_open_yet_carries_no_train_then_takes_its_logit_share():
    s = load_scenario(OPENING)
    out = Model(s, seed=5).run()
    open_h = out.calendar.hours(OPENS)
    ot = columns(out.origin_trains, OriginTrain)
    alt = ot.route == out.route_ids.index("alt")
    before, after = ot.departed_h < open_h, ot.departed_h >= open_h
    assert before.sum() > 400 and not alt[before].any()
    n = int(after.sum())
    p = float(AFTER.within_rail[1])
    assert n > 400
    assert float(alt[after].mean()) == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n))


def test_the_market_s_rail_share_is_the_closed_form_over_the_open_routes():
    s = load_scenario(OPENING)
    out = Model(s, seed=5).run()
    (m,) = out.markets.values()
    d = columns(m.accepted, MarketDay)
    after = d.day_h >= out.calendar.hours(OPENS)
    assert d.p_rail[~after] == pytest.approx(np.full((~after).sum(), float(BEFORE.rail)))
    assert d.p_rail[after] == pytest.approx(np.full(after.sum(), float(AFTER.rail)))
    # the reference share counts alt from its date: 91 days of 2024 without it
    assert reference_rail_share(s, "west") == pytest.approx(
        (91 * float(BEFORE.rail) + 275 * float(AFTER.rail)) / 366, abs=1e-9)


def test_the_opening_is_combined_with_the_acceptance_mask():
    s = load_scenario(OPENING)
    cal = Calendar.of(s)
    ids = list(s.routes)
    routes = [ids.index("main"), ids.index("alt")]
    choice = NestedChoice(s, cal, ids, Learner(s, ids), routes, 0,
                          stream(1, "route", 0, "west"), None, sea_constant(s))
    before, after = cal.hours(OPENS) - 1.0, cal.hours(OPENS)
    assert float(choice.shares(before).rail) == pytest.approx(float(BEFORE.rail))
    assert list(choice.weights(before)) == [1.0, 0.0]
    # main refusing trains before alt opens: no rail route offered
    assert float(choice.shares(before, np.array([False, True])).rail) == 0.0
    # ... and after it: alt alone against the sea
    alone = nested_shares(np.array([V_ALT]), V_SEA, MU)
    assert float(choice.shares(after, np.array([False, True])).rail) == pytest.approx(
        float(alone.rail))
    assert choice.weights(after) == pytest.approx(AFTER.within_rail)


def test_the_logit_offers_a_route_from_its_date_only():
    s = load_scenario(TWO, overrides={"routes.alt.open_from": dt.date(2024, 3, 1)})
    out = Model(s, seed=3).run()
    ot = columns(out.origin_trains, OriginTrain)
    alt = ot.route == out.route_ids.index("alt")
    before = ot.departed_h < out.calendar.hours(dt.date(2024, 3, 1))
    assert before.sum() > 100 and not alt[before].any()
    assert alt[~before].mean() > 0.2  # equal priors: about half, as learned


def test_a_flow_with_no_route_open_from_its_first_day_is_refused():
    (line,) = _errors(OPENING, {"routes.main.open_from": dt.date(2024, 2, 1)})
    assert line.endswith(
        ": demand.flows.west.routes: no route open before 2024-02-01 (its routes' "
        "open_from), but the flow's boxes need one from 2023-12-02 (the run's first day, "
        "warm-up included): give it a route open from then")


def test_a_competing_flow_needs_a_route_open_from_its_base_year():
    # the run starts in 2024 after the warm-up: the base year 2023 needs a route too
    over = {"routes.main.open_from": dt.date(2023, 6, 1), "demand.base_year": 2023,
            "routes.alt.open_from": dt.date(2023, 7, 1)}
    with pytest.raises(ConfigError, match=r"demand\.flows\.west\.routes: no route open before "
                       r"2023-06-01 .* from 2023-01-01 \(the base year's first day"):
        load_scenario(OPENING, overrides=over)


def test_under_shares_a_route_carries_no_share_before_it_opens():
    over = {"route_choice.model": "shares", "routes.alt.open_from": dt.date(2024, 3, 1)}
    (line,) = _errors(TWO, over)
    assert line.endswith(
        ": demand.flows.west.routes.alt: share 0.5 from the run's first day 2023-12-02, "
        "before the route opens on 2024-03-01 (routes.alt.open_from): give it 0 and a "
        "dated share change from its date")
    early = {"date": dt.date(2024, 2, 1), "shares": {"west": {"main": 0.5, "alt": 0.5}}}
    with pytest.raises(ConfigError, match=r"timeline\[0\]\.shares\.west\.alt: share 0\.5 "
                       r"from 2024-02-01, before the route opens on 2024-03-01"):
        load_scenario(TWO, overrides={**over, "demand.flows.west.routes":
                                      {"main": 1.0, "alt": 0.0}, "timeline": [early]})
    on_time = {**early, "date": dt.date(2024, 3, 1)}
    s = load_scenario(TWO, overrides={**over, "demand.flows.west.routes":
                                      {"main": 1.0, "alt": 0.0}, "timeline": [on_time]})
    assert s.routes["alt"].open_from == dt.date(2024, 3, 1)


def test_no_opening_date_leaves_a_run_unchanged():
    a = Model(load_scenario(OPENING, overrides={"routes.alt.open_from": None}), seed=2).run()
    b = Model(load_scenario(HERE / "scenarios" / "toy_nested_two.toml"), seed=2).run()
    assert np.array_equal(a.store.t_delivered, b.store.t_delivered, equal_nan=True)
    # a date before the run's first hour is the same as none
    c = Model(load_scenario(OPENING, overrides={"routes.alt.open_from": dt.date(2020, 1, 1)}),
              seed=2).run()
    assert np.array_equal(a.store.t_delivered, c.store.t_delivered, equal_nan=True)



def test_check_lists_the_routes_that_open_during_the_run(capsys):
    from sim.cli import main
    assert main(["check", str(OPENING)]) == 0
    assert "  opening   alt from 2024-04-01\n" in capsys.readouterr().out
