"""The nested logit calibrated to fixed route shares and volumes
(sim.study.calibration.choice): the route constants against their closed form and a run,
the market factors before the base year by hand and by a run (and as the absolute
volumes they replace), the generated block a scenario file ends with (written in place,
the rest of the file kept) and the baseline's being what the fit gives today."""

import datetime as dt
import math
import tomllib

import numpy as np
import pytest

from sim.engine.facilities.demand import daily_rates
from sim.engine.logs import OriginTrain, columns
from sim.engine.model import Model
from sim.scenario.loading import load_scenario
from sim.scenario.mode_split import prior_rail_utilities, reference_rail_share, sea_constant
from sim.scenario.nested_logit import inclusive_value
from sim.scenario.problems import ConfigError
from sim.scenario.summary import describe
from sim.study.calibration.choice import (
    BEGIN,
    END,
    fit,
    fit_market_factors,
    fit_route_constants,
    main,
    market_of,
    reference_within_shares,
    split_block,
    unfitted,
    with_constants,
    write_block,
)

from .conftest import HERE, ROOT

NESTED = HERE / "scenarios" / "toy_nested.toml"
NESTED_TWO = HERE / "scenarios" / "toy_nested_two.toml"
BASELINE = ROOT / "scenarios" / "baseline.toml"
CALIBRATED = ROOT / "calibration" / "calibrated.toml"

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


def test_the_market_factor_before_the_base_year_is_the_reference_over_its_share():
    s = load_scenario(NESTED)
    f = fit_market_factors(s)
    assert list(f) == ["west"] and list(f["west"]) == [2023]
    assert f["west"][2023] == pytest.approx(P_REF / P_RAIL_2023, rel=1e-5)
    assert sea_constant(s) == 0.0  # (the toy states its constant)


def test_the_fit_ignores_the_factors_and_constants_already_given():
    s = load_scenario(NESTED_TWO, overrides=SHARES)
    fitted = with_constants(s, fit_route_constants(s))
    again = load_scenario(NESTED_TWO, overrides={
        **SHARES, "route_choice.constants": fitted.route_choice.constants})
    assert fit_route_constants(again) == pytest.approx(fit_route_constants(s), abs=1e-12)
    nested = load_scenario(NESTED)
    with_f = load_scenario(NESTED, overrides={"demand.flows.west.market_factor_by_year":
                                              {"2023": 3.0}})
    assert fit_market_factors(with_f) == fit_market_factors(nested)


def test_a_market_factor_draws_what_the_absolute_volume_it_replaces_did():
    """Before the factors, the fit wrote each year's volume as an absolute number
    (volume x factor, rounded to 0.1 box); the factor form gives the same expected boxes
    every day, and adds nothing to the other years."""
    s = load_scenario(NESTED)
    factor = fit_market_factors(s)["west"][2023]
    volume = s.demand.flows["west"].volume(2023, 2024)
    with_f = load_scenario(NESTED, overrides={"demand.flows.west.market_factor_by_year":
                                              {"2023": factor}})
    absolute = load_scenario(NESTED, overrides={"demand.flows.west.containers_by_year":
                                                {"2023": volume * factor}})
    first, n = dt.date(2023, 12, 1), 60  # December 2023 and January 2024
    got = daily_rates(with_f.demand, with_f.demand.flows["west"], first, n)
    want = daily_rates(absolute.demand, absolute.demand.flows["west"], first, n)
    assert got == pytest.approx(want, rel=1e-12)
    plain = daily_rates(s.demand, s.demand.flows["west"], first, n)
    assert (got[:31] > plain[:31] * 2).all() and (got[31:] == plain[31:]).all()


# each market flow's 2022 and 2023 rail volumes, absolute (calibrated volume x factor, to
# 0.1 box), as the fit gives them on the corridor refitted on 6 Dec 2026 (land growth
# +1.70 %/yr; with the +1.73 %/yr of 3 Dec they were 29,736.3 / 31,081.8 for xian_europe,
# the numbers calibration/choice.toml held before the factors replaced them)
OLD_ABSOLUTE = {
    "xian_europe": {2022: 29755.0, 2023: 31089.9},
    "chengdu_europe": {2022: 28276.3, 2023: 29540.3},
    "chongqing_europe": {2022: 25437.8, 2023: 26576.7},
    "zhengzhou_europe": {2022: 25348.0, 2023: 26482.9},
    "other_china_europe": {2022: 112858.9, 2023: 117912.1},
    "xian_europe_mc": {2022: 144.1, 2023: 151.9},
}


