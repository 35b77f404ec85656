"""The nested logit of rail against the sea: closed-form properties of the arithmetic."""

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.engine.choice import logit_probabilities
from sim.engine.logs import OriginTrain, SeaChoice, columns
from sim.engine.model import Model
from sim.measure.kpis import compute
from sim.scenario.loading import load_scenario
from sim.scenario.nested_logit import (
    beta_time_per_day,
    inclusive_value,
    nested_shares,
    utilities,
)
from sim.scenario.problems import ConfigError

from .conftest import HERE, child_writer, expect_errors


def test_hand_worked_case():
    # two rail routes at V = 0, the sea at 0, mu = 0.5: I = 0.5 log 2, so
    # P(rail) = sqrt(2) / (sqrt(2) + 1)
    p = nested_shares(np.array([0.0, 0.0]), 0.0, 0.5)
    assert float(p.rail) == pytest.approx(math.sqrt(2) / (math.sqrt(2) + 1))
    assert p.within_rail == pytest.approx([0.5, 0.5])
    assert p.route == pytest.approx([p.rail / 2, p.rail / 2])
    assert float(inclusive_value(np.array([0.0, 0.0]), 0.5)) == pytest.approx(0.5 * math.log(2))


def test_mu_one_is_the_multinomial_logit_over_all_alternatives():
    rng = np.random.default_rng(1)
    for _ in range(20):
        v = rng.normal(0, 2, 4)
        sea = rng.normal(0, 2)
        p = nested_shares(v, sea, 1.0)
        mnl = logit_probabilities(np.append(v, sea))
        assert np.append(p.route, p.sea) == pytest.approx(mnl, rel=1e-12, abs=1e-15)


def test_identical_routes_with_small_mu_act_as_one_route():
    # red bus / blue bus: a copy of a route takes nothing from the sea as mu -> 0
    one = nested_shares(np.array([-1.0]), 0.0, 1.0)
    for mu, tol in ((0.01, 0.01), (1e-4, 1e-4)):
        two = nested_shares(np.array([-1.0, -1.0]), 0.0, mu)
        assert float(two.sea) == pytest.approx(float(one.sea), abs=tol)
        assert two.within_rail == pytest.approx([0.5, 0.5])
    # while the MNL (mu = 1) lets the copy draw from the sea
    mnl = nested_shares(np.array([-1.0, -1.0]), 0.0, 1.0)
    assert float(mnl.sea) < float(one.sea) - 0.1


def test_shares_sum_to_one_and_broadcast_over_leading_axes():
    rng = np.random.default_rng(2)
    v = rng.normal(0, 3, (5, 7, 3))
    sea = rng.normal(0, 3, (5, 7))
    for mu in (0.05, 0.3, 1.0):
        p = nested_shares(v, sea, mu)
        assert p.route.shape == (5, 7, 3) and p.sea.shape == (5, 7)
        assert p.route.sum(axis=-1) + p.sea == pytest.approx(np.ones((5, 7)))
        assert p.within_rail.sum(axis=-1) == pytest.approx(np.ones((5, 7)))
        assert (p.route >= 0).all() and (p.sea >= 0).all()
    # extreme utilities neither overflow nor lose the sum
    p = nested_shares(np.array([800.0, -800.0]), -900.0, 0.1)
    assert np.isfinite(p.route).all() and float(p.sea) + p.route.sum() == pytest.approx(1.0)


def test_a_route_loses_share_when_its_time_rises():
    kw = dict(beta_cost_per_kusd=-0.5, vot_usd_per_teu_day=25.0, beta_unreliability_per_day=-0.2)
    sea = utilities(0.0, 45.0, 3000.0, 0.0, **kw)
    prev = None
    for days in np.linspace(10, 60, 11):
        v = utilities(np.array([0.5, 0.5]), np.array([days, 20.0]), np.array([6000.0, 6000.0]),
                      np.array([2.0, 2.0]), **kw)
        p = nested_shares(v, sea, 0.5)
        if prev is not None:
            assert p.route[0] < prev.route[0]  # the slowed route loses
            assert p.route[1] > prev.route[1] and p.sea > prev.sea  # the others gain
        prev = p


def test_time_coefficient_is_cost_coefficient_times_value_of_time():
    # a day at 25 USD/TEU-day costs 50 USD per FEU: -0.5 / kUSD x 0.05 kUSD
    assert beta_time_per_day(-0.5, 25.0) == pytest.approx(-0.025)
    a = utilities(0.0, 11.0, 2000.0, 0.0, -0.5, 25.0, 0.0)
    b = utilities(0.0, 10.0, 2050.0, 0.0, -0.5, 25.0, 0.0)
    assert float(a) == pytest.approx(float(b))


