"""The daily handover cap of one direction of a crossing (:mod:`sim.scenario.handover`).

Trains formed for the direction are handed over in the order they were formed, at most
``cap`` in a calendar day (day ``d`` runs from hour ``24 d`` to ``24 (d + 1)``; model
hour 0 is midnight). A train formed while the day's handovers are used up, or while
trains formed before it still wait, waits, formed, for the next free one: one counter
per day and one timer per waiting day at the next midnight, never an event per slot or
per box. A closure of the crossing's rail side stops handovers too (:meth:`release` at
the reopening). Without a cap a train leaves at once, in the same call (so an uncapped
crossing runs exactly as before), unless the crossing is closed: a train that got its
flat wagons during a closure (:mod:`sim.engine.facilities.wagons`) waits for the reopening.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

import numpy as np
import simpy

from sim.engine.facilities.slots import Due, at

EPS_H = 1e-9  # clock tolerance, hours: a timer due at midnight counts as the new day

Leave = Callable[[np.ndarray, float], None]  # the train's departure: (rows, hour)


class Handover:
    """The handovers of one direction of a crossing.

    Parameters
    ----------
    env : the SimPy environment.
    cap_trains_per_day : the cap, trains per calendar day; None: no cap.
    closed : whether the crossing's rail side is closed now.
    """

    def __init__(self, env: simpy.Environment, cap_trains_per_day: int | None,
                 closed: Callable[[], bool]):
        self.env = env
        self.cap = cap_trains_per_day
        self.closed = closed
        self.ever_capped = cap_trains_per_day is not None  # a cap was in force at some time
        self._day = -1          # the calendar day the count is for
        self._used = 0          # handovers made that day
        self._waiting: deque[tuple[float, np.ndarray, Leave]] = deque()
        self._timer: Due | None = None
        # per train handed over: a row of sim.engine.logs.HandoverTrain (a plain tuple)
        self.log: list[tuple[float, float, int]] = []

    def __len__(self) -> int:
        """Trains formed and waiting for a handover."""
        return len(self._waiting)

    def submit(self, rows: np.ndarray, t: float, leave: Leave) -> None:
        """A train of ``rows`` is formed at hour ``t`` (now): it leaves now if a handover
        is free and no train waits before it, else it waits its turn."""
        if self.cap is None and not self._waiting and not self.closed():
            self.log.append((t, t, len(rows)))
            leave(rows, t)
            return
        self._waiting.append((t, rows, leave))
        self.release()

    def set_cap(self, cap_trains_per_day: int | None) -> None:
        """A new cap from now (for the day under way too)."""
        self.cap = cap_trains_per_day
        self.ever_capped = self.ever_capped or cap_trains_per_day is not None
        self.release()

    def release(self, _event: object = None) -> None:
        """Hand over every waiting train a free handover allows now; if some still wait,
        look again at the next midnight."""
        if _event is not None:
            if _event is not self._timer:
                return  # superseded
            self._timer = None
        now = self.env.now
        day = math.floor((now + EPS_H) / 24.0)
        if day != self._day:
            self._day, self._used = day, 0
        waiting = self._waiting
        while waiting and not self.closed() and (self.cap is None or self._used < self.cap):
            formed_h, rows, leave = waiting.popleft()
            self._used += 1
            self.log.append((formed_h, now, len(rows)))
            leave(rows, now)
        if waiting and not self.closed() and self._timer is None:
            self._timer = at(self.env, max((day + 1) * 24.0 - now, 0.0), self.release)

    def waiting_since(self) -> list[float]:
        """The hours the trains still waiting were formed (at the end of a run)."""
        return [w[0] for w in self._waiting]