def test_the_calibrated_factors_give_the_absolute_volumes_they_replace():
    """The fit on the calibrated corridor gives the old numbers back to their rounding (and
    the up to 0.01 % the path-size term, on since, moves them); the factors it inherits from the
    baseline (fitted there, with demand.scale 1 in the sea's constant) give the same
    expected boxes each year to 10 ppm (or the rounding)."""
    s = load_scenario(CALIBRATED)
    base = s.demand.base_year
    got = {fid: {y: s.demand.flows[fid].volume(y, base) * f for y, f in by_year.items()}
           for fid, by_year in fit_market_factors(s).items()}
    assert list(got) == list(OLD_ABSOLUTE)
    for fid, by_year in OLD_ABSOLUTE.items():
        assert got[fid] == pytest.approx(by_year, rel=1e-4, abs=0.051), fid
        flow = s.demand.flows[fid]
        days = daily_rates(s.demand, flow, dt.date(2022, 1, 1), 365 + 365)
        for y, d in ((2022, days[:365]), (2023, days[365:])):
            assert d.sum() == pytest.approx(by_year[y] * s.demand.scale, rel=1e-4,
                                            abs=0.051), (fid, y)


def test_with_the_market_factor_the_warm_up_gets_the_calibrated_rail_boxes():
    s = load_scenario(NESTED)
    f = fit_market_factors(s)["west"]
    fixed = load_scenario(NESTED, overrides={"demand.flows.west.market_factor_by_year":
                                             {str(y): x for y, x in f.items()}})
    end_h = 10 * 24.0  # the warm-up: 22-31 Dec 2023
    n_fixed = n_raw = 0
    for seed in range(4):
        n_fixed += int((Model(fixed, seed=seed).run().store.t_created < end_h).sum())
        n_raw += int((Model(s, seed=seed).run().store.t_created < end_h).sum())
    want = 4 * 10 * 100.0  # the calibrated 100 boxes a day
    assert n_fixed == pytest.approx(want, abs=4 * math.sqrt(want))
    raw = want * P_RAIL_2023 / P_REF  # what the choice alone would bring: ~40 a day
    assert n_raw == pytest.approx(raw, abs=4 * math.sqrt(raw))


def test_a_market_factor_only_on_a_flow_the_sea_competes_for_before_the_base_year():
    with pytest.raises(ConfigError, match=r"\Aerror: overrides: demand\.flows\.west\."
                       r"market_factor_by_year: only for a flow the sea competes for "
                       r"\(route_choice\.model = 'nested_logit' with a \[sea_mode\] "
                       r"covering its regions\)\Z"):
        load_scenario(NESTED, overrides={"route_choice.model": "shares",
                                         "route_choice.nest_scale": 1.0,
                                         "route_choice.value_of_time_usd_per_teu_day": None,
                                         "demand.flows.west.market_factor_by_year":
                                         {"2023": 1.1}})
    with pytest.raises(ConfigError, match=r"\Aerror: overrides: demand\.flows\.west\."
                       r"market_factor_by_year\.2024: only for years before the base year "
                       r"2024 \(its volume is the rail volume at reference conditions\)\Z"):
        load_scenario(NESTED, overrides={"demand.flows.west.market_factor_by_year":
                                         {"2023": 1.1, "2024": 1.0}})
    with pytest.raises(ConfigError, match=r"\Aerror: overrides: demand\.flows\.west\."
                       r"market_factor_by_year\.2023: must be <= 10 \(got 11\)\Z"):
        load_scenario(NESTED, overrides={"demand.flows.west.market_factor_by_year":
                                         {"2023": 11}})


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


def _written(path):
    """The constants and the market factors of a scenario file's generated block."""
    _, block = split_block(path.read_text(encoding="utf-8"), path.name)
    assert block is not None, f"{path.name} has no generated block"
    data = tomllib.loads(block)
    factors = {fid: {int(y): x for y, x in flow["market_factor_by_year"].items()}
               for fid, flow in data.get("demand", {}).get("flows", {}).items()}
    return data["route_choice"]["constants"], factors


BLOCKS = sorted(p for folder in ("scenarios", "calibration")
                for p in (ROOT / folder).glob("*.toml")
                if BEGIN in p.read_text(encoding="utf-8"))


