"""Rules on the empties going back (``demand.flows.ID.empties``): the flows they are
netted against run the other way and are netted once, and every sea leg of the way back
has vessels to carry them, and room for them."""

from __future__ import annotations

import calendar

from sim.scenario.checks.capacity import (
    _line_fleet,
    _years,
    never_open,
    peak_per_day,
    vessel_cycle_h,
)
from sim.scenario.checks.elements import Found
from sim.scenario.network import PathError, flow_path, legs, link_index, routes_of
from sim.scenario.problems import did_you_mean
from sim.scenario.schema import Scenario
from sim.scenario.sea_traffic import UNIT_OF_FIELD
from sim.scenario.summary import expected_volume
from sim.scenario.vessel_kinds import VESSEL_KINDS


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
            if rid not in s.routes or never_open(s, rid):
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


def empties_room(s: Scenario) -> Found:
    """The empties going back over a vessel service, with its own background that way,
    stay below what its fleet carries (as :func:`~sim.scenario.checks.capacity.fleet_room`:
    fleet x usable capacity x 24 / the mean round trip, units a day), in the peak month of
    every simulated year (by the flow's own monthly weights in a year that has them); the
    empties of a year are ``max(0, share x volume - the netted flows' volume)``, split by
    the flows' own route shares (the lag is left out)."""
    links = link_index(s)
    d = s.demand
    # (service, direction) -> [(flow, route share, units per box)]
    uses: dict[tuple[str, int], list[tuple[str, float, float]]] = {}
    for fid, f in d.flows.items():
        if f.empties is None or f.origin not in s.nodes or f.destination not in s.nodes:
            continue
        for rid, share in f.routes.items():
            if rid not in s.routes or share <= 0:
                continue
            try:
                path = flow_path(s, f.origin, f.destination, rid, links)
            except PathError:
                continue
            for leg in legs(s, path, links):
                if not leg.sea:
                    continue
                k = VESSEL_KINDS[s.services[leg.link_id].kind]
                per_box = (d.share_40ft + (1.0 - d.share_40ft) / 2.0 if k.rolls_wagons
                           else 1.0 + d.share_40ft)
                uses.setdefault((leg.link_id, 1 - leg.direction), []).append(
                    (fid, share, per_box))
    for (sid, way), parts in uses.items():
        svc = s.services[sid]
        k = VESSEL_KINDS[svc.kind]
        usable = svc.capacity_units() * svc.load_factor
        cycle_h = vessel_cycle_h(svc, usable)
        bg = svc.background
        name = "out" if way == 0 else "back"
        own = [] if bg is None else [(b, bg.space()[UNIT_OF_FIELD[fld]])
                                     for fld, b in bg.given().items()
                                     if fld.endswith(f"_{name}")]
        for y in _years(s):
            line = _line_fleet(s, sid, y)
            if line is None or line[1] == 0:
                break  # no fleet: empties_way_back or laid_up_services says so
            room = line[1] * usable * 24.0 / cycle_h
            empty = 0.0
            for fid, share, per_box in parts:
                e = s.demand.flows[fid].empties
                assert e is not None
                net = sum(expected_volume(s, g, y) for g in e.net_of if g in d.flows)
                # the peak month's weight (monthly weights of mean 1), the flow's own that year
                peak_w = max(d.flows[fid].seasonality_by_year.get(y, d.seasonality))
                days = 366 if calendar.isleap(y) else 365
                empty += (max(0.0, e.return_share * expected_volume(s, fid, y) - net)
                          * share * per_box * peak_w / days)
            other = peak_per_day(own, y) if own else 0.0
            if empty > 0 and other < room <= empty + other:
                flows = sorted({fid for fid, _, _ in parts})
                yield f"demand.flows.{flows[0]}.empties.return_share", (
                    f"{empty:,.1f} {k.unit} a day of empties go back over service '{sid}' "
                    f"({'home' if way == 0 else 'from the far port'}; flows "
                    f"{', '.join(flows)}) in the peak month of {y}, with its {other:,.1f} "
                    f"a day of background that way, at least the {room:,.1f} a day the "
                    "fleet carries; lower the share or raise the fleet")
                break
