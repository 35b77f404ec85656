"""Cost and CO2e of a flow's route, leg by leg, from the scenario's ``[costs]`` table
(:mod:`sim.scenario.costs`): pure functions of the scenario, no SimPy.

The measures (:mod:`sim.measure.costs`) compute each (flow, route)'s figures here once
and map them onto the boxes; a route choice can read the same figures per route
(:func:`route_cost_usd_per_feu`, :func:`route_co2e_kg_per_teu`).

A route's path depends on its flow (the flow puts its origin in front and its
destination at the end, :func:`sim.scenario.network.flow_path`), so every figure is per
(flow, route).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sim.scenario.costs import Costs
from sim.scenario.kinds import kind_of
from sim.scenario.network import flow_path, legs, link_index, routes_of
from sim.scenario.schema import Scenario

LegKind = Literal["rail", "crossing", "port", "sea"]


@dataclass(frozen=True)
class Element:
    """One thing a path charges for: the km of a rail link in one country, a border
    crossing, a port where the box goes on or off a vessel, or a sea passage.

    ``country`` is None for a rail link joining two countries that ``costs.links`` does
    not split (the checks refuse it); ``km`` is 0 for a node, the sea distance for a
    passage (0 when ``costs.services`` does not give it)."""

    leg: LegKind
    element: str
    country: str | None = None
    km: float = 0.0


@dataclass(frozen=True)
class LegCost:
    """An element's cost per FEU and CO2e per TEU (for its flow's tonnes per TEU)."""

    leg: LegKind
    element: str
    country: str | None
    km: float
    usd_per_feu: float
    co2e_kg_per_teu: float


def link_country_shares(s: Scenario, lid: str) -> dict[str, float] | None:
    """Where link ``lid`` runs: country -> share of its length. Given by
    ``costs.links.ID.country_shares``; else its two ends' country when they share one;
    else, when one end is a border crossing (it stands for the station pair), the other
    end's country; None when none of these says."""
    costs = s.costs
    if costs is not None and lid in costs.links:
        return dict(costs.links[lid].country_shares)
    link = s.links[lid]
    a, b = s.nodes[link.from_], s.nodes[link.to]
    if a.country == b.country:
        return {a.country: 1.0}
    a_border, b_border = kind_of(a).joins_gauges, kind_of(b).joins_gauges
    if a_border != b_border:
        return {(b if a_border else a).country: 1.0}
    return None


def path_elements(s: Scenario, path: list[str],
                  links: dict[frozenset, str] | None = None) -> list[Element]:
    """What a (valid) node path charges for, in travel order: each hop's rail km by
    country (or its sea passage), then the node it reaches if that is a border crossing,
    or a port where the box goes on or off a vessel (``links``: the scenario's
    :func:`~sim.scenario.network.link_index`, if made already)."""
    links = link_index(s) if links is None else links
    hops = legs(s, path, links)
    sea = [h.sea for h in hops]
    out: list[Element] = []

    def node(i: int) -> None:
        nid = path[i]
        k = kind_of(s.nodes[nid])
        if k.joins_gauges:
            out.append(Element("crossing", nid))
        elif k.berths_vessels and ((i > 0 and sea[i - 1]) or (i < len(hops) and sea[i])):
            out.append(Element("port", nid))

    node(0)
    for i, hop in enumerate(hops):
        if hop.sea:
            svc = s.costs.services.get(hop.link_id) if s.costs is not None else None
            out.append(Element("sea", hop.link_id, None,
                               svc.distance_km if svc is not None else 0.0))
        else:
            km = s.links[hop.link_id].length_km
            shares = link_country_shares(s, hop.link_id)
            if shares is None:
                out.append(Element("rail", hop.link_id, None, km))
            else:
                out.extend(Element("rail", hop.link_id, c, km * f) for c, f in shares.items())
        node(i + 1)
    return out


def _costs(s: Scenario) -> Costs:
    if s.costs is None:
        raise ValueError(f"scenario '{s.name}' has no [costs] table")
    return s.costs


