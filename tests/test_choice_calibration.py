"""The nested logit calibrated to fixed route shares and volumes
(sim.study.calibration.choice): the route constants against their closed form and a run,
the volumes before the base year by hand and by a run, and calibration/choice.toml being
what the fit gives today."""

import datetime as dt
import math
import tomllib

import numpy as np
import pytest

from sim.engine.logs import OriginTrain, columns
from sim.engine.model import Model
from sim.scenario.loading import load_scenario
from sim.scenario.mode_split import prior_rail_utilities, reference_rail_share, sea_constant
from sim.scenario.nested_logit import inclusive_value
from sim.study.calibration.choice import (
    fit_route_constants,
    main,
    reference_within_shares,
    volumes_before_base_year,
    with_constants,
)

from .conftest import HERE, ROOT

NESTED = HERE / "scenarios" / "toy_nested.toml"
NESTED_TWO = HERE / "scenarios" / "toy_nested_two.toml"
PRIORS = ROOT / "calibration" / "choice_priors.toml"
CHOICE = ROOT / "calibration" / "choice.toml"

# toy_nested_two: main 3,500 USD per FEU, alt 4,500, equal priors, tariff -0.5, mu 0.5
SHARES = {"demand.flows.west.routes": {"main": 0.6, "alt": 0.4}}


def test_the_constants_are_the_closed_form_and_give_the_shares_back():
    s = load_scenario(NESTED_TWO, overrides=SHARES)
    c = fit_route_constants(s)
    # V_alt - V_main = -0.5 without constants; within the nest the difference over mu is
    # log(0.4 / 0.6): c_alt - c_main = 0.5 log(2/3) + 0.5
    assert c["west:alt"] - c["west:main"] == pytest.approx(0.5 * math.log(2 / 3) + 0.5,
                                                           abs=1e-12)
    fitted = with_constants(s, c)
    assert reference_within_shares(fitted, "west") == pytest.approx([0.6, 0.4], abs=1e-12)
    # normalised: the nest's inclusive value is the one without constants
    v0 = prior_rail_utilities(s, "west", 2024)
    v1 = prior_rail_utilities(fitted, "west", 2024)
    assert float(inclusive_value(v1, 0.5)) == pytest.approx(float(inclusive_value(v0, 0.5)),
                                                            abs=1e-12)
    assert reference_rail_share(fitted, "west") == pytest.approx(
        reference_rail_share(s, "west"), abs=1e-12)


def test_a_flows_own_constants_replace_the_routes_in_the_fit():
    s = load_scenario(NESTED_TWO, overrides={**SHARES, "route_choice.constants": {
        "alt": 3.0, "west:main": -2.0}})
    fitted = with_constants(s, fit_route_constants(s))
    assert reference_within_shares(fitted, "west") == pytest.approx([0.6, 0.4], abs=1e-12)


def test_a_route_with_no_share_cannot_be_fitted():
    s = load_scenario(NESTED_TWO, overrides={"demand.flows.west.routes": {"main": 1.0,
                                                                          "alt": 0.0}})
    with pytest.raises(ValueError, match=r"demand.flows.west.routes: a share of 0 \(alt\)"):
        fit_route_constants(s)


def test_with_the_fitted_constants_the_trains_take_the_calibrated_shares():
    s = load_scenario(NESTED_TWO, overrides=SHARES)
    fitted = with_constants(s, fit_route_constants(s))
    alt, n = 0, 0
    for seed in (1, 2):
        out = Model(fitted, seed=seed).run()
        ot = columns(out.origin_trains, OriginTrain)
        alt += int((ot.route == out.route_ids.index("alt")).sum())
        n += len(ot.route)
    assert n > 1800
    assert alt / n == pytest.approx(0.4, abs=4 * math.sqrt(0.24 / n))
    # without them the costs decide: 1 / (1 + exp(0.5 x 1.0 / 0.5)) = 0.269
    out = Model(s, seed=1).run()
    ot = columns(out.origin_trains, OriginTrain)
    assert float((ot.route == out.route_ids.index("alt")).mean()) < 0.4 - 0.08