def test_elasticity_of_the_sea_share_to_its_cost():
    beta, vot, mu = -0.6, 25.0, 0.4
    v_rail = utilities(np.array([0.3, 0.0]), np.array([18.0, 25.0]),
                       np.array([6500.0, 5200.0]), 0.0, beta, vot, 0.0)

    def p_sea(cost):
        return float(nested_shares(v_rail, utilities(-0.2, 40.0, cost, 0.0, beta, vot, 0.0),
                                   mu).sea)
    cost, h = 3500.0, 1e-3
    numeric = (math.log(p_sea(cost + h)) - math.log(p_sea(cost - h))) / \
        (math.log(cost + h) - math.log(cost - h))
    closed = beta / 1000.0 * cost * (1 - p_sea(cost))
    assert numeric == pytest.approx(closed, rel=1e-6)


def test_nest_scale_outside_bounds_is_refused():
    with pytest.raises(ValueError):
        nested_shares(np.array([0.0]), 0.0, 0.0)
    with pytest.raises(ValueError):
        nested_shares(np.array([0.0]), 0.0, 1.5)


NESTED = HERE / "scenarios" / "toy_nested.toml"
COSTS = HERE / "scenarios" / "toy_costs.toml"
NESTED_TWO = HERE / "scenarios" / "toy_nested_two.toml"


def _errors(path, overrides):
    with pytest.raises(ConfigError) as e:
        load_scenario(path, overrides=overrides)
    return str(e.value).splitlines()


def test_the_sea_mode_is_a_step_series_by_date():
    sm = load_scenario(NESTED).sea_mode
    assert sm is not None
    assert sm.at(dt.date(2023, 11, 1)).usd_per_feu == 1500  # before the first: the first
    assert sm.at(dt.date(2024, 1, 14)).door_to_door_days == 35
    assert sm.at(dt.date(2024, 1, 15)).door_to_door_days == 47
    assert sm.at(dt.date(2030, 1, 1)).note == "Cape"


def test_nested_logit_needs_costs_sea_and_a_value_of_time():
    assert _errors(COSTS, {"route_choice.model": "nested_logit"}) == [
        "error: tests/scenarios/toy_sea.toml: routes.sea.prior_transit_days: logit route "
        "choice needs an expected transit time before any journey is seen (days, > 0)",
        "error: overrides: route_choice.model: nested_logit needs a [sea_mode] table (the "
        "sea alternative)",
        "error: overrides: route_choice.value_of_time_usd_per_teu_day: nested_logit needs a "
        "value of time (USD per TEU-day, > 0)"]
    assert _errors(NESTED, {"costs": None}) == [
        "error: tests/scenarios/toy_nested.toml: route_choice.model: nested_logit needs a "
        "[costs] table (the rail "
        "routes' tariffs per FEU)"]


def test_sea_mode_and_nest_scale_are_validated_one_line_each():
    rates = [{"date": dt.date(2024, 1, 2), "door_to_door_days": 35, "usd_per_feu": 1500},
             {"date": dt.date(2024, 1, 2), "door_to_door_days": 40, "usd_per_feu": 1600},
             {"date": dt.date(2024, 1, 1), "door_to_door_days": 40, "usd_per_feu": 1600}]
    assert _errors(NESTED, {"sea_mode.rates": rates,
                            "route_choice.constants": {"see": 0.5}}) == [
        "error: overrides: route_choice.constants.see: unknown route 'see' (did you mean "
        "'sea'?)",
        "error: overrides: sea_mode.rates[0].date: 2024-01-02 is after the horizon's start "
        "2024-01-01; the first rate must hold from it",
        "error: overrides: sea_mode.rates[1].date: 2024-01-02 is not after the previous "
        "rate's 2024-01-02 (rates in date order, one per date)",
        "error: overrides: sea_mode.rates[2].date: 2024-01-01 is not after the previous "
        "rate's 2024-01-02 (rates in date order, one per date)"]
    bad = _errors(NESTED, {"route_choice.nest_scale": 0, "sea_mode.rates": [
        {"date": dt.date(2024, 1, 1), "door_to_door_days": 35, "usd_per_feu": 1500},
        {"date": dt.date(2024, 1, 2), "door_to_door_days": 40, "usd_per_feu": -5}]})
    assert len(bad) == 2
    assert bad[0].startswith("error: overrides: route_choice.nest_scale: ")
    assert bad[1] == "error: overrides: sea_mode.rates[1].usd_per_feu: must be > 0 (got -5)"
    assert len(_errors(NESTED, {"route_choice.nest_scale": 1.2})) == 1


