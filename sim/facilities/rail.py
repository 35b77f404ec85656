"""Rail lines: train paths booked first come, first served, and running times.

A train books its paths when it leaves a terminal or a crossing, for every link up to its
next stop (crossing or destination), in order: on each link it takes the first free path
at or after the hour it reaches the link. Paths on one link and direction are at least
``24 / train_paths_per_day`` hours apart; a later booking may take a free path between
earlier bookings. This is how infrastructure managers allocate freight paths, and it lets
the whole run to the next stop be one simulation event.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from ..config import Link
from ..distributions import _Dist
from ..monitors import rows_array

EPS_H = 1e-9  # clock tolerance, hours


class Draws:
    """Draws from one distribution and generator, taken in blocks for speed.

    The sequence of values is fixed by the generator and the block size (fixed here), so
    runs are reproducible; block draws only avoid per-call overhead.
    """

    __slots__ = ("dist", "rng", "block", "_buf", "_i")

    def __init__(self, dist: _Dist, rng: np.random.Generator, block: int = 256):
        self.dist, self.rng, self.block = dist, rng, block
        self._buf: list[float] = []
        self._i = 0

    def one(self) -> float:
        if self._i >= len(self._buf):
            self._buf = np.asarray(self.dist.sample(self.rng, self.block), dtype=float).tolist()
            self._i = 0
        v = self._buf[self._i]
        self._i += 1
        return v


class RailLine:
    """A link, both directions, with its booked paths and its running-time draws."""

    __slots__ = ("id", "length_km", "headway_h", "speed", "_lo", "_hi", "log", "km_h")

    def __init__(self, link_id: str, link: Link, rng: np.random.Generator):
        self.id = link_id
        self.length_km = link.length_km
        self.headway_h = 24.0 / link.train_paths_per_day
        self.speed = Draws(link.speed_km_per_day, rng)
        self.km_h = link.length_km * 24.0  # running hours = km_h / speed (km/day)
        # per direction: blocked intervals (lo, hi), sorted and disjoint
        self._lo: tuple[list[float], list[float]] = ([], [])
        self._hi: tuple[list[float], list[float]] = ([], [])
        # per train: hour it reached the link, hour it entered, direction
        self.log: list[tuple[float, float, int]] = []

    def book(self, direction: int, t: float, now: float) -> float:
        """Book the first free path at or after hour ``t`` (booked at hour ``now <= t``);
        return its hour.

        A path at b blocks the open interval (b - h, b + h) for other paths (h: headway),
        narrowed by a clock tolerance so that paths one headway apart on paper are not
        pushed back by float rounding. The blocked time is kept as sorted disjoint
        intervals, so a saturated line with a long queue of booked paths costs one
        bisection, not a scan of the queue."""
        los, his, h = self._lo[direction], self._hi[direction], self.headway_h - EPS_H
        j = bisect_right(los, t) - 1
        entry = t
        if j >= 0 and los[j] < t < his[j]:  # blocked: go one headway after the block's end
            entry = his[j] + EPS_H
            while j + 1 < len(los) and los[j + 1] < entry < his[j + 1]:
                j += 1
                entry = his[j] + EPS_H
        lo, hi = entry - h, entry + h
        i = bisect_right(los, lo)
        start = i - 1 if i > 0 and his[i - 1] > lo else i
        end = i
        while end < len(los) and los[end] < hi:
            end += 1
        if start < end:
            lo, hi = min(lo, los[start]), max(hi, his[end - 1])
        los[start:end] = [lo]
        his[start:end] = [hi]
        if len(los) > 256 and his[128] < now:
            del los[:128], his[:128]  # no request (all at >= now) can fall in these
        self.log.append((t, entry, direction))
        return entry

    def run_h(self) -> float:
        """Running time of one train over the link, hours."""
        return self.km_h / self.speed.one()

    def log_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(reached, entered, direction) per train booked."""
        a = rows_array(self.log, 3)
        return a[:, 0], a[:, 1], a[:, 2].astype(np.int8)
