"""Route choice at the origin: a multinomial logit over generalised cost, with expected
transit times learned from recently delivered boxes (no SimPy here).

Shippers learn a quote at a time: the run is cut into periods of
``route_choice.requote_days`` days from its start, and a choice made during a period
rests on the deliveries made before the midnight that began it and on the trains under
way then (:class:`DeliveryFeed` folds the deliveries into the learners when read; the
choosers read them as of the period's start), as a forwarder's quote rests on the transit
times reported up to the day it was issued and holds until the next. So every choice of a
period sees the same expected times, and a flow's probabilities are computed once a period
and mask of open routes (:class:`sim.engine.routing.NestedChoice`)."""

from __future__ import annotations

import heapq
from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from sim.scenario.schema import RouteChoice, Scenario

if TYPE_CHECKING:
    from sim.engine.records import ContainerStore

DAY_H = 24.0


def quote_start(now: float, period_h: float) -> float:
    """The hour at which the re-quote period holding ``now`` began (periods of
    ``period_h`` hours from hour 0, the warm-up's first midnight)."""
    return now - now % period_h


def logit_probabilities(utilities: np.ndarray) -> np.ndarray:
    """exp(V_i) / sum_j exp(V_j), computed stably."""
    v = np.asarray(utilities, float)
    e = np.exp(v - v.max())
    return e / e.sum()


def utility(rc: RouteChoice, constant: float, transit_days: float, tariff_usd_per_feu: float,
            unreliability_days: float) -> float:
    return (constant + rc.time_per_day * transit_days
            + rc.tariff_per_kusd * tariff_usd_per_feu / 1000.0
            + rc.unreliability_per_day * unreliability_days)


class _Window:
    """One route's deliveries in a learning window, one entry per delivered train: their
    transit days end to end, oldest first (a buffer the entries are written into and
    read from, grown or compacted when full), per entry its boxes and the sum of their
    days, and the longest runs as a monotonic queue (a sliding maximum); the statistics
    are computed when the window has changed and is read."""

    __slots__ = ("buf", "lo", "hi", "entries", "longest", "added", "dropped", "total")

    def __init__(self) -> None:
        self.buf = np.empty(256)  # the window's transit days are buf[lo:hi]
        self.lo = self.hi = 0
        # (hour, boxes, sum of their days)
        self.entries: deque[tuple[float, int, float]] = deque()
        # (entry number, run), runs decreasing: the longest run of the window at the head
        # (a NaN run never enters)
        self.longest: deque[tuple[int, float]] = deque()
        self.added = self.dropped = 0  # entries added and dropped so far
        self.total = 0.0

    def __len__(self) -> int:
        return self.hi - self.lo

    def add(self, t: float, days: np.ndarray, run: float) -> None:
        self.extend([t], days, [0, len(days)], [run])

    def extend(self, hours: list[float], days: np.ndarray, bounds: list[int],
               runs: list[float]) -> None:
        """Entries delivered at ``hours`` (in order), entry i's transit days
        ``days[bounds[i]:bounds[i + 1]]`` and its longest run ``runs[i]``: one write into
        the buffer for all of them (``days`` may hold more, before and after)."""
        first, last = bounds[0], bounds[-1]
        k = last - first
        if self.hi + k > len(self.buf):  # full: move the window to the start, grow if need be
            n = self.hi - self.lo
            buf = self.buf if 2 * (n + k) <= len(self.buf) else np.empty(2 * (n + k))
            buf[:n] = self.buf[self.lo:self.hi]
            self.buf, self.lo, self.hi = buf, 0, n
        self.buf[self.hi:self.hi + k] = days[first:last]
        self.hi += k
        entries, longest = self.entries, self.longest
        added, window_total = self.added, self.total
        a = first
        for t, b, run in zip(hours, bounds[1:], runs):
            # an entry's own sum (np.add.reduce is what ndarray.sum calls: the same
            # rounding as ever, without its Python wrapper)
            total = float(_add_reduce(days[a:b]))
            entries.append((t, b - a, total))
            window_total += total
            if run == run:  # not NaN
                while longest and longest[-1][1] <= run:
                    longest.pop()
                longest.append((added, run))
            added += 1
            a = b
        self.added, self.total = added, window_total

    def drop_oldest(self) -> int:
        """Forget the oldest entry; returns its boxes."""
        _t, k, total = self.entries.popleft()
        self.lo += k
        self.total -= total
        if self.longest and self.longest[0][0] == self.dropped:
            self.longest.popleft()
        self.dropped += 1
        return k

    def drop_before(self, start: float, keep: int) -> bool:
        """Forget the entries delivered before hour ``start``, oldest first, while at least
        ``keep`` boxes would be left (as :meth:`drop_oldest` in turn); whether any went."""
        entries = self.entries
        n = self.hi - self.lo
        dropped = 0
        while entries:
            t, k, total = entries[0]
            if t >= start or n - k < keep:
                break
            entries.popleft()
            n -= k
            self.total -= total
            if self.longest and self.longest[0][0] == self.dropped:
                self.longest.popleft()
            self.dropped += 1
            dropped += k
        self.lo += dropped
        return dropped > 0

    def stats(self) -> tuple[float, float, float]:
        """(mean, p95 - p50, longest run) of the window (numpy's linear percentiles)."""
        lo, hi = self.lo, self.hi
        n = hi - lo
        lo50, lo95 = int((n - 1) * 0.5), int((n - 1) * 0.95)
        # the order statistics the two linear percentiles interpolate between, at their
        # places in a partitioned copy (their values do not depend on how it is made)
        kth = sorted({lo50, min(lo50 + 1, n - 1), lo95, min(lo95 + 1, n - 1)})
        part = self.buf[lo:hi].copy()
        part.partition(kth)
        at = dict(zip(kth, part[kth].tolist()))
        return (self.total / n, _quantile(at, n, 0.95) - _quantile(at, n, 0.50),
                self.longest[0][1] if self.longest else float("nan"))


