"""Train formation: boxes wait until a departure rule releases a train.

Boxes become *ready* at known hours (arrival at an origin terminal; customs release at a
crossing, which may lie in the future when they are added). Rules
(``Departure.rule``):

* ``full``: a train of ``boxes_per_train`` leaves as soon as that many boxes are ready.
* ``full_or_max_wait``: as ``full``, or with whatever is ready (at least ``min_boxes``,
  at most a train) once the oldest ready box has waited ``max_wait_h``.
* ``timetable``: trains leave at ``first_departure_h + k * 24 / departures_per_day`` hours
  (model time 0 is midnight) with up to ``boxes_per_train`` ready boxes, if at least
  ``min_boxes`` are ready; otherwise the slot is skipped.

Boxes leave in order of readiness, ties in order of arrival in the pool.

Two implementations of the same rules:

* :class:`TrainFormation`, for pools that fill during the run (crossings): boxes are
  held in batches of equal ready time (a train's boxes are cleared together), and one
  timer wakes the pool only when a rule can fire: at most one event per train, none per
  box.
* :func:`schedule_departures`, for pools whose every box is known in advance (origin
  terminals, where arrivals are drawn up front): the departures computed at once.

A test checks that the two agree.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate
from typing import Generic, NamedTuple, TypeVar

import numpy as np
import simpy

from sim.engine.facilities.slots import Due, at, sleep
from sim.scenario.schema import Departure

EPS_H = 1e-9  # clock tolerance, hours: a box ready at t counts as ready at t


class TrainFormation:
    """A pool of boxes waiting for a train, released by a departure rule.

    Parameters
    ----------
    env : the SimPy environment.
    rule : the departure rule.
    boxes_per_train : train capacity, boxes.
    on_depart : called as ``on_depart(rows, t)`` for each train released.
    """

    def __init__(self, env: simpy.Environment, rule: Departure, boxes_per_train: int,
                 on_depart: Callable[[np.ndarray, float], None],
                 gate: Callable[[], bool] | None = None,
                 handover: Callable[[TrainFormation], bool] | None = None):
        self.env = env
        self.gate = gate  # if given, no train leaves while it returns False (no vessel)
        # if given, asked just before a train would leave: False, no train leaves now and
        # the pool is woken at its turn (a crossing's daily handover cap, Handover.admits)
        self.handover = handover
        self.rule = rule.rule
        self.max_wait_h = rule.max_wait_h or 0.0
        self.min_boxes = rule.min_boxes
        self.period_h = 24.0 / rule.departures_per_day if rule.departures_per_day else 0.0
        self.first_h = rule.first_departure_h
        self.capacity_boxes = boxes_per_train
        self.on_depart = on_depart
        self._times: list[float] = []       # ready hour of each batch, sorted
        self._rows: list[np.ndarray] = []   # the batch's container rows
        self._sizes: list[int] = []          # and their number
        self._n = 0                          # boxes in the pool
        self._timer: Due | None = None
        self._timer_at = math.inf
        self.closed = False  # a closed crossing releases no train
        if self.rule == "timetable":
            env.process(self._timetable())

    # -- pool -------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._n

    def add_batch(self, rows: np.ndarray, ready_h: float, wake: bool = True) -> None:
        """Put boxes that all become ready at ``ready_h`` in the pool (``wake=False``: more
        batches follow at once; the last one wakes the pool)."""
        n = len(rows)
        if n:
            i = bisect_right(self._times, ready_h)
            self._times.insert(i, ready_h)
            self._rows.insert(i, rows)
            self._sizes.insert(i, n)
            self._n += n
        if wake and self.rule != "timetable":
            self._wake()

    def add(self, rows: np.ndarray, ready_h: np.ndarray) -> None:
        """Put boxes in the pool, each ready at its own time."""
        if len(rows) == 0:
            return
        order = np.argsort(ready_h, kind="stable")
        t, rows = ready_h[order], rows[order]
        cuts = (np.flatnonzero(t[1:] != t[:-1]) + 1).tolist()
        for a, b in zip([0, *cuts], [*cuts, len(t)]):
            self.add_batch(rows[a:b], float(t[a]), wake=False)
        self.add_batch(rows[:0], 0.0)  # wake once

    def _nth_ready_at(self, n: int) -> float:
        """Hour at which the n-th box (in ready order) is ready; n <= len(self)."""
        seen = 0
        for t, size in zip(self._times, self._sizes):
            seen += size
            if seen >= n:
                return t
        raise AssertionError("n exceeds the pool")  # pragma: no cover

    def _n_ready(self, due: float) -> int:
        n = 0
        for t, size in zip(self._times, self._sizes):
            if t > due:
                break
            n += size
        return n

    def ready_profile(self) -> tuple[list[float], list[int]]:
        """The ready hours of the pool's batches, sorted, and the boxes ready by each
        (cumulative counts)."""
        return list(self._times), list(accumulate(self._sizes))

    def _take(self, k: int, t: float) -> None:
        taken, need = [], k
        times, batches, sizes = self._times, self._rows, self._sizes
        while need:
            size = sizes[0]
            if size <= need:
                taken.append(batches[0])
                need -= size
                del times[0], batches[0], sizes[0]
            else:
                rows = batches[0]
                taken.append(rows[:need])
                batches[0] = rows[need:]
                sizes[0] = size - need
                need = 0
        self._n -= k
        if not taken:  # a timetable that sails even empty (min_boxes 0)
            self.on_depart(np.empty(0, np.int64), t)
            return
        self.on_depart(taken[0] if len(taken) == 1 else np.concatenate(taken), t)

    # -- rules ------------------------------------------------------------------------
    def _release(self, now: float) -> float:
        """Release every train the rule allows now; return the next time one could go."""
        n_cap, due, gate = self.capacity_boxes, now + EPS_H, self.gate
        while True:
            if self.closed or (gate is not None and not gate()):
                return math.inf  # reopening (or a vessel arriving) wakes the pool
            size = self._n
            full_at = self._nth_ready_at(n_cap) if size >= n_cap else math.inf
            if full_at <= due:
                if self.handover is not None and not self.handover(self):
                    return math.inf  # the handover wakes the pool at its turn
                self._take(n_cap, now)
                continue
            if self.rule == "full" or size == 0:
                return full_at
            # full_or_max_wait: the oldest ready box sets the deadline
            deadline = self._times[0] + self.max_wait_h
            if deadline <= due:
                avail = self._n_ready(due)
                if avail >= self.min_boxes:
                    if self.handover is not None and not self.handover(self):
                        return math.inf
                    self._take(avail, now)
                    continue
            if size >= self.min_boxes:
                if self.min_boxes == 1:  # the oldest box is ready before its deadline
                    return min(full_at, deadline)
                return min(full_at, max(deadline, self._nth_ready_at(self.min_boxes)))
            return full_at

    def set_closed(self, closed: bool) -> None:
        self.closed = closed
        if not closed:
            self.wake()

    def wake(self) -> None:
        """Look again whether a train may leave now (after a reopening or when the gate
        may have opened)."""
        if self.rule != "timetable":
            self._wake()

    def take_ready(self, k_max: int, now: float) -> None:
        """Release at once up to ``k_max`` boxes ready now, whatever the rule (a vessel's
        return load at its far port); nothing if none is ready."""
        k = min(self._n_ready(now + EPS_H), k_max)
        if k:
            self._take(k, now)

    def _wake(self, _event=None) -> None:
        """Release what the rule allows now and set the timer for the next chance."""
        if _event is not None:
            if _event is not self._timer:
                return  # a timer superseded by an earlier one
            self._timer, self._timer_at = None, math.inf
        now = self.env.now
        wake = self._release(now)
        if wake < self._timer_at:
            self._timer_at = wake
            self._timer = at(self.env, max(wake - now, 0.0), self._wake)

    def _timetable(self):
        """Process: a departure slot every period, taking what is ready."""
        env = self.env
        k = 0
        while True:
            slot = self.first_h + k * self.period_h
            k += 1
            if slot < env.now:
                continue
            yield sleep(env, slot - env.now)
            if self.gate is not None:
                # let whatever else happens at this hour (a vessel coming home) go first
                yield sleep(env, 0)
            self._at_slot(env.now)

    def _at_slot(self, now: float) -> None:
        """A departure slot: what is ready leaves, up to a train (at least min_boxes)."""
        avail = self._n_ready(now + EPS_H)
        if avail >= self.min_boxes and not self.closed and (
                self.gate is None or self.gate()) and (
                self.handover is None or self.handover(self)):
            self._take(min(avail, self.capacity_boxes), now)


V = TypeVar("V")  # a field: a number in one row, an array in the columns of a list


class PlannedTrain(NamedTuple, Generic[V]):
    """A departure planned by :func:`schedule_departures` (which lists plain tuples in
    this field order: it makes one per origin train)."""

    departs_h: V
    first: V        # the train takes the boxes first .. stop - 1, in ready order
    stop: V


def schedule_departures(ready_h: np.ndarray, rule: Departure, capacity: int,
                        until_h: float, from_h: float = 0.0) -> list[tuple[float, int, int]]:
    """Departures of trains formed from boxes ready at the sorted hours ``ready_h``, as
    rows of :class:`PlannedTrain`: the train takes boxes ``first .. stop-1``. Only
    departures before ``until_h`` are listed (and, by timetable, none before ``from_h``:
    for boxes left over from an earlier call). Same rules and tie-breaking as
    :class:`TrainFormation`."""
    r = np.asarray(ready_h, float)
    n = len(r)
    out: list[tuple[float, int, int]] = []
    i = 0
    if rule.rule == "full":  # a train each time the next ``capacity`` boxes are ready
        stops = np.arange(capacity, n + 1, capacity)
        t_full = r[stops - 1]
        k = int(np.searchsorted(t_full, until_h, side="left"))  # the first at or after until_h
        return list(zip(t_full[:k].tolist(), (stops[:k] - capacity).tolist(),
                        stops[:k].tolist()))
    if rule.rule == "full_or_max_wait":
        w, m = rule.max_wait_h or 0.0, rule.min_boxes  # (the schema asks for max_wait_h)
        t_prev = -math.inf
        while i < n:
            full_at = float(r[i + capacity - 1]) if i + capacity <= n else math.inf
            wait_at = max(float(r[i]) + w, float(r[i + m - 1])) if i + m <= n else math.inf
            t = max(min(full_at, wait_at), t_prev)  # never before the previous train
            if t >= until_h:
                break
            if full_at <= t + EPS_H:
                stop = i + capacity
            else:
                stop = min(int(np.searchsorted(r, t + EPS_H, side="right")), i + capacity)
            out.append((t, i, stop))
            i, t_prev = stop, t
        return out
    if rule.departures_per_day is None:  # the schema asks for it with a timetable
        raise ValueError("rule 'timetable' needs departures_per_day")
    period = 24.0 / rule.departures_per_day
    k = max(0, math.ceil((from_h - rule.first_departure_h) / period - 1e-9))
    while i < n:
        slot = rule.first_departure_h + k * period
        k += 1
        if slot >= until_h:
            break
        avail = int(np.searchsorted(r, slot + EPS_H, side="right")) - i
        if avail >= rule.min_boxes:
            stop = i + min(avail, capacity)
            out.append((slot, i, stop))
            i = stop
    return out
