"""The base of every facility where boxes leave one train (or vessel) and wait in a yard
for the next: receiving tracks, crane gangs, the yard, customs and inspection, the
formation pools of outbound trains, their logs (and the box visits read from them), and
closures of the rail side.

A kind of transfer facility is a subclass (named by its registry row, built by
:mod:`sim.engine.kinds`); :class:`TransferFacility` lists the hooks a subclass implements
or may extend, as SimPy's ``BaseResource`` lists ``_do_put``/``_do_get``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, NamedTuple, TypedDict

import numpy as np
import simpy

from sim.engine.facilities.formation import TrainFormation
from sim.engine.facilities.handover import Handover
from sim.engine.facilities.rail import Draws
from sim.engine.facilities.slots import Level, Slots, at
from sim.engine.logs import (
    Clearance,
    CraneGangs,
    InboundTrain,
    OutboundTrain,
    Span,
    YardCapacity,
)
from sim.scenario.distributions import GammaMeanCV

if TYPE_CHECKING:
    from sim.engine.facilities.block import WholeTrains
    from sim.engine.facilities.traffic import FacilityTraffic
    from sim.engine.facilities.wagons import WagonPool
    from sim.scenario.schema import _Handling


class InboundStay:
    """A train inside a crossing or port, not yet unloaded: its hours so far (NaN: not
    yet), its boxes and the pool they will join."""

    __slots__ = ("arrived_h", "track_h", "crane_start_h", "rows", "teu", "pool")

    def __init__(self, arrived_h: float, rows: np.ndarray, teu: int,
                 pool: TrainFormation | WholeTrains):
        self.arrived_h = arrived_h
        self.track_h = math.nan
        self.crane_start_h = math.nan
        self.rows = rows
        self.teu = teu
        self.pool = pool


class TrainsInside(NamedTuple):
    """The trains inside a crossing or port at the end of a run, not yet unloaded: one
    entry per train."""

    arrived_h: np.ndarray
    crane_start_h: np.ndarray  # NaN: still queueing
    boxes: np.ndarray
    teu: np.ndarray


class VisitBatch(NamedTuple):
    """Boxes that reached a facility together (a train, a vessel load): their rows and,
    per box, the hours they arrived, were unloaded and were ready to move on (NaN: not
    yet), and how they arrived (0: by rail, 1: by sea)."""

    rows: np.ndarray
    arrive: np.ndarray
    unloaded: np.ndarray
    ready: np.ndarray
    kind: np.ndarray


class Visits(TypedDict):
    """Every box that reached a transfer facility (:meth:`TransferFacility.visits`), one
    entry per visit, in no particular order; hours NaN where not reached."""

    row: np.ndarray        # the box's row in the record store
    arrive: np.ndarray     # hour it arrived, by train or vessel
    unloaded: np.ndarray   # hour it was unloaded into the yard
    ready: np.ndarray      # hour it was ready to move on (cleared)
    kind: np.ndarray       # 0: arrived by rail, 1: by sea (2: rolled off a ferry, 3: by
                           # rail, rolled on to a ferry from its sidings: never in the yard)
    depart: np.ndarray     # hour its train or vessel left the facility
    release: np.ndarray    # hour it left the yard: onto its train, or to a vessel


class TransferFacility:
    """One transfer facility. An inbound train

    1. queues for a receiving track (``receiving_tracks``) and holds it until unloaded;
    2. waits for yard space for its TEU (unloading blocks while the yard is full);
    3. waits for a crane gang (``cranes``) and is handled in
       ``boxes * moves_per_box / crane_moves_per_h`` hours, times a gamma factor with
       mean 1 and coefficient of variation ``handling_cv``;
    4. the train is cleared by customs (``customs_dwell_h``, one draw per train: the
       transit documents travel with the train); a binomial share of its boxes
       (``inspection_share``) is pulled for inspection and released together later
       (``inspection_dwell_h``, one draw per train). Boxes stand in a train in order of
       their arrival at the origin, which is independent of their size and destination,
       so the first k boxes are a random sample of k;
    5. cleared boxes join the pool they were received into (outbound trains for one
       onward path, formed by the facility's departure rule, or a vessel service's); a box
       leaves the yard when its outbound train departs.

    A closure of the rail side (:meth:`close`, :meth:`reopen`) stops starting to handle
    trains and releasing outbound trains.

    Hooks: what a subclass implements or may extend (every other method keeps its
    meaning in every subclass)

    * :meth:`outbound_train_boxes` (must implement): boxes per outbound train formed here,
      onto a given gauge;
    * :meth:`closure_actions`: what begins and ends a closure of the facility (a timeline
      ``close``, a random disruption); by default a closure of the rail side. A subclass
      whose closures mean something else returns its own pair of methods, under their own
      names (a port: closed to shipping);
    * :meth:`change`: a timeline change of a field of the facility's table; a subclass
      handles its own fields and passes the rest to this one;
    * :meth:`handover`: the daily handover cap of the trains leaving onto a gauge
      (:class:`~sim.engine.facilities.handover.Handover`; by default none: a crossing
      has one per gauge);
    * :meth:`_more_visits`, :meth:`_departures`, :meth:`_releases`: boxes that arrived
      other than by train, all the ways boxes left, and releases from the yard before
      departure, for :meth:`visits` (by default: none beyond the trains).

    ``table`` (class attribute) names the facility's table in messages.
    """

    table: ClassVar[str] = "facility"

    def __init__(self, env: simpy.Environment, node_id: str, code: int, cfg: _Handling,
                 handling_rng: np.random.Generator, dwell_rng: np.random.Generator,
                 inspection_rng: np.random.Generator,
                 inspection_dwell_rng: np.random.Generator,
                 teu_of: Callable[[np.ndarray], int]):
        self.env = env
        self.id = node_id
        self.code = code
        self.cfg = cfg
        self.teu_of = teu_of  # TEU of a set of container rows (the record store's)
        self.tracks = Slots(env, cfg.receiving_tracks)
        self.cranes = Slots(env, cfg.cranes)
        self.cranes_when_open = cfg.cranes  # crane gangs (timeline changes included)
        self.crane_log: list[CraneGangs[float]] = [CraneGangs(0.0, cfg.cranes)]
        self._closures = 0  # closures in force
        self.closures: list[Span[float]] = []  # to_h NaN: still closed
        self.yard = Level(env, cfg.yard_capacity_teu)
        self.yard_log: list[YardCapacity[float]] = [YardCapacity(0.0, cfg.yard_capacity_teu)]
        self.hours_per_box = cfg.moves_per_box / cfg.crane_moves_per_h
        self.handling = GammaMeanCV(handling_rng, cfg.handling_cv)  # factor on the mean
        self.customs = Draws(cfg.customs_dwell_h, dwell_rng)
        self.inspection_rng = inspection_rng
        self.inspection = (Draws(cfg.inspection_dwell_h, inspection_dwell_rng)
                           if cfg.inspection_dwell_h is not None else None)
        self.pools: dict[object, TrainFormation] = {}
        # per inbound train unloaded: a row of InboundTrain, its rows (for stamping the
        # records after the run) and a row of Clearance (plain tuples: see sim.engine.logs)
        self.log: list[tuple[float, float, float, float, int, int]] = []
        self.in_rows: list[np.ndarray] = []
        self.clear_log: list[tuple[float, int, float]] = []
        # per outbound train: a row of OutboundTrain, and its rows
        self.out_log: list[tuple[float, int, int]] = []
        self.out_rows: list[np.ndarray] = []
        # trains inside but not yet unloaded, by arrival number
        self._inside: dict[int, InboundStay] = {}
        self._n_in = 0
        # modelled TEU accepted at the origins for routes through here (acceptance limits
        # only) and modelled TEU that left here, by train or vessel: the difference is
        # what is booked through the facility and not yet gone on
        self.accepted_teu = 0
        self.left_teu = 0
        # the acceptance limit in force (inf: none; a timeline may change it)
        limit = getattr(cfg, "acceptance_limit_teu", None)
        self.acceptance_limit = math.inf if limit is None else float(limit)
        # other trains, boxes and vessel calls sharing the facility (None: none given)
        self.background: FacilityTraffic | None = None
        # the daily handover caps, by the gauge the trains leave on (crossings only)
        self.handovers: dict[int, Handover] = {}
        # uncapped gates that hold trains with wagons during a closure (no handover here)
        self._closure_gates: list[Handover] = []
        # pools of flat wagons the trains formed here take, by the gauge they leave on at
        # a crossing, else None (none: trains find wagons here); and who is told of each
        # train unloaded (sim.engine.facilities.wagons; None: nobody)
        self.wagon_pools: dict[int | None, WagonPool] = {}
        self.unloaded: Callable[[np.ndarray, float], None] | None = None

    def pool(self, key, boxes_per_train: int,
             on_depart: Callable[[np.ndarray, float, int], None],
             gauge_out_mm: int | None = None) -> TrainFormation:
        """The formation pool for one onward path (created on first use), its trains
        leaving on ``gauge_out_mm`` (None: the facility's own). Boxes of any origin with
        the same onward path share it."""
        p = self.pools.get(key)
        if p is not None:
            return p
        depart = self.departure(on_depart, boxes_per_train)
        gate = self.handover(gauge_out_mm)
        wagons = self.wagon_pools.get(gauge_out_mm)
        if wagons is not None:  # the train takes its wagons (or waits for them), then
            # waits for its handover as a formed train (which a closure holds too)
            teu_of = self.teu_of
            if gate is None:  # (no cap here: an uncapped gate that a closure holds, so a
                # train that gets its wagons during a closure waits for the reopening)
                gate = Handover(self.env, None, lambda: self.closed)
                self._closure_gates.append(gate)
            handed = gate

            def go(idx: np.ndarray, t: float) -> None:
                handed.submit(idx, t, depart)
            p = TrainFormation(self.env, self.cfg.departure, boxes_per_train,
                               lambda idx, t: wagons.submit(idx, t, teu_of(idx), go))
        elif gate is None:
            p = TrainFormation(self.env, self.cfg.departure, boxes_per_train, depart)
        else:  # a train leaves the pool only when a handover is free for it
            p = TrainFormation(self.env, self.cfg.departure, boxes_per_train,
                               lambda idx, t: gate.hand(idx, t, depart),
                               handover=gate.admits)
        self.pools[key] = p
        p.closed = self.closed
        return p

    def departure(self, on_depart: Callable[[np.ndarray, float, int], None],
                  boxes_per_train: int | None = None) -> Callable[[np.ndarray, float], None]:
        """The departure of an outbound train formed here, ``(rows, hour)``: its boxes
        leave the yard, it is logged (of ``boxes_per_train``; None: a train of its own
        boxes, a block train) and runs on by ``on_depart(rows, hour, teu)``."""
        teu_of, yard = self.teu_of, self.yard
        out_log, out_rows = self.out_log, self.out_rows

        def depart(idx: np.ndarray, t: float) -> None:
            teu = teu_of(idx)
            yard.get(teu)
            self.left_teu += teu
            out_log.append((t, len(idx),
                            len(idx) if boxes_per_train is None else boxes_per_train))
            out_rows.append(idx)
            on_depart(idx, t, teu)
        return depart

    # An inbound train's stay, as a chain of callbacks (no process per train): each step
    # runs at once when what it needs is free, else when the wait event fires.
    def receive(self, idx: np.ndarray, teu: int, pool: TrainFormation | WholeTrains
                ) -> None:
        """An inbound train carrying boxes ``idx`` arrives: it queues, is unloaded, and its
        boxes go through customs into ``pool`` (a block train crossing whole: into its
        own, :mod:`sim.engine.facilities.block`)."""
        key = self._n_in = self._n_in + 1
        train = self._inside[key] = InboundStay(self.env.now, idx, teu, pool)
        _then(self.tracks.acquire(), self._on_track, train, key)

    def _on_track(self, train: InboundStay, key: int) -> None:
        train.track_h = self.env.now
        _then(self.yard.put(train.teu), self._on_yard, train, key)

    def _on_yard(self, train: InboundStay, key: int) -> None:
        _then(self.cranes.acquire(), self._on_crane, train, key)

    def _on_crane(self, train: InboundStay, key: int) -> None:
        train.crane_start_h = self.env.now
        handling = self.handling.one(len(train.rows) * self.hours_per_box)
        at(self.env, handling, lambda _e: self._on_unloaded(train, key))

    def _on_unloaded(self, train: InboundStay, key: int) -> None:
        over = self.cranes.used > self.cranes.capacity
        self.cranes.release()
        if over:  # finishing work begun before a closure or a cut
            self._log_cranes()
        self.tracks.release()
        del self._inside[key]
        idx, pool = train.rows, train.pool
        t_done = self.env.now
        n = len(idx)
        t_clear = t_done + self.customs.one()
        k_insp, t_insp = 0, math.nan
        # (the schema asks for an inspection dwell with a positive share)
        if self.cfg.inspection_share > 0 and self.inspection is not None:
            k_insp = int(self.inspection_rng.binomial(n, self.cfg.inspection_share))
            if k_insp:
                t_insp = t_clear + self.inspection.one()
        self.log.append((train.arrived_h, train.track_h, train.crane_start_h, t_done, n,
                         train.teu))
        if self.unloaded is not None:  # its wagons are free (a pool's, if any)
            self.unloaded(idx, t_done)
        self.in_rows.append(idx)
        self.clear_log.append((t_clear, k_insp, t_insp))
        if k_insp:
            pool.add_batch(idx[:k_insp], t_insp, wake=False)
        pool.add_batch(idx[k_insp:], t_clear)

    # -- closures of the rail side -----------------------------------------------------
    def committed_teu(self) -> float:
        """TEU accepted at the origins for routes through here and not yet gone on: on
        the way here or held here (what an acceptance limit caps)."""
        return self.accepted_teu - self.left_teu

    def backlog_teu(self) -> float:
        """TEU the facility holds: in its yard (background boxes included), waiting for
        yard space, and on trains waiting for a receiving track."""
        waiting = sum(t.teu for t in self._inside.values() if math.isnan(t.track_h))
        return self.yard.level + self.yard.pending() + waiting

    def close(self) -> None:
        """A closure of the rail side begins: stop starting to handle trains and releasing
        outbound trains (trains already on a crane are finished; closures may overlap, and
        the rail side reopens when the last one ends)."""
        self._closures += 1
        if self._closures > 1:
            return
        self.cranes.set_capacity(0)
        self._log_cranes()
        self.closures.append(Span(self.env.now, math.nan))
        for p in self.pools.values():
            p.set_closed(True)

    def reopen(self) -> None:
        """A closure of the rail side ends (the last one in force: handling resumes)."""
        self._closures -= 1
        if self._closures:
            return
        self.cranes.set_capacity(self.cranes_when_open)
        self._log_cranes()
        self.closures[-1] = self.closures[-1]._replace(to_h=self.env.now)
        for p in self.pools.values():
            p.set_closed(False)
        for gate in [*self.handovers.values(), *self._closure_gates]:
            gate.release()

    @property
    def closed(self) -> bool:
        """The rail side is closed."""
        return self._closures > 0

    def closure_actions(self) -> tuple[Callable[[], None], Callable[[], None]]:
        """Hook: what begins and what ends a closure of this facility (a timeline
        ``close`` or a random disruption): here, a closure of the rail side."""
        return self.close, self.reopen

    def change(self, field: str, value: float) -> None:
        """Hook: a timeline change of ``<table>.<field>``, from now on, for the fields of
        the rail side (a subclass handles its own fields and passes the others here)."""
        if field == "cranes":
            self.cranes_when_open = int(value)
            if not self.closed:
                self.cranes.set_capacity(int(value))
                self._log_cranes()
        elif field == "receiving_tracks":
            self.tracks.set_capacity(int(value))
        elif field == "crane_moves_per_h":
            self.hours_per_box = self.cfg.moves_per_box / value
        elif field == "yard_capacity_teu":
            self.yard.set_capacity(value)
            self.yard_log.append(YardCapacity(self.env.now, value))
        elif field == "acceptance_limit_teu":
            self.acceptance_limit = float(value)
        else:  # checks.timeline allows only the fields above
            raise ValueError(f"{self.table}.{field} cannot change during a run")

    def _log_cranes(self) -> None:
        """Log the crane gangs in force: the capacity, or more while trains already on a
        crane when it was lowered (or the rail side closed) are finished."""
        n = max(self.cranes.capacity, self.cranes.used)
        if self.crane_log[-1].gangs != n:
            self.crane_log.append(CraneGangs(self.env.now, n))

    def unfinished(self) -> TrainsInside:
        """Trains not yet unloaded at the end, one entry per train."""
        rows = np.array([(v.arrived_h, v.crane_start_h, len(v.rows), v.teu)
                         for v in self._inside.values()], dtype=float).reshape(-1, 4)
        return TrainsInside(rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3])

    def inside(self) -> list[InboundStay]:
        """The trains inside, not yet unloaded, in order of arrival."""
        return list(self._inside.values())

    def handover(self, gauge_out_mm: int | None) -> Handover | None:
        """Hook: the daily handover cap of the trains leaving on ``gauge_out_mm`` (None:
        none, as here; a crossing has one per gauge)."""
        return None

    def outbound_train_boxes(self, gauge_out_mm: int | None) -> int:
        """Hook (a subclass must implement it): boxes per outbound train formed here onto
        the gauge ``gauge_out_mm`` (None: the facility's own gauge)."""
        raise NotImplementedError(f"{type(self).__name__} forms no outbound trains")

    # -- box visits, from the logs (read after the run) ----------------------------------
    def visits(self, end_h: float) -> Visits:
        """Every box that reached the facility: its row and the hours it arrived, was
        unloaded, was ready to move on, left the yard (``release``) and left the facility
        (``depart``: its train or vessel left; NaN: not yet), in no particular order.
        ``kind`` is 0 for arrivals by rail, 1 by sea. Boxes arrived by rail first (trains
        unloaded, then trains still inside), then :meth:`_more_visits`."""
        batches: list[VisitBatch] = []
        for logged, idx, cleared in zip(self.log, self.in_rows, self.clear_log):
            train: InboundTrain[float] = InboundTrain._make(logged)
            clear: Clearance[float] = Clearance._make(cleared)
            n = len(idx)  # train.boxes
            r = np.full(n, clear.cleared_h)
            r[:int(clear.boxes_inspected)] = clear.inspected_h
            batches.append(VisitBatch(idx, np.full(n, train.arrived_h),
                                      np.full(n, train.unloaded_h), r, np.zeros(n, np.int8)))
        for v in self.inside():  # trains not yet unloaded
            n = len(v.rows)
            batches.append(VisitBatch(v.rows, np.full(n, v.arrived_h), np.full(n, np.nan),
                                      np.full(n, np.nan), np.zeros(n, np.int8)))
        batches += self._more_visits()
        if not batches:
            batches.append(VisitBatch(np.empty(0, np.int64), np.empty(0), np.empty(0),
                                      np.empty(0), np.empty(0, np.int8)))
        r = np.concatenate([b.rows for b in batches]).astype(np.int64)
        depart = np.full(len(r), np.nan)
        out = Visits(row=r, arrive=np.concatenate([b.arrive for b in batches]),
                     unloaded=np.concatenate([b.unloaded for b in batches]),
                     ready=np.concatenate([b.ready for b in batches]),
                     kind=np.concatenate([b.kind for b in batches]), depart=depart,
                     release=depart)
        out["ready"][out["ready"] >= end_h] = np.nan
        # where each row's visit is: a sort of the facility's own rows (a row listed twice
        # is found at its last visit), not a lookup table the size of the store
        by_row = np.argsort(r, kind="stable")
        r_sorted = r[by_row]

        def visit_of(rows: np.ndarray) -> np.ndarray:
            return by_row[np.searchsorted(r_sorted, rows, side="right") - 1]
        dep_rows, dep_h = self._departures()
        if dep_rows:
            t = np.repeat(dep_h, [len(x) for x in dep_rows])
            out["depart"][visit_of(np.concatenate(dep_rows))] = t
        out["release"] = out["depart"].copy()
        rel_rows, rel_h = self._releases()
        if rel_rows:
            out["release"][visit_of(np.concatenate(rel_rows))] = np.repeat(
                rel_h, [len(x) for x in rel_rows])
        return out

    def _more_visits(self) -> list[VisitBatch]:
        """Boxes that arrived other than by rail (none here)."""
        return []

    def _departures(self) -> tuple[list[np.ndarray], list[float]]:
        """Batches of rows that left the facility and their hours: the outbound trains."""
        return list(self.out_rows), [OutboundTrain._make(o).departed_h
                                     for o in self.out_log]

    def _releases(self) -> tuple[list[np.ndarray], list[float]]:
        """Batches of rows released from the yard before their departure, and the hours
        (none here: a box leaves the yard when its train departs)."""
        return [], []

def _then(wait: simpy.Event | None, step, *args) -> None:
    """Run ``step(*args)`` now if there is nothing to wait for, else when ``wait`` fires."""
    if wait is None:
        step(*args)
    else:
        wait.callbacks.append(lambda _event: step(*args))
