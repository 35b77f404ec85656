"""Route choice at the origin: a multinomial logit over generalised cost, with expected
transit times learned from recently delivered boxes (no SimPy here)."""

from __future__ import annotations

from collections import deque

import numpy as np

from sim.scenario.schema import RouteChoice, Scenario


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
    """One route's deliveries in a learning window, kept so that their statistics cost
    O(1) to read: the transit days sorted (inserted and removed by batch), their running
    sum, and the longest runs as a monotonic queue (a sliding maximum)."""

    __slots__ = ("entries", "sorted", "total", "longest", "added", "dropped")

    def __init__(self) -> None:
        self.entries: deque[tuple[float, np.ndarray, float]] = deque()
        self.sorted = np.empty(0)
        self.total = 0.0
        # (delivery number, run), runs decreasing: the window's longest run at the head
        self.longest: deque[tuple[int, float]] = deque()
        self.added = self.dropped = 0  # deliveries added and dropped so far

    def __len__(self) -> int:
        return len(self.sorted)

    def add(self, t: float, days: np.ndarray, run: float) -> None:
        self.entries.append((t, days, run))
        b = np.sort(days)
        self.sorted = np.insert(self.sorted, np.searchsorted(self.sorted, b), b)
        self.total += float(days.sum())
        while self.longest and self.longest[-1][1] <= run:
            self.longest.pop()
        self.longest.append((self.added, run))
        self.added += 1

    def drop_oldest(self) -> int:
        """Forget the oldest delivery; returns its boxes."""
        _t, days, _run = self.entries.popleft()
        b = np.sort(days)
        # each value's own place among equal ones: a run of k equal values takes k places
        at_ = np.searchsorted(self.sorted, b) + (np.arange(len(b)) - np.searchsorted(b, b))
        self.sorted = np.delete(self.sorted, at_)
        self.total -= float(days.sum())
        if self.longest and self.longest[0][0] == self.dropped:
            self.longest.popleft()
        self.dropped += 1
        return len(days)

    def stats(self) -> tuple[float, float, float]:
        """(mean, p95 - p50, longest run) of the window (numpy's linear percentiles)."""
        x, n = self.sorted, len(self.sorted)
        return self.total / n, _quantile(x, 0.95) - _quantile(x, 0.50), self.longest[0][1]


def _quantile(x: np.ndarray, q: float) -> float:
    """The q-quantile of sorted ``x``, interpolated as numpy's default ('linear')."""
    h = (len(x) - 1) * q
    lo = int(h)
    hi = min(lo + 1, len(x) - 1)
    a, b, f = float(x[lo]), float(x[hi]), h - lo
    d = b - a
    return b - d * (1.0 - f) if f >= 0.5 else a + d * f


class Learner:
    """Transit times of one flow's boxes by route, over a sliding window of deliveries, and
    the trains under way on each route."""

    def __init__(self, scenario: Scenario, route_ids: list[str]):
        rc = scenario.route_choice
        self.window_h = rc.window_days * 24.0
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
        window = self._seen.get(route)
        if window is None:
            window = self._seen[route] = _Window()
        window.add(t, np.asarray(transit_days, float), run)
        self._stats.pop(route, None)
        self.delivered(route, len(transit_days))

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
        """Days since the route's oldest train not yet delivered left (0: none)."""
        q = self._in_flight.get(route)
        return (now - q[0][0]) / 24.0 if q else 0.0

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
        days, spread = self.prior[route]
        prior = (days, spread, days + 2.0 * spread)
        if not seen:
            return prior
        if seen.entries[-1][0] < now - self.window_h and not self._in_flight.get(route):
            # idle: nothing delivered within the window and nothing under way (a route
            # that stopped delivering with boxes under way is judged by their age, above)
            return prior
        # forget deliveries older than the window, but keep the latest min_obs boxes
        # (a route whose boxes under way are not due yet is judged by its last ones)
        entries = seen.entries
        while entries and entries[0][0] < now - self.window_h and \
                len(seen) - len(entries[0][1]) >= self.min_obs:
            seen.drop_oldest()
            self._stats.pop(route, None)
        if len(seen) < self.min_obs:
            return prior
        stats = self._stats.get(route)
        if stats is None:  # the window changed: its statistics once
            stats = self._stats[route] = seen.stats()
        return stats
