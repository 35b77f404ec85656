"""What a dispatcher knows, at an hour, of the paths a rail line will leave to the modelled
trains ahead (:class:`LinePlan`): the timetable's paths and its dated changes, the dated
closures (works announced in the timeline), the closures under way (a storm or a breakdown
is known once it has begun, with its end: the forecast, the repair estimate), and the
background trains as planned: their expected number by day (the traffic's daily means,
with its seasonality), not the day-to-day draws, plus the trains whose hours are planned
(empty trains going back, at the hours drawn for them). A breakdown or a storm not yet
begun, and whether tomorrow's other freight is heavier than usual, are not known: the
plan counts the background at its mean plus :data:`BACKGROUND_Z` of its standard
deviation over the span projected (a Poisson count mixed day by day with the traffic's
``cv``), the margin a cautious dispatcher keeps on a line whose own freight takes most of
its paths.

The acceptance limits' line meters (:class:`sim.engine.acceptance.LineMeter`) project a
train's wait over this view beyond the queue already booked on the line, so a run's
random closures and background draws beyond that queue do not tell its origins what is
coming (the queue itself is read off the line as it stands,
:meth:`~sim.engine.facilities.rail.RailLine.queue_h`: the background paths drawn and the
closures within its span, a storm not yet begun included)."""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.facilities.disruptions import merge

if TYPE_CHECKING:
    from sim.engine.facilities.rail import RailLine

DAY_H = 24.0
# a dispatcher plans the other freight at its mean plus one standard deviation over the
# span ahead: heavier than planned about one span in six (assumption; on
# caspian_committed_2030's Dostyk-Aktogay the background takes 13 of 20 paths a day in
# autumn and its ten-day count varies by +-17 trains, two days of the paths left, so a
# plan at the mean lets a fifth of the trains wait beyond the 72 h limit)
BACKGROUND_Z = 1.0
# beyond this many hours from its start, a wait is taken as endless (a thousand years)
NEVER_H = 1000 * 8766.0


