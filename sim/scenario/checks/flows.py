"""Rules on routes and flows: paths that connect, gauges, trains that fit the sidings,
yards that take a train, vessels that sail loaded, demand within reach, route choice.

A flow's path is judged only when its parts are otherwise valid (:func:`flow_paths`), so
that one mistake gives one message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sim.scenario.checks.elements import Found, services_ok
from sim.scenario.kinds import kind_of
from sim.scenario.network import (
    MAX_CROSSINGS,
    MAX_SEA_LEGS,
    PathError,
    box_services,
    flow_path,
    gauge_problems,
    handling_of,
    is_sea,
    link_index,
    routes_of,
    transfers,
)
from sim.scenario.problems import did_you_mean
from sim.scenario.route_constants import alias_problem, split_key
from sim.scenario.schema import Node, Scenario
from sim.scenario.summary import expected_volume

MAX_BOXES_PER_RUN = 50_000_000

FlowPath = tuple[str, str, list[str] | None, str | None]


def route_paths(s: Scenario) -> Found:
    """Route paths name existing nodes, once each, joined by links (judged only when every
    link joins existing nodes: a bad link end is reported once, by link_endpoints)."""
    links = link_index(s)
    links_ok = all(lk.from_ in s.nodes and lk.to in s.nodes and lk.from_ != lk.to
                   for lk in s.links.values()) and services_ok(s)
    for rid, r in s.routes.items():
        ok = True
        for i, nid in enumerate(r.path):
            if nid not in s.nodes:
                ok = False
                yield (f"routes.{rid}.path[{i}]",
                       f"unknown node '{nid}' ({did_you_mean(nid, s.nodes)})")
        dup = sorted({n for n in r.path if r.path.count(n) > 1})
        if dup:
            yield f"routes.{rid}.path", f"visits {', '.join(dup)} more than once"
        if not ok or not links_ok:
            continue
        for i, (a, b) in enumerate(zip(r.path, r.path[1:])):
            if frozenset((a, b)) not in links:
                tanker = next((sid for sid, v in s.services.items()
                               if {v.from_, v.to} == {a, b}), None)
                yield f"routes.{rid}.path[{i + 1}]", (
                    f"'{a}' and '{b}' are joined only by tanker line '{tanker}', which "
                    "carries background tonnes, not boxes (a route needs a link, a ferry "
                    "or a feeder)" if tanker is not None else
                    f"no link or vessel service between '{a}' and '{b}' (the route does "
                    "not connect)")


def flow_paths(s: Scenario) -> Iterator[FlowPath]:
    """(flow, route, path or None, error or None) for each flow and route whose parts are
    otherwise valid; anything already reported by another rule is skipped, so that one
    mistake gives one message."""
    if any(lk.from_ not in s.nodes or lk.to not in s.nodes or lk.from_ == lk.to
           for lk in s.links.values()):
        return  # link_endpoints reported it; connectivity is judged on valid links only
    if not services_ok(s):
        return  # services reported it
    links = link_index(s)
    for fid, f in s.demand.flows.items():
        ends = [s.nodes.get(f.origin), s.nodes.get(f.destination)]
        if f.origin == f.destination or any(n is None or not kind_of(n).terminus
                                            for n in ends):
            continue  # flow_ends
        for rid in routes_of(s, fid):
            if rid not in s.routes:
                continue  # flow_ends
            path = s.routes[rid].path
            if any(n not in s.nodes for n in path):
                continue  # route_paths
            if any(frozenset(ab) not in links for ab in zip(path, path[1:])):
                continue  # route_paths
            nodes = [s.nodes[n] for n in (f.origin, *path, f.destination)]
            if any(not kind_of(n).joins_gauges and n.gauge_mm is None for n in nodes) or any(
                    _lacks_table(n) for n in nodes):
                continue  # node_fields
            try:
                yield fid, rid, flow_path(s, f.origin, f.destination, rid, links), None
            except PathError as e:
                yield fid, rid, None, str(e)


def _lacks_table(n: Node) -> bool:
    """The node's kind has a table (crossing, port) that the node lacks."""
    section = kind_of(n).section
    return section is not None and getattr(n, section) is None


