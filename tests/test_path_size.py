"""The path-size term of the rail nest (sim.scenario.path_size): a route that duplicates
another adds nothing to rail's share; partly shared track counts by its length."""

import math

import numpy as np
import pytest

from sim.engine.model import Model
from sim.engine.routing import NestedChoice
from sim.scenario.loading import load_scenario
from sim.scenario.mode_split import mean_rail_share
from sim.scenario.path_size import PathSize
from sim.scenario.problems import ConfigError

from .conftest import HERE

NESTED_TWO = HERE / "scenarios" / "toy_nested_two.toml"
# a third route through 'gate' exactly as 'main' (the same links, costs and prior)
TWIN = {"routes.twin": {"corridor": "northern", "path": ["gate"], "prior_transit_days": 8,
                        "tariff_usd_per_feu": 3000},
        "demand.flows.west.routes": {"main": 0.25, "alt": 0.5, "twin": 0.25}}


def test_routes_sharing_everything_have_path_size_one_over_k_and_separate_ones_one():
    s = load_scenario(NESTED_TWO, overrides={**TWIN, "route_choice.path_size": True})
    ps = PathSize(s, "west")  # main, alt, twin
    np.testing.assert_allclose(ps.ln_ps(), [math.log(0.5), 0.0, math.log(0.5)], atol=1e-12)
    # with the twin not on offer, main stands alone again
    np.testing.assert_allclose(ps.ln_ps(np.array([True, True, False])), [0.0, 0.0, 0.0],
                               atol=1e-12)


def test_partly_shared_track_counts_by_its_length():
    """Routes over segments A (2,000 km), B (4,000), C (2,000), D (4,000), E (100): main =
    A + B, alt = C + D, mix = A + E + D. By hand: PS_main = 2000/6000 / 2 + 4000/6000 =
    5/6, PS_alt = 2000/6000 + 4000/6000 / 2 = 2/3, PS_mix = (2000/2 + 100 + 4000/2) / 6100
    = 3100/6100; without mix on offer, main and alt share nothing (PS 1)."""
    s = load_scenario(NESTED_TWO, overrides={"route_choice.path_size": True})
    ps = PathSize(s, "west")
    uses = np.array([[1, 1, 0, 0, 0], [0, 0, 1, 1, 0], [1, 0, 0, 1, 1]], bool)
    length = np.array([2000.0, 4000.0, 2000.0, 4000.0, 100.0])
    ps._uses, ps._alone = uses, np.zeros(3, bool)
    ps.weight = uses * length / (uses * length).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(np.exp(ps.ln_ps()), [5 / 6, 2 / 3, 3100 / 6100], rtol=1e-12)
    np.testing.assert_allclose(ps.ln_ps(np.array([True, True, False])), [0, 0, 0], atol=1e-12)


def test_a_twin_route_adds_nothing_to_rails_share_with_the_path_size_term():
    """Two identical routes under the flat nest raise P(rail) as one more way would; with
    the path-size term they have the inclusive value of one."""
    one = mean_rail_share(load_scenario(NESTED_TWO, overrides={"route_choice.path_size":
                                                                  True}), "west", 2024)
    twin = mean_rail_share(load_scenario(NESTED_TWO, overrides={
        **TWIN, "route_choice.path_size": True}), "west", 2024)
    flat = mean_rail_share(load_scenario(NESTED_TWO, overrides=TWIN), "west", 2024)
    assert twin == pytest.approx(one, rel=1e-12)
    assert flat > 1.1 * one  # the flat nest's artefact


