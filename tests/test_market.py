"""The nested logit's split between rail and the sea, applied to the demand
(sim.scenario.mode_split, sim.engine.market): reference shares by hand, exact thinning,
trains formed day by day as if all at once, the stated market, the headroom."""

import datetime as dt
import math

import numpy as np
import pytest

from sim.engine.facilities.formation import schedule_departures
from sim.engine.logs import MarketDay, OriginTrain, columns
from sim.engine.model import Model
from sim.measure.kpis import compute
from sim.scenario.loading import load_scenario
from sim.scenario.mode_split import (
    BaseYear,
    competing_flows,
    implied_market_teu,
    reference_rail_share,
    sea_constant,
)
from sim.scenario.problems import ConfigError
from sim.scenario.schema import Departure

from .conftest import HERE, ROOT

NESTED = HERE / "scenarios" / "toy_nested.toml"
NESTED_TWO = HERE / "scenarios" / "toy_nested_two.toml"

# toy_nested.toml, 2024 costs (3,980 USD per FEU): P(sea) 0.779886 to 14 Jan, 0.429228
# from 15 Jan; the base year 2024 has 14 + 352 days
P_RAIL_JAN, P_RAIL_LATER = 1 - 0.779886, 1 - 0.429228
P_REF = (14 * P_RAIL_JAN + 352 * P_RAIL_LATER) / 366


def _errors(path, overrides) -> list[str]:
    with pytest.raises(ConfigError) as e:
        load_scenario(path, overrides=overrides)
    return str(e.value).splitlines()


def test_reference_share_is_the_base_year_mean_of_the_hand_worked_shares():
    s = load_scenario(NESTED)
    assert reference_rail_share(s, "west") == pytest.approx(P_REF, abs=1e-6)
    # the market the volume implies: 36,500 boxes x 1.9 TEU / P_ref
    assert implied_market_teu(s) == pytest.approx(36_500 * 1.9 / P_REF, rel=1e-6)


def test_rail_boxes_are_the_market_times_the_logits_rail_share():
    s = load_scenario(NESTED)
    cal_t0 = s.horizon.start - dt.timedelta(days=s.horizon.warmup_days)
    later_h = (dt.date(2024, 1, 15) - cal_t0).days * 24.0
    end_h = (s.horizon.end - cal_t0).days * 24.0
    n, days = 0, (end_h - later_h) / 24.0
    for seed in range(4):
        out = Model(s, seed=seed).run()
        t = out.store.t_created
        n += int(((t >= later_h) & (t < end_h)).sum())
    # expected rail boxes a day: 100 (the volume) x P_rail / P_ref
    want = 4 * days * 100 * P_RAIL_LATER / P_REF
    assert n == pytest.approx(want, abs=4 * math.sqrt(want))


def test_candidates_are_conserved_and_every_rail_box_takes_a_store_row():
    out = Model(load_scenario(NESTED), seed=3).run()
    (m,) = out.markets.values()
    d = columns(m.accepted, MarketDay)
    assert (d.rail <= d.candidates).all() and d.rail.sum() < d.candidates.sum()
    assert out.store.n == int(d.rail.sum())  # the only flow is the market's
    assert len(out.store.t_created) == out.store.n  # spare rows trimmed
    assert np.all(np.diff(out.store.t_created) >= 0)  # one flow: rows in arrival order
    # the chance of a candidate is P_rail / (P_ref x headroom 2)
    later = d.day_h >= (dt.date(2024, 1, 15) - dt.date(2023, 12, 22)).days * 24.0
    assert d.accept[later] == pytest.approx(P_RAIL_LATER / (2 * P_REF), abs=1e-6)


@pytest.mark.parametrize("departure", [
    {"rule": "full"},
    {"rule": "full_or_max_wait", "max_wait_h": 30},
    {"rule": "timetable", "departures_per_day": 1.5, "first_departure_h": 7},
])
def test_trains_formed_day_by_day_are_those_formed_all_at_once(departure):
    s = load_scenario(NESTED, overrides={"nodes.alpha.departure": departure})
    out = Model(s, seed=1).run()
    ot = columns(out.origin_trains, OriginTrain)
    ready = out.store.t_created  # the rail boxes, in arrival order
    rule = Departure.model_validate(departure)
    plan = schedule_departures(ready, rule, 40, out.calendar.end_h)
    assert len(plan) == len(ot.departed_h) > 20
    assert ot.departed_h == pytest.approx(np.array([p[0] for p in plan]))
    assert (ot.boxes == np.array([b - a for _, a, b in plan])).all()


