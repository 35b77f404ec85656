"""Build the corridor from a scenario and run one replication.

Model time is in hours; hour 0 is midnight at the start of the warm-up
(``horizon.start - warmup_days``). Trains are chains of callbacks, not processes;
containers are rows of the record store, moved in batches by index. The parts: demand
drawn up front (:mod:`~sim.engine.facilities.demand`), the facilities
(:mod:`~sim.engine.facilities`), the trains' plans (:mod:`~sim.engine.plan`), their
routes (:mod:`~sim.engine.routing`) and the dated changes (:mod:`~sim.engine.timeline`);
this module wires them, runs the trains and stamps the stage times into the records.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager

import numpy as np
import simpy

from sim.engine.acceptance import RETRY_H, AcceptanceGate
from sim.engine.choice import DeliveryFeed, Learner
from sim.engine.facilities.background import start_background
from sim.engine.facilities.border import BorderCrossing
from sim.engine.facilities.demand import make_store
from sim.engine.facilities.empties import EmptyReturns
from sim.engine.facilities.fleet import start_fleets
from sim.engine.facilities.formation import PlannedTrain, schedule_departures
from sim.engine.facilities.port import PortFacility, VesselService
from sim.engine.facilities.rail import Draws, RailLine
from sim.engine.facilities.roll_on import start_sidings
from sim.engine.facilities.sea_traffic import service_counts
from sim.engine.facilities.slots import at
from sim.engine.facilities.wagons import origin_pool, start_wagon_pools
from sim.engine.heap import give_back_free_heap
from sim.engine.kinds import build_facilities, facilities_where, vessel_class
from sim.engine.logs import OriginTrain, columns
from sim.engine.market import MarketFlow
from sim.engine.output import Calendar, RunOutput
from sim.engine.plan import DELIVER, JUNCTION, Step, compile_plans
from sim.engine.randomness import stream
from sim.engine.records import ROW, gather
from sim.engine.routing import (
    LogitChoice,
    NestedChoice,
    draw_routes,
    opening_hours,
    shares_in_force,
)
from sim.engine.timeline import start_timeline
from sim.scenario.mode_split import (
    BaseYear,
    competing_flows,
    reference_rail_share,
    sea_constant,
)
from sim.scenario.schema import Departure, Scenario

__all__ = ["Calendar", "Model", "RunOutput"]

# a block train waiting to leave its origin: hour, rows, route code (-1: chosen then), teu
OriginDeparture = tuple[float, np.ndarray, int, int]
Choice = NestedChoice | LogitChoice  # a flow's route choice at its origin


@contextmanager
def _no_hugepage_advice() -> Iterator[None]:
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


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the corridor is built and run, and
    restore its state after. A run makes millions of small objects (log rows, events,
    index arrays) that reference counting frees, and almost no reference cycles (a few
    hundred objects a baseline year), but the collector's passes over the growing logs
    took ~15 % of a simulated year (measured: 0.12 s of 0.85 s, two thirds of it in
    full passes). On the way out, the objects made meanwhile are handed to the oldest
    generation unscanned (``freeze`` then ``unfreeze``: two list splices; unless some
    caller keeps objects frozen), else the first young pass after would scan them all;
    any cycles among them are collected at the next full pass."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if was:
            gc.enable()


@contextmanager
def models_freed() -> Iterator[None]:
    """Build, run and read models inside; on the way out, collect what they left in
    reference cycles (a model and its trains' callbacks hold each other, made while the
    collector is paused: :func:`_no_cycle_collection`), scanning only what was made
    inside: what lived before is frozen meanwhile, and the collector is paused
    throughout (its young passes would scan the run's objects over and over). Without
    it, a process running model after model (a sweep's worker, a test session) kept
    every one until a full collection: 1,079 MB after five calibrated years in one
    process, against ~300 MB (measured). The C heap's pages they freed are then given
    back to the system (:func:`sim.engine.heap.give_back_free_heap`)."""
    was = gc.isenabled()
    gc.disable()
    own = gc.get_freeze_count() == 0  # (a caller's or an outer call's freeze is kept)
    if own:
        gc.freeze()
    try:
        yield
    finally:
        gc.collect()
        give_back_free_heap()
        if own:
            gc.unfreeze()
        if was:
            gc.enable()


class Model:
    """The corridor for one (scenario, seed, replication)."""

    def __init__(self, scenario: Scenario, seed: int | None = None, replication: int = 0):
        with _no_cycle_collection():
            self._build(scenario, seed, replication)

    def _build(self, scenario: Scenario, seed: int | None, replication: int) -> None:
        self.scenario = s = scenario
        self.seed = s.seed if seed is None else seed
        self.replication = rep = replication
        self.cal = Calendar.of(s)
        self.env = env = simpy.Environment()
        self.node_ids = list(s.nodes)
        self.flow_ids = list(s.demand.flows)
        self.route_ids = list(s.routes)
        # per flow, the codes of its routes (in the flow's order)
        self.flow_routes = [[self.route_ids.index(r) for r in flow.routes]
                            for flow in s.demand.flows.values()]
        self.node_code = {n: i for i, n in enumerate(self.node_ids)}
        with _no_hugepage_advice():
            # the flows that split a market with the sea: their boxes are created as the
            # run decides them (sim.engine.market)
            self.market_flows = competing_flows(s)
            # the base year's reference conditions, made once for the sea's constant and
            # the market flows' reference shares (sim.scenario.mode_split)
            self._base_year = BaseYear(s)
            self.sea_constant = (sea_constant(s, self._base_year)
                                 if s.route_choice.model == "nested_logit" else 0.0)
            headroom = {fid: s.sea_mode.rail_headroom for fid in self.market_flows
                        if s.sea_mode is not None}
            self.store, self._flow_rows, self._candidates = make_store(
                s, self.cal, self.seed, rep, self.node_code, headroom)
        teu_of = self.store.teu_of
        # empties going back to the origin regions, drawn up front (none: not modelled)
        self.empties = (EmptyReturns(s, self.cal, self.seed, rep)
                        if any(f.empties is not None for f in s.demand.flows.values())
                        else None)

        def draws(name: str, element: str) -> np.random.Generator:
            return stream(self.seed, name, rep, element)

        def streams(nid: str) -> tuple[np.random.Generator, np.random.Generator,
                                       np.random.Generator, np.random.Generator]:
            """handling, customs, inspection share and inspection dwell"""
            return (draws("handling", nid), draws("dwell", nid), draws("inspection", nid),
                    draws("inspection", nid + ":dwell"))

        self.lines = {lid: RailLine(lid, link, draws("running", lid))
                      for lid, link in s.links.items()}
        # one facility per node of a kind with an engine class, built from the kind's row
        self.facilities = build_facilities(env, s, self.node_code, streams, teu_of)
        opening = opening_hours(s, self.cal, self.route_ids)  # (routes.X.open_from)
        self.gate = AcceptanceGate(s, self.route_ids, self.flow_ids, self.facilities,
                                   self.lines, stream(self.seed, "acceptance", rep),
                                   lambda: env.now,
                                   None if opening is None else opening[0].tolist())
        self.crossings = facilities_where(s, self.facilities, lambda k: k.joins_gauges,
                                          BorderCrossing)
        self.ports = facilities_where(s, self.facilities, lambda k: k.berths_vessels,
                                      PortFacility)
        # (a tanker line, kind "tanker", is a VesselService carrying background tonnes)
        self.services: dict[str, VesselService] = {
            sid: vessel_class(svc.kind)(env, sid, svc, self.ports[svc.from_],
                                    self.ports[svc.to], s.demand.share_40ft, self.store.teu,
                                    draws("handling", sid + ":berthing"),
                                    draws("running", sid),
                                    self._service_counts(svc, sid, draws),
                                    draws("dwell", sid + ":roll_off"))
            for sid, svc in s.services.items()}
        # fleets shared by several services: their vessels start after the services'
        self.fleets = start_fleets(env, s.fleets, self.services)
        junction_dwell = {nid: Draws(n.train_dwell_h, draws("junction", nid))
                          for nid, n in s.nodes.items() if n.train_dwell_h is not None}
        # ferry sidings where wagons roll on to ferries (none unless a service asks)
        roll_on = start_sidings(s, self.ports, self.store.teu, draws)
        # pools of flat wagons, attached to the facilities forming their trains (None: none)
        self.wagons = start_wagon_pools(env, s, self.facilities, draws)
        self.plans = compile_plans(s, self.route_ids, self.node_code, self.store, self.lines,
                                   self.facilities, self.services, junction_dwell,
                                   self.journey, roll_on,
                                   self.gate.on_booking if self.gate.meters else None)
        self._origin_rows: list[np.ndarray] = []  # rows of each origin train, as logged
        self._learners: dict[int, Learner] = {}  # per flow, with logit route choice
        # per flow: whether its origin holds a train that no route accepts (acceptance
        # limits): its operator then takes no new bookings (sim.engine.market)
        self._holding: dict[int, Callable[[], bool]] = {}
        self._feed = DeliveryFeed(self.store, self._learners)  # their deliveries
        self._sea_days: dict[int, tuple[int, float]] = {}  # shared by the nested choices
        self._delivered_rows: list[np.ndarray] = []  # rows of each train delivered
        self._delivered_at: list[float] = []  # and its hour
        self.out = RunOutput(s, self.seed, rep, self.cal, self.store, self.node_ids,
                             self.flow_ids, self.route_ids, self.crossings, self.lines,
                             self.ports, self.services,
                             link_directions=self.plans.link_directions,
                             facilities=self.facilities, empties=self.empties)
        self.out.gate = self.gate if self.gate else None
        if self.wagons is not None:
            self.out.wagon_pools = self.wagons.pools
        self._start_origins()
        start_timeline(env, s, self.cal, self.seed, rep, self.lines, self.facilities,
                       self.services, self.fleets,
                       self.wagons.pools if self.wagons is not None else None)
        start_background(s, self.cal.t0, (self.cal.end - self.cal.t0).days, self.seed, rep,
                         self.lines, self.facilities,
                         self.empties.train_hours() if self.empties is not None else None)
        if self.empties is not None:  # (refused boxes send no empties back)
            self.empties.attach(self.lines, self.services)

    def _service_counts(self, svc, sid: str, draws) -> dict[str, np.ndarray]:
        """The background units offered to a vessel service per day, with the empties
        going back over it."""
        counts = service_counts(svc, sid, self.cal, draws)
        if self.empties is not None:
            n_days = math.ceil(self.cal.end_h / 24.0) + 1  # as service_counts
            counts.update(self.empties.service_counts(sid, n_days))
        return counts

    # -- block trains from the origins -------------------------------------------------
    def _start_origins(self) -> None:
        """Every arrival is known in advance, so each flow's block-train departures are
        computed at once and one chain of callbacks per flow sends them off."""
        s, st = self.scenario, self.store
        logit = s.route_choice.model == "logit"
        nested = s.route_choice.model == "nested_logit"
        for f, (fid, flow) in enumerate(s.demand.flows.items()):
            node = s.nodes[flow.origin]
            # in arrival order
            rows = np.arange(self._flow_rows[f], self._flow_rows[f + 1], dtype=ROW)
            capacity = node.boxes_per_train
            if capacity is None:  # the checks ask every origin for it
                raise ValueError(f"origin {flow.origin} has no boxes_per_train")
            if f in self._candidates:
                self._start_market(f, fid, capacity)
                continue
            plan = schedule_departures(st.t_created[rows],
                                       node.departure or Departure.model_validate({}),
                                       capacity, self.cal.end_h)
            planned: PlannedTrain[np.ndarray] | None = (
                PlannedTrain(*(np.array(c) for c in zip(*plan))) if plan else None)
            departs = planned.departs_h.tolist() if planned is not None else []
            rng = stream(self.seed, "route", self.replication, fid)
            cum_teu = np.concatenate(([0], np.cumsum(st.teu[rows], dtype=np.int64)))
            chooser: Choice | None
            competes = nested and s.sea_mode is not None and s.sea_mode.competes(
                node.region, s.nodes[flow.destination].region)
            if competes or (nested and len(flow.routes) > 1):
                # within the rail nest; P(sea) logged where the sea competes, even for one
                # route
                learner = self._learners[f] = Learner(s, self.route_ids, self._feed)
                chooser = NestedChoice(s, self.cal, self.route_ids, learner,
                                       self.flow_routes[f], f,
                                       rng, self.out.sea_choices if competes else None,
                                       self.sea_constant, self._sea_days)
                route = [-1] * len(plan)
            elif logit and len(flow.routes) > 1:
                # chosen at departure from what has been learned by then
                learner = self._learners[f] = Learner(s, self.route_ids, self._feed)
                chooser = LogitChoice(s, self.route_ids, learner,
                                        self.flow_routes[f], rng,
                                        fid)
                route = [-1] * len(plan)
            else:
                # one route draw per train, in departure order, by the shares in force
                chooser = None
                route = draw_routes(s, self.cal, self.route_ids, fid, departs, rng).tolist()
            if planned is not None:
                a, b = planned.first, planned.stop
                teu = (cum_teu[b] - cum_teu[a]).tolist()
                # a flow's rows are consecutive: each train's are a view of them
                trains = [(t, rows[i:j], r, n)
                          for t, i, j, r, n in zip(departs, a.tolist(), b.tolist(), route,
                                                   teu)]
            else:
                trains = []
            self.origin_trains(f, trains, chooser)

    def _start_market(self, f: int, fid: str, capacity: int) -> None:
        """Flow ``f`` splits its market with the sea: each day's rail boxes are decided at
        midnight by the nested logit, and trains formed from them (sim.engine.market)."""
        s = self.scenario
        flow = s.demand.flows[fid]
        node = s.nodes[flow.origin]
        sea = s.sea_mode
        assert sea is not None  # (a market flow needs it)
        rng = stream(self.seed, "route", self.replication, fid)
        learner = self._learners[f] = Learner(s, self.route_ids, self._feed)
        choice = NestedChoice(s, self.cal, self.route_ids, learner,
                              self.flow_routes[f], f, rng,
                              self.out.sea_choices, self.sea_constant, self._sea_days)
        ref = reference_rail_share(s, fid, self.sea_constant, self._base_year)

        # one queue of trains for the flow, in departure order, sent by one chain (a
        # train held at the origin holds those behind it)
        queue: list[OriginDeparture] = []
        wake = self.origin_trains(f, queue, choice, market=True)

        def dispatch(t: float, idx: np.ndarray, teu: int) -> None:
            queue.append((t, idx, -1, teu))
            wake()
        routes = self.flow_routes[f]
        gate = self.gate

        def p_rail(now: float) -> tuple[float, float]:
            """P(rail) with every route offered, and with only those accepting trains:
            none while a train of the flow is held at its origin for want of an open route
            (the boxes booked behind it would only queue there: the operator takes no new
            bookings until it has left, as in the 2024 acceptance stops)."""
            p = float(choice.shares(now).rail)
            if not gate:
                return p, p
            if self._holding[f]():
                return p, 0.0
            mask = gate.open_mask(f, routes)
            return p, (p if mask.all() else float(choice.shares(now, mask).rail))
        self.out.markets[f] = MarketFlow(
            self.env, self.store, (f, self.node_code[flow.origin],
                                   self.node_code[flow.destination]),
            self._candidates.pop(f), node.departure or Departure.model_validate({}), capacity,
            self.cal.end_h, p_rail, 1.0 / (ref * sea.rail_headroom), dispatch)

    def origin_trains(self, f: int, trains: list[OriginDeparture],
                      chooser: Choice | None = None, market: bool = False
                      ) -> Callable[[], None]:
        """Block trains of flow ``f`` leave the origin at their planned hours, each booked
        then: while a train of the flow is held at the origin and no route of the flow
        accepts trains, the operator takes no new bookings, and a flow the sea does not
        compete for (``market`` False) has the train refused there, before it asks for any
        wagons (``AcceptanceGate.refuse``; a market flow's new boxes went to sea instead,
        sim.engine.market). With a pool of
        flat wagons there, a booked train takes its wagons (or waits for them, first in
        first out), then goes as :meth:`_leaving` sends it. ``trains`` may grow during the
        run (a market flow's): the function returned wakes the chain when it has run out
        of trains."""
        wagons = origin_pool(self.wagons, self.scenario,
                             self.scenario.demand.flows[self.flow_ids[f]].origin)
        booked: list[OriginDeparture] = trains if market or not self.gate else []
        if wagons is None:
            to_leave = booked
            wake_next = self._leaving(f, to_leave, chooser)
        else:
            to_leave = []
            wake_leaving = self._leaving(f, to_leave, chooser)

            def got(r: int, teu: int) -> Callable[[np.ndarray, float], None]:
                def with_wagons(rows: np.ndarray, t: float) -> None:
                    to_leave.append((t, rows, r, teu))
                    wake_leaving()
                return with_wagons
            wake_next = self._each_at_its_hour(booked, lambda tr: wagons.submit(
                tr[1], tr[0], tr[3], got(tr[2], tr[3])))
        if booked is trains:
            return wake_next
        routes = self.flow_routes[f]
        holding, gate, empties = self._holding[f], self.gate, self.empties
        fid = self.flow_ids[f]

        def book(train: OriginDeparture) -> None:
            if holding() and not gate.open_mask(f, routes).any():
                gate.refuse(f, train[0], train[1])
                if empties is not None:
                    empties.refused(fid, train[0], len(train[1]))
                return
            booked.append(train)
            wake_next()
        return self._each_at_its_hour(trains, book)

    def _each_at_its_hour(self, trains: list[OriginDeparture],
                          handle: Callable[[OriginDeparture], None]) -> Callable[[], None]:
        """A chain of callbacks that hands each of ``trains`` to ``handle`` at its planned
        hour, in order; the function returned wakes it when ``trains`` has grown after it
        ran out."""
        env = self.env
        pos, idle = 0, True

        def step(_e: object = None) -> None:
            nonlocal pos, idle
            idle = False
            while pos < len(trains):
                if _later(env, trains[pos][0], step):
                    return
                pos += 1
                handle(trains[pos - 1])
            idle = True

        def wake() -> None:
            if idle:
                step()
        step()
        return wake

    def _leaving(self, f: int, trains: list[OriginDeparture], chooser: Choice | None
                 ) -> Callable[[], None]:
        """Trains of flow ``f`` leave at their hours, each on its drawn (or, with logit
        choice, chosen) route: a chain of callbacks, one per departure hour (no process).
        A route that refuses trains (acceptance limits, sim.engine.acceptance) sends the
        train to another open route of the flow, or holds it (and those behind it) at the
        origin until one opens (trying again every ``RETRY_H`` hours; the trains booked
        behind it wait too). Returns a function that wakes the chain when ``trains`` has
        grown after it ran out."""
        env, log, rows_log = self.env, self.out.origin_trains, self._origin_rows
        learner = self._learners.get(f)
        plans, sea, store, gate = self.plans.steps, self.plans.sea, self.store, self.gate
        pos = 0
        chosen: int | None = None  # the route of the train at ``pos``, once chosen
        held_from = -1.0  # the hour the train at ``pos`` was first refused (-1: not)
        hold_end = -math.inf  # when the last train held at the origin left
        idle = True  # no callback of the chain is due

        def leave(_e: object = None) -> None:
            nonlocal pos, chosen, held_from, hold_end, idle
            idle = False
            now = env.now
            while pos < len(trains):
                t, idx, r, teu = trains[pos]
                if _later(env, t, leave):
                    return
                if chosen is None:
                    chosen = chooser(t) if chooser is not None else r
                r = chosen
                if gate and not gate.is_open(f, r):
                    to = self._divert(f, r, now, len(idx), chooser)
                    if to is None:  # no open route: wait at the origin
                        if held_from < 0:
                            held_from = now
                        at(env, RETRY_H, leave)
                        return
                    r = to
                if gate:
                    gate.accept(f, r, teu)  # booked through its limited facilities, lines
                    if held_from >= 0 or t < hold_end - 1e-9:
                        # held, or due before a held train left (behind it): logged from
                        # its own hour
                        gate.held.append((f, r, t, now, len(idx)))
                        if held_from >= 0:
                            hold_end = now
                        held_from = -1.0
                pos += 1
                chosen = None
                t = max(t, now)
                if chooser is not None:
                    store.route[idx] = r  # learning needs it at delivery
                    if learner is not None:  # and the boxes under way, from when they left
                        learner.departed(r, t, len(idx))
                        store.t_depart_origin[idx] = t  # (stamped again from the log later)
                elif (f, r) in sea:
                    store.route[idx] = r  # landing needs it to send boxes on
                log.append((f, r, t, len(idx), teu))  # an OriginTrain row
                rows_log.append(idx)
                self.journey(idx, teu, plans[(f, r)], 0)
            idle = True

        def wake() -> None:
            if idle:
                leave()

        def still_held(end_h: float) -> list[tuple[int, int, float, float, int]]:
            """Trains due before ``end_h`` that had not left by then (censored)."""
            return [(f, -1, t, end_h, len(idx)) for t, idx, _r, _teu in trains[pos:]
                    if t < end_h]
        if gate:
            gate.unfinished.append(still_held)
        self._holding[f] = lambda: held_from >= 0
        leave()
        return wake

    def _divert(self, f: int, r: int, now: float, boxes: int, chooser: Choice | None
                ) -> int | None:
        """Where a train of flow ``f`` refused on route ``r`` goes: an open route of the
        flow by its choice weights (the logit's, or the shares in force)."""
        fid = self.flow_ids[f]
        routes = self.flow_routes[f]
        if chooser is not None:
            weights = chooser.weights(now)
        else:
            shares = shares_in_force(self.scenario, self.cal, fid, now)
            weights = np.array([shares.get(self.route_ids[x], 0.0) for x in routes])
        return self.gate.divert(f, r, routes, weights, now, boxes)

    # -- trains on the rails -------------------------------------------------------------
    def journey(self, idx: np.ndarray, teu: int, steps: list[Step], pos: int) -> None:
        """A train leaves a terminal or crossing: book paths on every link up to its next
        stop (crossing or destination) and arrive there in one event; at a crossing its
        boxes are handed over (a new train is formed later), at the destination they are
        delivered. Trains are chains of callbacks, not processes."""
        env = self.env
        now = t = env.now
        for i in range(pos, len(steps)):  # the fields of a LinkStep, in order
            book, direction, length_km_x24, speed, then, stop, receive, pool = steps[i]
            t = book(direction, t, now) + length_km_x24 / speed()
            if then == JUNCTION:
                if stop is not None:
                    t += stop()
                continue
            if self.wagons is not None:  # a pool's wagons are freed there
                self.wagons.ran(idx, now, t, receive)
            if then == DELIVER:  # nothing happens at a delivery: log it now with the hour
                # its event would have had, and schedule none (deliveries at or after the
                # end are dropped when stamping); route choice learns from it a re-quote
                # period at a time (sim.engine.choice.DeliveryFeed)
                self._delivered_rows.append(idx)
                self._delivered_at.append(now + (t - now))
                if self._learners:
                    self._feed.add(now + (t - now), idx)
            elif receive is not None:  # a crossing or port receives the train into the
                # pool for its onward way
                at(env, t - now, lambda _e, receive=receive, pool=pool: receive(idx, teu, pool))
            return

    # -- running ---------------------------------------------------------------------
    def _progress(self, bar) -> Generator[simpy.Event, object, None]:
        """Process: advance a progress bar once a simulated day."""
        while True:
            yield self.env.timeout(24.0)
            bar.update(1)

    def run(self, progress: bool = False) -> RunOutput:
        with _no_cycle_collection():
            return self._run(progress)

    def _run(self, progress: bool) -> RunOutput:
        end = self.cal.end_h
        if progress:
            from tqdm import tqdm  # only for an interactive run: keeps workers light
            with tqdm(total=int(end // 24), unit="day", desc=f"{self.scenario.name}",
                      leave=False, disable=None) as bar:
                self.env.process(self._progress(bar))
                self.env.run(until=end)
        else:
            self.env.run(until=end)
        with _no_hugepage_advice():  # the stamps' per-container arrays (as at build)
            self._stamp()
        return self.out

    def _stamp(self) -> None:
        """Write the stage times logged per train into the container records."""
        st = self.store
        if self.gate:  # trains still held at the origin at the end (censored)
            self.gate.censor(self.cal.end_h)
        st.trim()  # the spare rows no market box took
        if self._origin_rows:  # one pass over the trains' rows and one over their log
            rows = np.concatenate(self._origin_rows)
            ot: OriginTrain[np.ndarray] = columns(self.out.origin_trains, OriginTrain)
            boxes = ot.boxes.astype(np.int64)
            st.route[rows] = np.repeat(ot.route.astype(np.int16), boxes)
            st.t_depart_origin[rows] = np.repeat(ot.departed_h, boxes)
        rows, t = gather(self._delivered_rows, self._delivered_at)
        reached = t < self.cal.end_h  # deliveries logged ahead of their hour
        st.t_delivered[rows[reached]] = t[reached]
        flow_route = st.flow.astype(np.int32)  # (flow * n_routes + route: int32 is ample)
        flow_route *= len(self.route_ids)
        flow_route += st.route
        for xing in self.crossings.values():
            xing.stamp(st, self.plans.slot_lut, flow_route)
        # customs release is logged when scheduled; one after the end was not reached
        ready = st.t_crossing["ready"]
        ready[ready >= self.cal.end_h] = np.nan


def _later(env: simpy.Environment, t: float, again: Callable[[object], None]) -> bool:
    """Whether hour ``t`` is still to come; if so, ``again`` is called then."""
    if t > env.now:
        at(env, t - env.now, again)
        return True
    return False