_add_reduce = np.add.reduce


def _quantile(at: dict[int, float], n: int, q: float) -> float:
    """The q-quantile of ``n`` values, interpolated as numpy's default ('linear'), from
    their order statistics ``at`` (by place: the two it reads)."""
    h = (n - 1) * q
    lo = int(h)
    a, b, f = at[lo], at[min(lo + 1, n - 1)], h - lo
    d = b - a
    return b - d * (1.0 - f) if f >= 0.5 else a + d * f


class Learner:
    """Transit times of one flow's boxes by route, over a sliding window of deliveries, and
    the trains under way on each route."""

    def __init__(self, scenario: Scenario, route_ids: list[str],
                 feed: DeliveryFeed | None = None):
        rc = scenario.route_choice
        self.feed = feed  # where its deliveries come from (none: observed directly)
        self.window_h = rc.window_days * 24.0
        self.period_h = rc.requote_days * DAY_H  # (route_choice.requote_days)
        self.min_obs = rc.min_observations
        self.prior = {r: (scenario.routes[rid].prior_transit_days or 0.0,
                          scenario.routes[rid].prior_unreliability_days)
                      for r, rid in enumerate(route_ids)}
        # per route: the deliveries in its window, each (hour, boxes' transit days, the
        # longest origin-to-delivery run among them in days)
        self._seen: dict[int, _Window] = {}
        # trains sent and not yet delivered, per route: (departure hour, boxes) per train,
        # in departure order (delivered first in, first out)
        self._in_flight: dict[int, deque[list[float]]] = {}
        # each route's (mean, p95 - p50, longest run) until its window changes
        self._stats: dict[int, tuple[float, float, float]] = {}

    def observe(self, route: int, t: float, transit_days: np.ndarray,
                run_days: float | None = None) -> None:
        """Boxes of the route delivered at ``t`` with these transit times (days from their
        creation); ``run_days``: the longest of their runs from leaving the origin."""
        run = float(transit_days.max()) if run_days is None else run_days
        days = np.asarray(transit_days, float)
        self.fold(route, [t], days, [0, len(days)], [run])

    def fold(self, route: int, hours: list[float], days: np.ndarray, bounds: list[int],
             runs: list[float]) -> None:
        """Several deliveries of the route at once, in delivery order (as
        :meth:`_Window.extend`: delivery i's days are ``days[bounds[i]:bounds[i + 1]]``):
        the same as :meth:`observe` of each in turn."""
        window = self._seen.get(route)
        if window is None:
            window = self._seen[route] = _Window()
        window.extend(hours, days, bounds, runs)
        self._stats.pop(route, None)
        # (counting down is additive: all at once)
        self.delivered(route, bounds[-1] - bounds[0])

    def departed(self, route: int, departed_h: float, boxes: int) -> None:
        """A train of ``boxes`` left its origin on ``route`` at ``departed_h``."""
        self._in_flight.setdefault(route, deque()).append([departed_h, float(boxes)])

    def delivered(self, route: int, boxes: int) -> None:
        """``boxes`` of the route's were delivered: the oldest trains' count down first."""
        q = self._in_flight.get(route)
        left = float(boxes)
        while q and left > 0:
            take = min(q[0][1], left)
            q[0][1] -= take
            left -= take
            if q[0][1] <= 0:
                q.popleft()

    def stalled_days(self, route: int, now: float) -> float:
        """Days since the route's oldest train not yet delivered left (0: none had left by
        ``now``: a train that leaves later in the period is not yet under way as of its
        first midnight)."""
        q = self._in_flight.get(route)
        return (now - q[0][0]) / 24.0 if q and q[0][0] < now else 0.0

    def as_of_quote(self, route: int, now: float) -> tuple[float, float]:
        """:meth:`expected` as known at the start of ``now``'s re-quote period: every
        delivery before that midnight folded in (the feed's), the trains under way then."""
        h = quote_start(now, self.period_h)
        if self.feed is not None:
            self.feed.until(h)
        return self.expected(route, h)

    def expected(self, route: int, now: float) -> tuple[float, float]:
        """(expected transit days, p95 - p50 days) for the route, as of ``now``: learned
        from its deliveries (the priors until enough are seen), plus the lateness of a
        train under way that has been running longer than any of those deliveries took
        from their origin (the longest run in the window; before any, the prior's days
        plus twice its p95 - p50), plus a day: a route that has stopped delivering (closed
        or jammed) is judged late by as much, a box sent now being no faster than the one
        stuck ahead of it."""
        days, spread, longest = self._learned(route, now)
        late = self.stalled_days(route, now) - longest - 1.0
        if late > 0:
            return days + late, spread
        return days, spread

    def _learned(self, route: int, now: float) -> tuple[float, float, float]:
        """(mean transit days, p95 - p50, the longest run from the origin) of the route's
        deliveries in the window (the priors, with their days plus twice their p95 - p50
        as the longest run, when too few or the route is idle)."""
        seen = self._seen.get(route)
        if not seen:
            return self._prior(route)
        start = now - self.window_h
        entries = seen.entries
        if entries[-1][0] < start:
            q = self._in_flight.get(route)
            if not (q and q[0][0] < now):
                # idle: nothing delivered within the window and nothing under way (a route
                # that stopped delivering with boxes under way is judged by their age,
                # above)
                return self._prior(route)
        # forget deliveries older than the window, but keep the latest min_obs boxes
        # (a route whose boxes under way are not due yet is judged by its last ones)
        if entries[0][0] < start and seen.drop_before(start, self.min_obs):
            self._stats.pop(route, None)
        if len(seen) < self.min_obs:
            return self._prior(route)
        stats = self._stats.get(route)
        if stats is None:  # the window changed: its statistics once
            stats = self._stats[route] = seen.stats()
        return stats

    def _prior(self, route: int) -> tuple[float, float, float]:
        """The prior (days, p95 - p50, and its days plus twice that as the longest run)."""
        days, spread = self.prior[route]
        return days, spread, days + 2.0 * spread


