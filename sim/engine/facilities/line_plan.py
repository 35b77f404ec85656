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
from bisect import bisect_left, bisect_right
from collections.abc import Callable
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
                 "_rate_after", "_var_after", "_hours_of")

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
        # per direction: the planned hours' array last read, and it as a list
        self._hours_of: list[tuple[np.ndarray | None, list[float]]] = [(None, []), (None, [])]

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
        return self._from(direction, a, now, cautious)(b)

    def _from(self, direction: int, a: float, now: float, cautious: bool = True,
              floor: float = 0.0) -> Callable[[float], float]:
        """:meth:`free_paths` from hour ``a`` as a function of the end hour, with what
        depends on ``a`` alone worked out once (a search reads many ends); below
        ``floor`` (``-math.inf``: none), the count is ``floor`` (a search for a positive
        count reads the paths the background takes beyond every path, not ``0``)."""
        line = self.line
        headway, timetable = line.headway_h, self._timetable
        closed = bool(line.planned_closures or line.surprises)
        spans: list[tuple[float, float]] = []
        if closed:
            spans, starts = self._closed(now)
            # the merged spans are disjoint and sorted: only those from the one open at a
            # (or the first after it) overlap [a, b)
            spans = spans[max(bisect_right(starts, a) - 1, 0):]
        fixed = not line.headway_from  # one headway: the closed hours at it
        cum = self._expected_cum()
        var = self._var
        rate, var_rate = self._rate_after, self._var_after
        at = self._at
        cum_a = at(cum, rate, a) if cum is not None else 0.0
        var_a = at(var, var_rate, a) if cum is not None and cautious else 0.0
        planned = line.bg_planned
        hours: list[float] = []
        if planned is not None:
            hours = self._hours(planned, direction)
            index_a = int(bisect_left(hours, a))

        last = len(cum) - 1 if cum is not None else 0
        end_h = last * DAY_H
        simple = fixed and not closed  # one headway, no closure: the timetable inline

        def free(b: float) -> float:
            if b <= a:
                return 0.0
            n = (b - a) / headway if simple else timetable(a, b)
            if closed:
                shut = 0.0
                for c0, c1 in spans:  # each takes the paths of the headways over it
                    if c0 >= b:
                        break
                    shut += max(0.0, min(c1, b) - max(c0, a)) if fixed else timetable(
                        max(c0, a), min(c1, b))
                n -= shut / headway if fixed else shut
            if cum is not None:
                # _at(cum, rate, b) and _at(var, var_rate, b), inline (the same sums)
                if b <= 0.0:
                    n -= 0.0 - cum_a
                    if cautious:
                        n -= BACKGROUND_Z * math.sqrt(0.0 - var_a)
                else:
                    d = b / DAY_H
                    i = int(d)
                    if i >= last:
                        n -= (cum[-1] + (b - end_h) * rate) - cum_a
                        if cautious:
                            n -= BACKGROUND_Z * math.sqrt(
                                (var[-1] + (b - end_h) * var_rate) - var_a)
                    else:
                        f = d - i
                        n -= (cum[i] + f * (cum[i + 1] - cum[i])) - cum_a
                        if cautious:
                            n -= BACKGROUND_Z * math.sqrt(
                                (var[i] + f * (var[i + 1] - var[i])) - var_a)
            if planned is not None:
                n -= int(bisect_left(hours, b)) - index_a
            return n if n > floor else floor
        return free

    def _hours(self, planned: tuple[np.ndarray, np.ndarray], direction: int) -> list[float]:
        """The planned background hours of a direction as a list (bisected as
        ``np.searchsorted`` would), made once per array."""
        arr = planned[direction]
        if self._hours_of[direction][0] is not arr:
            self._hours_of[direction] = (arr, arr.tolist())
        return self._hours_of[direction][1]

    def after_free_paths(self, direction: int, a: float, n: float, now: float) -> float:
        """The hour by which ``n`` paths left for modelled trains (:meth:`free_paths`, as
        known at hour ``now``) have passed from hour ``a``: the first hour with at most
        ``1e-6`` of them missing, to within ``1e-3`` h (``math.inf`` if the background
        takes every path for good).

        Found in a few counts where the background takes most paths: from ``a``, a step
        at the headway (the paths missing if the line had no other traffic), then steps
        at the rate the free paths came at over the last step (a secant; while none came,
        the span from ``a`` four times longer) until one reaches the paths; then the hour
        between the last short of them and the first reaching them, by secants kept
        inside that span (halving it when they close it slowly). The count read is not
        cut at none, so the secants see the background take paths beyond every path."""
        if n <= 1e-6:
            return a
        free = self._from(direction, a, now, floor=-math.inf)
        line = self.line
        headway = line.headway_h
        varying = bool(line.headway_from)
        lo, m_lo = a, n  # the last hour short of the paths, and how many it misses
        x = a + n * (line.headway_at(a) if varying else headway)
        while True:
            got = free(x)
            missing = n - got
            if missing <= 1e-6:
                break
            if x - a > NEVER_H:  # the background takes every path for ever
                return math.inf
            # at the rate since the last hour counted (a secant); none (the background
            # or a closure takes every path so far): the span from a four times longer
            gained = m_lo - missing
            ahead = missing * (x - lo) / gained if gained > 0.0 else 3.0 * (x - a)
            lo, m_lo = x, missing
            x += max(ahead, missing * (line.headway_at(x) if varying else headway))
        hi, m_hi = x, missing
        # the first hour reaching the paths lies in (lo, hi]: secants on missing - 1e-6
        # through the last two hours counted, kept inside the span and at least half the
        # tolerance from the last (so the hour is passed once they close in on it); the
        # span halved when three counts have not halved it
        tol = 1e-3
        x0, g0, x1, g1 = lo, m_lo - 1e-6, hi, m_hi - 1e-6
        width, counts = hi - lo, 0
        while hi - lo > tol:
            mid = x1 - g1 * (x1 - x0) / (g1 - g0) if g1 != g0 else math.nan
            if counts >= 3 and hi - lo > 0.5 * width:
                mid, width, counts = 0.5 * (lo + hi), 0.5 * (hi - lo), 0
            elif not lo < mid < hi:
                mid = 0.5 * (lo + hi)
            elif x1 == lo:
                mid = max(mid, lo + 0.5 * tol)
            elif x1 == hi:
                mid = min(mid, hi - 0.5 * tol)
            if not lo < mid < hi:  # (far hours: no float between them)
                break
            missing = n - free(mid)
            counts += 1
            if missing <= 1e-6:
                hi = mid
            else:
                lo = mid
            if hi - lo <= 0.5 * width:
                width, counts = hi - lo, 0
            x0, g0, x1, g1 = x1, g1, mid, missing - 1e-6
        return hi
