"""Background traffic at a transfer facility: other trains on its tracks and cranes, other
containers in a port's yard, other vessel calls at its berths, and other cargo in tonnes.

None of it is tracked box by box. The counts are drawn up front, one per day
(:func:`sim.engine.facilities.background.daily_counts`); each train, day's batch of TEU
or vessel call is then a short chain of callbacks on the facility's shared resources
(the same :class:`~sim.engine.facilities.slots.Slots` and
:class:`~sim.engine.facilities.slots.Level` the modelled trains and vessels use), a few
events each, never one per unit. Rows are logged as mutable lists (NaN until reached), so
what is unfinished at the end of the run is in the logs too.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.facilities.rail import Draws
from sim.engine.facilities.slots import at
from sim.engine.facilities.transfer import _then
from sim.engine.logs import BackgroundBatch, BackgroundCall, BackgroundTrain, columns
from sim.scenario.distributions import GammaMeanCV

if TYPE_CHECKING:
    from sim.engine.facilities.port import PortFacility
    from sim.engine.facilities.transfer import TransferFacility
    from sim.scenario.distributions import _Dist

NAN = math.nan


def _in_turn(env, hours: list[float], start) -> None:
    """Call ``start(hour)`` at each of the sorted ``hours``: one chain of callbacks,
    one event per distinct hour."""
    n, pos = len(hours), 0

    def step(_e: object = None) -> None:
        nonlocal pos
        now = env.now
        while pos < n:
            t = hours[pos]
            if t > now:
                at(env, t - now, step)
                return
            pos += 1
            start(t)
    step()


def _parts(teu: int, capacity_teu: float) -> list[int]:
    """A day's ``teu`` in parts of at most ``capacity_teu`` (whole TEU; one part if the
    capacity is under 1 TEU, which the scenario checks reject)."""
    c = math.floor(capacity_teu + 1e-9)
    if c < 1 or teu <= c:
        return [teu]
    return [c] * (teu // c) + ([teu % c] if teu % c else [])


class FacilityTraffic:
    """The background traffic of one transfer facility (``TransferFacility.background``).

    Attributes
    ----------
    trains : rows of :class:`~sim.engine.logs.BackgroundTrain`, one per background
        train arrived.
    batches : rows of :class:`~sim.engine.logs.BackgroundBatch`, one per day's
        background TEU offered to a port's yard.
    calls : rows of :class:`~sim.engine.logs.BackgroundCall`, one per background vessel
        call arrived.
    teu_offered_h, teu_offered : the hours and sizes of every day's background TEU in the
        run (arrived or not by the end).
    tonnes_day_h, tonnes_by_day : the first hour of every day of the run and its
        background tonnes (reported only).
    """

    def __init__(self, fac: TransferFacility):
        self.fac = fac
        self.env = fac.env
        self.trains: list[list[float]] = []
        self.moves_per_train = 0.0  # crane moves per background train
        self.batches: list[list[float]] = []
        self.calls: list[list[float]] = []
        self.teu_offered_h = np.empty(0)
        self.teu_offered = np.empty(0)
        self.tonnes_day_h = np.empty(0)
        self.tonnes_by_day = np.empty(0)

    def train_log(self) -> BackgroundTrain[np.ndarray]:
        """The background trains as columns, one entry per train arrived."""
        return columns([tuple(r) for r in self.trains], BackgroundTrain)

    def batch_log(self) -> BackgroundBatch[np.ndarray]:
        """The days' background TEU batches as columns, one entry per batch arrived."""
        return columns([tuple(r) for r in self.batches], BackgroundBatch)

    def call_log(self) -> BackgroundCall[np.ndarray]:
        """The background vessel calls as columns, one entry per call arrived."""
        return columns([tuple(r) for r in self.calls], BackgroundCall)

    # -- trains on the tracks and cranes ---------------------------------------------------
    def start_trains(self, hours: np.ndarray, moves_per_train: float, track_h: float,
                     handling_cv: float, rng: np.random.Generator) -> None:
        """Background trains arrive at the sorted ``hours``; each takes a receiving track,
        then (with crane moves) a crane gang for ``moves_per_train`` moves at the crane
        rate in force, times a gamma factor of mean 1 and ``handling_cv``, then holds
        the track ``track_h`` more hours."""
        fac, env = self.fac, self.env
        factor = GammaMeanCV(rng, handling_cv)
        self.moves_per_train = moves_per_train

        def arrive(t: float) -> None:
            row = [t, NAN, NAN, NAN]
            self.trains.append(row)
            _then(fac.tracks.acquire(), on_track, row)

        def on_track(row: list[float]) -> None:
            if moves_per_train > 0:
                _then(fac.cranes.acquire(), on_crane, row)
            else:
                row[1] = env.now
                at(env, track_h, lambda _e: leave(row))

        def on_crane(row: list[float]) -> None:
            row[1] = env.now
            # moves / (moves per hour): hours_per_box / moves_per_box is hours per move
            hours = factor.one(moves_per_train * fac.hours_per_box / fac.cfg.moves_per_box)
            at(env, hours, lambda _e: crane_done(row))

        def crane_done(row: list[float]) -> None:
            over = fac.cranes.used > fac.cranes.capacity
            fac.cranes.release()
            if over:  # finishing work begun before a closure or a cut
                fac._log_cranes()
            row[2] = env.now
            if track_h > 0:
                at(env, track_h, lambda _e: leave(row))
            else:
                leave(row)

        def leave(row: list[float]) -> None:
            fac.tracks.release()
            row[3] = env.now

        _in_turn(env, hours.tolist(), arrive)

    # -- a port's yard, berths and tonnes ----------------------------------------------------
    def start_batches(self, port: PortFacility, day_h: np.ndarray, teu: np.ndarray,
                      dwell: _Dist, moves_per_teu: float, rng: np.random.Generator) -> None:
        """Each day's background TEU (``teu``, arriving at the hours ``day_h``) is put
        into the yard (waiting for space, in turn with the modelled loads; a day's batch
        larger than the yard's capacity at its arrival in parts that fit, each a row of
        ``batches``, as the yard's puts wait in order and one that can never fit would
        block every later one) and taken out
        after a dwell drawn from ``dwell``: one per day's batch (its parts share it),
        drawn up front in day order, so two runs that differ in what delays the batches
        give each day's batch the same dwell (paired comparisons). With
        ``moves_per_teu`` > 0 it first waits for a crane gang, which works it for that many
        moves a TEU at the crane rate in force; the dwell then counts from the start of
        that work, and the batch leaves when both are over."""
        env = self.env
        keep = teu > 0
        self.teu_offered_h, self.teu_offered = day_h[keep], teu[keep].astype(float)
        size = dict(zip(day_h[keep].tolist(), teu[keep].tolist()))
        days = sorted(size)
        dwell_of = dict(zip(days, np.asarray(dwell.sample(rng, len(days)),
                                             dtype=float).tolist()))

        def arrive(t: float) -> None:
            for part in _parts(size[t], port.yard.capacity):
                row = [t, NAN, NAN, float(part)]
                self.batches.append(row)
                _then(port.yard.put(row[3]), in_yard, row)

        def in_yard(row: list[float]) -> None:
            row[1] = env.now
            if moves_per_teu > 0:
                _then(port.cranes.acquire(), on_crane, row)
            else:
                at(env, dwell_of[row[0]], lambda _e: leave(row))

        def on_crane(row: list[float]) -> None:
            hours = row[3] * moves_per_teu * port.hours_per_box / port.cfg.moves_per_box

            def done(_e: object) -> None:
                over = port.cranes.used > port.cranes.capacity
                port.cranes.release()
                if over:
                    port._log_cranes()
                at(env, max(0.0, dwell_of[row[0]] - hours), lambda _e: leave(row))
            at(env, hours, done)

        def leave(row: list[float]) -> None:
            port.yard.get(row[3])
            row[2] = env.now

        _in_turn(env, days, arrive)

    def start_calls(self, port: PortFacility, hours: np.ndarray, berth: _Dist,
                    rng: np.random.Generator) -> None:
        """Background vessels arrive at the sorted ``hours``; each waits while the port is
        closed to shipping, takes a berth (in turn with the services' vessels), holds it
        for a draw of ``berth`` hours and leaves."""
        env = self.env
        berth_h = Draws(berth, rng)

        def arrive(t: float) -> None:
            row = [t, NAN, NAN]
            self.calls.append(row)
            ask(row)

        def ask(row: list[float]) -> None:
            if port.shut and port._open is not None:  # wait for the port to reopen
                port._open.callbacks.append(lambda _e: ask(row))
                return
            _then(port.berths.acquire(), on_berth, row)

        def on_berth(row: list[float]) -> None:
            if port.shut:  # closed while waiting for the berth: wait again
                port.berths.release()
                ask(row)
                return
            row[1] = env.now
            at(env, berth_h.one(), lambda _e: leave(row))

        def leave(row: list[float]) -> None:
            port.berths.release()
            row[2] = env.now

        _in_turn(env, hours.tolist(), arrive)

    def set_tonnes(self, day_h: np.ndarray, tonnes: np.ndarray) -> None:
        """Other cargo in tonnes per day (reported, no events)."""
        self.tonnes_day_h, self.tonnes_by_day = day_h, tonnes.astype(float)