class DeliveryFeed:
    """Deliveries of boxes whose flows learn (:class:`Learner`), known when their trains
    book their last leg and folded into the learners when a choice reads them: no event
    per delivery. :meth:`until` folds every delivery before an hour, in delivery order,
    each delivered train's boxes of a flow and route as one observation with its own
    hour, exactly as an event at the delivery would have observed them."""

    def __init__(self, store: ContainerStore, learners: dict[int, Learner]):
        self.store, self.learners = store, learners
        self._heap: list[tuple[float, int, np.ndarray]] = []
        self._seq = 0
        self.folded_h = -np.inf  # every delivery before this hour has been folded
        self._learns: np.ndarray | None = None  # by a flow's code as uint16: does it learn

    def add(self, t: float, rows: np.ndarray) -> None:
        """The boxes of ``rows`` will be delivered at hour ``t``."""
        heapq.heappush(self._heap, (t, self._seq, rows))
        self._seq += 1

    def until(self, h: float) -> None:
        """Fold every delivery before hour ``h`` into the learners."""
        if h <= self.folded_h:
            return
        self.folded_h = h
        heap, st = self._heap, self.store
        if self._learns is None:  # whether a flow learns, by its code read as uint16
            # (any int16 code has a place; the store's -1 reads the last, False)
            self._learns = np.zeros(1 << 16, bool)
            self._learns[sorted(self.learners)] = True
        hours, parts = [], []
        while heap and heap[0][0] < h:  # in delivery order
            t, _n, rows = heapq.heappop(heap)
            hours.append(t)
            parts.append(rows)
        if not parts:
            return
        idx = np.concatenate(parts)
        k = np.repeat(np.arange(len(parts)),  # delivery of a row
                      np.fromiter(map(len, parts), np.intp, len(parts)))
        flows = st.flow[idx]
        keep = self._learns[flows.astype(np.uint16)]
        idx, k, flows = idx[keep], k[keep], flows[keep]
        if not len(idx):
            return
        routes = st.route[idx]
        order = np.lexsort((k, routes, flows))  # by flow, route, then delivery
        idx, k, flows, routes = idx[order], k[order], flows[order], routes[order]
        t_at = np.asarray(hours)[k]
        days = (t_at - st.t_created[idx]) / DAY_H
        runs = (t_at - st.t_depart_origin[idx]) / DAY_H
        same_fr = (flows[1:] == flows[:-1]) & (routes[1:] == routes[:-1])
        new = np.flatnonzero(~same_fr | (k[1:] != k[:-1])) + 1  # a delivery's first row
        starts = np.concatenate(([0], new))
        longest = np.fmax.reduceat(runs, starts).tolist()
        # the entries where a flow's route begins
        firsts = np.flatnonzero(~same_fr[new - 1]) + 1
        groups = [0, *firsts.tolist(), len(starts)]
        bounds = [*starts.tolist(), len(idx)]
        f_of, r_of, t_of = (flows[starts].tolist(), routes[starts].tolist(),
                            t_at[starts].tolist())
        for ga, gb in zip(groups, groups[1:]):
            # a flow's route: its deliveries with their own hours, in delivery order
            self.learners[f_of[ga]].fold(r_of[ga], t_of[ga:gb], days, bounds[ga:gb + 1],
                                         longest[ga:gb])
