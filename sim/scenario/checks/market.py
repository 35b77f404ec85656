"""Rules on the market the nested logit splits between rail and the sea
(:mod:`sim.scenario.mode_split`)."""

from __future__ import annotations

from sim.scenario.checks.elements import Found
from sim.scenario.mode_split import competing_flows, implied_market_teu, sea_constant
from sim.scenario.schema import Scenario


def market(s: Scenario) -> Found:
    """The sea's constant is given or derived from a stated market, not both, and a stated
    market is one some constant reaches."""
    flows = competing_flows(s)
    sea = s.sea_mode
    if not flows or sea is None or s.costs is None \
            or s.route_choice.value_of_time_usd_per_teu_day is None:
        return  # (the nested-logit rules say what is missing)
    if any(s.routes[r].prior_transit_days is None for f in flows
           for r in s.demand.flows[f].routes):
        return  # (the route-choice rules ask for the priors the reference share needs)
    if sea.market_teu is not None and sea.constant != 0.0:
        yield "sea_mode.market_teu", ("give either the sea's constant or the market it is "
                                      "derived from, not both")
        return
    if sea.market_teu is not None:
        try:
            sea_constant(s)
        except ValueError as e:
            yield "sea_mode.market_teu", str(e)
            return
    if not 0 < implied_market_teu(s) < 1e12:  # a rail share that rounds to nothing
        yield "sea_mode.constant", ("rail's reference share is 0 at this constant: no rail "
                                    "demand can be implied")
