"""Build the corridor from a scenario and run one replication.

Model time is in hours; hour 0 is midnight at the start of the warm-up
(``horizon.start - warmup_days``). Trains are SimPy processes; containers are rows of the
record store, moved in batches by index.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.engine.choice import Learner, logit_probabilities, utility
from sim.engine.facilities.border import BorderCrossing
from sim.engine.facilities.demand import arrivals, daily_rates
from sim.engine.facilities.disruptions import closures, merge
from sim.engine.facilities.formation import schedule_departures
from sim.engine.facilities.port import PortFacility, VesselService
from sim.engine.facilities.rail import Draws, RailLine
from sim.engine.facilities.slots import at
from sim.engine.randomness import stream
from sim.engine.records import ContainerStore, gather, rows_array
from sim.scenario.network import (
    crossing_gauges,
    flow_path,
    legs,
    link_index,
    outbound_boxes,
    routes_of,
)
from sim.scenario.schema import Departure, Scenario

JUNCTION, BORDER, DELIVER, PORT = 0, 1, 2, 3


def _pick(share: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index of the share interval each uniform ``u`` falls in (no draw falls past the last
    route with a share)."""
    cum = np.cumsum(share)
    cum[np.flatnonzero(share > 0)[-1]:] = 1.0
    return np.searchsorted(cum, u, side="right")