class LinePlan:
    """A line's paths ahead as known at an hour (fluid: fractions of a path count)."""

    __slots__ = ("line", "_known", "_spans", "_span_from", "_src", "_cum", "_var",
                 "_rate_after", "_var_after")

    def __init__(self, line: RailLine):
        self.line = line
        # (dated closures, surprises known) when the spans below were merged
        self._known = (-1, -1)
        self._spans: list[tuple[float, float]] = []
        self._span_from: list[float] = []
        # the background trains expected by the start of each day (cumulative, day 0 at
        # hour 0), and the rate per hour after the last day, from the line's daily means
        # (_src; None: every background hour is planned)
        self._src: np.ndarray | None = None
        self._cum: list[float] | None = None
        self._var: list[float] = []  # the count's variance by the start of each day
        self._rate_after = self._var_after = 0.0

    def _expected_cum(self) -> list[float] | None:
        line = self.line
        daily = line.bg_expected
        if daily is not self._src:
            self._src = daily
            self._cum = None
            if daily is not None:
                mean = np.asarray(daily, float)
                var = mean + (line.bg_cv * mean) ** 2  # Poisson mixed with a gamma
                self._cum = np.concatenate(([0.0], np.cumsum(mean))).tolist()
                self._var = np.concatenate(([0.0], np.cumsum(var))).tolist()
                self._rate_after = float(mean[-1]) / DAY_H if len(mean) else 0.0
                self._var_after = float(var[-1]) / DAY_H if len(var) else 0.0
        return self._cum

    def _closed(self, now: float) -> tuple[list[tuple[float, float]], list[float]]:
        """The closures known at hour ``now``, merged, and their starts."""
        line = self.line
        known = (len(line.planned_closures), bisect_right(line.surprise_from, now))
        if known != self._known:
            self._known = known
            self._spans = merge([*line.planned_closures, *line.surprises[:known[1]]])
            self._span_from = [c0 for c0, _c1 in self._spans]
        return self._spans, self._span_from

    def open_from(self, x: float, now: float) -> float:
        """The first hour at or after ``x`` the line is open, as known at hour ``now``."""
        line = self.line
        if not (line.planned_closures or line.surprises):
            return x
        spans, starts = self._closed(now)
        i = bisect_right(starts, x) - 1  # the merged spans are disjoint: one can hold x
        return spans[i][1] if i >= 0 and spans[i][1] > x else x

    @staticmethod
    def _at(cum: list[float], after: float, x: float) -> float:
        """A cumulative daily quantity at hour ``x`` (linear within a day; ``after`` per
        hour beyond the last day)."""
        if x <= 0.0:
            return 0.0
        d = x / DAY_H
        i = int(d)
        if i >= len(cum) - 1:
            return cum[-1] + (x - (len(cum) - 1) * DAY_H) * after
        return cum[i] + (d - i) * (cum[i + 1] - cum[i])

    def _timetable(self, a: float, b: float) -> float:
        """The timetable's paths from hour ``a`` to ``b``, at the headways in force."""
        if b <= a:
            return 0.0
        line = self.line
        h_from = line.headway_from
        if not h_from:
            return (b - a) / line.headway_h
        h_val = line.headway_values
        n, lo = 0.0, a
        for k in range(bisect_right(h_from, a), len(h_from) + 1):
            hi = min(b, h_from[k]) if k < len(h_from) else b
            n += (hi - lo) / (h_val[k - 1] if k else line.headway_h)
            lo = hi
            if lo >= b:
                break
        return n

    def free_paths(self, direction: int, a: float, b: float, now: float,
                   cautious: bool = True) -> float:
        """Paths left for modelled trains in ``direction`` from hour ``a`` to ``b``, as
        known at hour ``now``: the paths of the headways in force, less the closed hours'
        and the background trains' (planned; or expected, with the margin
        :data:`BACKGROUND_Z` if ``cautious``: one span's, so not additive over spans)."""
        if b <= a:
            return 0.0
        line = self.line
        n = self._timetable(a, b)
        if line.planned_closures or line.surprises:
            spans, starts = self._closed(now)
            fixed = not line.headway_from  # one headway: the closed hours at it
            shut = 0.0
            # the merged spans are disjoint and sorted: only those from the one open at a
            # (or the first after it) up to b overlap [a, b); each takes the paths of the
            # headways in force over it
            for c0, c1 in spans[max(bisect_right(starts, a) - 1, 0):]:
                if c0 >= b:
                    break
                shut += max(0.0, min(c1, b) - max(c0, a)) if fixed else self._timetable(
                    max(c0, a), min(c1, b))
            n -= shut / line.headway_h if fixed else shut
        cum = self._expected_cum()
        if cum is not None:
            n -= self._at(cum, self._rate_after, b) - self._at(cum, self._rate_after, a)
            if cautious:
                var = self._var
                n -= BACKGROUND_Z * math.sqrt(self._at(var, self._var_after, b)
                                              - self._at(var, self._var_after, a))
        planned = line.bg_planned
        if planned is not None:
            hours = planned[direction]
            n -= int(np.searchsorted(hours, b)) - int(np.searchsorted(hours, a))
        return max(n, 0.0)

    def after_free_paths(self, direction: int, a: float, n: float, now: float) -> float:
        """The hour by which ``n`` paths left for modelled trains (:meth:`free_paths`, as
        known at hour ``now``) have passed from hour ``a``."""
        line = self.line
        lo = x = a
        step, before, reached = 1.0, math.inf, False
        for _ in range(64):  # from below (each step adds at most the paths missing) until
            # the background or a closure takes every path: then in growing steps
            missing = n - self.free_paths(direction, a, x, now)
            if missing <= 1e-6:
                reached = True
                break
            lo = x
            step = step * 2.0 if missing > before - 1e-9 else 1.0
            before = missing
            x += missing * line.headway_at(x) * step
        if not reached:  # 64 steps short (the background takes nearly every path, so each
            # step gains little): double the span from a until it holds the paths
            while n - self.free_paths(direction, a, x, now) > 1e-6:
                if x - a > NEVER_H:  # the background takes every path for ever
                    return math.inf
                lo, x = x, a + 2.0 * (x - a)
        if step > 1.0 or not reached:  # a growing step may pass the hour: it lies
            # between lo and x
            while x - lo > 1e-3:
                mid = 0.5 * (lo + x)
                if not lo < mid < x:  # (far hours: no float between them)
                    break
                if n - self.free_paths(direction, a, mid, now) <= 1e-6:
                    x = mid
                else:
                    lo = mid
        return x