def flow_years(s: Scenario) -> Found:
    """A flow's volume for the base year is given once."""
    y = s.demand.base_year
    for fid, f in s.demand.flows.items():
        v = f.containers_by_year.get(y)
        if v is not None and v != f.containers_per_year:
            yield (f"demand.flows.{fid}.containers_by_year.{y}",
                   f"{v:g} boxes differs from containers_per_year ({f.containers_per_year:g}) "
                   f"for the base year {y}; give it once")


def flow_ends(s: Scenario) -> Found:
    """Flows start and end at terminals and use defined routes."""
    for fid, f in s.demand.flows.items():
        p = f"demand.flows.{fid}"
        for end in ("origin", "destination"):
            nid = getattr(f, end)
            if nid not in s.nodes:
                yield f"{p}.{end}", f"unknown node '{nid}' ({did_you_mean(nid, s.nodes)})"
            elif not kind_of(s.nodes[nid]).terminus:
                yield f"{p}.{end}", f"'{nid}' is a {s.nodes[nid].kind}, not a terminal"
        if f.origin == f.destination:
            yield p, f"origin and destination are both '{f.origin}'"
        for rid in f.routes:
            if rid not in s.routes:
                yield f"{p}.routes.{rid}", f"unknown route '{rid}' ({did_you_mean(rid, s.routes)})"


def path_problems(s: Scenario, path: list[str]) -> list[str]:
    """What is wrong with a flow's full node path (empty: nothing)."""
    out = []
    if len(set(path)) != len(path):
        out.append(f"the path revisits a node ({' -> '.join(path)})")
    out += gauge_problems(s, path)
    n = sum(1 for nid in path if kind_of(s.nodes[nid]).joins_gauges)
    if n > MAX_CROSSINGS:
        out.append(f"crosses {n} borders; at most {MAX_CROSSINGS} are modelled")
    sea = [(a, b) for a, b in zip(path, path[1:]) if is_sea(s, a, b)]
    if len(sea) > MAX_SEA_LEGS:
        out.append(f"crosses the sea {len(sea)} times; at most {MAX_SEA_LEGS} are modelled")
    at_sea = {n for ab in sea for n in ab}
    for nid in path:
        if kind_of(s.nodes[nid]).berths_vessels and nid not in at_sea:
            out.append(f"passes port '{nid}' without sailing; a port is where boxes change "
                       "between train and vessel")
    return out


def flow_paths_connect(s: Scenario) -> Found:
    """Each flow's origin + route + destination is a connected path of consistent gauge
    (routes given by dated share changes are judged by the timeline rule)."""
    for fid, rid, path, err in flow_paths(s):
        if rid not in s.demand.flows[fid].routes:
            continue
        p = f"demand.flows.{fid}.routes.{rid}"
        for msg in [err] if err else path_problems(s, path or []):
            yield p, msg


def services_sail_loaded(s: Scenario) -> Found:
    """A vessel leaves home only with a load from home (by its sailing rule), so a service
    that some flow sails back on (far port -> home) must also carry some flow out, or
    other traffic offered at home (background ``*_out``), or keep a timetable that sails
    even empty (``sailing.min_boxes = 0``)."""
    links = link_index(s)
    out_used: set[str] = set()
    back_used: dict[str, tuple[str, str]] = {}
    for fid, rid, path, err in flow_paths(s):
        if err or path is None:
            continue
        for a, b in zip(path, path[1:]):
            sid = links.get(frozenset((a, b)))
            v = s.services.get(sid) if sid is not None and sid not in s.links else None
            if sid is None or v is None:
                continue
            if (v.from_, v.to) == (a, b):
                out_used.add(sid)
            else:
                back_used.setdefault(sid, (fid, rid))
    for sid, (fid, rid) in back_used.items():
        v = s.services[sid]
        home_traffic = v.background is not None and any(
            _positive(getattr(v.background, f)) for f in v.background.given()
            if f.endswith("_out"))
        if sid not in out_used and not home_traffic and v.sailing.min_boxes > 0:
            yield (f"demand.flows.{fid}", f"sails back on service '{sid}' from '{v.to}' to "
                   f"'{v.from_}' (route '{rid}'), but no flow sails out from '{v.from_}', so "
                   f"no vessel would ever leave '{v.from_}' (swap the service's from and to, "
                   "or let a timetable sail even empty: sailing.min_boxes = 0)")


