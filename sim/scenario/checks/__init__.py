"""Cross-field consistency rules, run after the schema; one function per rule.

When the schema fails, the rules run on the parts that validated
(:mod:`sim.scenario.partial`): a rule that reads a part with an error runs again without
the elements that hold one, or is skipped.

Each rule yields ``(dotted.path, message)`` pairs; :func:`run_all` collects every problem
so that a user sees them all at once. The rules live by theme: the network's elements
(:mod:`.elements`), routes and flows (:mod:`.flows`), the timeline (:mod:`.changes`),
the seas' weather (:mod:`.weather`), the costs table (:mod:`.costs`).
What a node kind needs is read from the registry, :mod:`sim.scenario.kinds`.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.scenario.checks.acceptance import acceptance_limits, market_empties
from sim.scenario.checks.capacity import facility_room, fleet_room, laid_up_services
from sim.scenario.checks.changes import timeline
from sim.scenario.checks.costs import cost_coverage, cost_entries
from sim.scenario.checks.elements import (
    Found,
    ids,
    link_duplicates,
    link_endpoints,
    link_gauges,
    node_fields,
    positive_speeds,
    services,
    transit_count,
)
from sim.scenario.checks.empties import empties_netting, empties_room, empties_way_back
from sim.scenario.checks.fleets import fleets
from sim.scenario.checks.flows import (
    demand_size,
    flow_ends,
    flow_paths_connect,
    flow_years,
    horizon_years,
    route_choice,
    route_paths,
    services_sail_loaded,
    train_lengths,
    yards_hold_trains,
)
from sim.scenario.checks.market import market, market_factors
from sim.scenario.checks.nested import nested_logit, sea_mode
from sim.scenario.checks.opening import route_openings
from sim.scenario.checks.roll_on import roll_on
from sim.scenario.checks.traffic import background_room
from sim.scenario.checks.vessels import empty_departures, service_traffic
from sim.scenario.checks.wagons import wagon_pools
from sim.scenario.checks.weather import sea_weather
from sim.scenario.schema import Scenario

RULES: list[Callable[[Scenario], Found]] = [
    ids, node_fields, link_endpoints, link_duplicates, link_gauges, services, route_paths,
    flow_ends, flow_paths_connect, flow_years, services_sail_loaded, train_lengths,
    positive_speeds, yards_hold_trains, transit_count, horizon_years, demand_size, timeline,
    route_choice, route_openings, sea_weather, service_traffic, empty_departures,
    background_room, facility_room, fleet_room, laid_up_services, fleets, roll_on,
    cost_entries, cost_coverage, sea_mode, nested_logit, market, market_factors,
    empties_netting, empties_way_back, empties_room, wagon_pools, acceptance_limits,
    market_empties]


def run_all(s: Scenario) -> list[tuple[str, str]]:
    """Every problem the rules find, in rule order."""
    out: list[tuple[str, str]] = []
    for rule in RULES:
        out.extend(rule(s))
    return out
