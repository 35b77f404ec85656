"""Cross-field consistency rules, run after the schema; one function per rule.

Each rule yields ``(dotted.path, message)`` pairs; :func:`run_all` collects every problem
so that a user sees them all at once.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from collections.abc import Iterator

from sim.scenario.network import (
    MAX_CROSSINGS,
    MAX_SEA_LEGS,
    PathError,
    flow_path,
    gauge_problems,
    handling_of,
    is_sea,
    link_index,
    routes_of,
    transfers,
)
from sim.scenario.problems import did_you_mean
from sim.scenario.schema import Corridor, Scenario, _route_shares

Found = Iterator[tuple[str, str]]


_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def ids(s: Scenario) -> Found:
    """Ids of nodes, links, routes and flows are plain words (they appear in dotted paths
    and KPI scopes)."""
    for table, items in (("nodes", s.nodes), ("links", s.links), ("routes", s.routes),
                         ("services", s.services), ("demand.flows", s.demand.flows)):
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


def node_fields(s: Scenario) -> Found:
    """Each node kind carries the fields it needs and no others."""
    for nid, n in s.nodes.items():
        p = f"nodes.{nid}"
        if n.kind == "border":
            if n.crossing is None:
                yield f"{p}.crossing", "a border node needs a [crossing] table"
            if n.gauge_mm is not None:
                yield f"{p}.gauge_mm", "a border node joins both gauges; remove gauge_mm"
        else:
            if n.gauge_mm is None:
                yield f"{p}.gauge_mm", f"a {n.kind} node needs gauge_mm (1435 or 1520)"
            if n.crossing is not None:
                yield f"{p}.crossing", f"only border nodes have a crossing (kind is '{n.kind}')"
        if n.kind == "port" and n.port is None:
            yield f"{p}.port", "a port node needs a [port] table (berths, yard, handling)"
        if n.kind != "port" and n.port is not None:
            yield f"{p}.port", f"only port nodes have a port table (kind is '{n.kind}')"
        if n.kind == "terminal" and n.boxes_per_train is None:
            yield f"{p}.boxes_per_train", "a terminal needs boxes_per_train"
        if n.kind != "terminal" and n.boxes_per_train is not None:
            yield f"{p}.boxes_per_train", f"only terminals form trains (kind is '{n.kind}')"
        if n.kind != "terminal" and n.departure is not None:
            yield f"{p}.departure", f"only terminals form trains (kind is '{n.kind}')"
        if n.kind not in ("border", "port") and n.disruptions:
            yield f"{p}.disruptions", (f"only border and port nodes (and links) can be "
                                       f"disrupted (kind is '{n.kind}')")
        if n.kind != "junction" and n.train_dwell_h is not None:
            yield f"{p}.train_dwell_h", (f"only junctions stop trains (kind is '{n.kind}'; "
                                         "a crossing's time is its crossing table's)")
        if n.kind == "terminal" and n.departure and n.boxes_per_train and \
                n.departure.min_boxes > n.boxes_per_train:
            yield f"{p}.departure.min_boxes", (f"{n.departure.min_boxes} is more than a train "
                                               f"holds ({n.boxes_per_train} boxes_per_train)")
        if n.port is not None and n.port.departure.min_boxes > n.port.train_boxes:
            yield f"{p}.port.departure.min_boxes", (
                f"{n.port.departure.min_boxes} is more than an outbound train holds "
                f"({n.port.train_boxes} train_boxes)")
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
    sea = {frozenset((v.from_, v.to)): sid for sid, v in s.services.items()}
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
    """A link between two non-border nodes joins nodes of the same gauge."""
    for lid, link in s.links.items():
        a, b = s.nodes.get(link.from_), s.nodes.get(link.to)
        if a is None or b is None or a.kind == "border" or b.kind == "border":
            continue
        if a.gauge_mm and b.gauge_mm and a.gauge_mm != b.gauge_mm:
            yield f"links.{lid}", (f"joins {a.gauge_mm} mm '{link.from_}' to {b.gauge_mm} mm "
                                   f"'{link.to}'; a gauge change needs a border node between")


def services(s: Scenario) -> Found:
    """Vessel services join two distinct ports that no link or other service joins, and
    a sailing never needs more boxes than a vessel takes."""
    seen: dict[frozenset, str] = {}
    for sid, svc in s.services.items():
        p = f"services.{sid}"
        for end, nid in (("from", svc.from_), ("to", svc.to)):
            node = s.nodes.get(nid)
            if node is None:
                ports = {k: n for k, n in s.nodes.items() if n.kind == "port"}
                named = [k for k, n in ports.items() if nid.lower() in n.name.lower()]
                hint = (f"did you mean '{named[0]}'? ({ports[named[0]].name})" if named
                        else did_you_mean(nid, ports))
                yield f"{p}.{end}", f"unknown port '{nid}' ({hint})"
            elif node.kind != "port":
                yield f"{p}.{end}", f"'{nid}' is a {node.kind}, not a port"
        if svc.from_ == svc.to:
            yield p, f"a service cannot sail from '{svc.from_}' to itself"
            continue
        key = frozenset((svc.from_, svc.to))
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
        cap = svc.capacity_boxes(s.demand.share_40ft)
        if svc.sailing.min_boxes > cap:
            yield f"{p}.sailing.min_boxes", (f"{svc.sailing.min_boxes} is more than a vessel "
                                             f"takes ({cap} boxes at load_factor "
                                             f"{svc.load_factor:g})")


def _services_ok(s: Scenario) -> bool:
    """Every vessel service joins two distinct ports (else the services rule says so)."""
    return all(s.nodes.get(v.from_) is not None and s.nodes[v.from_].kind == "port"
               and s.nodes.get(v.to) is not None and s.nodes[v.to].kind == "port"
               and v.from_ != v.to for v in s.services.values())


def route_paths(s: Scenario) -> Found:
    """Route paths name existing nodes, once each, joined by links (judged only when every
    link joins existing nodes: a bad link end is reported once, by link_endpoints)."""
    links = link_index(s)
    links_ok = all(lk.from_ in s.nodes and lk.to in s.nodes and lk.from_ != lk.to
                   for lk in s.links.values()) and _services_ok(s)
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
                yield f"routes.{rid}.path[{i + 1}]", (f"no link or vessel service between "
                                                      f"'{a}' and '{b}' (the route does not "
                                                      "connect)")


def _flow_paths(s: Scenario):
    """(flow, route, path or None, error or None) for each flow and route whose parts are
    otherwise valid; anything already reported by another rule is skipped, so that one
    mistake gives one message."""
    if any(lk.from_ not in s.nodes or lk.to not in s.nodes or lk.from_ == lk.to
           for lk in s.links.values()):
        return  # link_endpoints reported it; connectivity is judged on valid links only
    if not _services_ok(s):
        return  # services reported it
    links = link_index(s)
    for fid, f in s.demand.flows.items():
        ends = [s.nodes.get(f.origin), s.nodes.get(f.destination)]
        if f.origin == f.destination or any(n is None or n.kind != "terminal" for n in ends):
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
            if any(n.kind != "border" and n.gauge_mm is None for n in nodes) or any(
                    n.kind == "port" and n.port is None for n in nodes):
                continue  # node_fields
            try:
                yield fid, rid, flow_path(s, f.origin, f.destination, rid, links), None
            except PathError as e:
                yield fid, rid, None, str(e)


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
            elif s.nodes[nid].kind != "terminal":
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
    n = sum(1 for nid in path if s.nodes[nid].kind == "border")
    if n > MAX_CROSSINGS:
        out.append(f"crosses {n} borders; at most {MAX_CROSSINGS} are modelled")
    sea = [(a, b) for a, b in zip(path, path[1:]) if is_sea(s, a, b)]
    if len(sea) > MAX_SEA_LEGS:
        out.append(f"crosses the sea {len(sea)} times; at most {MAX_SEA_LEGS} are modelled")
    at_sea = {n for ab in sea for n in ab}
    for nid in path:
        if s.nodes[nid].kind == "port" and nid not in at_sea:
            out.append(f"passes port '{nid}' without sailing; a port is where boxes change "
                       "between train and vessel")
    return out


def flow_paths_connect(s: Scenario) -> Found:
    """Each flow's origin + route + destination is a connected path of consistent gauge
    (routes given by dated share changes are judged by the timeline rule)."""
    for fid, rid, path, err in _flow_paths(s):
        if rid not in s.demand.flows[fid].routes:
            continue
        p = f"demand.flows.{fid}.routes.{rid}"
        for msg in [err] if err else path_problems(s, path):
            yield p, msg


def services_sail_loaded(s: Scenario) -> Found:
    """A vessel leaves home only with a load from home (by its sailing rule), so a service
    that some flow sails back on (far port -> home) must also carry some flow out."""
    links = link_index(s)
    out_used, back_used = set(), {}
    for fid, rid, path, err in _flow_paths(s):
        if err:
            continue
        for a, b in zip(path, path[1:]):
            sid = links.get(frozenset((a, b)))
            v = s.services.get(sid) if sid not in s.links else None
            if v is None:
                continue
            if (v.from_, v.to) == (a, b):
                out_used.add(sid)
            else:
                back_used.setdefault(sid, (fid, rid))
    for sid, (fid, rid) in back_used.items():
        if sid not in out_used:
            v = s.services[sid]
            yield (f"demand.flows.{fid}", f"sails back on service '{sid}' from '{v.to}' to "
                   f"'{v.from_}' (route '{rid}'), but no flow sails out from '{v.from_}', so "
                   f"no vessel would ever leave '{v.from_}' (swap the service's from and to)")


def train_lengths(s: Scenario) -> Found:
    """No train is longer than the receiving or departure tracks of a crossing or port
    it uses."""
    rs = s.rolling_stock
    reported = set()
    for fid, rid, path, err in _flow_paths(s):
        if err or gauge_problems(s, path) or s.nodes[path[0]].boxes_per_train is None:
            continue
        for t in transfers(s, path):
            c = handling_of(s, t.node)
            if c is None:
                continue
            table = "crossing" if s.nodes[t.node].kind == "border" else "port"
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


MAX_BOXES_PER_RUN = 50_000_000


def demand_size(s: Scenario) -> Found:
    """The run draws at most MAX_BOXES_PER_RUN boxes (memory: ~130 bytes each)."""
    from sim.scenario.summary import expected_volume
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
    inbound, by_sea, tails = _loads(s)
    for nid, nb in inbound.items():
        c = handling_of(s, nid)
        table = "crossing" if s.nodes[nid].kind == "border" else "port"
        p = f"nodes.{nid}.{table}.yard_capacity_teu"
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


def _loads(s: Scenario):
    """Per transfer node: the largest inbound load (boxes) and whether it comes by sea, and
    per onward path the outbound load and its departure rule."""
    inbound: dict[str, int] = {}
    by_sea: dict[str, bool] = {}
    tails: dict[str, dict[tuple, tuple[int, str]]] = {}
    for _fid, _rid, path, err in _flow_paths(s):
        if err or gauge_problems(s, path):
            continue
        for t in transfers(s, path):
            if t.inbound_boxes is None or handling_of(s, t.node) is None:
                break
            if t.inbound_boxes >= inbound.get(t.node, 0):
                inbound[t.node], by_sea[t.node] = t.inbound_boxes, t.arrives_by_sea
            if t.leaves_by_sea:
                svc = next(v for v in s.services.values()
                           if {v.from_, v.to} == {t.node, t.onward[0]})
                rule = svc.sailing.rule if svc.from_ == t.node else "immediate"
            else:
                rule = handling_of(s, t.node).departure.rule
            tails.setdefault(t.node, {})[t.onward] = (t.outbound_boxes, rule)
    return inbound, by_sea, tails


def transit_count(s: Scenario) -> Found:
    """The crossings where transit boxes are counted are border nodes."""
    for i, nid in enumerate(s.kpis.transit.crossings):
        if nid not in s.nodes:
            yield (f"kpis.transit.crossings[{i}]",
                   f"unknown node '{nid}' ({did_you_mean(nid, s.nodes)})")
        elif s.nodes[nid].kind != "border":
            yield f"kpis.transit.crossings[{i}]", f"'{nid}' is a {s.nodes[nid].kind}, not a border"


def horizon_years(s: Scenario) -> Found:
    """The base year of demand lies within ten years of the horizon."""
    h, y = s.horizon, s.demand.base_year
    if not (h.start.year - 10 <= y <= h.end.year + 10):
        yield "demand.base_year", (f"{y} is far from the horizon {h.start}..{h.end}; growth "
                                   f"would be extrapolated over more than ten years")


# parameters a timeline may change, by the kind of element, with their bounds
TIMELINE_FIELDS = {
    "links": {"train_paths_per_day": (0.0, 2000.0, False)},
    "nodes": {"crossing.cranes": (1, 200, True), "crossing.receiving_tracks": (1, 200, True),
              "crossing.crane_moves_per_h": (0.0, 500.0, False),
              "crossing.yard_capacity_teu": (0.0, 1e7, False),
              "port.cranes": (1, 200, True), "port.receiving_tracks": (1, 200, True),
              "port.crane_moves_per_h": (0.0, 500.0, False), "port.berths": (1, 50, True),
              "port.yard_capacity_teu": (0.0, 1e7, False)},
    "services": {"fleet": (0, 200, True)},
}
ALLOWED_CHANGES = ", ".join(f"{t}.ID.{f}" for t, fs in TIMELINE_FIELDS.items() for f in fs)


def timeline(s: Scenario) -> Found:
    """Timeline changes fall in the simulated span, name existing facilities and
    parameters that can change during a run, with valid values."""
    h = s.horizon
    first = h.start - dt.timedelta(days=h.warmup_days)
    for i, ch in enumerate(s.timeline):
        p = f"timeline[{i}]"
        if not (first <= ch.date < h.end):
            yield f"{p}.date", (f"{ch.date} is outside the simulated span {first} .. {h.end} "
                                "(warm-up included, end excluded)")
        if ch.close is not None:
            node = s.nodes.get(ch.close)
            if ch.close in s.links or (node is not None and node.kind in ("border", "port")):
                continue
            if node is not None:
                yield f"{p}.close", f"'{ch.close}' is a {node.kind}; only border nodes, " \
                                    "ports and links can close"
            else:
                closable = [*s.links, *(k for k, n in s.nodes.items()
                                        if n.kind in ("border", "port"))]
                yield f"{p}.close", (f"unknown facility '{ch.close}' "
                                     f"({did_you_mean(ch.close, closable)})")
            continue
        for path, value in (ch.set or {}).items():
            yield from _timeline_value(s, f"{p}.set", path, value)
        if ch.shares is not None:
            yield from _timeline_shares(s, f"{p}.shares", ch.shares)


def _timeline_shares(s: Scenario, where: str, shares: dict[str, dict[str, float]]) -> Found:
    if s.route_choice.model != "shares":
        yield where, ("route shares can change only with route_choice.model = 'shares' (the "
                      "logit chooses routes by their cost)")
        return
    paths = {(fid, rid): (path, err) for fid, rid, path, err in _flow_paths(s)}
    for fid, table in shares.items():
        if fid not in s.demand.flows:
            yield f"{where}.{fid}", f"unknown flow '{fid}' ({did_you_mean(fid, s.demand.flows)})"
            continue
        try:
            _route_shares(table)
        except ValueError as e:
            yield f"{where}.{fid}", str(e)
            continue
        for rid in table:
            if rid not in s.routes:
                yield (f"{where}.{fid}.{rid}",
                       f"unknown route '{rid}' ({did_you_mean(rid, s.routes)})")
            elif (fid, rid) in paths:
                path, err = paths[(fid, rid)]
                for msg in [err] if err else path_problems(s, path):
                    yield f"{where}.{fid}.{rid}", msg


def _timeline_value(s: Scenario, where: str, path: str, value: float) -> Found:
    table, _, rest = path.partition(".")
    eid, _, field = rest.partition(".")
    allowed = TIMELINE_FIELDS.get(table)
    if allowed is None or not eid or not field:
        yield where, f"'{path}' cannot change during a run (allowed: {ALLOWED_CHANGES})"
        return
    items = getattr(s, table)
    if eid not in items:
        yield where, f"unknown {table[:-1]} '{eid}' in '{path}' ({did_you_mean(eid, items)})"
        return
    if field not in allowed:
        yield where, (f"'{field}' of a {table[:-1]} cannot change during a run "
                      f"({did_you_mean(field, allowed)})")
        return
    if table == "nodes" and getattr(s.nodes[eid], field.split(".")[0]) is None:
        yield where, f"'{eid}' has no {field.split('.')[0]} in '{path}'"
        return
    low, high, whole = allowed[field]
    if field.endswith("yard_capacity_teu"):
        nb = _loads(s)[0].get(eid)
        if nb is not None and value < 2 * nb:
            yield where, (f"'{path}' = {value:g} TEU cannot take one inbound load of {nb} "
                          f"boxes (up to {2 * nb} TEU)")
            return
    if whole and value != int(value):
        yield where, f"'{path}' must be a whole number (got {value:g})"
    elif not (low < value <= high if not whole else low <= value <= high):
        op = ">=" if whole else ">"
        yield where, f"'{path}' must be {op} {low:g} and <= {high:g} (got {value:g})"


def route_choice(s: Scenario) -> Found:
    """Logit route choice has priors for every route it chooses among, and constants only
    for routes that exist."""
    rc = s.route_choice
    for rid in rc.constants:
        if rid not in s.routes:
            yield (f"route_choice.constants.{rid}",
                   f"unknown route '{rid}' ({did_you_mean(rid, s.routes)})")
    if rc.model != "logit":
        return
    reported = set()
    for f in s.demand.flows.values():
        if len(f.routes) < 2:
            continue
        for rid in f.routes:
            r = s.routes.get(rid)
            if r is not None and r.prior_transit_days is None and rid not in reported:
                reported.add(rid)
                yield (f"routes.{rid}.prior_transit_days", "logit route choice needs an "
                       "expected transit time before any journey is seen (days, > 0)")


RULES = [ids, node_fields, link_endpoints, link_duplicates, link_gauges, services, route_paths,
         flow_ends, flow_paths_connect, flow_years, services_sail_loaded, train_lengths,
         positive_speeds,
         yards_hold_trains, transit_count, horizon_years, demand_size, timeline, route_choice]


def run_all(s: Scenario) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for rule in RULES:
        out.extend(rule(s))
    return out
