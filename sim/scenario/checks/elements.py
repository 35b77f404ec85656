"""Rules on the network's elements one at a time: ids, node kinds and their tables, links,
vessel services, running speeds and the crossings where transit is counted.

What a node kind needs is read from the registry (:mod:`sim.scenario.kinds`).
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator

from sim.scenario.kinds import NODE_KINDS, and_list, kind_of, kinds_where
from sim.scenario.network import box_services
from sim.scenario.problems import did_you_mean
from sim.scenario.schema import Corridor, Node, Scenario
from sim.scenario.vessel_kinds import VESSEL_KINDS

Found = Iterator[tuple[str, str]]

_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def ids(s: Scenario) -> Found:
    """Ids of nodes, links, routes and flows are plain words (they appear in dotted paths
    and KPI scopes)."""
    tables: tuple[tuple[str, typing.Mapping[str, object]], ...] = (
        ("nodes", s.nodes), ("links", s.links), ("routes", s.routes),
        ("services", s.services), ("demand.flows", s.demand.flows))
    for table, items in tables:
        for key in items:
            if not _ID.match(key):
                yield table, (f"id {key!r} may only contain letters, digits, '_' and '-'")
    for key in sorted(set(s.nodes) & set(s.links)):
        yield f"links.{key}", (f"id '{key}' is also a node; facilities share closures, "
                               "disruptions and KPI scopes, so ids must differ")
    reserved = {*typing.get_args(Corridor), "all"}  # scopes of the by-corridor KPIs
    for key in sorted(reserved & set(s.routes)):
        yield f"routes.{key}", (f"id '{key}' is also the name of a corridor or a KPI scope; "
                                "route KPIs would be confused with it (use e.g. "
                                f"'{key}_1')")
    for key in sorted((set(s.nodes) | set(s.links)) & set(s.services)):
        what = "node" if key in s.nodes else "link"
        yield f"services.{key}", (f"id '{key}' is also a {what}; facilities share KPI "
                                  "scopes, so ids must differ")


def _tables(p: str, n: Node, sections: list[str]) -> Found:
    """Each kind's table is there on nodes of that kind, and only there."""
    k = kind_of(n)
    for section in sections:
        owners = [o for o in NODE_KINDS.values() if o.section == section]
        if k.section == section and getattr(n, section) is None:
            help_ = f" ({k.section_help})" if k.section_help else ""
            yield f"{p}.{section}", f"a {n.kind} node needs a [{section}] table{help_}"
        if k.section != section and getattr(n, section) is not None:
            yield f"{p}.{section}", (f"only {and_list([o.name for o in owners])} nodes have "
                                     f"a {owners[0].section_noun} (kind is '{n.kind}')")