def test_same_seed_same_run_other_seed_other_run():
    s = load_scenario(NESTED)
    a, b, c = (Model(s, seed=k).run() for k in (7, 7, 8))
    assert np.array_equal(a.store.t_created, b.store.t_created)
    assert np.array_equal(a.store.t_delivered, b.store.t_delivered, equal_nan=True)
    assert a.store.n != c.store.n or not np.array_equal(a.store.t_created, c.store.t_created)


def test_the_kpis_sum_the_market_and_its_split():
    out = Model(load_scenario(NESTED), seed=2).run()
    K = compute(out)
    market = K[("containers_in_market", "2024", "all")]
    # 100 boxes a day over the 60 days of 2024 in the horizon, / P_ref, within the noise
    # of the candidates (Poisson, twice the volume)
    want = 60 * 100 / P_REF
    assert market == pytest.approx(want, abs=4 * math.sqrt(2 * 60 * 100) / (2 * P_REF))
    share = K[("rail_share_of_market_mean", "2024", "all")]
    assert share == pytest.approx((14 * P_RAIL_JAN + 46 * P_RAIL_LATER) / 60, abs=0.01)
    assert K[("containers_to_sea", "2024", "all")] == pytest.approx(market * (1 - share))
    assert K[("mode_headroom_days", "2024", "all")] == 0


def test_rail_above_its_headroom_takes_every_candidate_and_is_counted():
    # headroom 1: after 15 Jan P_rail / P_ref = 1.024 > 1, so every candidate comes to
    # rail, and the 46 days to the end of February are counted
    s = load_scenario(NESTED, overrides={"sea_mode.rail_headroom": 1.0})
    out = Model(s, seed=2).run()
    d = columns(next(iter(out.markets.values())).accepted, MarketDay)
    over = d.accept > 1
    assert (d.rail[over] == d.candidates[over]).all()
    assert compute(out)[("mode_headroom_days", "2024", "all")] == 46


def test_a_stated_market_gives_the_sea_constant_that_implies_it():
    s = load_scenario(NESTED, overrides={"sea_mode.market_teu": 200_000})
    c = sea_constant(s)
    assert implied_market_teu(s) == pytest.approx(200_000, rel=1e-9)
    bigger = load_scenario(NESTED, overrides={"sea_mode.market_teu": 400_000})
    assert sea_constant(bigger) > c  # a bigger market: the sea is more attractive
    out = Model(s, seed=2).run()
    assert reference_rail_share(s, "west") == pytest.approx(36_500 * 1.9 / 200_000)
    assert out.store.n > 0


@pytest.mark.parametrize("path, overrides", [
    (NESTED, {"sea_mode.market_teu": 200_000}),  # the constant by bisection
    (NESTED, {}),  # the constant given
    (HERE / "scenarios" / "toy_nested_opening.toml", {"sea_mode.market_teu": 150_000}),
    (ROOT / "calibration" / "calibrated.toml", {}),  # six flows, realistic floats
    (ROOT / "scenarios" / "no_red_sea_2024.toml", {}),  # a held market
])
def test_the_base_year_made_once_gives_the_same_constant_and_shares(path, overrides):
    # the model's build shares one BaseYear between the sea's constant and the market
    # flows' reference shares: the same floats as each made afresh, to the last bit
    s = load_scenario(path, overrides=overrides)
    base = BaseYear(s)
    c = sea_constant(s, base)
    assert c == sea_constant(s)
    for fid in competing_flows(s):
        assert reference_rail_share(s, fid, c, base) == reference_rail_share(s, fid, c)
        assert reference_rail_share(s, fid, base=base) == reference_rail_share(s, fid)
    # the market: each flow's base-year TEU over its reference share (made afresh)
    year, flows = s.demand.base_year, s.demand.flows
    want = sum(flows[f].volume(year, year) * s.demand.scale * (1 + s.demand.share_40ft)
               / reference_rail_share(s, f, c) for f in competing_flows(s))
    assert implied_market_teu(s, c, base) == pytest.approx(want, rel=1e-12)
    assert implied_market_teu(s, base=BaseYear(s)) == implied_market_teu(s, c, base)
    if path == NESTED:
        assert Model(s, seed=1).sea_constant == c