# toy_nested: one route; the warm-up's ten days (22-31 Dec 2023) pay the 2023 rail cost,
# V_rail = -0.5 x 3.9 - 0.025 x 20 - 0.2 x 2 = -2.85 against the sea's -1.625:
# P_rail = 1 - 0.772942; the base year's reference share as in tests/test_market.py
P_RAIL_2023 = 1 - 0.772942
P_REF = (14 * (1 - 0.779886) + 352 * (1 - 0.429228)) / 366


def test_the_volume_before_the_base_year_is_rescaled_by_the_reference_over_its_share():
    s = load_scenario(NESTED)
    v = volumes_before_base_year(s)
    assert list(v) == ["west"] and list(v["west"]) == [2023]
    want = s.demand.flows["west"].volume(2023, 2024) * P_REF / P_RAIL_2023
    assert v["west"][2023] == pytest.approx(want, rel=1e-5)
    assert sea_constant(s) == 0.0  # (the toy states its constant)


def test_with_the_rescaled_volume_the_warm_up_gets_the_calibrated_rail_boxes():
    s = load_scenario(NESTED)
    v = volumes_before_base_year(s)["west"]
    fixed = load_scenario(NESTED, overrides={"demand.flows.west.containers_by_year":
                                             {str(y): x for y, x in v.items()}})
    end_h = 10 * 24.0  # the warm-up: 22-31 Dec 2023
    n_fixed = n_raw = 0
    for seed in range(4):
        n_fixed += int((Model(fixed, seed=seed).run().store.t_created < end_h).sum())
        n_raw += int((Model(s, seed=seed).run().store.t_created < end_h).sum())
    want = 4 * 10 * 100.0  # the calibrated 100 boxes a day
    assert n_fixed == pytest.approx(want, abs=4 * math.sqrt(want))
    raw = want * P_RAIL_2023 / P_REF  # what the choice alone would bring: ~40 a day
    assert n_raw == pytest.approx(raw, abs=4 * math.sqrt(raw))


def test_the_script_writes_a_scenario_that_loads_with_the_fit(tmp_path, capsys, monkeypatch):
    text = (HERE / "scenarios" / "toy_nested_two.toml").read_text(encoding="utf-8")
    for name in ("toy.toml", "toy_two_routes.toml"):
        (tmp_path / name).write_text((HERE / "scenarios" / name).read_text(encoding="utf-8"),
                                     encoding="utf-8")
    (tmp_path / "priors.toml").write_text(
        text + '\n[demand.flows.west]\nroutes = { main = 0.7, alt = 0.3 }\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["priors.toml"]) == 0
    (tmp_path / "fitted.toml").write_text(capsys.readouterr().out, encoding="utf-8")
    fitted = load_scenario(tmp_path / "fitted.toml")
    assert reference_within_shares(fitted, "west") == pytest.approx([0.7, 0.3], abs=1e-9)


def test_calibration_choice_toml_is_what_the_fit_gives_today():
    """calibration/choice.toml is written by the fit, not typed: after a change to its
    priors or to the calibrated corridor, regenerate it (its first line says how)."""
    priors = load_scenario(PRIORS)
    constants = fit_route_constants(priors)
    volumes = volumes_before_base_year(with_constants(priors, constants))
    stale = "calibration/choice.toml is stale: regenerate it (see its first line)"
    written = tomllib.loads(CHOICE.read_text(encoding="utf-8"))
    assert written["route_choice"]["constants"] == pytest.approx(constants, abs=1e-8), stale
    for fid, by_year in volumes.items():
        got = written["demand"]["flows"][fid]["containers_by_year"]
        assert {int(y): x for y, x in got.items()} == pytest.approx(by_year, abs=0.051), stale
    choice = load_scenario(CHOICE)
    for fid, flow in choice.demand.flows.items():
        if len(flow.routes) > 1:
            assert reference_within_shares(choice, fid) == pytest.approx(
                list(flow.routes.values()), abs=1e-9)
    # the run covers September 2022 (warm-up) to 2024; the base year is 2024
    assert choice.horizon.start - dt.timedelta(days=choice.horizon.warmup_days) < \
        dt.date(2023, 1, 1) and choice.demand.base_year == 2024
    assert np.isfinite(sea_constant(choice))
