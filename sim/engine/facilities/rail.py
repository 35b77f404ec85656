"""Rail lines: train paths booked first come, first served, and running times.

A train books its paths when it leaves a terminal or a crossing, for every link up to its
next stop (crossing or destination), in order: on each link it takes the first free path
at or after the hour it reaches the link. Paths on one link and direction are at least
``24 / train_paths_per_day`` hours apart; a later booking may take a free path between
earlier bookings. This is how infrastructure managers allocate freight paths, and it lets
the whole run to the next stop be one simulation event.

Background trains (``links.X.background_trains``: the other freight and the passenger
trains) hold paths of the annual timetable, allocated before any modelled train asks:
their requested hours are drawn up front, each takes the first path of the timetable's
grid (a path every headway) at or after its hour that the background trains before it
left free (so they keep the headway in force, a timeline change of
``train_paths_per_day`` included, and wait out closures), and those paths are blocked
for the modelled trains. They are blocked lazily, a day ahead of the bookings
that could meet them, so the blocked intervals stay short; they cost no simulation event.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable
from itertools import chain, repeat, starmap

import numpy as np

from sim.engine.facilities.disruptions import merge
from sim.engine.logs import PathBooking, Span
from sim.scenario.distributions import _Dist
from sim.scenario.schema import Link

EPS_H = 1e-9  # clock tolerance, hours


class Draws:
    """Draws from one distribution and generator, taken in blocks for speed.

    The sequence of values is fixed by the generator and the block size (fixed here), so
    runs are reproducible; block draws only avoid per-call overhead. ``one()`` takes the
    next value: the ``__next__`` of a chain of blocks, each drawn when the one before is
    used up (a call without a Python frame between the blocks).
    """

    __slots__ = ("dist", "rng", "block", "one")

    def __init__(self, dist: _Dist, rng: np.random.Generator, block: int = 256):
        self.dist, self.rng, self.block = dist, rng, block
        self.one: Callable[[], float] = chain.from_iterable(
            starmap(_block, repeat((dist, rng, block)))).__next__


def _block(dist: _Dist, rng: np.random.Generator, size: int) -> list[float]:
    """One block of draws (a function, not a method: no reference cycle through the
    chain)."""
    return np.asarray(dist.sample(rng, size), dtype=float).tolist()


class RailLine:
    """A link, both directions, with its booked paths and its running-time draws."""

    __slots__ = ("id", "length_km", "headway_h", "speed", "_lo", "_hi", "log", "length_km_x24",
                 "_h_from", "_h_val", "closures", "_raw", "_reach", "_bg_want", "bg_paths",
                 "_widest", "_spans", "planned_closures", "surprises",
                 "surprise_from", "bg_expected", "bg_cv", "_bg_fixed", "changes",
                 "_bg_next", "_bg_until", "_bg_blocks", "_bg_cut")

    def __init__(self, link_id: str, link: Link, rng: np.random.Generator):
        self.id = link_id
        self.length_km = link.length_km
        self.headway_h = 24.0 / link.train_paths_per_day
        self._reach = self.headway_h - EPS_H  # a path blocks this far either side
        self.speed = Draws(link.speed_km_per_day, rng)
        # length x 24 h/day: running hours = length_km_x24 / speed (km/day)
        self.length_km_x24 = link.length_km * 24.0
        self.closures: list[Span[float]] = []
        # the closures merged (closed_spans), kept until the next closure
        self._spans: list[tuple[float, float]] | None = None
        # the closures as a dispatcher knows them ahead (sim.engine.facilities.line_plan):
        # dated ones (the timeline's) from the start, the others (storms, breakdowns), in
        # order of their starts, from their start on
        self.planned_closures: list[tuple[float, float]] = []
        self.surprises: list[tuple[float, float]] = []
        self.surprise_from: list[float] = []
        self._raw: tuple[list[float], list[float]] = ([], [])  # booked hours, if schedule
        # headway changes from a timeline: from these hours on, these headways
        self._h_from: list[float] = []
        self._h_val: list[float] = []
        self._widest = self.headway_h  # the widest headway in force at any time
        # per direction: blocked intervals (lo, hi), sorted and disjoint
        self._lo: tuple[list[float], list[float]] = ([], [])
        self._hi: tuple[list[float], list[float]] = ([], [])
        # per train: a PathBooking row, flat (reached, entered, direction): the hottest log
        # of the model, at 24 bytes a booking, not the ~110 of a tuple of floats in a list
        # (read as columns: log_arrays)
        self.log = array("d")
        # background trains: hours requested per direction (None: none), their paths once
        # allocated, and per direction the next path not yet blocked and the hour before
        # which every path is blocked
        self._bg_want: tuple[np.ndarray, np.ndarray] | None = None
        self.bg_paths: tuple[np.ndarray, np.ndarray] | None = None
        self._bg_next = [0, 0]
        self._bg_until = [-math.inf, -math.inf]
        # per direction: the background paths, and the low and high ends of their blocks
        self._bg_blocks: tuple[tuple[list[float], list[float], list[float]], ...] | None = None
        self._bg_cut = [0, 0]  # per direction: blocked paths dropped from the lists' front
        # the background trains as planned: expected per day (each direction; None: every
        # background hour is planned), and the hours of those that are planned if so
        self.bg_expected: np.ndarray | None = None
        self.bg_cv = 0.0  # their day-to-day variation beyond Poisson
        # how many times the background, the closures or the paths were changed (set up
        # before a run, and an empty train cancelled during it; read by what caches a
        # projection of the line)
        self.changes = 0
        self._bg_fixed: tuple[np.ndarray, np.ndarray] | None = None

    def book(self, direction: int, t: float, now: float) -> float:
        """Book the first free path at or after hour ``t`` (booked at hour ``now <= t``);
        return its hour.

        A path at b blocks the open interval (b - h, b + h) for other paths (h: headway),
        narrowed by a clock tolerance so that paths one headway apart on paper are not
        pushed back by float rounding. The blocked time is kept as sorted disjoint
        intervals, so a saturated line with a long queue of booked paths costs one
        bisection, not a scan of the queue."""
        los, his = self._lo[direction], self._hi[direction]
        h_from = self._h_from
        bg = self._bg_want is not None
        if bg:  # block the background paths a booking at t could meet, if not yet
            widest = self._widest
            if t + widest >= self._bg_until[direction]:
                self._fill(direction, t + 2 * widest + 24.0)
        if (not his or t >= his[-1]) and not h_from:
            # the common case: the request falls after every path booked so far
            h = self._reach
            if his and his[-1] > t - h:
                his[-1] = t + h  # joins the last blocked interval
            else:
                los.append(t - h)
                his.append(t + h)
                if len(los) > 256 and his[128] < now:
                    del los[:128], his[:128]
            self.log.extend((t, t, direction))
            return t
        while True:
            # the first free hour (inlined _first_free: the hottest line of the model)
            j = bisect_right(los, t) - 1
            entry = t
            if j >= 0 and los[j] < t < his[j]:  # blocked: one headway after the block's end
                entry = his[j] + EPS_H
                while j + 1 < len(los) and los[j + 1] < entry < his[j + 1]:
                    j += 1
                    entry = his[j] + EPS_H
            if h_from:  # headways change: keep max(own, other) apart from every path
                entry = self._apart(direction, los, his, entry)
            if not bg or entry + widest < self._bg_until[direction]:
                break
            # pushed beyond the background paths blocked so far: block more, look again
            self._fill(direction, entry + 2 * widest + 24.0)
        if h_from:
            raw = self._raw[direction]
            insort(raw, entry)
            if len(raw) > 1024 and raw[512] < now - 2 * self._widest:
                del raw[:512]  # too far behind any request (all at >= now) to conflict
            h = self._headway(entry) - EPS_H
        else:
            h = self._reach
        # block (entry - h, entry + h) (inlined _block)
        lo, hi = entry - h, entry + h
        # i = bisect_right(los, lo), from the search above (without a headway schedule):
        # every block starting at or before t (pushed: before the one left) is before
        # j + 1, and block j + 1 starts after t (pushed: at or after block j's end), so
        # after lo
        if h_from:
            i = bisect_right(los, lo)
        elif j < 0:
            i = 0
        elif los[j] <= lo:
            i = j + 1
        else:
            i = bisect_right(los, lo, 0, j)
        start = i - 1 if i > 0 and his[i - 1] > lo else i
        end = i
        n = len(los)
        while end < n and los[end] < hi:
            end += 1
        if start < end:  # merge with the blocks it overlaps (usually one)
            if los[start] < lo:
                lo = los[start]
            if his[end - 1] > hi:
                hi = his[end - 1]
            if end == start + 1:
                los[start], his[start] = lo, hi
            else:
                los[start:end] = [lo]
                his[start:end] = [hi]
        else:
            los.insert(start, lo)
            his.insert(start, hi)
        if len(los) > 256 and his[128] < now:
            del los[:128], his[:128]  # no request (all at >= now) can fall in these
        self.log.extend((t, entry, direction))
        return entry

    def queue_h(self, direction: int, now: float) -> float:
        """How long a train reaching the line at hour ``now`` would wait for a path in
        ``direction`` (what an acceptance limit on the line caps), without booking one.
        The background paths it could meet are blocked first, as a booking would; that
        changes no booking (each is preceded by the same blocking)."""
        los, his = self._lo[direction], self._hi[direction]
        bg = self._bg_want is not None
        until = now
        while True:
            if bg:
                self._fill(direction, until + 2 * self._widest + 24.0)
            entry = self._first_free(los, his, now)
            if self._h_from:
                entry = self._apart(direction, los, his, entry)
            if not bg or entry + self._widest < self._bg_until[direction]:
                return entry - now
            until = entry

    # -- background trains ------------------------------------------------------------------
    def add_background(self, hours_0: np.ndarray, hours_1: np.ndarray,
                       expected: np.ndarray | None = None,
                       planned: tuple[np.ndarray, np.ndarray] | None = None,
                       cv: float = 0.0) -> None:
        """Background trains ask for paths at these hours (direction 0 from -> to, 1 back);
        their paths are allocated at the first booking, when the timeline's path changes
        and closures are all known. ``expected``: the trains expected per day from hour 0,
        each direction, if the hours are drawn around it (a plan knows the mean, not the
        draws); ``planned``: the hours among them that are planned (empty trains going
        back); without ``expected``, every hour is planned; ``cv``: the draws' day-to-day
        variation beyond Poisson (:class:`sim.scenario.traffic.Background`)."""
        self._bg_want = (np.sort(np.asarray(hours_0, float)),
                         np.sort(np.asarray(hours_1, float)))
        self.bg_paths = self._bg_blocks = None
        self.bg_expected, self.bg_cv = expected, cv
        self.changes += 1
        self._bg_fixed = None if planned is None else (
            np.sort(np.asarray(planned[0], float)), np.sort(np.asarray(planned[1], float)))

    def _bg_index(self, direction: int, hour: float) -> int:
        """The place of a background train asking at ``hour`` among those of
        ``direction`` (-1: none asks then)."""
        if self._bg_want is None:
            return -1
        want = self._bg_want[direction]
        i = int(np.searchsorted(want, hour, side="left"))
        return i if i < len(want) and want[i] == hour else -1

    def _cancellable(self, direction: int, hour: float) -> int:
        """The place of the background train asking for a path at ``hour`` in
        ``direction`` if it could still be cancelled (its path not blocked yet); -1 if
        not."""
        i = self._bg_index(direction, hour)
        if i < 0 or float(self.background_paths()[direction][i]) < self._bg_until[direction]:
            return -1
        return i

    def can_cancel(self, direction: int, hour: float) -> bool:
        """Whether the background train asking for a path at ``hour`` in ``direction``
        could still be cancelled: it asks then, and its path is not blocked yet."""
        return self._cancellable(direction, hour) >= 0

    def cancel_background(self, direction: int, hour: float) -> None:
        """Cancel the background train asking for a path at ``hour`` in ``direction``
        (:meth:`can_cancel`): its path is free for other trains (an empty train whose
        empties never came, :mod:`sim.engine.facilities.empties`)."""
        i = self._cancellable(direction, hour)
        if i < 0:
            raise ValueError(f"link {self.id}: no background train to cancel at {hour} h "
                             f"in direction {direction}")
        assert self._bg_want is not None and self.bg_paths is not None  # (_cancellable)
        path = float(self.bg_paths[direction][i])
        if self._bg_blocks is not None:  # not blocked yet: among the paths still listed
            paths, lows, highs = self._bg_blocks[direction]
            j = bisect_left(paths, path, self._bg_next[direction] - self._bg_cut[direction])
            assert paths[j] == path, "a background path not blocked yet is listed"
            del paths[j], lows[j], highs[j]
        want, got = list(self._bg_want), list(self.bg_paths)
        want[direction] = np.delete(want[direction], i)
        got[direction] = np.delete(got[direction], i)
        self._bg_want = (want[0], want[1])
        self.bg_paths = (got[0], got[1])
        if self._bg_fixed is not None:  # the planned hours a plan of the line reads
            fixed = list(self._bg_fixed)
            k = int(np.searchsorted(fixed[direction], hour, side="left"))
            if k < len(fixed[direction]) and fixed[direction][k] == hour:
                fixed[direction] = np.delete(fixed[direction], k)
            self._bg_fixed = (fixed[0], fixed[1])
        self.changes += 1

    @property
    def bg_planned(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The background paths known ahead, per direction: all of them (as allocated)
        when none is drawn, else the planned hours given (None: none)."""
        if self._bg_want is None:
            return None
        if self.bg_expected is None:
            return self.background_paths()
        return self._bg_fixed

    @property
    def headway_from(self) -> list[float]:
        """The hours from which the timetable's headway changes (a timeline's)."""
        return self._h_from

    @property
    def headway_values(self) -> list[float]:
        """The headway in force from each of :attr:`headway_from`."""
        return self._h_val

    def headway_at(self, t: float) -> float:
        """The headway in force at hour ``t``."""
        return self._headway(t)

    def has_background(self) -> bool:
        """Whether background trains (or empty trains going back) ask for paths."""
        return self._bg_want is not None

    def background_paths(self) -> tuple[np.ndarray, np.ndarray]:
        """The hours of the background trains' paths, per direction (empty: none)."""
        if self._bg_want is None:
            return np.empty(0), np.empty(0)
        if self.bg_paths is None:
            self.bg_paths = (self._allocate(self._bg_want[0]),
                             self._allocate(self._bg_want[1]))
        return self.bg_paths

    def _allocate(self, want: np.ndarray) -> np.ndarray:
        """Paths for background trains asking at the sorted hours ``want``: each the first
        path of the timetable's grid (hour 0 and every headway after it; from a change of
        headway, the change's hour and every new headway after it) at or after its own
        hour, a headway after the previous one's (the larger of the two headways in force)
        and outside every closure. On the grid they leave whole paths between them, so a
        line of N paths a day with b background trains has N - b left."""
        if not len(want):
            return want.copy()
        closed = self.closed_spans()
        if not self._h_from and not closed:
            # grid index k_i = max(ceil(w_i / h), k_{i-1} + 1) = i + max_{j <= i} (c_j - j)
            h = self.headway_h
            rank = np.arange(len(want))
            k = np.ceil(want / h - 1e-9)
            return h * (rank + np.maximum.accumulate(k - rank))
        out = np.empty(len(want))
        prev, c = -math.inf, 0
        for i, w in enumerate(want.tolist()):
            p = w
            while True:
                if prev > -math.inf:
                    p = max(p, prev + max(self._headway(prev), self._headway(p)))
                p = self._grid(p)
                while c < len(closed) and closed[c][1] <= p:
                    c += 1
                if c < len(closed) and closed[c][0] <= p:
                    p = closed[c][1]  # wait out the closure
                    continue
                if prev > -math.inf and p - prev < max(self._headway(prev),
                                                       self._headway(p)) - EPS_H:
                    continue  # a wider headway began on the way: again from here
                break
            out[i] = prev = p
        return out

    def _grid(self, t: float) -> float:
        """The first path of the timetable's grid at or after hour ``t``."""
        j = bisect_right(self._h_from, t) - 1
        start, h = (0.0, self.headway_h) if j < 0 else (self._h_from[j], self._h_val[j])
        g = start + math.ceil((t - start) / h - 1e-9) * h
        if j + 1 < len(self._h_from) and g >= self._h_from[j + 1]:
            return self._grid(self._h_from[j + 1])  # the next headway's grid begins first
        return g

    def _fill(self, direction: int, until: float) -> None:
        """Block the background paths before hour ``until`` not blocked yet."""
        if until <= self._bg_until[direction]:
            return
        if self._bg_blocks is None:
            self._bg_blocks = self._blocks_of(self.background_paths())
            self._bg_cut = [0, 0]
        paths, lows, highs = self._bg_blocks[direction]
        cut = self._bg_cut[direction]
        i = self._bg_next[direction] - cut  # (_bg_next counts every path of the lists)
        k = bisect_left(paths, until, i)  # the paths before until not blocked yet
        los, his, raw = self._lo[direction], self._hi[direction], self._raw[direction]
        h_from = self._h_from
        for j in range(i, k):
            lo, hi = lows[j], highs[j]
            # every path blocked so far is before this one (those booked ended before
            # the hour filled to, and the background ones keep their headway), so its
            # block joins the last one or follows it
            if his and lo < his[-1] and los[-1] <= lo:
                if hi > his[-1]:
                    his[-1] = hi
            elif not his or lo >= his[-1]:
                los.append(lo)
                his.append(hi)
            else:  # (not expected) anywhere else: the general merge
                self._block(direction, lo, hi)
            if h_from:
                insort(raw, paths[j])
        self._bg_next[direction] = cut + k
        self._bg_until[direction] = until
        if k > 4096:  # the paths blocked are not read again: let them go
            del paths[:k], lows[:k], highs[:k]
            self._bg_cut[direction] = cut + k

    def _blocks_of(self, paths: tuple[np.ndarray, np.ndarray]
                   ) -> tuple[tuple[list[float], list[float], list[float]], ...]:
        """Per direction, the background paths and the open interval each blocks, (p - h,
        p + h) with h its headway less the clock tolerance, as plain lists (the values
        :meth:`_headway` gives, computed at once)."""
        out = []
        h: np.ndarray | float
        for p in paths:
            if self._h_from:
                j = np.searchsorted(np.asarray(self._h_from), p, side="right") - 1
                h = np.where(j >= 0, np.asarray(self._h_val)[np.maximum(j, 0)],
                             self.headway_h) - EPS_H
            else:
                h = self.headway_h - EPS_H
            out.append((p.tolist(), (p - h).tolist(), (p + h).tolist()))
        return tuple(out)

    @staticmethod
    def _first_free(los: list[float], his: list[float], t: float) -> float:
        """The first hour at or after ``t`` outside every blocked interval."""
        j = bisect_right(los, t) - 1
        entry = t
        if j >= 0 and los[j] < t < his[j]:  # blocked: go one headway after the block's end
            entry = his[j] + EPS_H
            while j + 1 < len(los) and los[j + 1] < entry < his[j + 1]:
                j += 1
                entry = his[j] + EPS_H
        return entry

    def _headway(self, t: float) -> float:
        if self._h_from and t >= self._h_from[0]:
            return self._h_val[bisect_right(self._h_from, t) - 1]
        return self.headway_h

    def _apart(self, direction: int, los: list[float], his: list[float], entry: float
               ) -> float:
        """With a headway schedule, a path must also be its *own* headway away from the
        paths already booked (blocked intervals carry each booked path's headway only):
        two paths stay max(h_a, h_b) apart whichever was booked first."""
        raw, widest = self._raw[direction], self._widest
        while True:
            h_e = self._headway(entry)
            lo = bisect_left(raw, entry - widest)
            hi = bisect_right(raw, entry + widest)
            push = max((b + max(h_e, self._headway(b)) for b in raw[lo:hi]
                        if abs(b - entry) < max(h_e, self._headway(b)) - EPS_H), default=None)
            if push is None:
                return entry
            entry = self._first_free(los, his, push)

    def _block(self, direction: int, lo: float, hi: float) -> None:
        """Add the open interval (lo, hi) to the blocked time, merging overlaps."""
        los, his = self._lo[direction], self._hi[direction]
        i = bisect_right(los, lo)
        start = i - 1 if i > 0 and his[i - 1] > lo else i
        end = i
        while end < len(los) and los[end] < hi:
            end += 1
        if start < end:
            lo, hi = min(lo, los[start]), max(hi, his[end - 1])
        los[start:end] = [lo]
        his[start:end] = [hi]

    def change_paths(self, from_h: float, paths_per_day: float) -> None:
        """From hour ``from_h`` on, paths are ``24 / paths_per_day`` hours apart."""
        if self._bg_until[0] > -math.inf or self._bg_until[1] > -math.inf:
            raise RuntimeError(f"link {self.id}: paths change after background paths were "
                               "blocked")
        self.bg_paths = self._bg_blocks = None  # allocated again with the new headways
        i = bisect_right(self._h_from, from_h)
        self._h_from.insert(i, from_h)
        self._h_val.insert(i, 24.0 / paths_per_day)
        self._widest = max(self._widest, 24.0 / paths_per_day)
        self.changes += 1

    def close(self, from_h: float, to_h: float, planned: bool = True) -> None:
        """No train enters the link, either way, from ``from_h`` until ``to_h``;
        ``planned``: dated ahead (works), else known only from its start (a storm, a
        breakdown; added in order of their starts)."""
        if self._bg_until[0] > -math.inf or self._bg_until[1] > -math.inf:
            raise RuntimeError(f"link {self.id}: closed after background paths were "
                               "blocked")
        self.bg_paths = self._bg_blocks = None  # allocated again around the closure
        self.closures.append(Span(from_h, to_h))
        self.changes += 1
        if planned:
            self.planned_closures.append((from_h, to_h))
        else:
            if self.surprise_from and from_h < self.surprise_from[-1]:
                raise ValueError(f"link {self.id}: closures not in order of their starts")
            self.surprises.append((from_h, to_h))
            self.surprise_from.append(from_h)
        self._spans = None
        for direction in (0, 1):
            self._block(direction, from_h - 2 * EPS_H, to_h - EPS_H)

    def closed_spans(self) -> list[tuple[float, float]]:
        """The hours the link was closed, as sorted disjoint ``(from, to)`` intervals
        (overlapping closures merged)."""
        if self._spans is None:
            self._spans = merge(self.closures)
        return self._spans

    def paths_available(self, edges: np.ndarray, end_h: float) -> np.ndarray:
        """Train paths offered in each window ``[e_j, e_j+1)``, one direction: open hours
        (closures removed) over the headway in force."""
        starts = [0.0, *self._h_from]
        heads = [self.headway_h, *self._h_val]
        ends = [*self._h_from, end_h]
        closed = self.closed_spans()
        out = np.zeros(len(edges) - 1)
        for a, b, h in zip(starts, ends, heads):
            for j in range(len(edges) - 1):
                lo, hi = max(a, edges[j]), min(b, edges[j + 1])
                if hi <= lo:
                    continue
                shut = sum(max(0.0, min(c1, hi) - max(c0, lo)) for c0, c1 in closed)
                out[j] += (hi - lo - shut) / h
        return out

    def log_arrays(self) -> PathBooking[np.ndarray]:
        """The bookings as columns (direction as ``int8``), one entry per train."""
        rows = np.frombuffer(self.log, float).reshape(-1, 3)
        return PathBooking(rows[:, 0].copy(), rows[:, 1].copy(), rows[:, 2].astype(np.int8))