def _positive(bg: object) -> bool:
    """Background traffic with some volume in some year (``per_day`` or a dated one)."""
    per_day = getattr(bg, "per_day", 0.0) or 0.0
    by_year = getattr(bg, "per_day_by_year", None) or {}
    return per_day > 0 or any(v > 0 for v in by_year.values())


def train_lengths(s: Scenario) -> Found:
    """No train is longer than the receiving or departure tracks of a crossing or port
    it uses."""
    rs = s.rolling_stock
    reported = set()
    for fid, rid, path, err in flow_paths(s):
        if err or path is None or gauge_problems(s, path) or \
                s.nodes[path[0]].boxes_per_train is None:
            continue
        for t in transfers(s, path):
            c = handling_of(s, t.node)
            if c is None:
                continue
            table = kind_of(s.nodes[t.node]).section
            for what, nb, by_sea in (("inbound", t.inbound_boxes, t.arrives_by_sea),
                                     ("outbound", t.outbound_boxes, t.leaves_by_sea)):
                if by_sea or nb is None:
                    continue
                length = nb * rs.metres_per_box + rs.locomotive_length_m
                key = (t.node, what, nb)
                if length > c.siding_length_m and key not in reported:
                    reported.add(key)
                    yield (f"nodes.{t.node}.{table}.siding_length_m",
                           f"{what} trains of {nb} boxes are {length:g} m long (flow '{fid}', "
                           f"route '{rid}'), longer than the {c.siding_length_m:g} m siding")


def demand_size(s: Scenario) -> Found:
    """The run draws at most MAX_BOXES_PER_RUN boxes (memory: ~130 bytes each)."""
    h = s.horizon
    first = h.start - dt.timedelta(days=h.warmup_days)

    def share_of_year(y: int) -> float:  # the part of year y inside the run
        a, b = max(first, dt.date(y, 1, 1)), min(h.end, dt.date(y + 1, 1, 1))
        return max((b - a).days, 0) / (dt.date(y + 1, 1, 1) - dt.date(y, 1, 1)).days

    years = range(first.year, h.end.year + 1)
    for fid in s.demand.flows:
        total = sum(expected_volume(s, fid, y) * share_of_year(y) for y in years)
        if total > MAX_BOXES_PER_RUN:
            yield (f"demand.flows.{fid}.containers_per_year",
                   f"gives about {total:.3g} boxes over the run; at most "
                   f"{MAX_BOXES_PER_RUN:,} are simulated (lower it or demand.scale)")


def yards_hold_trains(s: Scenario) -> Found:
    """A yard takes at least one inbound train or vessel load; under rule 'full' it also
    holds a load short of full for every onward path plus one inbound load, or it could
    deadlock."""
    inbound, by_sea, tails = loads(s)
    for nid, nb in inbound.items():
        c = handling_of(s, nid)
        if c is None:  # loads() keeps only nodes with a table
            continue
        p = f"nodes.{nid}.{kind_of(s.nodes[nid]).section}.yard_capacity_teu"
        full = [n for n, rule in tails[nid].values() if rule == "full"]
        if c.yard_capacity_teu < 2 * nb:
            what = "vessel load" if by_sea[nid] else "train"
            yield p, (f"{c.yard_capacity_teu:g} TEU cannot take one inbound {what} of {nb} "
                      f"boxes (up to {2 * nb} TEU)")
        elif full:
            need = 2 * (sum(n - 1 for n, _r in tails[nid].values()) + nb)
            if c.yard_capacity_teu < need:
                yield p, (f"{c.yard_capacity_teu:g} TEU can deadlock under departure rule "
                          f"'full' with {len(tails[nid])} onward paths (needs >= {need} "
                          "TEU, or use 'full_or_max_wait')")


