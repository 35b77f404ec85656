"""A test-only reference model with one SimPy process per container.

It simulates the same chain as the batched core (origin terminal -> rail -> crossing with
tracks, yard, cranes and customs -> formation of outbound trains -> rail -> destination)
but the obvious way: every container is a process that waits for its own arrival and its
own customs release and then puts itself into a FIFO store; trains are formed by taking
boxes from the store one at a time; a train books its paths to its next stop by a linear
scan and then runs link by link, one event per link and per junction stop. Random inputs
come from the same named streams, drawn at the same points, so a correct batched core
must produce the same container records.

Only what the oracle tests use is supported: single-route flows, rules ``full`` and
``full_or_max_wait`` (``min_boxes = 1``).
"""

from __future__ import annotations

import numpy as np
import simpy

from sim.engine.facilities.demand import arrivals, daily_rates
from sim.engine.facilities.rail import Draws
from sim.engine.output import Calendar
from sim.engine.randomness import stream
from sim.scenario.distributions import gamma_mean_cv
from sim.scenario.network import crossing_gauges, flow_path, link_index, outbound_boxes
from sim.scenario.schema import Scenario


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
                                       "depart", "delivered")}
        self.speed = {lid: Draws(link.speed_km_per_day, stream(seed, "running", replication, lid))
                      for lid, link in s.links.items()}
        self.booked = {(lid, d): [] for lid in s.links for d in (0, 1)}
        self.stops = {nid: Draws(node.train_dwell_h, stream(seed, "junction", replication, nid))
                      for nid, node in s.nodes.items() if node.train_dwell_h is not None}
        self.xing = {}
        for nid, node in s.nodes.items():
            if node.kind == "border":
                c = node.crossing
                self.xing[nid] = dict(
                    cfg=c, tracks=simpy.Resource(env, c.receiving_tracks),
                    cranes=simpy.Resource(env, c.cranes),
                    yard=simpy.Container(env, capacity=c.yard_capacity_teu),
                    handling=stream(seed, "handling", replication, nid),
                    customs=Draws(c.customs_dwell_h, stream(seed, "dwell", replication, nid)),
                    inspection=stream(seed, "inspection", replication, nid),
                    inspection_dwell=(Draws(c.inspection_dwell_h, stream(
                        seed, "inspection", replication, nid + ":dwell"))
                        if c.inspection_dwell_h else None), stores={})
        for f, flow in enumerate(s.demand.flows.values()):
            path = flow_path(s, flow.origin, flow.destination, next(iter(flow.routes)))
            store = simpy.Store(env)
            node = s.nodes[flow.origin]
            rule = node.departure
            env.process(self.former(store, node.boxes_per_train, rule,
                                    lambda b, t, p=path: self.leave_origin(b, t, p)))
            for i in np.flatnonzero(self.flow == f):
                env.process(self.container_arrives(i, store))

    # -- per-container processes -----------------------------------------------------
    def container_arrives(self, i, store):
        yield self.env.timeout(self.t_created[i])
        yield store.put(i)

    def container_clears(self, i, dwell, store):
        yield self.env.timeout(dwell)
        self.rec["ready"][i] = self.env.now
        yield store.put(i)

    # -- trains ----------------------------------------------------------------------
    def former(self, store, capacity, rule, depart):
        env = self.env
        use_wait = rule is not None and rule.rule == "full_or_max_wait"
        ready = self.rec["ready"]
        while True:
            first = yield store.get()
            batch = [first]
            t_first = ready[first] if np.isfinite(ready[first]) else self.t_created[first]
            deadline = t_first + rule.max_wait_h if use_wait else None
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

    def train(self, boxes, path, pos):
        env, s = self.env, self.s
        # book every link up to the next stop now, then run them one by one
        plan, t = [], env.now
        for i in range(pos, len(path) - 1):
            entry, run = self.book(path[i], path[i + 1], t)
            stop = self.stops[path[i + 1]].one() if path[i + 1] in self.stops and \
                i + 1 < len(path) - 1 and s.nodes[path[i + 1]].kind != "border" else 0.0
            plan.append((entry, run, stop))
            t = entry + run + stop
            if i + 1 == len(path) - 1 or s.nodes[path[i + 1]].kind == "border":
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
            yield from self.cross(boxes, path, here)

    def cross(self, boxes, path, at):
        env, x = self.env, self.xing[path[at]]
        c = x["cfg"]
        self.rec["arrive"][boxes] = env.now
        teu = int(self.teu[boxes].sum())
        with x["tracks"].request() as track:
            yield track
            yield x["yard"].put(teu)
            with x["cranes"].request() as crane:
                yield crane
                mean_h = len(boxes) * c.moves_per_box / c.crane_moves_per_h
                yield env.timeout(gamma_mean_cv(x["handling"], mean_h, c.handling_cv))
        self.rec["unloaded"][boxes] = env.now
        n = len(boxes)
        dwell = np.full(n, x["customs"].one())
        if c.inspection_share > 0:
            k_insp = int(x["inspection"].binomial(n, c.inspection_share))
            if k_insp:  # the first k boxes of the train are pulled, released together
                dwell[:k_insp] += x["inspection_dwell"].one()
        tail = tuple(path[at + 1:])
        store = x["stores"].get(tail)
        if store is None:
            store = x["stores"][tail] = simpy.Store(env)
            gout = {b: g for b, _, g in crossing_gauges(self.s, path)}[path[at]]
            env.process(self.former(store, outbound_boxes(self.s, path[at], gout), c.departure,
                                    lambda b, t, p=path, a=at, y=x: self.leave_crossing(
                                        b, t, p, a, y)))
        for i, w in zip(boxes, dwell):
            env.process(self.container_clears(i, w, store))

    def leave_crossing(self, boxes, t, path, at, x):
        self.rec["depart"][boxes] = t
        x["yard"].get(int(self.teu[boxes].sum()))
        self.env.process(self.train(boxes, path, at))

    def run(self):
        self.env.run(until=self.cal.end_h)
        return self.rec
