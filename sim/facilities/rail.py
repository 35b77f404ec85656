"""Rail lines: a train waits for a free train path, then runs the segment."""

from __future__ import annotations

import numpy as np
import simpy

from ..config import Link
from ..distributions import _Dist


class Draws:
    """Draws from one distribution and generator, taken in blocks for speed.

    The sequence of values is the same whatever the block size, because each block is the
    continuation of the same generator; block draws just avoid per-call overhead.
    """

    __slots__ = ("dist", "rng", "block", "_buf", "_i")

    def __init__(self, dist: _Dist, rng: np.random.Generator, block: int = 256):
        self.dist, self.rng, self.block = dist, rng, block
        self._buf = np.empty(0)
        self._i = 0

    def one(self) -> float:
        if self._i >= len(self._buf):
            self._buf = np.asarray(self.dist.sample(self.rng, self.block), dtype=float)
            self._i = 0
        v = self._buf[self._i]
        self._i += 1
        return float(v)


class RailLine:
    """A link, both directions; each direction releases ``train_paths_per_day`` paths a day.

    A train asking for a path gets the first free one (first come, first served): paths
    are spaced ``24 / train_paths_per_day`` hours apart. It then runs
    ``length_km / speed * 24`` hours with the speed drawn per train.
    """

    def __init__(self, env: simpy.Environment, link_id: str, link: Link, rng: np.random.Generator):
        self.env = env
        self.id = link_id
        self.length_km = link.length_km
        self.headway_h = 24.0 / link.train_paths_per_day
        self.speed = Draws(link.speed_km_per_day, rng)
        self.next_free = [0.0, 0.0]
        # log: request time, entry time, direction (one row per train)
        self.log_request: list[float] = []
        self.log_entry: list[float] = []
        self.log_dir: list[int] = []

    def traverse(self, direction: int):
        """Process step: wait for a path in ``direction``, then run the segment."""
        env = self.env
        now = env.now
        free = self.next_free[direction]
        entry = free if free > now else now
        self.next_free[direction] = entry + self.headway_h
        self.log_request.append(now)
        self.log_entry.append(entry)
        self.log_dir.append(direction)
        run_h = self.length_km / self.speed.one() * 24.0
        yield env.timeout(entry - now + run_h)
