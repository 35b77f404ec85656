"""Sea ports and the vessel services between them.

A :class:`PortFacility` is a transfer facility
(:class:`~sim.engine.facilities.transfer.TransferFacility`): trains arriving by rail are
received, unloaded into the yard and cleared exactly as at a crossing, and outbound
trains are formed by the port's departure rule. In addition, vessel loads are landed into the same
yard and cleared (one ``customs_dwell_h`` draw per load), and boxes bound across the sea
wait in the yard for a vessel of their service.

A :class:`VesselService` runs ``fleet`` identical vessels that shuttle between the home
port (``from``) and the far port (``to``). A vessel's cycle:

1. at home: wait while the port is closed, take a berth (or wait for one), berth
   (``berthing_h``), unload the return load (units / ``handling_per_h``);
2. wait at the berth until the sailing rule releases a load from the boxes waiting for
   the service (``full``: a vessel load; ``full_or_max_wait``: a load, or what is ready
   once the oldest box has waited ``max_wait_h``; ``timetable``: at the slot times, with
   what is ready); load it (units / ``handling_per_h``);
3. wait while the port is closed, leave the berth and sail (``crossing_h``);
4. at the far port: wait while it is closed, take a berth, berth and unload; the load is
   landed; take at once what is ready for the way back (up to the vessel's capacity);
   load it, wait while the port is closed, sail back.

A ferry with ``roll_off_dwell_h`` rolls its container wagons off at either end: after
that formalities dwell (one draw per load) the wagons bound the same way leave as a train
as they stand, without the yard, a crane or re-formation; otherwise a load is landed into
the yard as above. With ``roll_on_dwell_h`` the wagons of trains reaching the home port
roll on from its ferry sidings instead (:mod:`sim.engine.facilities.roll_on`).

A service with ``background`` traffic shares each load with the other
railcars and trucks (ferry) or TEU (feeder) offered per day at each end
(:mod:`sim.engine.facilities.sea_traffic`): they are counted, not tracked, and add their
space to the handling time of the load.

A port closed to shipping (a storm, or a timeline closure: the port's closure actions)
stops berthing, the release of loads and sailing; the rail side of the port goes on
(trains are still unloaded into the yard and formed from it). Work already begun at a
berth is finished.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.engine.facilities.formation import TrainFormation
from sim.engine.facilities.rail import Draws
from sim.engine.facilities.sea_traffic import BackgroundQueue, SharedLoad
from sim.engine.facilities.slots import Slots, at, sleep
from sim.engine.facilities.transfer import TransferFacility, VisitBatch, _then
from sim.engine.logs import (
    FleetSize,
    Landing,
    Sailing,
    Span,
)
from sim.scenario.empties import EMPTIES
from sim.scenario.schema import Departure, Port, Service
from sim.scenario.sea_traffic import UNITS_BY_KIND
from sim.scenario.vessel_kinds import VESSEL_KINDS

if TYPE_CHECKING:
    from sim.engine.facilities.roll_on import FerrySidings

# where a landed load's boxes go next: rows -> [(rows of one group, pool)]
Dispatch = Callable[[np.ndarray], list[tuple[np.ndarray, TrainFormation]]]
# a train leaving with boxes: (rows, hour, teu) -> None
Onward = Callable[[np.ndarray, float, int], None]
# where wagons rolled off a ferry go next: rows -> [(rows of one onward path, its train's
# continuation, or None: the next leg is not by rail, so they are landed into the yard)]
RollDispatch = Callable[[np.ndarray], list[tuple[np.ndarray, Onward | None]]]
# a vessel pool: TrainFormation's signature (env, rule, boxes, on_depart, gate)
MakePool = Callable[..., TrainFormation]


# a port's box visits (the name the measures used before every transfer facility had them)


class PortFacility(TransferFacility):
    """A port: the rail side of a transfer facility plus berths, vessel landings, and
    closures to shipping (:meth:`close_to_shipping`, :meth:`reopen_to_shipping`), which
    are what closes a port (:meth:`closure_actions`); its rail side is never closed."""

    table = "port"

    def __init__(self, env: simpy.Environment, node_id: str, code: int, cfg: Port,
                 handling_rng, dwell_rng, inspection_rng, inspection_dwell_rng,
                 teu_of: Callable[[np.ndarray], int]):
        super().__init__(env, node_id, code, cfg, handling_rng, dwell_rng, inspection_rng,
                         inspection_dwell_rng, teu_of)
        self.cfg: Port = cfg
        self.berths = Slots(env, cfg.berths)
        self._storms = 0                     # closures of the port to shipping in force
        self._open: simpy.Event | None = None  # fires when the port reopens
        self.sea_pools: list[TrainFormation] = []
        # per vessel load landed: a Landing, and its rows and their clearance hour
        self.sea_log: list[Landing[float]] = []
        self.sea_rows: list[tuple[np.ndarray, float]] = []
        self.sea_kinds: list[int] = []  # per load: 1 landed into the yard, 2 rolled off
        self._landing: dict[int, list] = {}  # loads waiting for yard space
        self._n_land = 0
        # per vessel load: rows and the hour it was released from the yard to the vessel,
        # and the hour the vessel sailed
        self.released_rows: list[np.ndarray] = []
        self.released_at: list[float] = []
        self.sailed_rows: list[np.ndarray] = []
        self.sailed_at: list[float] = []
        self.sidings: FerrySidings | None = None  # where wagons roll on to ferries

    # -- shipping ---------------------------------------------------------------------
    @property
    def shut(self) -> bool:
        """Closed to shipping."""
        return self._storms > 0

    def closure_actions(self) -> tuple[Callable[[], None], Callable[[], None]]:
        """A closure of a port (a timeline ``close``, a storm) closes it to shipping."""
        return self.close_to_shipping, self.reopen_to_shipping

    def close_to_shipping(self) -> None:
        """A closure to shipping begins (closures may overlap; the port reopens to shipping
        when the last one ends); logged in ``closures``."""
        self._storms += 1
        if self._storms == 1:
            self.closures.append(Span(self.env.now, math.nan))
            self._open = self.env.event()

    def reopen_to_shipping(self) -> None:
        """A closure to shipping ends (the last one in force: vessels berth and sail)."""
        self._storms -= 1
        if self._storms:
            return
        self.closures[-1] = self.closures[-1]._replace(to_h=self.env.now)
        if self._open is not None:
            self._open.succeed()
        self._open = None
        for p in self.sea_pools:
            p.wake()

    def wait_open(self):
        """Process step: wait until the port is open to shipping."""
        while self._open is not None:
            yield self._open

    def change(self, field: str, value: float) -> None:
        if field == "berths":
            self.berths.set_capacity(int(value))
        else:
            super().change(field, value)

    def sea_pool(self, capacity_boxes: int, rule: Departure, gate: Callable[[], bool] | None,
                 on_load: Callable[[np.ndarray, float, int], None],
                 make: MakePool = TrainFormation) -> TrainFormation:
        """The pool of boxes waiting here for a vessel of one service and direction; a
        released load leaves the yard and goes to ``on_load(rows, t, teu)``. ``make``
        builds the pool (a :class:`SharedLoad` where background units share the loads)."""
        teu_of, yard = self.teu_of, self.yard

        def load(idx: np.ndarray, t: float) -> None:
            teu = teu_of(idx)
            sidings = self.sidings  # wagons from the ferry sidings never were in the yard
            yard.get(teu if sidings is None else teu - sidings.take(idx))
            self.left_teu += teu
            self.released_rows.append(idx)
            self.released_at.append(t)
            on_load(idx, t, teu)
        p = make(self.env, rule, capacity_boxes, load, gate)
        self.sea_pools.append(p)
        return p

    def land(self, idx: np.ndarray, teu: int, t_arrive: float, dispatch: Dispatch) -> None:
        """A vessel load has been unloaded now: it goes into the yard (waiting for space
        if need be), is cleared, and its boxes join the pools that take them on."""
        key = self._n_land = self._n_land + 1
        self._landing[key] = [t_arrive, idx, teu]
        _then(self.yard.put(teu), self._landed, key, dispatch)

    def _landed(self, key: int, dispatch: Dispatch) -> None:
        t_arrive, idx, teu = self._landing.pop(key)
        now = self.env.now
        t_clear = now + self.customs.one()
        self.sea_log.append(Landing(t_arrive, now, len(idx), teu))
        self.sea_rows.append((idx, t_clear))
        self.sea_kinds.append(1)
        woken: list[TrainFormation] = []  # each pool the load joins, woken once
        for rows, pool in dispatch(idx):
            pool.add_batch(rows, t_clear, wake=False)
            if pool not in woken:
                woken.append(pool)
        for pool in woken:
            pool.wake()

    def roll_off(self, idx: np.ndarray, teu: int, t_arrive: float,
                 groups: list[tuple[np.ndarray, Onward]], dwell_h: float) -> None:
        """Container wagons have rolled off a ferry now: after the formalities dwell
        ``dwell_h`` each group (one onward path) leaves as a train as it stands, without
        the yard, a crane or re-formation (one event per load)."""
        now = self.env.now
        self.sea_log.append(Landing(t_arrive, now, len(idx), teu))
        self.sea_rows.append((idx, now + dwell_h))
        self.sea_kinds.append(2)
        teu_of, out_log, out_rows = self.teu_of, self.out_log, self.out_rows
        train_boxes = self.cfg.train_boxes

        def leave(_e: object) -> None:
            t = self.env.now
            for rows, onward in groups:
                self.left_teu += teu_of(rows)
                out_log.append((t, len(rows), max(len(rows), train_boxes)))
                out_rows.append(rows)
                onward(rows, t, teu_of(rows))
        at(self.env, dwell_h, leave)

    def sailed(self, idx: np.ndarray, t: float) -> None:
        self.sailed_rows.append(idx)
        self.sailed_at.append(t)

    def unlanded(self) -> tuple[np.ndarray, np.ndarray]:
        """Vessel loads unloaded but waiting for yard space at the end: arrival hours and
        rows."""
        waiting = list(self._landing.values())
        rows = np.concatenate([w[1] for w in waiting]) if waiting else np.empty(0, np.int64)
        t = np.repeat([w[0] for w in waiting], [len(w[1]) for w in waiting])
        return np.asarray(t, float), rows

    def outbound_train_boxes(self, gauge_out_mm: int | None) -> int:
        """Boxes per outbound train formed here (on the port's gauge)."""
        return self.cfg.train_boxes

    def _more_visits(self) -> list[VisitBatch]:
        """Vessel loads landed (kind 1) or wagons rolled off a ferry (kind 2: never in the
        yard), loads waiting for yard space at the end, and trains whose wagons roll on to
        a ferry from the sidings (kind 3: never in the yard)."""
        out = [VisitBatch(idx, np.full(len(idx), land.arrived_h),
                          np.full(len(idx), land.unloaded_h), np.full(len(idx), t_clear),
                          np.full(len(idx), kind, np.int8))
               for land, (idx, t_clear), kind in zip(self.sea_log, self.sea_rows,
                                                     self.sea_kinds)]
        t_w, rows_w = self.unlanded()
        out.append(VisitBatch(rows_w, t_w, np.full(len(rows_w), np.nan),
                              np.full(len(rows_w), np.nan), np.ones(len(rows_w), np.int8)))
        return out + (self.sidings.visits() if self.sidings is not None else [])

    def _departures(self) -> tuple[list[np.ndarray], list[float]]:
        """Boxes leaving by train, then by vessel."""
        rows, hours = super()._departures()
        return rows + self.sailed_rows, hours + self.sailed_at

    def _releases(self) -> tuple[list[np.ndarray], list[float]]:
        """Vessel loads released from the yard to be loaded (trains: at departure)."""
        return self.released_rows, self.released_at


class VesselService:
    """A fleet of vessels shuttling between two ports (see the module docstring)."""

    def __init__(self, env: simpy.Environment, sid: str, cfg: Service, home: PortFacility,
                 away: PortFacility, share_40ft: float, teu: np.ndarray,
                 berthing_rng: np.random.Generator, crossing_rng: np.random.Generator,
                 background: dict[str, np.ndarray] | None = None,
                 roll_off_rng: np.random.Generator | None = None):
        self.env, self.id, self.cfg = env, sid, cfg
        self.home, self.away = home, away
        self.teu = teu
        self.capacity_boxes = cfg.capacity_boxes(share_40ft)
        # railcars (ferry), TEU (feeder) or tonnes (tanker)
        self.capacity_units = cfg.capacity_units()
        self.units_per_h = cfg.handling_rate_per_h()  # loading and unloading
        self.berthing = Draws(cfg.berthing_h, berthing_rng)
        self.crossing = Draws(cfg.crossing_h, crossing_rng)
        # wagons roll off at either end (ferries with roll_off_dwell_h), else are landed
        self.roll_off = (Draws(cfg.roll_off_dwell_h, roll_off_rng)
                         if cfg.roll_off_dwell_h is not None and roll_off_rng is not None
                         else None)
        # background units per direction (0: offered at home, 1: at the far port), in
        # the order of bg_units; bg_space: vessel space one unit takes
        self.bg_units, self.bg_space, self.queues = self._background(background or {})
        # vessels empty at the home berth, waiting for a load: (event, since hour)
        self._ready: deque[tuple[simpy.Event, float]] = deque()
        self.out_pool = home.sea_pool(self.capacity_boxes, cfg.sailing, self._may_load,
                                      self._loaded, self._pool_maker(0))
        self._back: list = []
        never = Departure.model_validate({"rule": "full"})
        self.back_pool = away.sea_pool(self.capacity_boxes, never, lambda: False, self._taken,
                                       self._pool_maker(1))
        # where boxes landed at each end go next (set by the model): direction -> dispatch
        self.dispatch: dict[int, Dispatch] = {}
        self.roll_dispatch: dict[int, RollDispatch] = {}
        self.bg_sailed: list[tuple[int, ...]] = []  # per sailing: units aboard (bg_units)
        # vessel -> (direction, background units) loaded and not yet sailed
        self._bg_aboard: dict[int, tuple[int, tuple[int, ...]]] = {}
        # per sailing: a Sailing, and the rows on board
        self.sailings: list[Sailing[float]] = []
        self.sailing_rows: list[np.ndarray] = []
        # per vessel: spells idle at the home berth waiting for a load [from, to)
        self.idle: list[Span[float]] = []
        self.retire = 0  # vessels to withdraw when next at home (timeline fleet cuts)
        self.fleet = 0
        self._next_id = 0
        self._aboard: dict[int, np.ndarray] = {}  # vessel -> rows loaded, not yet landed
        self._last: dict[int, int] = {}  # vessel -> index of its latest sailing
        self.active: list[FleetSize[float]] = [FleetSize(0.0, 0)]
        self.add_vessels(cfg.fleet)

    # -- background ---------------------------------------------------------------------
    def _background(self, counts: dict[str, np.ndarray]
                    ) -> tuple[list[str], list[float], list[list[BackgroundQueue]]]:
        """The background units this service carries, the space each takes, and its
        queues per direction (none: no background); the empties going back
        (:mod:`sim.engine.facilities.empties`) are a unit of their own, last."""
        bg = self.cfg.background
        if not counts or (bg is None and not any(k.startswith(EMPTIES) for k in counts)):
            return [], [], [[], []]
        units = list(UNITS_BY_KIND[self.cfg.kind]) if bg is not None else []
        space = bg.space() if bg is not None else {}
        if any(k.startswith(EMPTIES) for k in counts):  # empties going back, last
            units.append(EMPTIES)  # (in the service's own unit: TEU or railcars)
            space[EMPTIES] = 1.0
        days = max(len(c) for c in counts.values())
        none = np.zeros(days, np.int64)
        queues = [[BackgroundQueue(counts.get(f"{u}_{way}", none), space[u]) for u in units]
                  for way in ("out", "back")]
        return units, [space[u] for u in units], queues

    def _pool_maker(self, direction: int):
        """How the vessel pool of one direction is built: a TrainFormation, or a
        SharedLoad with the direction's background queues."""
        if not self.bg_units:
            return TrainFormation
        usable = self.capacity_units * self.cfg.load_factor
        box_space = VESSEL_KINDS[self.cfg.kind].box_space or 1.0  # (a tanker: no box)
        queues = self.queues[direction]
        first = getattr(self.cfg.background, "share", None) == "boxes_first"  # booked slots

        def make(env, rule, boxes, on_depart, gate):
            return SharedLoad(env, rule, boxes, on_depart, gate, queues=queues,
                              usable=usable, box_space=box_space, boxes_first=first)
        return make

    def _bg_of(self, pool: TrainFormation) -> tuple[int, ...]:
        """The background units of the load ``pool`` released last (none: no background)."""
        return pool.last_taken if isinstance(pool, SharedLoad) else ()

    def _bg_space(self, bg: tuple[int, ...]) -> float:
        return sum(n * w for n, w in zip(bg, self.bg_space))

    def background_waiting(self, direction: int, t: float) -> tuple[int, ...]:
        """Background units offered and not loaded by hour ``t``, per unit."""
        return tuple(q.waiting(t) for q in self.queues[direction])

    def background_offered(self, direction: int, t: float) -> tuple[int, ...]:
        """Background units offered by hour ``t``, per unit."""
        return tuple(q.arrived(t) for q in self.queues[direction])

    def background_aboard(self, direction: int) -> tuple[int, ...]:
        """Background units offered in ``direction`` (0: at home), loaded and not yet
        sailed (at the end of a run: left aboard at the berth), per unit."""
        got = [0] * len(self.bg_units)
        for d, bg in self._bg_aboard.values():
            if d == direction:
                got = [a + b for a, b in zip(got, bg)]
        return tuple(got)

    # -- fleet --------------------------------------------------------------------------
    def add_vessels(self, n: int) -> None:
        for _ in range(n):
            k = self._next_id
            self._next_id += 1
            self.fleet += 1
            self.env.process(self._vessel(k))
        self.log_active()

    def set_fleet(self, n: int) -> None:
        """A timeline change of the fleet: more vessels start at home now; fewer are
        withdrawn at once from those idle at home, the rest as they next come home (a
        vessel at sea or at the far port finishes its round trip)."""
        n_now = self.fleet - self.retire
        if n > n_now:
            back = min(self.retire, n - n_now)
            self.retire -= back
            self.add_vessels(n - n_now - back)
        else:
            self.retire += n_now - n
            # the idle ones at once, off the fleet now (another change may come at the same
            # hour, before they resume); the rest as they come home (:meth:`await_load`)
            popped = 0
            while self.retire > 0 and self._ready:
                self.retire -= 1
                self.fleet -= 1
                popped += 1
                self._ready.pop()[0].succeed(None)
            if popped:
                self.log_active()

    def _withdraw(self) -> None:
        """A vessel coming home leaves the fleet (one of those ``retire`` counts)."""
        self.retire, self.fleet = self.retire - 1, self.fleet - 1
        self.log_active()

    def log_active(self) -> None:
        n = self.fleet
        if self.active[-1].from_h == self.env.now:
            self.active[-1] = FleetSize(self.env.now, n)
        else:
            self.active.append(FleetSize(self.env.now, n))

    # -- loads --------------------------------------------------------------------------
    def _may_load(self) -> bool:
        return bool(self._ready) and not self.home.shut

    def _loaded(self, idx: np.ndarray, t: float, teu: int) -> None:
        self._ready.popleft()[0].succeed((idx, teu, self._bg_of(self.out_pool)))

    def _taken(self, idx: np.ndarray, t: float, teu: int) -> None:
        self._back.append((idx, teu, self._bg_of(self.back_pool)))

    def units(self, teu: int, boxes: int) -> float:
        return self.cfg.units(teu, boxes)

    def idle_intervals(self) -> tuple[np.ndarray, np.ndarray]:
        """Vessel intervals idle at home waiting for a load (NaN end: still waiting at
        the end of the run)."""
        a = [s.from_h for s in self.idle] + [t for _, t in self._ready]
        b = [s.to_h for s in self.idle] + [math.nan] * len(self._ready)
        return np.array(a, float), np.array(b, float)

    def aboard(self) -> np.ndarray:
        """Rows on board a vessel at the end: loaded and not yet landed (at the berth
        being loaded, at sea, at anchor, or being unloaded)."""
        loads = [r for r in self._aboard.values() if len(r)]
        return np.concatenate(loads) if loads else np.empty(0, np.int64)

    # -- a vessel -------------------------------------------------------------------------
    def berths_at(self, port: PortFacility) -> Slots:
        """The berths the vessels take at ``port``: the port's (a tanker line: its own)."""
        return port.berths

    def carried_units(self, teu: int, boxes: int, bg: tuple[int, ...]) -> float:
        """What a sailing carries in the capacity unit, as logged (``Sailing.units``):
        the railcars (ferry) or TEU (feeder) of its modelled boxes (a tanker line: its
        tonnes)."""
        return self.units(teu, boxes)

    def berth(self, port: PortFacility):
        """Process step: take a berth at ``port`` once it is open, and moor."""
        env = self.env
        while True:
            yield from port.wait_open()
            req = self.berths_at(port).acquire()
            if req is not None:
                yield req
            if not port.shut:
                break
            self.berths_at(port).release()  # closed while waiting for the berth: wait again
        yield sleep(env, self.berthing.one())

    def _vessel(self, k: int):
        """Process: one vessel's round trips. An empty vessel waits for a load at home
        at anchor, not at a berth; it berths when a load is released (and, with a return
        load, to unload it first: a load ready by then is taken at the same call)."""
        cargo: tuple[np.ndarray, int, tuple[int, ...]] | None = None  # the return load
        t_arrive = self.env.now
        while True:
            got = yield from self.await_load(k, cargo, t_arrive)
            if got is None:
                return
            load = yield from self.sail_out(k, *got)
            yield from self.unload_far(k, load)
            cargo, t_arrive = yield from self.sail_back(k)

    def await_load(self, k: int, cargo, t_arrive: float):
        """Process step at home: unload the return load ``cargo`` (if any) at a berth,
        then wait for a load; returns the load and whether the vessel holds a berth, or
        None if the vessel was withdrawn."""
        env, home = self.env, self.home
        at_berth = False
        if cargo is not None:
            yield from self.berth(home)
            at_berth = True
            idx, teu, bg = cargo
            yield sleep(env, self._handling_h(idx, teu, bg))
            self._aboard.pop(k, None)
            self._landed(k)
            if len(idx):
                self._ashore(home, idx, teu, t_arrive, 1)
        if self.retire > 0:
            self._withdraw()
            if at_berth:
                self.berths_at(home).release()
            return None
        t_idle = env.now
        ev = env.event()
        self._ready.append((ev, t_idle))
        self.out_pool.wake()
        if at_berth and not ev.triggered:  # nothing to load yet: leave the berth
            self.berths_at(home).release()
            at_berth = False
        load = yield ev
        self.idle.append(Span(t_idle, env.now))
        if load is None:  # withdrawn while waiting for a load (counted off by set_fleet)
            if at_berth:
                self.berths_at(home).release()
            return None
        return load, at_berth

    def sail_out(self, k: int, load, at_berth: bool):
        """Process step: berth (if not at one), take the load on and sail to the far port;
        returns the load on arrival."""
        env, home = self.env, self.home
        idx, teu, bg = load
        self._aboard[k] = idx
        self._bg_aboard[k] = (0, bg)
        if not at_berth:
            yield from self.berth(home)
        yield sleep(env, self._handling_h(idx, teu, bg))
        yield from home.wait_open()
        self.berths_at(home).release()
        return (yield from self._sail(k, 0, idx, teu, bg, home))

    def unload_far(self, k: int, load):
        """Process step at the far port: berth, unload and land ``load``; the vessel
        stays at the berth, the port open."""
        env, away = self.env, self.away
        idx, teu, bg = load
        t_arrive = env.now
        yield from self.berth(away)
        yield sleep(env, self._handling_h(idx, teu, bg))
        self._aboard.pop(k, None)
        self._landed(k)
        if len(idx):
            self._ashore(away, idx, teu, t_arrive, 0)
        yield from away.wait_open()

    def sail_back(self, k: int):
        """Process step at the far port's berth: take at once what is ready for the way
        back, load it, leave the berth and sail home; returns the return load (None:
        nothing aboard) and the hour of arrival."""
        env, away = self.env, self.away
        self.back_pool.take_ready(self.capacity_boxes, env.now)
        if self._back:
            idx, teu, bg = self._back.pop()
            self._aboard[k] = idx
            self._bg_aboard[k] = (1, bg)
            yield sleep(env, self._handling_h(idx, teu, bg))
        else:
            idx, teu, bg = np.empty(0, np.int64), 0, tuple(0 for _ in self.bg_units)
        yield from away.wait_open()
        self.berths_at(away).release()
        idx, teu, bg = yield from self._sail(k, 1, idx, teu, bg, away)
        return ((idx, teu, bg) if len(idx) or any(bg) else None), env.now

    def _handling_h(self, idx: np.ndarray, teu: int, bg: tuple[int, ...]) -> float:
        """Hours to load or unload a load: its boxes' railcars or TEU and its background
        units' space, at ``handling_per_h``."""
        return (self.units(teu, len(idx)) + self._bg_space(bg)) / self.units_per_h

    def _ashore(self, port: PortFacility, idx: np.ndarray, teu: int, t_arrive: float,
                direction: int) -> None:
        """A load unloaded now at ``port`` (``direction``: of the sailing): rolled off
        onto the rails where the service rolls wagons off and the boxes go on by rail,
        else landed into the yard."""
        if self.roll_off is None:
            port.land(idx, teu, t_arrive, self.dispatch[direction])
            return
        groups = self.roll_dispatch[direction](idx)
        rolled = [(rows, on) for rows, on in groups if on is not None]
        kept = [rows for rows, on in groups if on is None]
        if kept:
            rows = np.concatenate(kept)
            port.land(rows, int(self.teu[rows].sum()), t_arrive, self.dispatch[direction])
        if rolled:
            rows = np.concatenate([r for r, _ in rolled])
            port.roll_off(rows, int(self.teu[rows].sum()), t_arrive, rolled,
                          self.roll_off.one())

    def _landed(self, k: int) -> None:
        """Log that vessel ``k`` has unloaded the load of its latest sailing now."""
        i = self._last[k]
        self.sailings[i] = self.sailings[i]._replace(landed_h=self.env.now)

    def _sail(self, k: int, direction: int, idx: np.ndarray, teu: int,
              bg: tuple[int, ...], port: PortFacility):
        """Process step: sail one way with a load; returns the load on arrival."""
        env = self.env
        i = self._last[k] = len(self.sailings)
        self.sailings.append(Sailing(k, direction, env.now, math.nan, len(idx), teu,
                                     self.carried_units(teu, len(idx), bg), math.nan))
        self.sailing_rows.append(idx)
        self.bg_sailed.append(bg)
        self._bg_aboard.pop(k, None)
        if len(idx):
            port.sailed(idx, env.now)
        yield sleep(env, self.crossing.one())
        self.sailings[i] = self.sailings[i]._replace(arrived_h=env.now)
        return idx, teu, bg
