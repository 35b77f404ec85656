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

    __slots__ = ("id", "length_km", "headway_h", "speed", "_booked", "log", "_km_h")

    def __init__(self, link_id: str, link: Link, rng: np.random.Generator):
        self.id = link_id
        self.length_km = link.length_km
        self.headway_h = 24.0 / link.train_paths_per_day
        self.speed = Draws(link.speed_km_per_day, rng)
        self._km_h = link.length_km * 24.0
        self._booked: tuple[list[float], list[float]] = ([], [])
        # per train: hour it reached the link, hour it entered, direction
        self.log: list[tuple[float, float, int]] = []

    def book(self, direction: int, t: float, now: float) -> float:
        """Book the first free path at or after hour ``t`` (booked at hour ``now <= t``);
        return its hour."""
        booked, h = self._booked[direction], self.headway_h
        i = bisect_right(booked, t - h)
        entry = t
        n = len(booked)
        # booked paths are >= h apart, so each one closer than h pushes the entry past it
        while i < n and booked[i] < entry + h:
            entry = booked[i] + h
            i += 1
        booked.insert(i, entry)
        if len(booked) > 1024 and booked[512] < now - h:
            del booked[:512]  # no future request (all at >= now) can conflict with these
        self.log.append((t, entry, direction))
        return entry

    def run_h(self) -> float:
        """Running time of one train over the link, hours."""
        return self._km_h / self.speed.one()

    def log_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(reached, entered, direction) per train booked."""
        a = rows_array(self.log, 3)
        return a[:, 0], a[:, 1], a[:, 2].astype(np.int8)