def _reassign(old: np.ndarray, new: np.ndarray, route: np.ndarray, u: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """The coupling of two share vectors that moves the fewest draws: a draw on route r
    stays if its place within r's old interval is below new_r / old_r; the rest, taken in
    order, fill the gains of the growing routes in order. Returns the new routes and the
    draws' places in the new intervals, uniform again, for a later change."""
    start_old = np.concatenate(([0.0], np.cumsum(old)[:-1]))
    start_new = np.concatenate(([0.0], np.cumsum(new)[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(old[route] > 0, (u - start_old[route]) / old[route], 0.0)
        keep = np.where(old > 0, np.minimum(new / old, 1.0), 0.0)
    stays = q < keep[route]
    loss = np.maximum(old - new, 0.0)
    gain = np.maximum(new - old, 0.0)
    # position in the pool of moved draws: the losing routes' moved parts, in route order
    loss_start = np.concatenate(([0.0], np.cumsum(loss)[:-1]))
    p = loss_start[route] + (q - keep[route]) * old[route]
    gain_cum = np.cumsum(gain)
    target = np.minimum(np.searchsorted(gain_cum, p, side="right"), len(new) - 1)
    new_route = np.where(stays, route, target)
    kept_mass = np.minimum(old, new)  # stayers fill the start of each new interval
    offset = np.where(stays, q * old[route],
                      kept_mass[target] + p - (gain_cum[target] - gain[target]))
    new_u = start_new[new_route] + np.clip(offset, 0.0, np.maximum(new[new_route], 0.0))
    return new_route, new_u


@contextmanager
def _no_hugepage_advice():
    """Allocate the large per-container arrays without NumPy's transparent-hugepage
    advice: on virtual machines that compact memory synchronously for such advice it
    doubled the time to build a million-container store (measured: 0.33 s -> 0.16 s at
    demand x2.4). A no-op where NumPy does not offer the switch."""
    switch = getattr(getattr(np, "_core", None), "multiarray", None)
    switch = getattr(switch, "_set_madvise_hugepage", None)
    if switch is None:
        yield
        return
    before = switch(False)
    try:
        yield
    finally:
        switch(before)


@dataclass(frozen=True)
class Calendar:
    """Maps dates to model hours."""

    t0: dt.date
    start: dt.date
    end: dt.date

    def hours(self, day: dt.date) -> float:
        return (day - self.t0).days * 24.0

    @property
    def end_h(self) -> float:
        return self.hours(self.end)

    @property
    def start_h(self) -> float:
        return self.hours(self.start)

    def years(self) -> list[tuple[str, float, float]]:
        """(label, first hour, end hour) for each calendar year in the reported horizon,
        clipped to it."""
        out = []
        for y in range(self.start.year, self.end.year + 1):
            a = max(self.start, dt.date(y, 1, 1))
            b = min(self.end, dt.date(y + 1, 1, 1))
            if b > a:
                out.append((str(y), self.hours(a), self.hours(b)))
        return out

    @classmethod
    def of(cls, scenario: Scenario) -> Calendar:
        h = scenario.horizon
        return cls(h.start - dt.timedelta(days=h.warmup_days), h.start, h.end)


@dataclass
class RunOutput:
    """Everything one replication produced, before any statistics."""

    scenario: Scenario
    seed: int
    replication: int
    calendar: Calendar
    store: ContainerStore
    node_ids: list[str]
    flow_ids: list[str]
    route_ids: list[str]
    crossings: dict[str, BorderCrossing]
    lines: dict[str, RailLine]
    ports: dict[str, PortFacility] = field(default_factory=dict)
    services: dict[str, VesselService] = field(default_factory=dict)
    # per block train formed at an origin: flow code, route code, departure hour, boxes, teu
    origin_trains: list[tuple[int, int, float, int, int]] = field(default_factory=list)
    # (link id, direction) on some flow's path
    link_directions: set[tuple[str, int]] = field(default_factory=set)
    # records derived after the run, computed once (KPIs and daily series share them)
    cache: dict = field(default_factory=dict)


class Model:
    """The corridor for one (scenario, seed, replication)."""

    def __init__(self, scenario: Scenario, seed: int | None = None, replication: int = 0):
        self.scenario = s = scenario
        self.seed = s.seed if seed is None else seed
        self.replication = replication
        self.cal = Calendar.of(s)
        self.env = env = simpy.Environment()
        self.node_ids = list(s.nodes)
        self.flow_ids = list(s.demand.flows)
        self.route_ids = list(s.routes)
        self.node_code = {n: i for i, n in enumerate(self.node_ids)}
        with _no_hugepage_advice():
            self.store = self._make_demand()

        rep = replication
        self.lines = {lid: RailLine(lid, link, stream(self.seed, "running", rep, lid))
                      for lid, link in s.links.items()}
        def streams(nid: str) -> tuple:  # handling, customs, inspection share and dwell
            return (stream(self.seed, "handling", rep, nid), stream(self.seed, "dwell", rep, nid),
                    stream(self.seed, "inspection", rep, nid),
                    stream(self.seed, "inspection", rep, nid + ":dwell"))

        self.crossings = {
            nid: BorderCrossing(env, nid, self.node_code[nid], n.crossing, *streams(nid),
                                self.store.teu_of)
            for nid, n in s.nodes.items() if n.kind == "border"}
        self.ports = {
            nid: PortFacility(env, nid, self.node_code[nid], n.port, *streams(nid),
                              self.store.teu_of)
            for nid, n in s.nodes.items() if n.kind == "port"}
        self.services = {
            sid: VesselService(env, sid, svc, self.ports[svc.from_], self.ports[svc.to],
                               s.demand.share_40ft, self.store.teu,
                               stream(self.seed, "handling", rep, sid + ":berthing"),
                               stream(self.seed, "running", rep, sid))
            for sid, svc in s.services.items()}
        self.junction_dwell = {
            nid: Draws(n.train_dwell_h, stream(self.seed, "junction", rep, nid))
            for nid, n in s.nodes.items() if n.train_dwell_h is not None}
        self._used_links: set[tuple[str, int]] = set()
        self._slot_lut = np.full((len(self.flow_ids), len(self.route_ids), len(self.node_ids)),
                                 -1, np.int8)
        self.plans = self._plans()
        self._origin_rows: list[np.ndarray] = []  # rows of each origin train, as logged
        self._logit = s.route_choice.model == "logit"
        self._learners: dict[int, Learner] = {}  # per flow, with logit route choice
        self._delivered_rows: list[np.ndarray] = []  # rows of each train delivered
        self._delivered_at: list[float] = []  # and its hour
        self.out = RunOutput(s, self.seed, rep, self.cal, self.store, self.node_ids,
                             self.flow_ids, self.route_ids, self.crossings, self.lines,
                             self.ports, self.services, link_directions=self._used_links)
        self._start_origins()
        self._start_timeline()

    # -- construction ----------------------------------------------------------------
    def _make_demand(self) -> ContainerStore:
        s, cal = self.scenario, self.cal
        n_days = (cal.end - cal.t0).days
        parts = []
        for f, (fid, flow) in enumerate(s.demand.flows.items()):
            rng = stream(self.seed, "demand", self.replication, fid)
            rates = daily_rates(s.demand, flow, cal.t0, n_days)
            t, size = arrivals(rng, rates, s.demand.share_40ft, s.demand.arrival_process)
            parts.append((f, flow, t, size))
        # rows flow by flow, each flow's in arrival order (no global sort needed)
        counts = [len(p[2]) for p in parts]
        self._flow_rows = np.cumsum([0, *counts])
        flow = np.repeat(np.arange(len(parts)), counts)
        origin = np.repeat([self.node_code[p[1].origin] for p in parts], counts)
        dest = np.repeat([self.node_code[p[1].destination] for p in parts], counts)
        size = np.concatenate([p[3] for p in parts]) if parts else np.empty(0, np.int8)
        t_all = np.concatenate([p[2] for p in parts]) if parts else np.empty(0)
        slots = max((sum(1 for nid in flow_path(s, fl.origin, fl.destination, rid)
                         if s.nodes[nid].kind == "border")
                     for fid, fl in s.demand.flows.items() for rid in routes_of(s, fid)),
                    default=0)
        return ContainerStore(flow, origin, dest, size, t_all, max(slots, 1))

    def _plans(self) -> dict[tuple[int, int], list[tuple]]:
        """Compiled rail steps for each (flow, route): ``(book, direction, action, a, b,
        km_h, speed)`` — the link's path booking, the direction, what happens at the end
        of the link, its length in km x 24 and its speed draw (so that running hours are
        ``km_h / speed()``).

        JUNCTION: a = the stop-time draw or None. BORDER and PORT: a = the crossing's or
        port's ``receive``, b = the pool the train's boxes join there (at a crossing the
        outbound trains for the onward path, at a port the vessel service's). DELIVER:
        nothing. Sea legs have no step: the
        vessel service lands the boxes at the far port, whose dispatch table (per flow
        and route) names the pool that takes them on."""
        s = self.scenario
        links = link_index(s)
        plans = {}
        self._sea_plans: set[tuple[int, int]] = set()
        self._dispatch_tables: dict[tuple[str, int], dict[int, object]] = {}
        n_routes = len(self.route_ids)
        for f, (fid, flow) in enumerate(s.demand.flows.items()):
            for rid in routes_of(s, fid):
                r = self.route_ids.index(rid)
                path = flow_path(s, flow.origin, flow.destination, rid, links)
                gauges = {b: gout for b, _gin, gout in crossing_gauges(s, path)}
                lg = legs(s, path, links)
                step_of, n = {}, 0
                for i, leg in enumerate(lg):
                    if not leg.sea:
                        step_of[i], n = n, n + 1
                steps: list[tuple] = []
                for i, leg in enumerate(lg):
                    if leg.sea:
                        self._sea_plans.add((f, r))
                        far = self.ports[leg.node]
                        if i + 1 < len(lg) and lg[i + 1].sea:  # straight onto another vessel
                            pool = self._vessel_pool(lg[i + 1])
                        else:
                            pool = far.pool(tuple(path[i + 2:]), s.nodes[leg.node].port.train_boxes,
                                            self._crossing_departure(steps, step_of[i + 1]))
                        table = self._dispatch_tables.setdefault((leg.link_id, leg.direction), {})
                        table[f * n_routes + r] = pool
                        continue
                    line = self.lines[leg.link_id]
                    node = s.nodes[leg.node]
                    if i == len(lg) - 1:
                        steps.append((line.book, leg.direction, DELIVER, None, None,
                                      line.km_h, line.speed.one))
                    elif node.kind == "border":
                        spec = (tuple(path[i + 2:]),  # pool: boxes with the same onward path
                                outbound_boxes(s, leg.node, gauges[leg.node]),
                                self._crossing_departure(steps, step_of[i + 1]))
                        xing = self.crossings[leg.node]
                        steps.append((line.book, leg.direction, BORDER, xing.receive,
                                      xing.pool(*spec), line.km_h, line.speed.one))
                    elif node.kind == "port":
                        steps.append((line.book, leg.direction, PORT,
                                      self.ports[leg.node].receive,
                                      self._vessel_pool(lg[i + 1]), line.km_h,
                                      line.speed.one))
                    else:
                        stop = self.junction_dwell.get(leg.node)
                        steps.append((line.book, leg.direction, JUNCTION,
                                      stop.one if stop is not None else None, None,
                                      line.km_h, line.speed.one))
                plans[(f, r)] = steps
                crossed = [n for n in path if s.nodes[n].kind == "border"]
                for k, nid in enumerate(crossed):  # the k-th crossing of this flow and route
                    self._slot_lut[f, r, self.node_code[nid]] = k
                self._used_links.update((leg.link_id, leg.direction) for leg in lg
                                        if not leg.sea)
        for (sid, direction), table in self._dispatch_tables.items():
            self.services[sid].dispatch[direction] = self._dispatcher(table)
        return plans

    def _vessel_pool(self, leg):
        """The pool of boxes waiting for the vessel service of a sea leg, at its start."""
        svc = self.services[leg.link_id]
        return svc.out_pool if leg.direction == 0 else svc.back_pool

    def _dispatcher(self, table: dict[int, object]):
        """rows landed -> [(rows, pool)]: each box's onward pool by its flow and route."""
        st, n_routes = self.store, len(self.route_ids)

        def dispatch(rows: np.ndarray):
            codes = st.flow[rows].astype(np.int64) * n_routes + st.route[rows]
            first = int(codes[0])
            if (codes == first).all():
                return [(rows, table[first])]
            return [(rows[codes == c], table[int(c)]) for c in np.unique(codes)]
        return dispatch

    def _start_origins(self) -> None:
        """Every arrival is known in advance, so each flow's block-train departures are
        computed at once and one process per flow sends them off."""
        s, st = self.scenario, self.store
        for f, (fid, flow) in enumerate(s.demand.flows.items()):
            node = s.nodes[flow.origin]
            rows = np.arange(self._flow_rows[f], self._flow_rows[f + 1])  # in arrival order
            plan = schedule_departures(st.t_created[rows], node.departure or Departure(),
                                       node.boxes_per_train, self.cal.end_h)
            rng = stream(self.seed, "route", self.replication, fid)
            cum_teu = np.concatenate(([0], np.cumsum(st.teu[rows], dtype=np.int64)))
            if self._logit and len(flow.routes) > 1:
                # chosen at departure from what has been learned by then
                chooser = self._logit_chooser(
                    f, [self.route_ids.index(r) for r in flow.routes], rng)
                route = [-1] * len(plan)
            else:
                # one route draw per train, in departure order, by the shares in force
                chooser = None
                route = self._draw_routes(fid, [p[0] for p in plan], rng).tolist()
            if plan:
                t_dep, a, b = (np.array(c) for c in zip(*plan))
                teu = (cum_teu[b] - cum_teu[a]).tolist()
                # a flow's rows are consecutive: each train's are a view of them
                trains = [(t, rows[i:j], r, n)
                          for t, i, j, r, n in zip(t_dep.tolist(), a.tolist(), b.tolist(),
                                                   route, teu)]
            else:
                trains = []
            self.origin_trains(f, trains, chooser)

    def _draw_routes(self, fid: str, t: list[float], rng: np.random.Generator) -> np.ndarray:
        """Route codes for trains of flow ``fid`` leaving at hours ``t``: one uniform draw
        per train against the shares in force at its departure (the flow's, then those of
        dated share changes). A change moves as few trains as it can: a train keeps its
        route unless that route's share fell, and only the fall's worth of trains move,
        to the routes whose share rose — so two scenarios with the same seed differ only
        where their shares do (common random numbers)."""
        s = self.scenario
        names = routes_of(s, fid)
        codes = np.array([self.route_ids.index(r) for r in names])
        tables = [(-np.inf, s.demand.flows[fid].routes)] + [
            (self.cal.hours(ch.date), ch.shares[fid])
            for ch in sorted(s.timeline, key=lambda c: c.date)
            if ch.shares is not None and fid in ch.shares]
        u = rng.random(len(t))
        regime = np.searchsorted([a for a, _ in tables], np.asarray(t, float),
                                 side="right") - 1
        out = np.empty(len(t), np.int64)
        share = np.array([tables[0][1].get(r, 0.0) for r in names])
        route = _pick(share, u)
        for k in range(len(tables)):
            if k:  # move trains from the routes that lost share to those that gained it
                new = np.array([tables[k][1].get(r, 0.0) for r in names])
                route, u = _reassign(share, new, route, u)
                share = new
            m = regime == k
            out[m] = codes[route[m]]
        return out

    def _start_timeline(self) -> None:
        """Dated changes and random closures: link paths and link closures are known in
        advance and go into the links' booking; changes and closures of crossings, ports
        and vessel services happen when their hour comes."""
        at_hour = []
        for ch in sorted(self.scenario.timeline, key=lambda c: c.date):
            t = self.cal.hours(ch.date)
            if ch.close is not None:
                end = t + ch.days * 24.0
                if ch.close in self.lines:
                    self.lines[ch.close].close(t, end)
                else:
                    fac = self._facility(ch.close)
                    at_hour += [(t, fac.close), (end, fac.reopen)]
                continue
            for path, value in (ch.set or {}).items():  # shares: in the route draws
                table, _, rest = path.partition(".")
                eid, _, field = rest.partition(".")
                if table == "links":
                    self.lines[eid].change_paths(t, value)
                elif table == "services":
                    at_hour.append((t, lambda v=self.services[eid], n=int(value): v.set_fleet(n)))
                else:
                    fac = self._facility(eid)
                    at_hour.append((t, lambda x=fac, f=field.split(".", 1)[1], v=value:
                                    x.change(f, v)))
        # random closures (gales, storms, breakdowns), drawn now from their own streams
        s, n_days = self.scenario, (self.cal.end - self.cal.t0).days
        facilities = [(lid, link.disruptions) for lid, link in s.links.items()] + [
            (nid, node.disruptions) for nid, node in s.nodes.items()]
        for fid, disruptions in facilities:
            windows, seen = [], {}
            for d in disruptions:
                # keyed by kind and rank among that kind: adding a breakdown does not
                # change the weather
                k = seen[d.kind] = seen.get(d.kind, -1) + 1
                name = "weather" if d.kind in ("gale", "storm") else "breakdowns"
                rng = stream(self.seed, name, self.replication, f"{fid}#{d.kind}#{k}")
                windows += closures(d, rng, self.cal.t0, n_days)
            for a, b in merge(windows):
                if fid in self.lines:
                    self.lines[fid].close(a, b)
                else:
                    fac = self._facility(fid)
                    at_hour += [(a, fac.close), (b, fac.reopen)]
        if at_hour:
            self.env.process(self.timeline(sorted(at_hour, key=lambda a: a[0])))

    def _facility(self, nid: str):
        return self.crossings.get(nid) or self.ports[nid]

    def timeline(self, actions: list[tuple[float, object]]):
        """Process: apply the crossings' dated changes and closures on their dates."""
        env = self.env
        for t, act in actions:
            if t > env.now:
                yield env.timeout(t - env.now)
            act()

    def _logit_chooser(self, f: int, routes: list[int], rng: np.random.Generator):
        """Draw a route for flow ``f`` by the logit over what has been learned so far."""
        rc, s = self.scenario.route_choice, self.scenario
        learner = self._learners[f] = Learner(s, self.route_ids)
        ids = [self.route_ids[r] for r in routes]
        tariffs = [s.routes[rid].tariff_usd_per_feu for rid in ids]
        consts = [rc.constants.get(rid, 0.0) for rid in ids]

        def choose(now: float) -> int:
            v = []
            for r, c, tariff in zip(routes, consts, tariffs):
                days, unreliability = learner.expected(r, now)
                v.append(utility(rc, c, days, tariff, unreliability))
            p = np.cumsum(logit_probabilities(np.array(v)))
            p[-1] = 1.0
            return routes[int(np.searchsorted(p, rng.random(), side="right"))]
        return choose

    def origin_trains(self, f: int, trains: list[tuple[float, np.ndarray, int, int]],
                      chooser=None) -> None:
        """Block trains of flow ``f`` leave the origin at their planned hours, each on its
        drawn (or, with logit choice, chosen) route: a chain of callbacks, one per
        departure hour (no process)."""
        env, log, rows_log, plans = self.env, self.out.origin_trains, self._origin_rows, \
            self.plans
        sea, store = self._sea_plans, self.store
        n, pos = len(trains), 0

        def leave(_e=None) -> None:
            nonlocal pos
            now = env.now
            while pos < n:
                t, idx, r, teu = trains[pos]
                if t > now:
                    at(env, t - now, leave)
                    return
                pos += 1
                if chooser is not None:
                    r = chooser(t)
                    store.route[idx] = r  # learning needs it at delivery
                elif (f, r) in sea:
                    store.route[idx] = r  # landing needs it to send boxes on
                log.append((f, r, t, len(idx), teu))
                rows_log.append(idx)
                self.journey(idx, teu, plans[(f, r)], 0)
        leave()

    # -- processes ---------------------------------------------------------------------
    def journey(self, idx: np.ndarray, teu: int, steps: list[tuple], pos: int) -> None:
        """A train leaves a terminal or crossing: book paths on every link up to its next
        stop (crossing or destination) and arrive there in one event; at a crossing its
        boxes are handed over (a new train is formed later), at the destination they are
        delivered. Trains are chains of callbacks, not processes."""
        env = self.env
        now = t = env.now
        for i in range(pos, len(steps)):
            book, direction, action, a, b, km_h, speed = steps[i]
            t = book(direction, t, now) + km_h / speed()
            if action == JUNCTION:
                if a is not None:
                    t += a()
                continue
            if action == DELIVER:
                if self._learners:  # logit route choice learns from each delivery in turn
                    at(env, t - now, lambda _e: self._deliver(idx))
                else:  # nothing else happens at a delivery: log it now with the hour its
                    # event would have had, and schedule none (deliveries at or after the
                    # end are dropped when stamping)
                    self._delivered_rows.append(idx)
                    self._delivered_at.append(now + (t - now))
            else:  # a crossing or port receives the train into the pool for its onward way
                at(env, t - now, lambda _e, receive=a, pool=b: receive(idx, teu, pool))
            return

    def _deliver(self, idx: np.ndarray) -> None:
        now = self.env.now
        self._delivered_rows.append(idx)
        self._delivered_at.append(now)
        if self._learners:  # logit route choice learns from every delivery
            st = self.store
            flows, routes = st.flow[idx], st.route[idx]
            days = (now - st.t_created[idx]) / 24.0
            for f, r in set(zip(flows.tolist(), routes.tolist())):
                learner = self._learners.get(f)
                if learner is not None:
                    m = (flows == f) & (routes == r)
                    learner.observe(r, now, days[m])

    def _crossing_departure(self, steps: list[tuple], pos: int):
        def depart(idx: np.ndarray, t: float, teu: int) -> None:
            self.journey(idx, teu, steps, pos)
        return depart

    def _progress(self, bar):
        """Process: advance a progress bar once a simulated day."""
        while True:
            yield self.env.timeout(24.0)
            bar.update(1)

    def run(self, progress: bool = False) -> RunOutput:
        end = self.cal.end_h
        if progress:
            from tqdm import tqdm
            with tqdm(total=int(end // 24), unit="day", desc=f"{self.scenario.name}",
                      leave=False, disable=None) as bar:
                self.env.process(self._progress(bar))
                self.env.run(until=end)
        else:
            self.env.run(until=end)
        self._stamp()
        return self.out

    def _stamp(self) -> None:
        """Write the stage times logged per train into the container records."""
        st = self.store
        if self._origin_rows:  # one pass over the trains' rows and one over their log
            rows = np.concatenate(self._origin_rows)
            ot = rows_array(self.out.origin_trains, 5)  # flow, route, hour, boxes, teu
            boxes = ot[:, 3].astype(np.int64)
            st.route[rows] = np.repeat(ot[:, 1].astype(np.int16), boxes)
            st.t_depart_origin[rows] = np.repeat(ot[:, 2], boxes)
        rows, t = gather(self._delivered_rows, self._delivered_at)
        reached = t < self.cal.end_h  # deliveries logged ahead of their hour
        st.t_delivered[rows[reached]] = t[reached]
        flow_route = st.flow.astype(np.intp) * len(self.route_ids) + st.route
        for xing in self.crossings.values():
            xing.stamp(st, self._slot_lut, flow_route)
        # customs release is logged when scheduled; one after the end was not reached
        ready = st.t_crossing["ready"]
        ready[ready >= self.cal.end_h] = np.nan
