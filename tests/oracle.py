"""A test-only reference model with one SimPy process per container.

It simulates the same chain as the batched core (origin terminal -> rail -> crossing or
port with tracks, yard, cranes and customs -> formation of outbound trains, or a vessel
service across the sea to a far port -> rail -> destination) but the obvious way: every
container is a process that waits for its own arrival and its own customs release and
then puts itself into a FIFO store; trains and vessel loads are formed by taking boxes
from the store one at a time; a train books its paths to its next stop by a linear scan
and then runs link by link, one event per link and per junction stop; resources are
SimPy's own (``Resource``, ``Container``, ``Store``); a vessel is a process that waits
for a load, takes a berth, loads, sails, and berths and unloads at the far port. Random
inputs come from the same named streams, drawn at the same points, so a correct batched
core must produce the same container records.

Only what the oracle tests use is supported: single-route flows; departure rules
``full``, ``full_or_max_wait`` (``min_boxes = 1``) and ``timetable`` for trains and
sailings; vessel services with loads out by the sailing rule and back with what is ready
at the far port, with a fixed fleet; closures of ports, dated (the timeline) or random
(storms, drawn from their streams with the model's sampler).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import simpy

from sim.engine.facilities.demand import arrivals, daily_rates
from sim.engine.facilities.disruptions import closures as random_closures
from sim.engine.facilities.rail import Draws
from sim.engine.facilities.weather import weather_closures
from sim.engine.output import Calendar
from sim.engine.randomness import stream
from sim.scenario.distributions import gamma_mean_cv
from sim.scenario.network import crossing_gauges, flow_path, link_index, outbound_boxes
from sim.scenario.schema import Departure, Scenario

EPS_H = 1e-9
PORT_STAGES = ("arrive", "unloaded", "ready", "release", "depart")


class Oracle:
    def __init__(self, s: Scenario, seed: int, replication: int = 0):
        self.s, self.seed, self.rep = s, seed, replication
        self.cal = Calendar.of(s)
        self.env = env = simpy.Environment()
        self.links = link_index(s)
        n_days = (self.cal.end - self.cal.t0).days
        parts = []
        for f, (fid, flow) in enumerate(s.demand.flows.items()):
            assert len(flow.routes) == 1, "the oracle supports single-route flows"
            rng = stream(seed, "demand", replication, fid)
            t, size = arrivals(rng, daily_rates(s.demand, flow, self.cal.t0, n_days),
                               s.demand.share_40ft, s.demand.arrival_process)
            parts.append((f, t, size))
        # rows flow by flow, as the record store numbers them
        self.flow = np.concatenate([np.full(len(p[1]), p[0]) for p in parts])
        self.teu = np.where(np.concatenate([p[2] for p in parts]) == 40, 2, 1)
        self.t_created = np.concatenate([p[1] for p in parts])
        n = len(self.t_created)
        nan = lambda: np.full(n, np.nan)  # noqa: E731
        self.rec = {k: nan() for k in ("depart_origin", "arrive", "unloaded", "ready",
                                       "depart", "delivered", "sailed", "anchored",
                                       "landed")}
        self.speed = {lid: Draws(link.speed_km_per_day, stream(seed, "running", replication, lid))
                      for lid, link in s.links.items()}
        self.booked = {(lid, d): [] for lid in s.links for d in (0, 1)}
        self.stops = {nid: Draws(node.train_dwell_h, stream(seed, "junction", replication, nid))
                      for nid, node in s.nodes.items() if node.train_dwell_h is not None}
        self.fac = {}  # crossings and ports alike
        for nid, node in s.nodes.items():
            if node.kind not in ("border", "port"):
                continue
            c = node.crossing if node.kind == "border" else node.port
            self.fac[nid] = x = SimpleNamespace(
                id=nid, kind=node.kind, cfg=c, tracks=simpy.Resource(env, c.receiving_tracks),
                cranes=simpy.Resource(env, c.cranes),
                yard=simpy.Container(env, capacity=c.yard_capacity_teu),
                handling=stream(seed, "handling", replication, nid),
                customs=Draws(c.customs_dwell_h, stream(seed, "dwell", replication, nid)),
                inspection=stream(seed, "inspection", replication, nid),
                inspection_dwell=(Draws(c.inspection_dwell_h, stream(
                    seed, "inspection", replication, nid + ":dwell"))
                    if c.inspection_dwell_h else None), stores={}, shut=0, open=None)
            if node.kind == "port":
                x.berths = simpy.Resource(env, c.berths)
                for stage in PORT_STAGES:
                    self.rec[f"{nid}:{stage}"] = nan()
        self.svc = {}
        for sid, cfg in s.services.items():
            v = self.svc[sid] = SimpleNamespace(
                id=sid, cfg=cfg, home=self.fac[cfg.from_], away=self.fac[cfg.to],
                cap=cfg.capacity_boxes(s.demand.share_40ft), boxes=simpy.Store(env),
                back=simpy.Store(env), vessels=simpy.Store(env),
                berthing=Draws(cfg.berthing_h, stream(seed, "handling", replication,
                                                      sid + ":berthing")),
                crossing=Draws(cfg.crossing_h, stream(seed, "running", replication, sid)))
            env.process(self.sea_former(v))
            for _ in range(cfg.fleet):
                env.process(self.vessel(v))
        for f, flow in enumerate(s.demand.flows.values()):
            path = flow_path(s, flow.origin, flow.destination, next(iter(flow.routes)))
            store = simpy.Store(env)
            node = s.nodes[flow.origin]
            env.process(self.former(store, node.boxes_per_train, node.departure or Departure(),
                                    lambda b, t, p=path: self.leave_origin(b, t, p),
                                    self.t_created))
            for i in np.flatnonzero(self.flow == f):
                env.process(self.container_arrives(i, store))
        closures = []  # (hour, +1 closes / -1 reopens, port), dated then random
        for ch in sorted(s.timeline, key=lambda c: c.date):
            if ch.close is not None:
                t = self.cal.hours(ch.date)
                closures += [(t, +1, ch.close), (t + ch.days * 24.0, -1, ch.close)]
        assert not any(link.disruptions for link in s.links.values()), "ports only"
        by_sea = weather_closures(s, seed, replication, self.cal.t0, n_days)
        for nid, node in s.nodes.items():  # storms: drawn from their own streams
            windows, seen = list(by_sea.get(nid, ())), {}
            for d in node.disruptions:
                k = seen[d.kind] = seen.get(d.kind, -1) + 1
                name = "weather" if d.kind in ("gale", "storm") else "breakdowns"
                rng = stream(seed, name, replication, f"{nid}#{d.kind}#{k}")
                windows += random_closures(d, rng, self.cal.t0, n_days)
            for a, b in _union(windows):
                closures += [(a, +1, nid), (b, -1, nid)]
        closures.sort(key=lambda c: c[0])
        assert all(self.s.nodes[c[2]].kind == "port" for c in closures), "ports only"
        if closures:
            env.process(self.timeline(closures))

    # -- per-container processes -----------------------------------------------------
    def container_arrives(self, i, store):
        yield self.env.timeout(self.t_created[i])
        yield store.put(i)

    def container_clears(self, i, dwell, store, ready):
        yield self.env.timeout(dwell)
        ready[i] = self.env.now
        yield store.put(i)

    # -- trains ----------------------------------------------------------------------
    def former(self, store, capacity, rule, depart, ready):
        """Process: trains of up to ``capacity`` boxes from ``store`` by ``rule``;
        ``ready[i]`` is the hour box i became ready."""
        env = self.env
        if rule.rule == "timetable":
            yield from self.timetable(store, capacity, rule, depart)
        use_wait = rule.rule == "full_or_max_wait"
        while True:
            first = yield store.get()
            deadline = ready[first] + rule.max_wait_h if use_wait else None
            batch = yield from self.fill(store, [first], capacity, deadline)
            depart(np.array(batch), env.now)

    def fill(self, store, batch, capacity, deadline):
        """Process step: add boxes from ``store`` to ``batch`` until it holds ``capacity``
        or, with a ``deadline`` (hour), until then; the batch."""
        env = self.env
        while len(batch) < capacity:
            get = store.get()
            if deadline is None:
                batch.append((yield get))
                continue
            res = yield get | env.timeout(max(deadline - env.now, 0.0))
            if get in res:
                batch.append(res[get])
            else:
                get.cancel()
                break
        return batch

    def timetable(self, store, capacity, rule, depart, may_go=None):
        """Process: at each slot, a train (or a vessel load) with what is ready, if at
        least ``min_boxes`` are and ``may_go()``; slots at ``first_departure_h + k * 24 /
        departures_per_day`` hours."""
        env, k = self.env, 0
        period = 24.0 / rule.departures_per_day
        while True:
            slot = rule.first_departure_h + k * period
            k += 1
            if slot < env.now:
                continue
            yield env.timeout(slot - env.now)
            if may_go is not None:
                yield env.timeout(0)  # a vessel coming home at the slot goes first
            if len(store.items) >= rule.min_boxes and (may_go is None or may_go()):
                batch = store.items[:capacity]
                del store.items[:capacity]
                depart(np.array(batch), env.now)

    def leave_origin(self, boxes, t, path):
        self.rec["depart_origin"][boxes] = t
        self.env.process(self.train(boxes, path, 0))

    def book(self, a, b, t):
        """First path at or after t on link a->b: push past every booking within a
        headway until none is left (bookings are a plain list)."""
        lid = self.links[frozenset((a, b))]
        link = self.s.links[lid]
        booked = self.booked[(lid, 0 if link.from_ == a else 1)]
        h = 24.0 / link.train_paths_per_day
        entry, moved = t, True
        while moved:
            moved = False
            for x in booked:
                if abs(x - entry) < h - 1e-9:  # tolerance: x + h - x may round below h
                    entry, moved = x + h, True
        booked.append(entry)
        return entry, link.length_km / self.speed[lid].one() * 24.0

    def is_stop(self, path, i):
        return i == len(path) - 1 or path[i] in self.fac

    def train(self, boxes, path, pos):
        env = self.env
        # book every link up to the next stop now, then run them one by one
        plan, t = [], env.now
        for i in range(pos, len(path) - 1):
            entry, run = self.book(path[i], path[i + 1], t)
            stop = self.stops[path[i + 1]].one() if path[i + 1] in self.stops and \
                not self.is_stop(path, i + 1) else 0.0
            plan.append((entry, run, stop))
            t = entry + run + stop
            if self.is_stop(path, i + 1):
                break
        for entry, run, stop in plan:
            yield env.timeout(entry - env.now)
            yield env.timeout(run)
            if stop:
                yield env.timeout(stop)
        here = pos + len(plan)
        if here == len(path) - 1:
            self.rec["delivered"][boxes] = env.now
        else:
            yield from self.receive(boxes, path, here)

    def stage(self, x, name):
        """The records of a stage at a crossing (its first) or a port."""
        return self.rec[name if x.kind == "border" else f"{x.id}:{name}"]

    def receive(self, boxes, path, at):
        """An inbound train at a crossing or port: track, yard space, crane, unloading,
        customs; its boxes then wait for the outbound train or the vessel."""
        env, x = self.env, self.fac[path[at]]
        c = x.cfg
        self.stage(x, "arrive")[boxes] = env.now
        teu = int(self.teu[boxes].sum())
        with x.tracks.request() as track:
            yield track
            yield x.yard.put(teu)
            with x.cranes.request() as crane:
                yield crane
                mean_h = len(boxes) * c.moves_per_box / c.crane_moves_per_h
                yield env.timeout(gamma_mean_cv(x.handling, mean_h, c.handling_cv))
        self.stage(x, "unloaded")[boxes] = env.now
        n = len(boxes)
        dwell = np.full(n, x.customs.one())
        if c.inspection_share > 0:
            k_insp = int(x.inspection.binomial(n, c.inspection_share))
            if k_insp:  # the first k boxes of the train are pulled, released together
                dwell[:k_insp] += x.inspection_dwell.one()
        if x.kind == "port":  # across the sea next: out from home, or back
            v = self.svc[self.links[frozenset(path[at:at + 2])]]
            store = v.boxes if x is v.home else v.back
        else:
            store = self.onward(x, path, at)
        for i, w in zip(boxes, dwell):
            env.process(self.container_clears(i, w, store, self.stage(x, "ready")))

    def onward(self, x, path, at):
        """The store of boxes waiting at crossing or port ``x`` for a train onward along
        ``path`` (with its former, made on first use)."""
        tail = tuple(path[at + 1:])
        store = x.stores.get(tail)
        if store is None:
            store = x.stores[tail] = simpy.Store(self.env)
            if x.kind == "border":
                gout = {b: g for b, _, g in crossing_gauges(self.s, path)}[path[at]]
                boxes = outbound_boxes(self.s, path[at], gout)
            else:
                boxes = x.cfg.train_boxes
            self.env.process(self.former(
                store, boxes, x.cfg.departure,
                lambda b, t, p=path, a=at, y=x: self.leave(b, t, p, a, y),
                self.stage(x, "ready")))
        return store

    def leave(self, boxes, t, path, at, x):
        self.stage(x, "depart")[boxes] = t
        if x.kind == "port":
            self.stage(x, "release")[boxes] = t
        x.yard.get(int(self.teu[boxes].sum()))
        self.env.process(self.train(boxes, path, at))

    # -- ports and vessels -----------------------------------------------------------
    def timeline(self, closures):
        """Process: ports close to shipping and reopen on their dates (closures may
        overlap; a port reopens when the last one ends)."""
        env = self.env
        for t, step, pid in closures:
            if t > env.now:
                yield env.timeout(t - env.now)
            x = self.fac[pid]
            x.shut += step
            if step > 0 and x.shut == 1:
                x.open = env.event()
            elif step < 0 and x.shut == 0:
                x.open.succeed()
                x.open = None

    def wait_open(self, x):
        while x.shut:
            yield x.open

    def sea_former(self, v):
        """Process: loads for the vessels waiting at the home port, by the sailing rule;
        none leaves while the port is closed to shipping."""
        rule, home = v.cfg.sailing, v.home
        if rule.rule == "timetable":
            yield from self.timetable(v.boxes, v.cap, rule, lambda b, t: self.release(
                v, v.vessels.items.pop(0), b), lambda: bool(v.vessels.items) and not home.shut)
        ready = self.rec[f"{home.id}:ready"]
        while True:
            vessel = yield v.vessels.get()
            first = yield v.boxes.get()
            deadline = ready[first] + rule.max_wait_h if rule.rule != "full" else None
            batch = yield from self.fill(v.boxes, [first], v.cap, deadline)
            if home.shut:
                yield from self.wait_open(home)
                more = v.cap - len(batch)  # what became ready meanwhile goes too
                batch += v.boxes.items[:more]
                del v.boxes.items[:more]
            self.release(v, vessel, np.array(batch))

    def release(self, v, vessel, boxes):
        self.rec[f"{v.home.id}:release"][boxes] = self.env.now
        v.home.yard.get(int(self.teu[boxes].sum()))
        vessel.succeed(boxes)

    def berth(self, v, x):
        """Process step: a berth at port ``x`` once it is open, and moor; returns the
        berth request."""
        while True:
            yield from self.wait_open(x)
            req = x.berths.request()
            yield req
            if not x.shut:
                break
            x.berths.release(req)
        yield self.env.timeout(v.berthing.one())
        return req

    def load_for_me(self, v):
        """Whether a vessel coming home now, with no other waiting, gets a load at once
        (and so keeps its berth): the sailing rule met by the boxes ready now."""
        rule, items = v.cfg.sailing, v.boxes.items
        if v.home.shut or v.vessels.items or rule.rule == "timetable" or not items:
            return False
        if len(items) >= v.cap or rule.rule == "full":
            return len(items) >= v.cap
        oldest = self.rec[f"{v.home.id}:ready"][items[0]]
        return oldest + rule.max_wait_h <= self.env.now + EPS_H

    def vessel(self, v):
        """Process: one vessel's round trips: a load out by the sailing rule, back with
        what is ready at the far port."""
        env, home, away = self.env, v.home, v.away
        units, rate = v.cfg.units, v.cfg.handling_per_h
        cargo = None  # the load on board coming home
        while True:
            req = None
            if cargo is not None:  # unload it at a berth at home
                req = yield from self.berth(v, home)
                yield env.timeout(units(int(self.teu[cargo].sum()), len(cargo)) / rate)
                self.rec["landed"][cargo] = env.now
                env.process(self.land(cargo, home))
                cargo = None
            called = env.event()
            keep = req is not None and self.load_for_me(v)
            yield v.vessels.put(called)
            if req is not None and not keep:  # nothing to load yet: leave the berth
                home.berths.release(req)
                req = None
            boxes = yield called
            n, teu = len(boxes), int(self.teu[boxes].sum())
            if req is None:
                req = yield from self.berth(v, home)
            yield env.timeout(units(teu, n) / rate)
            yield from self.wait_open(home)
            home.berths.release(req)
            self.rec["sailed"][boxes] = self.rec[f"{home.id}:depart"][boxes] = env.now
            yield env.timeout(v.crossing.one())
            self.rec["anchored"][boxes] = env.now
            req = yield from self.berth(v, away)
            yield env.timeout(units(teu, n) / rate)
            self.rec["landed"][boxes] = env.now
            env.process(self.land(boxes, away))
            yield from self.wait_open(away)
            back = np.array(v.back.items[:v.cap], np.int64)  # what is ready, at once
            del v.back.items[:v.cap]
            if len(back):
                self.rec[f"{away.id}:release"][back] = env.now
                away.yard.get(int(self.teu[back].sum()))
                yield env.timeout(units(int(self.teu[back].sum()), len(back)) / rate)
            yield from self.wait_open(away)
            away.berths.release(req)
            if len(back):
                self.rec["sailed"][back] = self.rec[f"{away.id}:depart"][back] = env.now
            yield env.timeout(v.crossing.one())
            if len(back):
                self.rec["anchored"][back] = env.now
                cargo = back

    def land(self, boxes, x):
        """Process: a vessel load landed at port ``x``: into the yard, one customs draw
        for the load, then its boxes wait for a train onward."""
        env = self.env
        self.stage(x, "arrive")[boxes] = self.rec["anchored"][boxes]
        yield x.yard.put(int(self.teu[boxes].sum()))
        self.stage(x, "unloaded")[boxes] = env.now
        dwell = x.customs.one()
        f = int(self.flow[boxes[0]])
        assert (self.flow[boxes] == f).all(), "one flow per load"
        flow = list(self.s.demand.flows.values())[f]
        path = flow_path(self.s, flow.origin, flow.destination, next(iter(flow.routes)))
        store = self.onward(x, path, path.index(x.id))
        for i in boxes:
            env.process(self.container_clears(i, dwell, store, self.stage(x, "ready")))

    def run(self):
        self.env.run(until=self.cal.end_h)
        return self.rec


def _union(windows: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The union of closure windows, written here apart from the engine's: a point belongs
    to the union when at least one window covers it, so sweep the sorted ends."""
    events = sorted([(a, 1) for a, b in windows if b > a] + [(b, -1) for a, b in windows if b > a],
                    key=lambda e: (e[0], -e[1]))
    out, depth, start = [], 0, 0.0
    for t, step in events:
        if depth == 0 and step == 1:
            start = t
        depth += step
        if depth == 0:
            out.append((start, t))
    return out
