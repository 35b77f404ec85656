"""The daily handover cap of one direction of a crossing (:mod:`sim.scenario.handover`).

At most ``cap`` trains are handed over in a calendar day (day ``d`` runs from hour
``24 d`` to ``24 (d + 1)``; model hour 0 is midnight). What asks for a handover is a
*claimant*: a formation pool whose departure rule would release a train now, or a train
already formed (a block train that crossed whole, :meth:`Handover.submit`). A pool asks
(:meth:`Handover.admits`) just before it would release a train: with a handover free and
no claimant waiting before it, the train is released and handed over at once; else no
train leaves the pool, which waits its turn while its boxes keep filling it, so the train
that takes the next free handover leaves as full as the pool then allows (the rule
decides again at that hour). Claimants are served in the order they began to wait, one
train a turn (a pool that wants more trains waits again, behind the others): one counter
per day and one timer per waiting day at the next midnight, never an event per slot or
per box. A closure of the crossing's rail side stops handovers too (:meth:`release` at
the reopening). Without a cap a train is handed over at once, in the same call (so an
uncapped crossing runs exactly as before).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Protocol

import numpy as np
import simpy

from sim.engine.facilities.slots import Due, at

EPS_H = 1e-9  # clock tolerance, hours: a timer due at midnight counts as the new day

Leave = Callable[[np.ndarray, float], None]  # the train's departure: (rows, hour)


class Claimant(Protocol):
    """What waits for a handover: woken at its turn, it asks :meth:`Handover.admits`
    again and, admitted, hands a train over with :meth:`Handover.hand`."""

    def wake(self) -> None: ...


class _Formed:
    """A train already formed, waiting for its handover."""

    __slots__ = ("gate", "rows", "leave")

    def __init__(self, gate: Handover, rows: np.ndarray, leave: Leave):
        self.gate, self.rows, self.leave = gate, rows, leave

    def wake(self) -> None:
        gate = self.gate
        if gate.admits(self):
            gate.hand(self.rows, gate.env.now, self.leave)


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
        # claimants waiting their turn, with the hour each began to wait
        self._waiting: deque[tuple[Claimant, float]] = deque()
        self._queued: set[int] = set()   # their ids
        self._turn: tuple[Claimant, float] | None = None  # the claimant being served
        self._since_h: float | None = None  # the admitted claimant's wait began
        self._timer: Due | None = None
        # per train handed over: a row of sim.engine.logs.HandoverTrain (a plain tuple)
        self.log: list[tuple[float, float, int]] = []

    def __len__(self) -> int:
        """Claimants (pools and formed trains) waiting for a handover."""
        return len(self._waiting)

    def _free(self, now: float) -> bool:
        """A handover is free now (the day's count reset at midnight)."""
        day = math.floor((now + EPS_H) / 24.0)
        if day != self._day:
            self._day, self._used = day, 0
        return not self.closed() and (self.cap is None or self._used < self.cap)

    def admits(self, who: Claimant) -> bool:
        """May ``who`` hand a train over now? Yes at its turn, or with a handover free and
        nobody waiting; else it waits its turn (woken then) and the answer is no. A
        claimant admitted must hand one train over (:meth:`hand`) at once."""
        now = self.env.now
        turn = self._turn
        if turn is not None and turn[0] is who:
            self._turn = None
            self._since_h = turn[1]
            return True
        if not self._waiting and self._free(now):
            self._since_h = now
            return True
        if id(who) not in self._queued:
            self._queued.add(id(who))
            self._waiting.append((who, now))
        self._arm(now)
        return False

    def hand(self, rows: np.ndarray, t: float, leave: Leave) -> None:
        """Hand the train of ``rows`` over now (hour ``t``), its claimant admitted."""
        self._used += 1
        since = self._since_h if self._since_h is not None else t
        self._since_h = None
        self.log.append((since, t, len(rows)))
        leave(rows, t)

    def submit(self, rows: np.ndarray, t: float, leave: Leave) -> None:
        """A train of ``rows`` is formed at hour ``t`` (now): it leaves now if a handover
        is free and no claimant waits before it, else it waits its turn."""
        _Formed(self, rows, leave).wake()

    def set_cap(self, cap_trains_per_day: int | None) -> None:
        """A new cap from now (for the day under way too)."""
        self.cap = cap_trains_per_day
        self.ever_capped = self.ever_capped or cap_trains_per_day is not None
        self.release()

    def release(self, _event: object = None) -> None:
        """Give every free handover to the claimants waiting, in turn; if some still wait,
        look again at the next midnight."""
        if _event is not None:
            if _event is not self._timer:
                return  # superseded
            self._timer = None
        now = self.env.now
        waiting = self._waiting
        while waiting and self._free(now):
            who, since = waiting.popleft()
            self._queued.discard(id(who))
            self._turn = (who, since)
            who.wake()  # admitted, it hands one train over (a pool with none due: none)
            self._turn = None
        self._arm(now)

    def _arm(self, now: float) -> None:
        """If claimants wait (and the crossing is open), look again at the next midnight
        (a closure's end looks again itself)."""
        if self._waiting and self._timer is None and not self.closed():
            day = math.floor((now + EPS_H) / 24.0)
            self._timer = at(self.env, max((day + 1) * 24.0 - now, 0.0), self.release)

    def waiting_since(self) -> list[float]:
        """The hours the claimants still waiting began to wait (at the end of a run)."""
        return [w[1] for w in self._waiting]