def test_check_names_the_nested_logit(capsys):
    assert main(["check", str(NESTED)]) == 0
    assert ("  choice    nested logit (rail nest mu=0.5, sea alternative with 2 dated rates), "
            "value of time 25 USD/TEU-day, -0.5/kUSD") in capsys.readouterr().out


def test_each_train_logs_the_hand_worked_sea_probability_and_the_kpi_averages_them():
    out = Model(load_scenario(NESTED), seed=2).run()
    ot = columns(out.origin_trains, OriginTrain)
    log = columns(out.sea_choices, SeaChoice)
    assert len(log.p_sea) == len(ot.departed_h) > 10
    assert (log.departed_h == ot.departed_h).all()
    assert (ot.route == out.route_ids.index("sea")).all()
    cal = out.calendar
    t = log.departed_h
    want = np.where(t < cal.hours(dt.date(2024, 1, 1)), 0.772942,
                    np.where(t < cal.hours(dt.date(2024, 1, 15)), 0.779886, 0.429228))
    assert log.p_sea == pytest.approx(want, abs=1e-6)
    K = compute(out)
    in_2024 = t >= cal.start_h
    assert K[("sea_share_predicted_mean", "2024", "west")] == pytest.approx(
        want[in_2024 & (t < cal.end_h)].mean())


def test_off_by_default_no_sea_log_and_no_kpi():
    out = Model(load_scenario(COSTS), seed=2).run()
    assert out.sea_choices == []
    assert not [k for k in compute(out) if k[0] == "sea_share_predicted_mean"]


@pytest.mark.parametrize("mu, p_alt", [(0.5, 1 / (1 + math.exp(1.0))),
                                       (1.0, 1 / (1 + math.exp(0.5)))])
def test_trains_take_the_rail_routes_by_their_probability_within_the_nest(mu, p_alt):
    s = load_scenario(NESTED_TWO, overrides={"route_choice.nest_scale": mu})
    out = Model(s, seed=5).run()
    ot = columns(out.origin_trains, OriginTrain)
    share = float((ot.route == out.route_ids.index("alt")).mean())
    n = len(ot.route)
    assert n > 900
    assert share == pytest.approx(p_alt, abs=4 * math.sqrt(p_alt * (1 - p_alt) / n))
    # P(sea) from the closed form: V_main = -0.5 x 3.5 - 0.025 x 8, V_alt 1 kUSD dearer,
    # V_sea = -0.5 x 2.0 - 0.025 x 35
    want = nested_shares(np.array([-1.95, -2.45]), -1.875, mu).sea
    assert columns(out.sea_choices, SeaChoice).p_sea == pytest.approx(
        np.full(n, float(want)))


def test_the_baseline_sea_mode_for_china_to_northern_europe_is_the_cited_series():
    """The baseline's [sea_mode] (docs/architecture.md points to it): door to door 46 days
    via Suez to the end of 2023 and 58 via the Cape from 2024, the WCI weeks, the first
    holding from the warm-up's start and the last (5 Dec 2024) held after it."""
    s = load_scenario(HERE.parent / "scenarios" / "baseline.toml")
    sm = s.sea_mode
    assert sm is not None and s.route_choice.model == "nested_logit"  # the choice is on
    warmup_start = s.horizon.start - dt.timedelta(days=s.horizon.warmup_days)
    assert sm.rates[0].date <= warmup_start
    assert sm.at(warmup_start).usd_per_feu == 8010
    assert sm.at(dt.date(2023, 12, 31)).door_to_door_days == 46
    assert sm.at(dt.date(2024, 1, 1)).door_to_door_days == 58
    assert sm.at(dt.date(2024, 7, 1)).usd_per_feu == 7322
    assert sm.at(dt.date(2025, 6, 1)) == sm.rates[-1]
    assert sm.rates[-1].date == dt.date(2024, 12, 5) and sm.rates[-1].usd_per_feu == 4775
    assert sm.unreliability_days == pytest.approx(10.5)