def test_the_engine_s_choice_carries_the_same_term():
    s = load_scenario(NESTED_TWO, overrides={**TWIN, "route_choice.path_size": True})
    m = Model(s, seed=1)

    class Prior:
        feed = None

        def expected(self, r, h):
            return 8.0, 0.0
    routes = [m.route_ids.index(r) for r in s.demand.flows["west"].routes]
    choice = NestedChoice(s, m.cal, m.route_ids, Prior(), routes, 0,
                          np.random.default_rng(0), None, m.sea_constant)
    got = choice.shares(24.0 * 400)  # a day of 2024
    one = load_scenario(NESTED_TWO, overrides={"route_choice.path_size": True})
    m1 = Model(one, seed=1)
    routes1 = [m1.route_ids.index(r) for r in one.demand.flows["west"].routes]
    ref = NestedChoice(one, m1.cal, m1.route_ids, Prior(), routes1, 0,
                       np.random.default_rng(0), None, m.sea_constant).shares(24.0 * 400)
    assert float(got.rail) == pytest.approx(float(ref.rail), rel=1e-12)
    w = got.within_rail  # main and its twin split main's part
    assert w[0] == pytest.approx(w[2]) and w[0] + w[2] == pytest.approx(ref.within_rail[0])


def test_path_size_is_refused_outside_the_nested_logit():
    from .conftest import HERE as _h
    with pytest.raises(ConfigError, match=r"route_choice.path_size: only used with model = "
                       r"'nested_logit' \(the model is 'logit'\)"):
        load_scenario(_h / "scenarios" / "toy_two_routes.toml",
                      overrides={"route_choice.path_size": True})


def test_a_route_without_a_rail_rate_is_an_error_not_a_crash_of_the_market_rule():
    # the market rule used to compute the reference share before the cost rules had
    # reported the missing rate, and raised a KeyError
    with pytest.raises(ConfigError, match=r"costs.rail.KZ: route 'mix' of flow 'west' runs "
                       r"100 km in KZ \(link 'gate_gate2'\), which has no rail rate"):
        load_scenario(NESTED_TWO, overrides={
            "links.gate_gate2": {"from": "gate", "to": "gate2", "length_km": 100,
                                 "speed_km_per_day": {"dist": "constant", "value": 1000},
                                 "train_paths_per_day": 100},
            "routes.mix": {"corridor": "northern", "path": ["gate", "gate2"],
                           "prior_transit_days": 8},
            "demand.flows.west.routes": {"main": 0.4, "alt": 0.4, "mix": 0.2}})


def test_a_skipped_region_s_links_are_left_out():
    """The toy's origin 'alpha' is in China: skipping China leaves each route its far leg
    alone (gate -> omega, gate2 -> omega), and a twin of main still halves main's size."""
    skip = {"route_choice.path_size": True, "route_choice.path_size_skips": ["china"]}
    ps = PathSize(load_scenario(NESTED_TWO, overrides=skip), "west")
    assert ps.weight.shape == (2, 2)  # two segments, not four
    np.testing.assert_allclose(ps.ln_ps(), [0.0, 0.0], atol=1e-12)
    twin = PathSize(load_scenario(NESTED_TWO, overrides={**TWIN, **skip}), "west")
    np.testing.assert_allclose(twin.ln_ps(), [math.log(0.5), 0.0, math.log(0.5)],
                               atol=1e-12)
    every = {**skip, "route_choice.path_size_skips": ["china", "europe", "kazakhstan",
                                                      "russia", "other"]}
    alone = PathSize(load_scenario(NESTED_TWO, overrides=every), "west")
    np.testing.assert_allclose(alone.ln_ps(), [0.0, 0.0])  # nothing counted: each alone


def test_skipped_regions_without_the_path_size_term_are_refused():
    with pytest.raises(ConfigError, match=r"route_choice.path_size_skips: only used with "
                       r"path_size = true"):
        load_scenario(NESTED_TWO, overrides={"route_choice.path_size_skips": ["china"]})


def test_an_unknown_region_to_skip_is_one_line_with_a_suggestion():
    with pytest.raises(ConfigError) as e:
        load_scenario(NESTED_TWO, overrides={"route_choice.path_size": True,
                                             "route_choice.path_size_skips": ["chna"]})
    assert str(e.value).splitlines() == [
        "error: overrides: route_choice.path_size_skips[0]: 'chna' is not allowed (did you "
        "mean 'china'?)"]