def node_fields(s: Scenario) -> Found:
    """Each node kind carries the fields it needs and no others."""
    sections = list(dict.fromkeys(k.section for k in NODE_KINDS.values() if k.section))
    termini = and_list([k.plural for k in kinds_where(lambda k: k.terminus)])
    stoppers = and_list([k.plural for k in kinds_where(lambda k: k.stops_trains)])
    closable = and_list([k.name for k in kinds_where(lambda k: k.closable)])
    for nid, n in s.nodes.items():
        p = f"nodes.{nid}"
        k = kind_of(n)
        if k.joins_gauges:  # the table that makes it a crossing first, then the gauge
            yield from _tables(p, n, [x for x in sections if x == k.section])
            if n.gauge_mm is not None:
                yield f"{p}.gauge_mm", f"a {n.kind} node joins both gauges; remove gauge_mm"
            yield from _tables(p, n, [x for x in sections if x != k.section])
        else:
            if n.gauge_mm is None:
                yield f"{p}.gauge_mm", f"a {n.kind} node needs gauge_mm (1435 or 1520)"
            yield from _tables(p, n, sections)
        if k.terminus and n.boxes_per_train is None:
            yield f"{p}.boxes_per_train", f"a {n.kind} needs boxes_per_train"
        if not k.terminus and n.boxes_per_train is not None:
            yield f"{p}.boxes_per_train", f"only {termini} form trains (kind is '{n.kind}')"
        if not k.terminus and n.departure is not None:
            yield f"{p}.departure", f"only {termini} form trains (kind is '{n.kind}')"
        if not k.closable and n.disruptions:
            yield f"{p}.disruptions", (f"only {closable} nodes (and links) can be "
                                       f"disrupted (kind is '{n.kind}')")
        if not k.stops_trains and n.train_dwell_h is not None:
            yield f"{p}.train_dwell_h", (f"only {stoppers} stop trains (kind is '{n.kind}'; "
                                         "a crossing's time is its crossing table's)")
        if k.terminus and n.departure and n.boxes_per_train and \
                n.departure.min_boxes > n.boxes_per_train:
            yield f"{p}.departure.min_boxes", (f"{n.departure.min_boxes} is more than a train "
                                               f"holds ({n.boxes_per_train} boxes_per_train)")
        own = getattr(n, k.section) if k.section else None  # a port's, a dry port's table
        if own is not None and hasattr(own, "train_boxes") and \
                own.departure.min_boxes > own.train_boxes:
            yield f"{p}.{k.section}.departure.min_boxes", (
                f"{own.departure.min_boxes} is more than an outbound train holds "
                f"({own.train_boxes} train_boxes)")
        c = n.crossing
        if c is not None:
            smallest = min(c.train_boxes_standard_gauge, c.train_boxes_broad_gauge)
            if c.departure.min_boxes > smallest:
                yield f"{p}.crossing.departure.min_boxes", (
                    f"{c.departure.min_boxes} is more than an outbound train holds "
                    f"({smallest} boxes)")


def link_endpoints(s: Scenario) -> Found:
    """Links join existing, distinct nodes."""
    for lid, link in s.links.items():
        for end, nid in (("from", link.from_), ("to", link.to)):
            if nid not in s.nodes:
                yield f"links.{lid}.{end}", f"unknown node '{nid}' ({did_you_mean(nid, s.nodes)})"
        if link.from_ == link.to:
            yield f"links.{lid}", f"a link cannot join '{link.from_}' to itself"


def link_duplicates(s: Scenario) -> Found:
    """At most one link per node pair (a second track is more paths, not a second link),
    and none where a vessel service sails."""
    seen: dict[frozenset, str] = {}
    sea = {frozenset((v.from_, v.to)): sid for sid, v in box_services(s).items()}
    for lid, link in s.links.items():
        key = frozenset((link.from_, link.to))
        if key in sea:
            yield f"links.{lid}", (f"joins '{link.from_}' and '{link.to}', between which "
                                   f"vessel service '{sea[key]}' sails; a route between them "
                                   "would be ambiguous")
        if key in seen:
            yield f"links.{lid}", (f"duplicates link '{seen[key]}' between '{link.from_}' and "
                                   f"'{link.to}' (raise train_paths_per_day instead)")
        else:
            seen[key] = lid


def link_gauges(s: Scenario) -> Found:
    """A link between two nodes that do not join gauges joins nodes of the same gauge."""
    for lid, link in s.links.items():
        a, b = s.nodes.get(link.from_), s.nodes.get(link.to)
        if a is None or b is None or kind_of(a).joins_gauges or kind_of(b).joins_gauges:
            continue
        if a.gauge_mm and b.gauge_mm and a.gauge_mm != b.gauge_mm:
            yield f"links.{lid}", (f"joins {a.gauge_mm} mm '{link.from_}' to {b.gauge_mm} mm "
                                   f"'{link.to}'; a gauge change needs a border node between")