def test_market_rules_one_line_each():
    assert _errors(NESTED, {"sea_mode.market_teu": 200_000, "sea_mode.constant": 1.0}) == [
        "error: overrides: sea_mode.market_teu: give either the sea's constant or the "
        "market it is derived from, not both"]
    lines = _errors(NESTED, {"sea_mode.market_teu": 50_000})
    assert len(lines) == 1 and lines[0].startswith(
        "error: overrides: sea_mode.market_teu: no sea constant within (-60.0, 60.0) makes "
        "the implied market 50,000 TEU")
    assert _errors(NESTED, {"routes.sea.prior_transit_days": None}) == [
        "error: overrides: routes.sea.prior_transit_days: logit route choice needs an "
        "expected transit time before any journey is seen (days, > 0)"]
    with pytest.raises(ConfigError, match=r"^error: overrides: sea_mode\.rail_headroom: "
                                          r"must be >= 1 \(got 0\.5\)$"):
        load_scenario(NESTED, overrides={"sea_mode.rail_headroom": 0.5})


def test_a_stalled_route_sheds_its_share_while_stalled_and_regains_it():
    # two routes by the nested logit, learning from 20 boxes over 5 days, a day worth
    # 1,000 USD per FEU (-0.5 of utility); the second route's gate closes for 20 days in
    # February: once its oldest box under way is older than its deliveries make plausible
    # (about 9 days), the route is judged by that age, and loses its share
    s = load_scenario(NESTED_TWO, overrides={
        "route_choice.min_observations": 20, "route_choice.window_days": 5,
        "route_choice.value_of_time_usd_per_teu_day": 500,
        "timeline": [{"date": "2024-02-01", "close": "gate2", "days": 20}]})
    out = Model(s, seed=4).run()
    ot = columns(out.origin_trains, OriginTrain)
    alt = ot.route == out.route_ids.index("alt")
    cal = out.calendar

    def share(a: dt.date, b: dt.date) -> float:
        m = (ot.departed_h >= cal.hours(a)) & (ot.departed_h < cal.hours(b))
        return float(alt[m].mean())
    before = share(dt.date(2024, 1, 10), dt.date(2024, 2, 1))
    during = share(dt.date(2024, 2, 12), dt.date(2024, 2, 21))
    after = share(dt.date(2024, 3, 20), dt.date(2024, 6, 30))
    assert before > 0.2 and after > 0.2
    assert during < 0.05


def test_check_states_the_market_and_the_reference_shares(capsys):
    from sim.cli import main
    assert main(["check", str(NESTED)]) == 0
    assert (f"  market    1 flow split a market with the sea: {36_500 * 1.9 / P_REF:,.0f} TEU "
            f"in 2024, sea constant 0; rail's reference shares west {P_REF:.1%}"
            in capsys.readouterr().out)


def test_no_route_is_judged_late_in_steady_running():
    # two routes learning from their deliveries, nothing closed: the oldest train under
    # way never runs longer than the route's longest recent run by more than a day
    from sim.engine.choice import Learner
    s = load_scenario(NESTED_TWO, overrides={"route_choice.min_observations": 20,
                                             "route_choice.window_days": 5})
    m = Model(s, seed=3)
    late: list[float] = []
    for learner in m._learners.values():
        def expected(route, now, learner=learner):
            days, spread, longest = learner._learned(route, now)
            late.append(learner.stalled_days(route, now) - longest - 1.0)
            return Learner.expected(learner, route, now)
        learner.expected = expected  # type: ignore[method-assign]
    m.run()
    days = (m.cal.end_h - 0.0) / 24.0
    # read once a day per route (the market's midnight and the day's departures share it)
    assert len(late) >= 2 * days - 4 and max(late) < 0


def test_empties_on_a_market_flow_are_refused():
    assert _errors(NESTED, {"demand.flows.west.empties": {"return_share": 0.5,
                                                          "lag_days": 10}}) == [
        "error: overrides: demand.flows.west.empties: not with a flow that splits a market "
        "with the sea: its empties would follow the reference volume, not the rail boxes "
        "the choice sends"]
