"""Route constants for one flow's route ("FLOW:ROUTE" keys of route_choice.constants): the
lookup, the checks, and the choices that read them (logit, nested logit, the market's
reference share)."""

import math

import pytest

from sim.engine.logs import OriginTrain, columns
from sim.engine.model import Model
from sim.scenario.loading import load_scenario
from sim.scenario.mode_split import prior_rail_utilities
from sim.scenario.problems import ConfigError
from sim.scenario.route_constants import flow_key, route_constant, split_key

from .conftest import HERE

TWO = HERE / "scenarios" / "toy_two_routes.toml"
NESTED_TWO = HERE / "scenarios" / "toy_nested_two.toml"


def test_a_flows_own_constant_wins_over_the_routes():
    c = {"alt": -1.0, "west:alt": 2.0, "east:main": 0.5}
    assert route_constant(c, "west", "alt") == 2.0
    assert route_constant(c, "north", "alt") == -1.0  # no own key: the route's
    assert route_constant(c, "west", "main") == 0.0  # neither: 0
    assert route_constant(c, "east", "main") == 0.5
    assert split_key("west:alt") == ("west", "alt") and split_key("alt") == (None, "alt")
    assert flow_key("west", "alt") == "west:alt"


def test_flow_constants_name_a_known_flow_and_one_of_its_routes_one_line_each():
    with pytest.raises(ConfigError) as e:
        load_scenario(TWO, overrides={"route_choice.constants": {
            "wset:alt": 0.1, "west:atl": 0.2, "west:main": 0.3, "wset:atl": 0.4,
            "west:sea": 0.5}})
    assert str(e.value).splitlines() == [
        "error: overrides: route_choice.constants.wset:alt: unknown flow 'wset' (did you "
        "mean 'west'?)",
        "error: overrides: route_choice.constants.west:atl: unknown route 'atl' (did you "
        "mean 'alt'?)",
        "error: overrides: route_choice.constants.wset:atl: unknown flow 'wset' (did you "
        "mean 'west'?)",
        "error: overrides: route_choice.constants.wset:atl: unknown route 'atl' (did you "
        "mean 'alt'?)",
        "error: overrides: route_choice.constants.west:sea: unknown route 'sea' (allowed: "
        "alt, main)"]


def test_a_route_of_another_flow_is_refused():
    with pytest.raises(ConfigError) as e:
        load_scenario(TWO, overrides={"demand.flows.west.routes": {"main": 1.0},
                                      "route_choice.constants": {"west:alt": 0.1}})
    assert str(e.value).splitlines() == [
        "error: overrides: route_choice.constants.west:alt: route 'alt' is not one of flow "
        "west's routes (allowed: main)"]


def test_the_reference_utilities_take_the_flows_own_constant():
    base = load_scenario(NESTED_TWO)
    own = load_scenario(NESTED_TWO, overrides={"route_choice.constants": {
        "alt": -7.0, "west:alt": 0.4}})
    wide = load_scenario(NESTED_TWO, overrides={"route_choice.constants": {"alt": -7.0}})
    v0, v1, v2 = (prior_rail_utilities(s, "west", 2024) for s in (base, own, wide))
    assert v1 - v0 == pytest.approx([0.0, 0.4])
    assert v2 - v0 == pytest.approx([0.0, -7.0])


def _alt_share(path, constants, seed=5):
    out = Model(load_scenario(path, overrides={"route_choice.constants": constants}),
                seed=seed).run()
    ot = columns(out.origin_trains, OriginTrain)
    return float((ot.route == out.route_ids.index("alt")).mean()), len(ot.route)


def test_the_nested_choice_reads_the_flows_own_constant():
    # toy_nested_two: alt is 1 kUSD dearer, -0.5 x 1.0 = -0.5 of utility; a constant of
    # +0.5 for west's alt makes the two routes equal (the route-wide -5 does not apply)
    share, n = _alt_share(NESTED_TWO, {"alt": -5.0, "west:alt": 0.5})
    assert share == pytest.approx(0.5, abs=4 * math.sqrt(0.25 / n))
    # the route-wide constant alone: alt all but vanishes
    share, _ = _alt_share(NESTED_TWO, {"alt": -5.0})
    assert share < 0.01


def test_the_logit_reads_the_flows_own_constant():
    # toy_two_routes: equal routes; west's alt +1 -> P(alt) = e / (1 + e)
    share, n = _alt_share(TWO, {"main": 3.0, "west:main": 0.0, "west:alt": 1.0})
    p = 1 / (1 + math.exp(-1.0))
    assert share == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n))


def test_a_constant_may_name_another_key_and_takes_its_value():
    c = {"west:main": 0.7, "west:alt": "west:main", "alt": "west:alt", "east:main": -0.2}
    assert route_constant(c, "west", "alt") == 0.7  # an alias
    assert route_constant(c, "north", "alt") == 0.7  # an alias of an alias
    with pytest.raises(KeyError):
        route_constant({"west:alt": "west:mian"}, "west", "alt")
    with pytest.raises(KeyError):
        route_constant({"west:alt": "alt", "alt": "west:alt"}, "west", "alt")


def test_an_alias_must_name_a_key_and_not_go_round_one_line_each():
    with pytest.raises(ConfigError) as e:
        load_scenario(TWO, overrides={"route_choice.constants": {
            "west:main": 0.3, "west:alt": "west:mian"}})
    assert str(e.value).splitlines() == [
        "error: overrides: route_choice.constants.west:alt: 'west:mian' names no constant "
        "(an alias must name another key of the table); did you mean 'west:main'?"]
    with pytest.raises(ConfigError, match=r"route_choice.constants.west:alt: aliases go round "
                       r"in a circle: west:alt -> alt -> west:alt"):
        load_scenario(TWO, overrides={"route_choice.constants": {"west:alt": "alt",
                                                                   "alt": "west:alt"}})


def test_an_aliased_constant_chooses_as_its_number_would():
    s = load_scenario(NESTED_TWO, overrides={"route_choice.constants": {
        "west:main": 0.4, "west:alt": "west:main"}})
    n = load_scenario(NESTED_TWO, overrides={"route_choice.constants": {
        "west:main": 0.4, "west:alt": 0.4}})
    assert prior_rail_utilities(s, "west", 2024).tolist() == \
        prior_rail_utilities(n, "west", 2024).tolist()
