"""Background units waiting for a vessel service, and the pool that shares each sailing
between them and the modelled boxes.

A :class:`BackgroundQueue` holds one daily count (railcars, trucks or TEU offered at one
port) drawn up front for the whole run: the units of a day arrive evenly over it (unit
``j`` of ``n`` on day ``d`` at hour ``24 d + 24 j / n``), wait first in, first out, and are
counted, not tracked: the queue knows how many have arrived by any hour and how many were
taken, so it costs no event.

A :class:`SharedLoad` is a vessel pool (:class:`~sim.engine.facilities.formation.
TrainFormation`) whose loads also take background units. Space is counted in the
service's capacity unit (railcars for a ferry, TEU for a feeder); the usable space of a
vessel is ``capacity x load_factor``; a modelled box takes one railcar (ferry) or 2 TEU
(feeder) of it, as if every box were 40 ft (the convention of
:meth:`sim.scenario.schema.Service.capacity_boxes`), a background railcar or TEU one unit,
a truck ``railcars_per_truck``. Rules (the service's ``sailing``):

* ``full``: a vessel loads as soon as what waits (modelled boxes cleared, background
  units arrived) fills its usable space, or leaves less of it than the smallest unit
  that could still board (a box, unless ``capacity_boxes`` wait; a unit of a queue with
  units still to come): 40 boxes fill a ferry of 40.5 usable railcars;
* ``full_or_max_wait``: as ``full``, or with what waits once the oldest waiting unit of
  either kind has waited ``max_wait_h`` (and at least ``min_boxes`` units, boxes and
  background together, wait);
* ``timetable``: at the slot times with what waits.

When more waits than fits, the space is shared **in proportion to what waits** (in
space units): the modelled boxes get ``floor(space x their share / box size)`` boxes,
each background queue its share, and what is left is topped up in the order modelled
boxes, then the queues in field order. With ``boxes_first`` (the service's
``background.share``: trains with booked slots on a scheduled service) the modelled boxes
take their space first and the queues, in field order, what is left. Within each kind,
the oldest go first.
The pool wakes only when a rule can fire: at the next modelled batch's clearance, at the
hour the background arrivals complete a load, or at a deadline.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.engine.facilities.counts import daily_counts
from sim.engine.facilities.formation import EPS_H, TrainFormation
from sim.scenario.schema import Departure

if TYPE_CHECKING:
    from sim.engine.output import Calendar
    from sim.scenario.schema import Service


class BackgroundQueue:
    """Units of one daily count waiting for a vessel service (see the module docstring).

    Parameters
    ----------
    counts : units offered on each day of the run, from model hour 0.
    space : vessel space one unit takes, in the service's capacity unit.
    """

    def __init__(self, counts: np.ndarray, space: float):
        self.counts = np.asarray(counts, np.int64)
        self.cum = np.concatenate(([0], np.cumsum(self.counts)))
        self._counts: list[int] = self.counts.tolist()  # plain lists: read per wake-up
        self._cum: list[int] = self.cum.tolist()
        self.total = self._cum[-1]
        self.space = space
        self.taken = 0  # units loaded onto vessels so far
        self.end_h = 24.0 * len(self.counts)

    def arrived(self, t: float) -> int:
        """Units offered by hour ``t`` (inlined in ``SharedLoad._background_reaches``:
        change both)."""
        if t >= self.end_h:
            return self.total
        if t < 0:
            return 0
        d = int(t // 24.0)
        return self._cum[d] + int(self._counts[d] * (t - 24.0 * d) / 24.0 + 1e-9)

    def waiting(self, t: float) -> int:
        """Units offered by hour ``t`` and not yet taken."""
        return self.arrived(t) - self.taken

    def arrival_h(self, k: int) -> float:
        """Hour the ``k``-th unit (from 1) is offered; inf if never in the run."""
        if k > self.total:
            return math.inf
        d = bisect_left(self._cum, k) - 1  # cum[d] < k <= cum[d+1]
        return 24.0 * d + 24.0 * (k - self._cum[d]) / self._counts[d]

    def arrival_hours(self, k: np.ndarray) -> np.ndarray:
        """:meth:`arrival_h` of many units at once (``k`` >= 1; inf past the run)."""
        k = np.asarray(k, np.int64)
        d = np.searchsorted(self.cum, k, side="left") - 1
        past = d >= len(self.counts)
        d = np.minimum(d, len(self.counts) - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = 24.0 * d + 24.0 * (k - self.cum[d]) / self.counts[d]
        return np.where(past, np.inf, t)

    def oldest_h(self, t: float) -> float:
        """Hour the oldest unit waiting at ``t`` was offered (inf: none waits)."""
        return self.arrival_h(self.taken + 1) if self.waiting(t) > 0 else math.inf

    def take(self, n: int) -> None:
        self.taken += n

    def take_off(self, day: int, units: int) -> None:
        """Offer ``units`` fewer on day ``day``, a day not begun yet (empties whose boxes
        were refused, :mod:`sim.engine.facilities.empties`); the arrays and their lists
        change in place (a shared load reads the lists)."""
        assert units <= self._counts[day], "taking off more than the day offers"
        if units <= 0:
            return
        self.counts[day] -= units
        self.cum[day + 1:] -= units
        self._counts[day] -= units
        self._cum[day + 1:] = self.cum[day + 1:].tolist()
        self.total = self._cum[-1]


class SharedLoad(TrainFormation):
    """A vessel pool whose loads share the usable space with background queues (see the
    module docstring). ``last_taken`` holds the background units (per queue) of the load
    most recently released, for ``on_depart`` to read."""

    def __init__(self, env: simpy.Environment, rule: Departure, boxes_per_load: int,
                 on_depart: Callable[[np.ndarray, float], None],
                 gate: Callable[[], bool] | None, *, queues: list[BackgroundQueue],
                 usable: float, box_space: float, boxes_first: bool = False):
        self.queues = queues
        self.boxes_first = boxes_first  # the boxes' space before the background's
        self.usable = usable          # space per vessel, capacity units
        self.box_space = box_space    # space per modelled box
        self.last_taken: tuple[int, ...] = tuple(0 for _ in queues)
        super().__init__(env, rule, boxes_per_load, on_depart, gate)

    # -- what waits, and the load made of it -----------------------------------------
    def _waiting(self, due: float) -> tuple[int, list[int], float]:
        """Modelled boxes ready, background units waiting per queue, and their space."""
        m = self._n_ready(due)
        w = []
        bg: float = 0  # sum(n * q.space), in queue order (from int 0, as sum)
        for q in self.queues:
            n = q.arrived(due) - q.taken  # q.waiting(due)
            w.append(n)
            bg += n * q.space
        return m, w, m * self.box_space + bg

    def _compose(self, m: int, w: list[int], space: float) -> tuple[int, list[int]]:
        """Boxes and background units of one load from ``m`` boxes and ``w`` units
        waiting (``space`` in all): everything if it fits, else shares in proportion to
        the space each kind asks for (``boxes_first``: the boxes first, the units
        nothing), topped up in order."""
        cap = self.usable
        if space <= cap + 1e-9:
            return min(m, self.capacity_boxes), list(w)
        if self.boxes_first:
            k = min(m, self.capacity_boxes)
            units = [0 for _ in w]
        else:
            k = min(m, self.capacity_boxes,
                    int(cap * m * self.box_space / space / self.box_space + 1e-9))
            units = [min(n, int(cap * n * q.space / space / q.space + 1e-9))
                     for n, q in zip(w, self.queues)]
        left = cap - k * self.box_space - sum(u * q.space for u, q in zip(units, self.queues))
        more = min(m - k, self.capacity_boxes - k, int(left / self.box_space + 1e-9))
        k += more
        left -= more * self.box_space
        for i, q in enumerate(self.queues):
            more = min(w[i] - units[i], int(left / q.space + 1e-9))
            units[i] += more
            left -= more * q.space
        return k, units

    def _load(self, m: int, w: list[int], space: float, now: float) -> bool:
        """Release one load of what waits; False if nothing fits (never, once checked)."""
        k, units = self._compose(m, w, space)
        if not k and not any(units):
            return False
        for q, n in zip(self.queues, units):
            q.take(n)
        self.last_taken = tuple(units)
        if k:
            self._take(k, now)
        else:
            self.on_depart(np.empty(0, np.int64), now)
        return True

    def _background_reaches(self, need: float, due: float, unit_space: bool) -> float:
        """Earliest hour after ``due`` by which background arrivals add ``need`` more
        space (``unit_space`` False: ``need`` more units); inf if never in the run."""
        queues = self.queues
        if not queues or need <= 0:
            return math.inf if not queues else due
        size = [q.space if unit_space else 1.0 for q in queues]
        base = [q.arrived(due) for q in queues]
        # each queue alone: the hour its arrivals since due reach need (an upper bound)
        hi = min(q.arrival_h(b + math.ceil(need / w - 1e-9))
                 for q, b, w in zip(queues, base, size))
        if len(queues) > 1:
            if hi == math.inf:  # no queue alone: maybe all of them together, by the end
                hi = max(q.end_h for q in queues)
                hi_n = [q.arrived(hi) for q in queues]
                if sum((n - b) * w for n, b, w in zip(hi_n, base, size)) < need - 1e-9:
                    return math.inf
            else:
                hi_n = [q.arrived(hi) for q in queues]
            # narrow down to the step, then snap onto it; the units arrived by lo and by
            # hi are kept, and once a single arrival lies between them it is the step
            # (the same snap as narrowing on to 1e-7 h, in a few steps instead of ~30)
            lo, lo_n = due, base
            # (the hottest loop of a shared load: arrived() inlined, the sums kept)
            days = [(q.end_h, q.total, q._cum, q._counts) for q in queues]
            s_lo, s_hi, enough = sum(lo_n), sum(hi_n), need - 1e-9
            if len(days) == 2:  # (railcars and trucks: the same steps, on plain names)
                hi, hi_n = _narrow_two(days, base, size, lo, hi, s_lo, s_hi, hi_n, enough)
            else:
                while hi - lo > 1e-7 and s_hi - s_lo > 1:
                    mid = 0.5 * (lo + hi)
                    mid_n = []
                    got = 0  # sum((n - b) * w), in queue order
                    for (end_h, total, cum, counts), b, w in zip(days, base, size):
                        if mid >= end_h:
                            n = total
                        elif mid < 0:
                            n = 0
                        else:
                            d = int(mid // 24.0)
                            n = cum[d] + int(counts[d] * (mid - 24.0 * d) / 24.0 + 1e-9)
                        mid_n.append(n)
                        got += (n - b) * w
                    if got >= enough:
                        hi, hi_n, s_hi = mid, mid_n, sum(mid_n)
                    else:
                        lo, lo_n, s_lo = mid, mid_n, sum(mid_n)
            hi = max(q.arrival_h(n) for q, n, b in zip(queues, hi_n, base) if n > b)
        return hi

    def _smallest_unit(self, m: int) -> float:
        """Space of the smallest unit that could still board a load holding ``m`` boxes:
        a box while fewer than ``capacity_boxes`` wait, one unit of a queue with units
        still to come in the run; inf if none could (the load is then full at once).

        A load is full when the space left is smaller than this: a pool holding
        ``capacity_boxes = floor(usable / box_space)`` boxes and nothing else is full,
        though their space falls short of ``usable``."""
        sizes = [q.space for q in self.queues if q.taken < q.total]
        if m < self.capacity_boxes:
            sizes.append(self.box_space)
        return min(sizes, default=math.inf)

    # -- rules ------------------------------------------------------------------------
    def _release(self, now: float) -> float:
        due, gate = now + EPS_H, self.gate
        while True:
            if self.closed or (gate is not None and not gate()):
                return math.inf  # reopening (or a vessel arriving) wakes the pool
            m, w, space = self._waiting(due)
            # full: no unit that could still come fits in the space left
            left = self.usable - space - self._smallest_unit(m)
            if left < -1e-9 and self._load(m, w, space, now):
                continue
            if left == -math.inf:  # nothing waits and nothing could still board (a pool
                return math.inf    # that takes no box, its queues spent): never again
            nxt = next((t for t in self._times if t > due), math.inf)
            t_full = self._background_reaches(left + 1e-6, due, True)
            if self.rule == "full":
                return min(nxt, t_full)
            # the oldest unit waiting, or the next to come (its deadline is then ahead)
            oldest = min([self._times[0] if self._times else math.inf]
                         + [q.arrival_h(q.taken + 1) for q in self.queues])
            deadline = oldest + self.max_wait_h
            n_units = m + sum(w)
            if deadline <= due:
                if n_units >= self.min_boxes and self._load(m, w, space, now):
                    continue
                t_min = self._background_reaches(self.min_boxes - n_units, due, False)
                return min(nxt, t_full, t_min)
            return min(nxt, t_full, deadline)

    def take_ready(self, k_max: int, now: float) -> None:
        """Load at once what waits now, up to a vessel (a return load at the far port)."""
        m, w, space = self._waiting(now + EPS_H)
        m = min(m, k_max)
        if m or any(w):
            self._load(m, w, m * self.box_space + sum(n * q.space for n, q in
                                                      zip(w, self.queues)), now)
        else:
            self.last_taken = tuple(0 for _ in self.queues)

    def _at_slot(self, now: float) -> None:
        """A sailing slot: what waits sails, up to a load (boxes and background units)."""
        m, w, space = self._waiting(now + EPS_H)
        if m + sum(w) >= self.min_boxes and not self.closed and (
                self.gate is None or self.gate()):
            self._load(m, w, space, now)


def _narrow_two(days: list[tuple[float, int, list[int], list[int]]], base: list[int],
                size: list[float], lo: float, hi: float, s_lo: int, s_hi: int,
                hi_n: list[int], enough: float) -> tuple[float, list[int]]:
    """The bisection of :meth:`SharedLoad._background_reaches` for two queues: the same
    midpoints, counts (``BackgroundQueue.arrived`` inlined) and sums in the same order;
    returns the final upper bound and the units arrived by it."""
    (end0, total0, cum0, counts0), (end1, total1, cum1, counts1) = days
    b0, b1 = base
    w0, w1 = size
    h0, h1 = hi_n
    while hi - lo > 1e-7 and s_hi - s_lo > 1:
        mid = 0.5 * (lo + hi)
        if mid >= end0:
            n0 = total0
        elif mid < 0:
            n0 = 0
        else:
            d = int(mid // 24.0)
            n0 = cum0[d] + int(counts0[d] * (mid - 24.0 * d) / 24.0 + 1e-9)
        if mid >= end1:
            n1 = total1
        elif mid < 0:
            n1 = 0
        else:
            d = int(mid // 24.0)
            n1 = cum1[d] + int(counts1[d] * (mid - 24.0 * d) / 24.0 + 1e-9)
        if 0 + (n0 - b0) * w0 + (n1 - b1) * w1 >= enough:
            hi, h0, h1, s_hi = mid, n0, n1, n0 + n1
        else:
            lo, s_lo = mid, n0 + n1
    return hi, [h0, h1]


def service_counts(svc: Service, sid: str, cal: Calendar,
                   draws: Callable[[str, str], np.random.Generator]) -> dict[str, np.ndarray]:
    """The background units offered to vessel service ``sid`` on each day of the run, per
    field (``railcars_out``, ...): each drawn from its own stream (``background``,
    ``SID:FIELD``), so adding one draws nothing from the others."""
    if svc.background is None:
        return {}
    n_days = math.ceil(cal.end_h / 24.0) + 1
    return {field: daily_counts(bg, draws("background", f"{sid}:{field}"), cal.t0, n_days)
            for field, bg in svc.background.given().items()}
