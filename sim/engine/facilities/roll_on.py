"""Container wagons rolling on to a rail ferry at its home port, from the port's ferry
sidings.

At the home port of a ferry service with ``roll_on_dwell_h``, a train whose boxes sail on
that service is not unloaded: it

1. queues for a receiving track (the port's, shared with every other train) and holds it;
2. waits for room on the ferry sidings for its wagons (``ferry_sidings_railcars``; a
   railcar carries one 40 ft or two 20 ft boxes, so a train of ``teu`` TEU is ``teu / 2``
   railcars, as the ferry counts them: :meth:`sim.scenario.schema.Service.units`); while
   the sidings are full the train waits on its track, as a train at a full yard does;
3. is split into ferry cuts and pushed onto the sidings in ``ferry_shunt_h`` (fixed, per
   train), then frees its track;
4. its wagons stand sealed through the formalities dwell (``roll_on_dwell_h``, one draw
   per train: the transit documents travel with the train; no inspection is drawn), then
   join the ferry's waiting load as boxes from the yard do (first in, first out with the
   service's background railcars and trucks);
5. they leave the sidings when a ferry's load takes them (:meth:`FerrySidings.take`,
   called by the port's vessel pool).

No crane gang, crane move or yard TEU is spent; one event per train (the shunt), none per
wagon. The wagons' stay is logged as a port visit of kind 3 (arrived by rail, never in
the yard): ``unloaded`` is the hour the train stood on the sidings, ``ready`` the end of
the dwell, so the port's KPIs and the location of every box read it as any other stay.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.engine.facilities.rail import Draws
from sim.engine.facilities.slots import Level, at
from sim.engine.facilities.transfer import VisitBatch, _then

if TYPE_CHECKING:
    from sim.engine.facilities.formation import TrainFormation
    from sim.engine.facilities.port import PortFacility
    from sim.scenario.schema import Scenario

ROLLED_ON = 3  # the visit kind of wagons rolled on from the ferry sidings
# a train received by a port: (rows, teu, pool) -> None
Receive = Callable[[np.ndarray, int, "TrainFormation"], None]


class _Stay:
    """A train at the port not yet on the sidings: its arrival hour, boxes and pool."""

    __slots__ = ("arrived_h", "rows", "teu", "pool", "dwell")

    def __init__(self, arrived_h: float, rows: np.ndarray, teu: int, pool: TrainFormation,
                 dwell: Draws):
        self.arrived_h, self.rows, self.teu, self.pool, self.dwell = (
            arrived_h, rows, teu, pool, dwell)


class FerrySidings:
    """The ferry sidings of one port (see the module docstring).

    Parameters
    ----------
    port : the port; its receiving tracks are shared with its other trains.
    capacity_railcars : railcars the sidings hold.
    shunt_h : hours to put one train's wagons onto the sidings.
    teu : TEU of every container row (the record store's).
    """

    def __init__(self, port: PortFacility, capacity_railcars: int, shunt_h: float,
                 teu: np.ndarray):
        self.env: simpy.Environment = port.env
        self.tracks = port.tracks
        self.railcars = Level(port.env, capacity_railcars)  # wagons on (or bound for) them
        self.shunt_h = shunt_h
        self.teu = teu
        self.on = np.zeros(len(teu), bool)  # rows standing on the sidings
        # per train on the sidings: (arrived, on the sidings, ready) hours, and its rows
        self.log: list[tuple[float, float, float]] = []
        self.rows: list[np.ndarray] = []
        self._inside: dict[int, _Stay] = {}  # trains not yet on the sidings, by arrival
        self._n = 0

    def receive(self, idx: np.ndarray, teu: int, pool: TrainFormation, dwell: Draws) -> None:
        """A train carrying boxes ``idx`` for the ferry pool ``pool`` arrives; its wagons
        roll on after the dwell drawn from ``dwell``."""
        key = self._n = self._n + 1
        stay = self._inside[key] = _Stay(self.env.now, idx, teu, pool, dwell)
        _then(self.tracks.acquire(), self._on_track, stay, key)

    def _on_track(self, stay: _Stay, key: int) -> None:
        _then(self.railcars.put(stay.teu / 2), self._room, stay, key)

    def _room(self, stay: _Stay, key: int) -> None:
        at(self.env, self.shunt_h, lambda _e: self._on_sidings(stay, key))

    def _on_sidings(self, stay: _Stay, key: int) -> None:
        self.tracks.release()
        del self._inside[key]
        now = self.env.now
        t_ready = now + stay.dwell.one()
        self.on[stay.rows] = True
        self.log.append((stay.arrived_h, now, t_ready))
        self.rows.append(stay.rows)
        stay.pool.add_batch(stay.rows, t_ready)

    def take(self, idx: np.ndarray) -> int:
        """Boxes ``idx`` leave for a ferry now: free the railcars of those standing on the
        sidings; returns their TEU (the others leave the yard)."""
        on = self.on[idx]
        if not on.any():
            return 0
        rows = idx[on]
        self.on[rows] = False
        teu = int(self.teu[rows].sum())
        self.railcars.get(teu / 2)
        return teu

    def visits(self) -> list[VisitBatch]:
        """The wagons' stays (kind 3): trains on the sidings, then trains still queueing
        for a track or room, or being shunted, at the end (NaN: not yet)."""
        out = []
        for (arrived, on, ready), rows in zip(self.log, self.rows):
            n = len(rows)
            out.append(VisitBatch(rows, np.full(n, arrived), np.full(n, on),
                                  np.full(n, ready), np.full(n, ROLLED_ON, np.int8)))
        for stay in self._inside.values():
            n = len(stay.rows)
            out.append(VisitBatch(stay.rows, np.full(n, stay.arrived_h),
                                  np.full(n, math.nan), np.full(n, math.nan),
                                  np.full(n, ROLLED_ON, np.int8)))
        return out


def start_sidings(scenario: Scenario, ports: dict[str, PortFacility], teu: np.ndarray,
                  draws: Callable[[str, str], np.random.Generator]) -> dict[str, Receive]:
    """The ferry sidings of every port where a ferry service rolls wagons on (its home
    port, with ``roll_on_dwell_h``), attached to the port, and per such service the
    ``receive`` of the trains whose boxes sail on it from there. Each service's dwell
    draws from its own stream (``dwell``, ``SID:roll_on``)."""
    out: dict[str, Receive] = {}
    for sid, svc in scenario.services.items():
        port = ports.get(svc.from_)
        if svc.roll_on_dwell_h is None or port is None:
            continue
        cap = port.cfg.ferry_sidings_railcars
        if cap is None:  # the checks ask a roll-on service's home port for its sidings
            raise ValueError(f"service {sid}: port {svc.from_} has no ferry sidings")
        if port.sidings is None:
            port.sidings = FerrySidings(port, cap, port.cfg.ferry_shunt_h, teu)
        out[sid] = _receiver(port.sidings, Draws(svc.roll_on_dwell_h,
                                                 draws("dwell", f"{sid}:roll_on")))
    return out


def _receiver(sidings: FerrySidings, dwell: Draws) -> Receive:
    def receive(idx: np.ndarray, teu: int, pool: TrainFormation) -> None:
        sidings.receive(idx, teu, pool, dwell)
    return receive
