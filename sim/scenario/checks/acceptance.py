"""Rules on acceptance limits (:mod:`sim.scenario.acceptance`): a limit lets enough be
booked through the facility for a load to be completed there, or trains would wait at
their origins for ever."""

from __future__ import annotations

from sim.scenario.checks.elements import Found
from sim.scenario.checks.flows import handling_of, loads
from sim.scenario.kinds import kind_of
from sim.scenario.mode_split import competing_flows
from sim.scenario.schema import Scenario


def acceptance_limits(s: Scenario) -> Found:
    """Under a 'full' rule a facility releases nothing until a load is complete: its limit
    must let a load short of full for every onward path plus one inbound load be booked
    (as a yard must hold them: :func:`sim.scenario.checks.flows.yards_hold_trains`)."""
    inbound, _by_sea, tails = loads(s)
    for nid, node in s.nodes.items():
        c = handling_of(s, nid)
        limit = getattr(c, "acceptance_limit_teu", None) if c is not None else None
        if limit is None or nid not in inbound:
            continue
        full = [n for n, rule in tails[nid].values() if rule == "full"]
        need = 2 * (sum(n - 1 for n in full) + inbound[nid])
        if full and limit < need:
            yield (f"nodes.{nid}.{kind_of(node).section}.acceptance_limit_teu",
                   f"{limit:g} TEU can hold trains at their origins for ever: under "
                   f"departure rule 'full' with {len(full)} onward path(s) a load is "
                   f"complete only once {need} TEU are booked (a load short of full per "
                   "path plus one inbound load; or use 'full_or_max_wait')")


def market_empties(s: Scenario) -> Found:
    """Empties go back with the reference volume: not on a flow whose rail volume the
    nested logit decides (sim.scenario.mode_split)."""
    for fid in competing_flows(s):
        if s.demand.flows[fid].empties is not None:
            yield f"demand.flows.{fid}.empties", (
                "not with a flow that splits a market with the sea: its empties would follow "
                "the reference volume, not the rail boxes the choice sends")