def test_the_baseline_holds_the_fitted_choice():
    assert BASELINE in BLOCKS
    s = load_scenario(BASELINE)
    assert s.route_choice.model == "nested_logit" and s.sea_mode is not None
    for fid, flow in s.demand.flows.items():
        if len(flow.routes) > 1:
            assert reference_within_shares(s, fid) == pytest.approx(
                list(flow.routes.values()), abs=1e-9), fid
    # the run covers September 2022 (warm-up) to 2024; the base year is 2024
    assert s.horizon.start - dt.timedelta(days=s.horizon.warmup_days) < \
        dt.date(2023, 1, 1) and s.demand.base_year == 2024
    assert np.isfinite(sea_constant(s))
    # what `corridor check` says of it
    choice = [line for line in describe(s).splitlines() if line.startswith("  choice ")]
    assert choice and choice[0].split(None, 1)[1].startswith(
        "nested logit (rail nest mu=0.65, sea alternative with 23 dated rates)")
    assert choice[0].endswith(", path size (track outside china), re-quoted every 7 days")


@pytest.mark.parametrize("path", BLOCKS, ids=[p.stem for p in BLOCKS])
def test_a_generated_block_is_what_the_fit_gives_today(path):
    """A scenario's generated block is written by the fit, not typed: after a change to the
    choice's priors, the routes or the sea, rewrite it (its first line says how)."""
    f = fit(unfitted(path))
    constants, factors = _written(path)
    stale = f"{path.name}'s generated block is stale: rewrite it (see its first line)"
    assert constants == pytest.approx(f.constants, abs=1e-8), stale
    assert factors == {fid: pytest.approx(by_year, rel=1e-9)
                       for fid, by_year in f.factors.items() if by_year}, stale


def test_the_fit_is_the_same_with_its_block_or_without():
    with_block, without = fit(load_scenario(BASELINE)), fit(unfitted(BASELINE))
    assert unfitted(BASELINE).route_choice.constants == {}
    assert with_block.constants == pytest.approx(without.constants, abs=1e-12)
    assert all(with_block.factors[f] == pytest.approx(without.factors[f], rel=1e-13)
               for f in without.factors) and list(with_block.factors) == list(without.factors)
    assert with_block.sea_constant == without.sea_constant


def test_growth_2030_needs_no_block_of_its_own():
    """Its base year is the baseline's, so are its routes' priors and its base-year costs:
    the same constants; its run starts in the base year: no factor."""
    f = fit(load_scenario(ROOT / "scenarios" / "growth_2030.toml"))
    constants, _ = _written(BASELINE)
    assert f.constants == pytest.approx(constants, abs=1e-8)
    assert not any(f.factors.values())


def _toy_folder(tmp_path):
    for name in ("toy.toml", "toy_two_routes.toml", "toy_nested_two.toml"):
        (tmp_path / name).write_text((HERE / "scenarios" / name).read_text(encoding="utf-8"),
                                     encoding="utf-8")
    path = tmp_path / "mine.toml"
    path.write_text('# my scenario\nextends = "toy_nested_two.toml"\nname = "mine"\n\n'
                    '[demand.flows.west]\nroutes = { main = 0.7, alt = 0.3 }\n\n\n',
                    encoding="utf-8")
    return path


