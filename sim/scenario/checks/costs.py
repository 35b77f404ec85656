"""Rules on the ``[costs]`` table (:mod:`sim.scenario.costs`): every entry names a thing
of the network that it can apply to, and every path a flow may take has a rate for each
of its countries, crossings, ports and sea passages (and a split for each link joining
two countries)."""

from __future__ import annotations

from sim.scenario.checks.elements import Found
from sim.scenario.kinds import kind_of
from sim.scenario.leg_costs import path_elements
from sim.scenario.network import PathError, box_services, flow_path, routes_of
from sim.scenario.problems import did_you_mean
from sim.scenario.schema import Scenario


def cost_entries(s: Scenario) -> Found:
    """Each entry of the costs table names a country, border crossing, port, service or
    link of the network."""
    c = s.costs
    if c is None:
        return
    countries = {n.country for n in s.nodes.values()} | {
        code for lc in c.links.values() for code in lc.country_shares}
    for code in c.rail:
        if code not in countries:
            yield f"costs.rail.{code}", (f"no node is in country '{code}' and no "
                                         f"costs.links splits a link into it "
                                         f"({did_you_mean(code, countries)})")
    for table, flag, noun in (("crossings", "joins_gauges", "border crossing"),
                              ("ports", "berths_vessels", "port")):
        for nid in getattr(c, table):
            node = s.nodes.get(nid)
            if node is None:
                yield f"costs.{table}.{nid}", (f"unknown node '{nid}' "
                                               f"({did_you_mean(nid, s.nodes)})")
            elif not getattr(kind_of(node), flag):
                yield f"costs.{table}.{nid}", (f"node '{nid}' is a {node.kind}, not a "
                                               f"{noun}")
    boxes = box_services(s)
    for sid in c.services:
        if sid not in s.services:
            yield f"costs.services.{sid}", (f"unknown vessel service '{sid}' "
                                            f"({did_you_mean(sid, s.services)})")
        elif sid not in boxes:
            yield f"costs.services.{sid}", (f"service '{sid}' is a {s.services[sid].kind} "
                                            "line and carries no boxes")
    for lid, lc in c.links.items():
        if lid not in s.links:
            yield f"costs.links.{lid}", f"unknown link '{lid}' ({did_you_mean(lid, s.links)})"
            continue
        link = s.links[lid]
        ends = {s.nodes[n].country for n in (link.from_, link.to) if n in s.nodes}
        if not ends & set(lc.country_shares):
            yield f"costs.links.{lid}.country_shares", (
                f"the link's ends are in {' and '.join(sorted(ends))}; the shares name "
                f"neither ({', '.join(lc.country_shares)})")


def cost_coverage(s: Scenario) -> Found:
    """Every path a flow may take has a rail rate for each country it runs in, a charge
    at each border crossing and port where boxes go on or off a vessel, and freight for
    each sea passage; a link joining two countries (neither end a border crossing) has
    its country_shares. One problem per missing entry, naming the first route needing
    it."""
    c = s.costs
    if c is None:
        return
    seen: set[str] = set()
    for fid, flow in s.demand.flows.items():
        for rid in routes_of(s, fid):
            if rid not in s.routes:
                continue
            try:
                path = flow_path(s, flow.origin, flow.destination, rid)
                elements = path_elements(s, path)
            except (PathError, KeyError):
                continue  # the path rules report it
            where = f"route '{rid}' of flow '{fid}'"
            for e in elements:
                if e.leg == "rail" and e.country is None:
                    link = s.links[e.element]
                    key = f"costs.links.{e.element}"
                    msg = (f"{where} runs on link '{e.element}', which joins "
                           f"{s.nodes[link.from_].country} and {s.nodes[link.to].country}: "
                           f"give its country_shares (country -> share of its "
                           f"{link.length_km:g} km)")
                elif e.leg == "rail" and e.country not in c.rail:
                    key = f"costs.rail.{e.country}"
                    msg = (f"{where} runs {e.km:g} km in {e.country} (link '{e.element}'), "
                           f"which has no rail rate: give usd_per_feu_km and its CO2e")
                elif e.leg == "crossing" and e.element not in c.crossings:
                    key = f"costs.crossings.{e.element}"
                    msg = f"{where} passes border crossing '{e.element}': give usd_per_feu"
                elif e.leg == "port" and e.element not in c.ports:
                    key = f"costs.ports.{e.element}"
                    msg = (f"{where} goes on or off a vessel at port '{e.element}': give "
                           f"usd_per_feu")
                elif e.leg == "sea" and e.element not in c.services:
                    key = f"costs.services.{e.element}"
                    msg = (f"{where} sails on service '{e.element}': give usd_per_feu, "
                           f"distance_km and its CO2e")
                else:
                    continue
                if key not in seen:
                    seen.add(key)
                    yield key, msg
