"""Rules on the market the nested logit splits between rail and the sea
(:mod:`sim.scenario.mode_split`)."""

from __future__ import annotations

from sim.scenario.checks.costs import cost_coverage
from sim.scenario.checks.elements import Found
from sim.scenario.checks.flows import flow_paths
from sim.scenario.mode_split import BaseYear, competing_flows, implied_market_teu, sea_constant
from sim.scenario.network import routes_of
from sim.scenario.problems import did_you_mean
from sim.scenario.route_constants import alias_problem
from sim.scenario.schema import Scenario


def market(s: Scenario) -> Found:
    """The sea's constant is given or derived from a stated market, not both, and a stated
    market is one some constant reaches; a held market gives a share for every competing
    flow and for nothing else."""
    if not _flows_connect(s):
        return  # (the flow and route rules say what does not connect)
    flows = competing_flows(s)
    sea = s.sea_mode
    if not flows or sea is None or s.costs is None \
            or s.route_choice.value_of_time_usd_per_teu_day is None:
        return  # (the nested-logit rules say what is missing)
    if any(s.routes[r].prior_transit_days is None for f in flows
           for r in s.demand.flows[f].routes):
        return  # (the route-choice rules ask for the priors the reference share needs)
    if next(iter(cost_coverage(s)), None) is not None:
        return  # (the cost rules say which rate the reference share would lack)
    if any(alias_problem(s.route_choice.constants, k) for k in s.route_choice.constants):
        return  # (the route-choice rules say which constant names nothing)
    if sea.held_market is not None:
        yield from _held(flows, sea.held_market.rail_shares)
        return
    if sea.market_teu is not None and sea.constant != 0.0:
        yield "sea_mode.market_teu", ("give either the sea's constant or the market it is "
                                      "derived from, not both")
        return
    base = BaseYear(s)  # the reference pieces, made once for both
    if sea.market_teu is not None:
        try:
            sea_constant(s, base)
        except ValueError as e:
            yield "sea_mode.market_teu", str(e)
            return
    if not 0 < implied_market_teu(s, base=base) < 1e12:  # a rail share that rounds to nothing
        yield "sea_mode.constant", ("rail's reference share is 0 at this constant: no rail "
                                    "demand can be implied")


def _flows_connect(s: Scenario) -> bool:
    """Every flow starts and ends at a node, and each of its routes has a path that
    connects: the market's shares are worked out on those paths."""
    if any(f.origin not in s.nodes or f.destination not in s.nodes
           for f in s.demand.flows.values()):
        return False
    judged = {(fid, rid): err for fid, rid, _path, err in flow_paths(s)}
    return all(judged.get((fid, rid), "not judged") is None
               for fid in s.demand.flows for rid in routes_of(s, fid))


def _held(flows: list[str], shares: dict[str, float]) -> Found:
    where = "sea_mode.held_market.rail_shares"
    for fid, p in shares.items():
        if fid not in flows:
            yield f"{where}.{fid}", (f"not a flow the sea competes for "
                                     f"({did_you_mean(fid, flows)})")
        elif not 0.0 < p < 1.0:
            yield f"{where}.{fid}", f"a rail share must be in (0, 1) (got {p:g})"
    for fid in flows:
        if fid not in shares:
            yield where, f"no share for {fid}, a flow the sea competes for"


def market_factors(s: Scenario) -> Found:
    """A market factor is given only to a flow the sea competes for (under the nested
    logit), and only for years before the base year (the base year's volume is the rail
    volume at reference conditions by definition)."""
    if not _flows_connect(s):
        return  # (the flow and route rules say what does not connect)
    flows = competing_flows(s)
    base = s.demand.base_year
    for fid, f in s.demand.flows.items():
        where = f"demand.flows.{fid}.market_factor_by_year"
        if not f.market_factor_by_year:
            continue
        if fid not in flows:
            yield where, ("only for a flow the sea competes for (route_choice.model = "
                          "'nested_logit' with a [sea_mode] covering its regions)")
            continue
        for y in f.market_factor_by_year:
            if y >= base:
                yield f"{where}.{y}", (f"only for years before the base year {base} (its "
                                       "volume is the rail volume at reference conditions)")