def test_write_appends_the_block_then_rewrites_it_keeping_the_rest(tmp_path):
    path = _toy_folder(tmp_path)
    head = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    write_block(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(head + BEGIN) and text.endswith(END + "\n")
    s = load_scenario(path)
    assert reference_within_shares(s, "west") == pytest.approx([0.7, 0.3], abs=1e-9)
    # a change above the block: the block is rewritten, the rest kept byte for byte
    edited = text.replace("main = 0.7, alt = 0.3", "main = 0.4, alt = 0.6")
    path.write_text(edited, encoding="utf-8")
    write_block(path)
    again = path.read_text(encoding="utf-8")
    assert again.startswith(edited[:edited.index(BEGIN)])
    assert reference_within_shares(load_scenario(path), "west") == pytest.approx(
        [0.4, 0.6], abs=1e-9)
    write_block(path)
    assert path.read_text(encoding="utf-8") == again  # the fit ignores its own block
    assert main(["--write", str(path)]) == 0 and path.read_text(encoding="utf-8") == again


def test_a_block_must_end_the_file(tmp_path):
    path = _toy_folder(tmp_path)
    write_block(path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n[horizon]\nwarmup_days = 5\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"mine\.toml: text after the generated block "
                       r"\(line \d+\); the block must end the file"):
        write_block(path)
    path.write_text(text.replace(END + "\n", ""), encoding="utf-8")
    with pytest.raises(ValueError, match=r"mine\.toml: the generated block of line \d+ has "
                       r"no '# --- END generated ---' line"):
        write_block(path)


# ----- a counterfactual holds the factual's market (sea_mode.held_market) --------------
SUEZ_ALL_YEAR = [{"date": dt.date(2023, 12, 1), "door_to_door_days": 35, "usd_per_feu": 1500}]


def test_a_held_market_gives_its_constant_and_shares():
    held = {"constant": 0.7, "rail_shares": {"west": 0.25}}
    s = load_scenario(NESTED, overrides={"sea_mode.held_market": held})
    assert sea_constant(s) == 0.7
    assert reference_rail_share(s, "west") == 0.25
    assert market_of(s) == (0.7, {"west": 0.25})


def test_a_held_market_names_every_competing_flow_and_no_other_one_line_each():
    with pytest.raises(ConfigError) as e:
        load_scenario(NESTED, overrides={"sea_mode.held_market": {
            "constant": 0.0, "rail_shares": {"wset": 0.5}}})
    assert str(e.value).splitlines() == [
        "error: overrides: sea_mode.held_market.rail_shares.wset: not a flow the sea competes "
        "for (did you mean 'west'?)",
        "error: overrides: sea_mode.held_market.rail_shares: no share for west, a flow the "
        "sea competes for"]
    with pytest.raises(ConfigError) as e:
        load_scenario(NESTED, overrides={"sea_mode.held_market": {
            "constant": 0.0, "rail_shares": {"west": 1.0}}})
    assert str(e.value).splitlines() == [
        "error: overrides: sea_mode.held_market.rail_shares.west: a rail share must be in "
        "(0, 1) (got 1)"]


def _rail_boxes_to_14_jan(s, seed):
    """Rail boxes created 1-14 January 2024 (before the toy's first boxes are under way
    longer than their prior makes plausible, so P_rail is the hand-worked one)."""
    out = Model(s, seed=seed).run()
    t, a = out.store.t_created, out.calendar.start_h
    return int(((t >= a) & (t < a + 14 * 24.0)).sum())


def test_a_counterfactual_of_the_base_year_moves_rail_only_with_the_market_held():
    """toy_nested without its mid-January rate rise (the sea at 1,500 USD and 35 days all
    2024, P_rail = 1 - 0.779886 every day). With its own reference conditions the
    counterfactual implies a market of its own and keeps the 100 boxes a day; holding the
    factual's market it gets 100 x P_rail / P_ref a day, and until 14 January, when
    nothing differs yet, exactly the factual's boxes."""
    factual = load_scenario(NESTED)
    c, shares = market_of(factual)
    assert shares["west"] == pytest.approx(P_REF, abs=1e-6)
    own = load_scenario(NESTED, overrides={"sea_mode.rates": SUEZ_ALL_YEAR})
    held = load_scenario(NESTED, overrides={"sea_mode.rates": SUEZ_ALL_YEAR,
                                            "sea_mode.held_market": {
                                                "constant": c, "rail_shares": shares}})
    seeds = (0, 1, 2)
    n_held = [_rail_boxes_to_14_jan(held, k) for k in seeds]
    assert n_held == [_rail_boxes_to_14_jan(factual, k) for k in seeds]
    want_own = len(seeds) * 14 * 100.0
    want_held = want_own * (1 - 0.779886) / P_REF
    assert sum(n_held) == pytest.approx(want_held, abs=4 * math.sqrt(want_held))
    n_own = sum(_rail_boxes_to_14_jan(own, k) for k in seeds)
    assert n_own == pytest.approx(want_own, abs=4 * math.sqrt(want_own))


@pytest.mark.parametrize("factual, counterfactual", [("red_sea_2024", "no_red_sea_2024"),
                                                     ("growth_2030", "sea_rates_fall")])
def test_a_counterfactual_holds_its_factuals_market_as_it_is_today(factual, counterfactual):
    """A counterfactual's [sea_mode.held_market] is written by the fit from its factual
    (the line above it says how): regenerate it after a change to either."""
    c, shares = market_of(load_scenario(ROOT / "scenarios" / f"{factual}.toml"))
    held = load_scenario(ROOT / "scenarios" / f"{counterfactual}.toml").sea_mode.held_market
    stale = f"{counterfactual}'s held market is stale: regenerate it (see the line above it)"
    assert held is not None and held.constant == pytest.approx(c, abs=1e-7), stale
    assert held.rail_shares == pytest.approx(shares, rel=1e-8), stale