def test_the_sea_competes_only_for_the_flows_between_its_regions():
    s = load_scenario(NESTED, overrides={"sea_mode.origin_regions": ["kazakhstan"]})
    out = Model(s, seed=2).run()
    assert out.sea_choices == [] and len(out.origin_trains) > 10
    assert not [k for k in compute(out) if k[0] == "sea_share_predicted_mean"]
    assert _errors(NESTED, {"sea_mode.destination_regions": ["europa"]}) == [
        "error: overrides: sea_mode.destination_regions[0]: unknown region 'europa' (did you "
        "mean 'europe'?)"]


def test_nested_logit_fields_set_for_another_model_are_refused():
    """nest_scale (not 1) and the value of time count only in the nested logit: set for
    another model, each is an error naming the file that set it (here the scenario, the
    model changed by an override)."""
    unused = "only used with model = 'nested_logit' (the model is '{}')"
    for model in ("logit", "shares"):
        assert _errors(NESTED, {"route_choice.model": model}) == [
            f"error: tests/scenarios/toy_nested.toml: route_choice.{field}: "
            + unused.format(model)
            for field in ("nest_scale", "value_of_time_usd_per_teu_day")]
    assert _errors(NESTED_TWO, {"route_choice.model": "logit",
                                "route_choice.value_of_time_usd_per_teu_day": None}) == [
        "error: tests/scenarios/toy_nested_two.toml: route_choice.nest_scale: "
        + unused.format("logit")]


def test_nested_logit_with_a_cost_coefficient_of_zero_is_refused():
    assert _errors(NESTED, {"route_choice.tariff_per_kusd": 0}) == [
        "error: overrides: route_choice.tariff_per_kusd: nested_logit needs a cost "
        "coefficient < 0: at 0 neither the cost nor the time (valued through it) would "
        "count"]


def test_a_problem_a_parent_wrote_names_the_parent(tmp_path, monkeypatch):
    """A child of a child of toy_nested: the problems are reported against the file
    where each field was written (the grandparent, the parent), not the child loaded."""
    child_writer(tmp_path, monkeypatch, "toy_nested.toml",
                 needs=("toy.toml", "toy_sea.toml", "toy_costs.toml"))

    def child(text: str) -> Path:
        path = tmp_path / "child.toml"
        path.write_text('extends = "parent.toml"\n' + text, encoding="utf-8")
        return path
    (tmp_path / "parent.toml").write_text(
        'extends = "toy_nested.toml"\nname = "parent"\n'
        '[route_choice]\nmodel = "shares"\ntariff_per_kusd = 0\n', encoding="utf-8")
    unused = "only used with model = 'nested_logit' (the model is 'shares')"
    expect_errors(child('name = "child"\n'), [
        f"toy_nested.toml: route_choice.nest_scale: {unused}",
        f"toy_nested.toml: route_choice.value_of_time_usd_per_teu_day: {unused}"])
    (tmp_path / "parent.toml").write_text(
        'extends = "toy_nested.toml"\nname = "parent"\n'
        '[route_choice]\ntariff_per_kusd = 0\n', encoding="utf-8")
    expect_errors(child('name = "child"\n'), [
        "parent.toml: route_choice.tariff_per_kusd: nested_logit needs a cost coefficient "
        "< 0: at 0 neither the cost nor the time (valued through it) would count"])


def test_a_sea_rate_may_carry_its_own_unreliability():
    # toy_nested: from 15 Jan the sea's utility is -3.175 with no unreliability; with 10
    # days of p95 - p50 on that rate (-0.2 a day) it is -5.175, against rail's -2.89:
    # P(sea) = 1 / (1 + exp(-2.89 + 5.175)); the first rate keeps the table's 0
    rates = [{"date": "2023-12-01", "door_to_door_days": 35, "usd_per_feu": 1500},
             {"date": "2024-01-15", "door_to_door_days": 47, "usd_per_feu": 4000,
              "unreliability_days": 10}]
    s = load_scenario(NESTED, overrides={"sea_mode.rates": rates})
    assert s.sea_mode.unreliability(s.sea_mode.rates[0]) == 0.0
    out = Model(s, seed=2).run()
    log = columns(out.sea_choices, SeaChoice)
    late = log.departed_h >= out.calendar.hours(dt.date(2024, 1, 15))
    assert late.sum() > 10
    assert log.p_sea[late] == pytest.approx(1 / (1 + math.exp(-2.89 + 5.175)), abs=1e-6)
    assert _errors(NESTED, {"sea_mode.rates": [{**rates[0], "unreliability_days": -1}]}) == [
        "error: overrides: sea_mode.rates[0].unreliability_days: must be >= 0 (got -1)"]