def tonnes_per_teu(s: Scenario, flow_id: str) -> float:
    """Mean cargo tonnes per TEU of a flow (its own, else the demand's)."""
    return s.demand.flows[flow_id].tonnes_per_teu or s.demand.tonnes_per_teu


def route_elements(s: Scenario, flow_id: str, route_id: str,
                   links: dict[frozenset, str] | None = None) -> list[Element]:
    """:func:`path_elements` of the flow's path on the route (the same in every year;
    ``links``: the scenario's :func:`~sim.scenario.network.link_index`, if made already)."""
    flow = s.demand.flows[flow_id]
    links = link_index(s) if links is None else links
    return path_elements(s, flow_path(s, flow.origin, flow.destination, route_id, links),
                         links)


def route_legs(s: Scenario, flow_id: str, route_id: str, year: int,
               elements: list[Element] | None = None) -> list[LegCost]:
    """The cost per FEU (rates of ``year``) and CO2e per TEU of every element of the
    flow's path on the route, in travel order (``elements``: its :func:`route_elements`,
    if made already)."""
    costs = _costs(s)
    t_teu = tonnes_per_teu(s, flow_id)
    out = []
    if elements is None:
        elements = route_elements(s, flow_id, route_id)
    for e in elements:
        if e.leg == "rail":
            if e.country is None:
                raise ValueError(f"link '{e.element}' joins two countries: give "
                                 f"costs.links.{e.element}.country_shares")
            rail = costs.rail[e.country]
            usd, kg = rail.rate(year) * e.km, rail.g_per_tkm() * t_teu * e.km / 1000.0
        elif e.leg == "sea":
            svc = costs.services[e.element]
            usd, kg = svc.rate(year), svc.kg_per_teu(t_teu)
        else:
            table = costs.crossings if e.leg == "crossing" else costs.ports
            usd, kg = table[e.element].rate(year), 0.0
        out.append(LegCost(e.leg, e.element, e.country, e.km, usd, kg))
    return out


def _year(day: dt.date | int) -> int:
    return day if isinstance(day, int) else day.year


def route_cost_usd_per_feu(s: Scenario, flow_id: str, route_id: str,
                           day: dt.date | int, elements: list[Element] | None = None
                           ) -> float:
    """All-in cost of one FEU of the flow on the route, at the rates holding on ``day``
    (a date, or a calendar year), USD: rail by country, crossings, ports and vessel
    freight (``elements``: the route's :func:`route_elements`, if made already)."""
    return sum(leg.usd_per_feu
               for leg in route_legs(s, flow_id, route_id, _year(day), elements))


def route_co2e_kg_per_teu(s: Scenario, flow_id: str, route_id: str,
                          elements: list[Element] | None = None) -> float:
    """Well-to-wheel CO2e of one TEU of the flow (its tonnes per TEU) on the route, kg
    (``elements``: the route's :func:`route_elements`, if made already)."""
    year = s.horizon.start.year  # intensities are not dated; any year gives the same
    return sum(leg.co2e_kg_per_teu
               for leg in route_legs(s, flow_id, route_id, year, elements))


def cost_lines(s: Scenario) -> list[str]:
    """``corridor check``'s lines on the costs table: per route, its first flow's cost per
    FEU in the first reported year and CO2e per TEU (none without a costs table)."""
    if s.costs is None:
        return []
    year = s.horizon.start.year
    seen: dict[str, str] = {}
    for fid in s.demand.flows:
        for rid in routes_of(s, fid):
            seen.setdefault(rid, fid)
    lines = [f"  costs     per FEU in {year} and CO2e per TEU, by route (its first flow):"]
    for rid, fid in seen.items():
        lines.append(f"    {rid:28s} {fid:22s} {route_cost_usd_per_feu(s, fid, rid, year):8,.0f} "
                     f"USD {route_co2e_kg_per_teu(s, fid, rid):7,.0f} kg")
    return lines