def loads(s: Scenario) -> tuple[dict[str, int], dict[str, bool],
                                dict[str, dict[tuple, tuple[int, str]]]]:
    """Per transfer node: the largest inbound load (boxes) and whether it comes by sea, and
    per onward path the outbound load and its departure rule."""
    inbound: dict[str, int] = {}
    by_sea: dict[str, bool] = {}
    tails: dict[str, dict[tuple, tuple[int, str]]] = {}
    for _fid, _rid, path, err in flow_paths(s):
        if err or path is None or gauge_problems(s, path):
            continue
        for t in transfers(s, path):
            handling = handling_of(s, t.node)
            if t.inbound_boxes is None or handling is None:
                break
            if t.inbound_boxes >= inbound.get(t.node, 0):
                inbound[t.node], by_sea[t.node] = t.inbound_boxes, t.arrives_by_sea
            if t.leaves_by_sea:
                svc = next(v for v in box_services(s).values()
                           if {v.from_, v.to} == {t.node, t.onward[0]})
                rule = svc.sailing.rule if svc.from_ == t.node else "immediate"
            else:
                rule = handling.departure.rule
            tails.setdefault(t.node, {})[t.onward] = (t.outbound_boxes, rule)
    return inbound, by_sea, tails


def horizon_years(s: Scenario) -> Found:
    """The base year of demand lies within ten years of the horizon."""
    h, y = s.horizon, s.demand.base_year
    if not (h.start.year - 10 <= y <= h.end.year + 10):
        yield "demand.base_year", (f"{y} is far from the horizon {h.start}..{h.end}; growth "
                                   f"would be extrapolated over more than ten years")


def route_choice(s: Scenario) -> Found:
    """Logit route choice has priors for every route it chooses among, and constants only
    for routes that exist (``"FLOW:ROUTE"``: a flow that exists and one of its routes)."""
    rc = s.route_choice
    for key in rc.constants:
        fid, rid = split_key(key)
        where = f"route_choice.constants.{key}"
        known_flow = fid is None or fid in s.demand.flows
        if not known_flow:
            yield where, f"unknown flow '{fid}' ({did_you_mean(fid, s.demand.flows)})"
        if rid not in s.routes:
            yield where, f"unknown route '{rid}' ({did_you_mean(rid, s.routes)})"
        elif fid is not None and known_flow and rid not in s.demand.flows[fid].routes:
            yield where, (f"route '{rid}' is not one of flow {fid}'s routes ("
                          f"{did_you_mean(rid, s.demand.flows[fid].routes)})")
        problem = alias_problem(rc.constants, key)
        if problem is not None:
            value = rc.constants[key]
            yield where, (problem if "circle" in problem or value in rc.constants else
                          f"{problem}; {did_you_mean(str(value), rc.constants)}")
    if rc.model == "shares":
        return
    reported = set()
    for f in s.demand.flows.values():
        if len(f.routes) < 2 and rc.model == "logit":  # nested: each route against the sea
            continue
        for rid in f.routes:
            r = s.routes.get(rid)
            if r is not None and r.prior_transit_days is None and rid not in reported:
                reported.add(rid)
                yield (f"routes.{rid}.prior_transit_days", "logit route choice needs an "
                       "expected transit time before any journey is seen (days, > 0)")
