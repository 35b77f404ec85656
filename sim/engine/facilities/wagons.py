"""Pools of container flat wagons (:mod:`sim.scenario.wagons`): trains take their wagons
where they are formed and give them back after the loaded trip and the empty return.

A train released by its departure rule at a formation point of a pool asks for its
wagons (:meth:`WagonPool.submit`); it takes them at once if enough are free and no train
waits before it, else it waits in first-in first-out order (one deque per pool, no event
while it waits: a return of wagons releases what it can). Its wagons then are

* **loaded** until the train's boxes are unloaded at its next stop (the facility calls
  :meth:`WagonFleets.unloaded` when its cranes finish), or until it arrives where it is
  not unloaded by cranes (a destination terminal; a roll-on ferry's sidings, where the
  wagons roll on: the time aboard and back is in the empty return);
* **returning** for ``empty_run_factor`` times the loaded train's running time (its
  departure to its arrival, as booked) plus a ``turnaround_h`` draw;
* then **free** again.

A train is known by its rows array, the same object from its departure to its unloading
(the journey and the facility's receive pass it on): :class:`WagonFleets` keeps the
trains on their loaded trip by its ``id``, and checks the object. One event per train at
its return, and one at its arrival where no crane frees it; none per wagon.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.engine.facilities.rail import Draws
from sim.engine.facilities.slots import at
from sim.engine.facilities.transfer import TransferFacility
from sim.scenario.kinds import kind_of
from sim.scenario.wagons import WagonPool as PoolConfig
from sim.scenario.wagons import wagons_needed

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

Go = Callable[[np.ndarray, float], None]  # the train's way on: (rows, hour)


class _Trip:
    """A train's wagons out of the pool: its rows, pool, wagons, take number and hours."""

    __slots__ = ("rows", "pool", "wagons", "train", "departed_h", "arrived_h")

    def __init__(self, rows: np.ndarray, pool: WagonPool, wagons: int, train: int):
        self.rows, self.pool, self.wagons, self.train = rows, pool, wagons, train
        self.departed_h = self.arrived_h = float("nan")


class WagonPool:
    """One pool's wagons and the trains waiting for them.

    Parameters
    ----------
    env : the SimPy environment.
    pool_id : the pool's id (``wagon_pools.ID``).
    cfg : its table.
    turnaround : draws of ``turnaround_h``.
    fleets : the run's pools, which follow the trains on their loaded trip.
    """

    def __init__(self, env: simpy.Environment, pool_id: str, cfg: PoolConfig,
                 turnaround: Draws, fleets: WagonFleets):
        self.env = env
        self.id = pool_id
        self.cfg = cfg
        self.fleet = cfg.wagons
        self.free = cfg.wagons
        self.loaded = 0
        self.returning = 0
        self.turnaround = turnaround
        self.fleets = fleets
        self._waiting: deque[tuple[float, np.ndarray, int, Go]] = deque()
        # rows of sim.engine.logs.WagonTake, WagonCycle and WagonLevel (plain tuples)
        self.take_log: list[tuple[float, float, int]] = []
        self.cycle_log: list[tuple[int, float, float, float, float, int]] = []
        self.level_log: list[tuple[float, int, int, int, int]] = [
            (0.0, self.free, 0, 0, self.fleet)]

    def _log(self, now: float) -> None:
        self.level_log.append((now, self.free, self.loaded, self.returning, self.fleet))

    def set_wagons(self, wagons: int) -> None:
        """A timeline change of the fleet, from now: wagons added are free at once;
        wagons withdrawn leave from the free ones, and as others come back if too few are
        free (the free count goes below 0 until then)."""
        self.free += wagons - self.fleet
        self.fleet = wagons
        self._log(self.env.now)
        self._release(self.env.now)

    def _release(self, now: float) -> None:
        """Trains waiting take their wagons, in order, while the head's are free."""
        waiting = self._waiting
        while waiting and self.free >= waiting[0][2]:
            ready_h, rows, need, go = waiting.popleft()
            self._take(ready_h, rows, need, go, now)

    def __len__(self) -> int:
        """Trains formed and waiting for wagons."""
        return len(self._waiting)

    def submit(self, rows: np.ndarray, t: float, teu: int, go: Go) -> None:
        """A train of ``rows`` (``teu`` TEU) is formed at hour ``t`` (now): it takes its
        wagons and goes on now if enough are free and no train waits before it, else it
        waits its turn."""
        need = wagons_needed(len(rows), teu, self.cfg.teu_per_wagon)
        if not self._waiting and self.free >= need:
            self._take(t, rows, need, go, t)  # (at its own hour: as without a pool)
            return
        self._waiting.append((t, rows, need, go))

    def _take(self, ready_h: float, rows: np.ndarray, need: int, go: Go, now: float
              ) -> None:
        self.free -= need
        self.loaded += need
        self._log(now)
        self.fleets.board(_Trip(rows, self, need, len(self.take_log)))
        self.take_log.append((ready_h, now, need))
        go(rows, now)

    def freed(self, trip: _Trip) -> None:
        """The train's boxes are off (or it arrived): its wagons run back empty."""
        now = self.env.now
        self.loaded -= trip.wagons
        self.returning += trip.wagons
        self._log(now)
        back_h = (self.cfg.empty_run_factor * (trip.arrived_h - trip.departed_h)
                  + self.turnaround.one())
        at(self.env, max(back_h, 0.0), lambda _e: self._back(trip, now))

    def _back(self, trip: _Trip, freed_h: float) -> None:
        now = self.env.now
        self.returning -= trip.wagons
        self.free += trip.wagons
        self._log(now)
        self.cycle_log.append((trip.train, trip.departed_h, trip.arrived_h, freed_h, now,
                               trip.wagons))
        self._release(now)

    def waiting_since(self) -> list[float]:
        """The hours the trains still waiting were formed (at the end of a run)."""
        return [w[0] for w in self._waiting]


