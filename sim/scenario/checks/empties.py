"""Rules on the empties going back (``demand.flows.ID.empties``): the flows they are
netted against run the other way and are netted once, and every sea leg of the way back
has vessels to carry them."""

from __future__ import annotations

from sim.scenario.checks.capacity import _line_fleet, _years
from sim.scenario.checks.elements import Found
from sim.scenario.network import PathError, flow_path, link_index, routes_of
from sim.scenario.problems import did_you_mean
from sim.scenario.schema import Scenario


def empties_netting(s: Scenario) -> Found:
    """A flow named in ``net_of`` exists, is not the flow itself, runs the other way
    (its origin's region is this flow's destination's and the reverse) and is named by
    one flow only (else its boxes would be taken off twice)."""
    flows, nodes = s.demand.flows, s.nodes
    named: dict[str, str] = {}
    for fid, f in flows.items():
        if f.empties is None:
            continue
        p = f"demand.flows.{fid}.empties.net_of"
        for gid in f.empties.net_of:
            if gid not in flows:
                yield p, f"unknown flow '{gid}' ({did_you_mean(gid, flows)})"
                continue
            if gid == fid:
                yield p, f"'{fid}' nets its empties against itself; name a flow running " \
                    "the other way"
                continue
            g = flows[gid]
            ends = [n for n in (f.origin, f.destination, g.origin, g.destination)
                    if n not in nodes]
            if ends:
                continue  # flow_ends reports the unknown node
            if (nodes[g.origin].region, nodes[g.destination].region) != (
                    nodes[f.destination].region, nodes[f.origin].region):
                yield p, (f"flow '{gid}' runs {nodes[g.origin].region} -> "
                          f"{nodes[g.destination].region}, not the other way "
                          f"({nodes[f.destination].region} -> {nodes[f.origin].region}); "
                          "only boxes going back loaded replace empties")
                continue
            if gid in named:
                yield p, (f"flow '{gid}' is already netted against the empties of "
                          f"'{named[gid]}'; its boxes replace empties once")
                continue
            named[gid] = fid


def empties_way_back(s: Scenario) -> Found:
    """Every vessel service on the way back of a flow with empties has vessels at some
    time: on a fleet of 0 that no timeline change raises the empties would never sail
    (a service sails both ways, so any other has a return leg)."""
    links = link_index(s)
    first = min(_years(s))
    for fid, f in s.demand.flows.items():
        if f.empties is None or f.origin not in s.nodes or f.destination not in s.nodes:
            continue
        for rid in routes_of(s, fid):
            if rid not in s.routes:
                continue
            try:
                path = flow_path(s, f.origin, f.destination, rid, links)
            except PathError:
                continue  # flow_paths_connect reports it
            for a, b in zip(path, path[1:]):
                sid = links.get(frozenset((a, b)))
                if sid is None or sid not in s.services or sid in s.links:
                    continue
                line = _line_fleet(s, sid, first)
                if line is not None and line[1] == 0 and not line[2]:
                    yield f"demand.flows.{fid}.empties", (
                        f"route '{rid}' goes back over service '{sid}', which has 0 "
                        "vessels and no timeline change raises it: its empties would "
                        "never sail")
