"""Train formation: boxes wait in a pool until a departure rule releases a train.

The same mechanism forms block trains at origin terminals and outbound trains on the
other gauge at border crossings. Boxes enter the pool with the time at which each
becomes *ready* (arrival at the terminal; end of customs dwell at a crossing), which may
lie in the future. A single dispatcher process per pool wakes only when a rule can fire
(the N-th box becomes ready, the oldest ready box reaches its maximum wait, a timetable
slot comes round) or when new boxes are added: one event per train, none per box.

Rules (``Departure.rule``):

* ``full``: a train of ``boxes_per_train`` leaves as soon as that many boxes are ready.
* ``full_or_max_wait``: as ``full``, or with whatever is ready (at least ``min_boxes``)
  once the oldest ready box has waited ``max_wait_h``.
* ``timetable``: trains leave at ``first_departure_h + k * 24 / departures_per_day`` hours
  (model time 0 is midnight) with up to ``boxes_per_train`` ready boxes, if at least
  ``min_boxes`` are ready; otherwise the slot is skipped.

Boxes leave in order of readiness (ties in order of arrival in the pool).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import simpy

from ..config import Departure

EPS_H = 1e-9  # clock tolerance, hours: a box ready at t counts as ready at t
_COMPACT = 4096


class TrainFormation:
    """A pool of boxes waiting for a train, with its dispatcher process.

    Parameters
    ----------
    env : the SimPy environment.
    rule : the departure rule.
    boxes_per_train : train capacity, boxes.
    on_depart : called as ``on_depart(indices, t)`` for each train released.
    """

    def __init__(self, env: simpy.Environment, rule: Departure, boxes_per_train: int,
                 on_depart: Callable[[np.ndarray, float], None]):
        self.env = env
        self.rule = rule.rule
        self.max_wait_h = rule.max_wait_h or 0.0
        self.min_boxes = rule.min_boxes
        self.period_h = 24.0 / rule.departures_per_day if rule.departures_per_day else 0.0
        self.first_h = rule.first_departure_h
        self.capacity = boxes_per_train
        self.on_depart = on_depart
        self._ready = np.empty(0)
        self._idx = np.empty(0, np.int64)
        self._head = 0
        self._signal = env.event()
        proc = self._timetable if self.rule == "timetable" else self._dispatcher
        env.process(proc())

    # -- pool -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._ready) - self._head

    def add(self, indices: np.ndarray, ready_h: np.ndarray) -> None:
        """Put boxes in the pool, each ready at its own time."""
        if len(indices) == 0:
            return
        ready = self._ready[self._head:]
        if len(ready) == 0 or ready_h.min() >= ready[-1]:
            order = np.argsort(ready_h, kind="stable")
            new_r, new_i = ready_h[order], indices[order]
            if self._head > _COMPACT and self._head * 2 > len(self._ready):
                self._ready, self._idx = ready, self._idx[self._head:]
                self._head = 0
            self._ready = np.concatenate((self._ready, new_r))
            self._idx = np.concatenate((self._idx, new_i))
        else:
            r = np.concatenate((ready, ready_h))
            i = np.concatenate((self._idx[self._head:], indices))
            order = np.argsort(r, kind="stable")
            self._ready, self._idx, self._head = r[order], i[order], 0
        if not self._signal.triggered:
            self._signal.succeed()

    def _take(self, k: int, t: float) -> None:
        h = self._head
        taken = self._idx[h:h + k]
        self._head = h + k
        self.on_depart(taken, t)

    def _n_ready(self, now: float) -> int:
        return int(np.searchsorted(self._ready[self._head:], now + EPS_H, side="right"))

    # -- rules ------------------------------------------------------------------------
    def _release(self, now: float) -> float:
        """Release every train the rule allows now; return the next time one could go."""
        n_cap = self.capacity
        while True:
            size = len(self)
            if size == 0:
                return math.inf
            avail = self._n_ready(now)
            if avail >= n_cap:
                self._take(n_cap, now)
                continue
            r, h = self._ready, self._head
            if self.rule == "full":
                return r[h + n_cap - 1] if size >= n_cap else math.inf
            # full_or_max_wait
            deadline = r[h] + self.max_wait_h
            if avail >= self.min_boxes and now + EPS_H >= deadline:
                self._take(avail, now)
                continue
            wake = r[h + n_cap - 1] if size >= n_cap else math.inf
            if size >= self.min_boxes:
                wake = min(wake, max(deadline, r[h + self.min_boxes - 1]))
            return wake

    def _dispatcher(self):
        """Process: release trains whenever the departure rule allows."""
        env = self.env
        while True:
            wake = self._release(env.now)
            signal = self._signal
            if wake == math.inf:
                yield signal
            else:
                yield env.timeout(max(wake - env.now, 0.0)) | signal
            if signal.triggered:
                self._signal = env.event()

    def _timetable(self):
        """Process: a departure slot every period, taking what is ready."""
        env = self.env
        k = 0
        while True:
            slot = self.first_h + k * self.period_h
            k += 1
            if slot < env.now:
                continue
            yield env.timeout(slot - env.now)
            avail = min(self._n_ready(env.now), self.capacity)
            if avail >= self.min_boxes:
                self._take(avail, env.now)