class WagonFleets:
    """The run's wagon pools, and the trains on their loaded trip with a pool's wagons."""

    def __init__(self, env: simpy.Environment):
        self.env = env
        self.pools: dict[str, WagonPool] = {}
        self._aboard: dict[int, _Trip] = {}

    def board(self, trip: _Trip) -> None:
        self._aboard[id(trip.rows)] = trip

    def _trip(self, rows: np.ndarray) -> _Trip | None:
        trip = self._aboard.get(id(rows))
        return trip if trip is not None and trip.rows is rows else None

    def ran(self, rows: np.ndarray, departed_h: float, arrived_h: float,
            receive: object) -> None:
        """A train left at ``departed_h`` (now) to arrive at ``arrived_h`` where
        ``receive`` takes it (None: its destination): if it carries a pool's wagons, they
        are freed when a facility's cranes unload it, else on its arrival."""
        trip = self._trip(rows)
        if trip is None:
            return
        trip.departed_h, trip.arrived_h = departed_h, arrived_h
        if isinstance(getattr(receive, "__self__", None), TransferFacility):
            return  # the facility calls unloaded()
        del self._aboard[id(rows)]
        at(self.env, max(arrived_h - self.env.now, 0.0), lambda _e: trip.pool.freed(trip))

    def unloaded(self, rows: np.ndarray, _t: float) -> None:
        """A facility's cranes unloaded the train of ``rows`` (now)."""
        trip = self._trip(rows)
        if trip is None:
            return
        del self._aboard[id(rows)]
        trip.pool.freed(trip)


def start_wagon_pools(env: simpy.Environment, scenario: Scenario,
                      facilities: dict[str, TransferFacility],
                      draws: Callable[[str, str], np.random.Generator]
                      ) -> WagonFleets | None:
    """The scenario's wagon pools (None: none), each attached to the transfer facilities
    that form its trains (``wagon_pools`` of the facility, by the gauge trains leave on at
    a crossing, else None) and every facility told to report its unloaded trains. Each
    pool's turnaround draws from its own stream (``dwell``, ``wagon_pool:ID``). The
    origin terminals' pools are found by :func:`origin_pool`."""
    if not scenario.wagon_pools:
        return None
    fleets = WagonFleets(env)
    for pid, cfg in scenario.wagon_pools.items():
        pool = fleets.pools[pid] = WagonPool(
            env, pid, cfg, Draws(cfg.turnaround_h, draws("dwell", f"wagon_pool:{pid}")),
            fleets)
        for nid in cfg.nodes:
            fac = facilities.get(nid)
            if fac is not None:
                key = cfg.gauge_mm if kind_of(scenario.nodes[nid]).joins_gauges else None
                fac.wagon_pools[key] = pool
    for fac in facilities.values():
        fac.unloaded = fleets.unloaded
    return fleets


def origin_pool(fleets: WagonFleets | None, scenario: Scenario, node_id: str
                ) -> WagonPool | None:
    """The pool whose wagons the block trains leaving the origin ``node_id`` take (None:
    none)."""
    if fleets is None:
        return None
    gauge = scenario.nodes[node_id].gauge_mm
    for pid, cfg in scenario.wagon_pools.items():
        if node_id in cfg.nodes and cfg.gauge_mm == gauge:
            return fleets.pools[pid]
    return None
