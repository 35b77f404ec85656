"""Lean capacity primitives: a counting resource and a level, both first come, first
served, that cost no simulation event when the request can be met at once.

They behave as ``simpy.Resource`` and ``simpy.Container`` do for the uses here (FIFO,
head-of-line blocking for the level); the per-container reference model in the tests uses
the SimPy originals, so any difference would show there.
"""

from __future__ import annotations

from collections import deque
from heapq import heappush

import simpy
from simpy.events import NORMAL


class Slots:
    """``capacity`` identical servers (tracks, crane gangs)."""

    __slots__ = ("env", "capacity", "used", "_waiting")

    def __init__(self, env: simpy.Environment, capacity: int):
        self.env, self.capacity, self.used = env, capacity, 0
        self._waiting: deque[simpy.Event] = deque()

    def acquire(self) -> simpy.Event | None:
        """None if a server was free and is now taken; else an event to wait for."""
        if self.used < self.capacity and not self._waiting:
            self.used += 1
            return None
        ev = self.env.event()
        self._waiting.append(ev)
        return ev

    def release(self) -> None:
        """Free a server, handing it straight to the longest waiter if there is one (and
        the capacity, which may have been lowered, allows)."""
        if self._waiting and self.used <= self.capacity:
            self._waiting.popleft().succeed()
        else:
            self.used -= 1

    def set_capacity(self, capacity: int) -> None:
        """Change the number of servers now: more serve waiters at once; fewer take
        effect as busy servers are released (no pre-emption)."""
        self.capacity = capacity
        while self._waiting and self.used < capacity:
            self.used += 1
            self._waiting.popleft().succeed()


class Level:
    """A store of an amount (yard TEU) with a capacity; puts wait in order."""

    __slots__ = ("env", "capacity", "level", "_waiting")

    def __init__(self, env: simpy.Environment, capacity: float):
        self.env, self.capacity, self.level = env, capacity, 0.0
        self._waiting: deque[tuple[float, simpy.Event]] = deque()

    def put(self, amount: float) -> simpy.Event | None:
        """None if the amount fitted at once; else an event fired when it has been put."""
        if not self._waiting and self.level + amount <= self.capacity:
            self.level += amount
            return None
        ev = self.env.event()
        self._waiting.append((amount, ev))
        return ev

    def pending(self) -> float:
        """The amount waiting to be put."""
        return sum(a for a, _ in self._waiting)

    def set_capacity(self, capacity: float) -> None:
        """Change the capacity now (a smaller one takes effect as the level falls)."""
        self.capacity = capacity
        self.get(0.0)

    def get(self, amount: float) -> None:
        """Remove an amount (never waits), then let waiting puts in, in order."""
        self.level -= amount
        w = self._waiting
        while w and self.level + w[0][0] <= self.capacity:
            amt, ev = w.popleft()
            self.level += amt
            ev.succeed()


class Due:
    """A callback at a later hour: the part of a SimPy event the event loop uses, and no
    more (it cannot fail, and no process waits for it). Cheaper to make than a
    ``Timeout``, and scheduled the same way, so events keep their order."""

    __slots__ = ("callbacks",)
    _ok = True      # (read by the event loop: class attributes, nothing to set per call)
    _value = None

    def __init__(self, callbacks: list):
        self.callbacks = callbacks


def at(env: simpy.Environment, delay: float, callback) -> Due:
    """Call ``callback(due)`` ``delay`` hours from now (``delay >= 0``).

    Scheduled as ``env.schedule(due, NORMAL, delay)`` does it, inlined (the model's most
    frequent call after the rail bookings: a method call less per event)."""
    due = Due([callback])
    heappush(env._queue,  # type: ignore[misc]  # (a Due is what the loop uses of an Event)
             (env._now + delay, NORMAL, next(env._eid), due))
    return due


def sleep(env: simpy.Environment, delay: float) -> Due:
    """What a process yields to wait ``delay`` hours (``delay >= 0``): as
    ``env.timeout(delay)``, scheduled the same way (so events keep their order) and
    resuming the process with the same value (None), without the ``Timeout``'s
    construction."""
    if delay < 0:
        raise ValueError(f"negative delay {delay}")
    due = Due([])
    heappush(env._queue,  # type: ignore[misc]  # (a Due is what the loop uses of an Event)
             (env._now + delay, NORMAL, next(env._eid), due))
    return due