def services(s: Scenario) -> Found:
    """Vessel services join two distinct ports that no link or other service of the same
    sort joins (a tanker line may run beside a ferry or feeder), and a sailing never needs
    more boxes (a tanker's: tonnes) than a vessel takes."""
    seen: dict[tuple[frozenset, bool], str] = {}
    for sid, svc in s.services.items():
        p = f"services.{sid}"
        for end, nid in (("from", svc.from_), ("to", svc.to)):
            node = s.nodes.get(nid)
            if node is None:
                ports = {k: n for k, n in s.nodes.items() if kind_of(n).berths_vessels}
                named = [k for k, n in ports.items() if nid.lower() in n.name.lower()]
                hint = (f"did you mean '{named[0]}'? ({ports[named[0]].name})" if named
                        else did_you_mean(nid, ports))
                yield f"{p}.{end}", f"unknown port '{nid}' ({hint})"
            elif not kind_of(node).berths_vessels:
                yield f"{p}.{end}", f"'{nid}' is a {node.kind}, not a port"
        if svc.from_ == svc.to:
            yield p, f"a service cannot sail from '{svc.from_}' to itself"
            continue
        k = VESSEL_KINDS[svc.kind]
        key = (frozenset((svc.from_, svc.to)), k.carries_boxes)
        if key in seen:
            yield p, (f"duplicates service '{seen[key]}' between '{svc.from_}' and "
                      f"'{svc.to}' (raise its fleet instead)")
        seen.setdefault(key, sid)
        d = svc.crossing_h
        low = getattr(d, "value", getattr(d, "low", None))
        if (low is not None and low <= 0) or d.dist == "exponential" or (
                d.dist in ("gamma", "lognormal") and d.cv > 1):
            yield f"{p}.crossing_h", ("a sea passage can take 0 hours with this distribution "
                                      "(give one whose lowest value is > 0: constant, "
                                      "uniform, triangular, or gamma/lognormal with cv <= 1)")
        if not k.carries_boxes:  # min_boxes counts its own unit
            usable = svc.capacity_units() * svc.load_factor
            if svc.sailing.min_boxes > usable:
                yield f"{p}.sailing.min_boxes", (
                    f"{svc.sailing.min_boxes} {k.background_units[0]} is more than a "
                    f"{svc.kind} takes ({usable:g} {k.unit} at load_factor "
                    f"{svc.load_factor:g})")
            continue
        cap = svc.capacity_boxes(s.demand.share_40ft)
        if svc.sailing.min_boxes > cap:
            yield f"{p}.sailing.min_boxes", (f"{svc.sailing.min_boxes} is more than a vessel "
                                             f"takes ({cap} boxes at load_factor "
                                             f"{svc.load_factor:g})")


def services_ok(s: Scenario) -> bool:
    """Every vessel service joins two distinct nodes that berth vessels (else the services
    rule says so)."""
    def berths(nid: str) -> bool:
        node = s.nodes.get(nid)
        return node is not None and kind_of(node).berths_vessels
    return all(berths(v.from_) and berths(v.to) and v.from_ != v.to
               for v in s.services.values())


def positive_speeds(s: Scenario) -> Found:
    """Running speeds stay away from zero (a train would never arrive): bounded
    distributions need a lowest value > 0; gamma and lognormal need cv <= 1; exponential,
    whose mode is 0, is not a speed."""
    for lid, link in s.links.items():
        d = link.speed_km_per_day
        p = f"links.{lid}.speed_km_per_day"
        low = getattr(d, "value", getattr(d, "low", None))
        if low is not None and low <= 0:
            yield p, (f"the speed can be 0 km/day ({d.dist} with lowest value {low:g}); give "
                      "a lowest value > 0")
        elif d.dist == "exponential":
            yield p, ("an exponential speed is most often near 0 km/day (allowed: constant, "
                      "uniform, triangular, or gamma/lognormal with cv <= 1)")
        elif d.dist in ("gamma", "lognormal") and d.cv > 1:
            yield p, (f"a {d.dist} speed with cv {d.cv:g} > 1 puts much weight near 0 km/day "
                      "(allowed: cv <= 1)")


def transit_count(s: Scenario) -> Found:
    """The crossings where transit boxes are counted are border nodes."""
    for i, nid in enumerate(s.kpis.transit.crossings):
        if nid not in s.nodes:
            yield (f"kpis.transit.crossings[{i}]",
                   f"unknown node '{nid}' ({did_you_mean(nid, s.nodes)})")
        elif not kind_of(s.nodes[nid]).joins_gauges:
            yield f"kpis.transit.crossings[{i}]", f"'{nid}' is a {s.nodes[nid].kind}, not a border"
