"""Border crossing with gauge change: receiving tracks, crane gangs, yard, customs dwell,
and formation of outbound trains on the other gauge."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import simpy

from ..config import Crossing
from ..distributions import gamma_mean_cv
from ..records import ContainerStore, gather
from .formation import TrainFormation
from .rail import Draws
from .slots import Level, Slots


class BorderCrossing:
    """One crossing. An inbound train

    1. queues for a receiving track (``receiving_tracks``) and holds it until unloaded;
    2. waits for yard space for its TEU (unloading blocks while the yard is full);
    3. waits for a crane gang (``cranes``) and is handled in
       ``boxes * moves_per_box / crane_moves_per_h`` hours, times a gamma factor with
       mean 1 and coefficient of variation ``handling_cv``;
    4. the train is cleared by customs (``customs_dwell_h``, one draw per train: the
       transit documents travel with the train); a binomial share of its boxes
       (``inspection_share``) is pulled for inspection and released together later
       (``inspection_dwell_h``, one draw per train). Boxes stand in a train in order of
       their arrival at the origin, which is independent of their size and destination,
       so the first k boxes are a random sample of k;
    5. cleared boxes join the pool of boxes with the same onward path, from which
       outbound trains of the other gauge's length are formed by the crossing's departure
       rule; a box leaves the yard when its outbound train departs.
    """

    def __init__(self, env: simpy.Environment, node_id: str, code: int, cfg: Crossing,
                 handling_rng: np.random.Generator, dwell_rng: np.random.Generator,
                 inspection_rng: np.random.Generator,
                 inspection_dwell_rng: np.random.Generator, teu: np.ndarray):
        self.env = env
        self.id = node_id
        self.code = code
        self.cfg = cfg
        self.teu = teu  # TEU per container row (the record store's column)
        self.tracks = Slots(env, cfg.receiving_tracks)
        self.cranes = Slots(env, cfg.cranes)
        self.yard = Level(env, cfg.yard_capacity_teu)
        self.hours_per_box = cfg.moves_per_box / cfg.crane_moves_per_h
        self.handling_rng = handling_rng
        self.customs = Draws(cfg.customs_dwell_h, dwell_rng)
        self.inspection_rng = inspection_rng
        self.inspection = (Draws(cfg.inspection_dwell_h, inspection_dwell_rng)
                           if cfg.inspection_dwell_h is not None else None)
        self.pools: dict[object, TrainFormation] = {}
        # per inbound train handled: arrive, got track, crane start, unloaded, boxes, teu;
        # and, for stamping the records after the run: rows cleared together, k, their
        # clearance hour, and (rows, ready hour) of boxes pulled for inspection or None
        self.log: list[tuple[float, float, float, float, int, int]] = []
        self.log_rows: list[tuple] = []
        # per outbound train: depart, boxes, capacity; and its rows and k
        self.out_log: list[tuple[float, int, int]] = []
        self.out_rows: list[tuple[np.ndarray, int]] = []
        # trains inside but not yet unloaded: key -> [arrive, crane start or NaN, rows, k]
        self._inside: dict[int, list] = {}
        self._n_in = 0

    def pool(self, key, k: int, boxes_per_train: int,
             on_depart: Callable[[np.ndarray, float, int], None]) -> TrainFormation:
        """The formation pool for one onward path of boxes at their k-th crossing (created
        on first use)."""
        p = self.pools.get(key)
        if p is not None:
            return p
        teu_of, yard, out_log, out_rows = self.teu, self.yard, self.out_log, self.out_rows

        def depart(idx: np.ndarray, t: float) -> None:
            teu = int(teu_of[idx].sum())
            yard.get(teu)
            out_log.append((t, len(idx), boxes_per_train))
            out_rows.append((idx, k))
            on_depart(idx, t, teu)
        p = self.pools[key] = TrainFormation(self.env, self.cfg.departure, boxes_per_train,
                                             depart)
        return p

    def receive(self, idx: np.ndarray, teu: int, k: int, pool: TrainFormation):
        """Process step for an inbound train carrying boxes ``idx`` (k-th crossing on
        their path): queue, unload, then hand the boxes to customs and ``pool``."""
        env = self.env
        t_arrive = env.now
        key = self._n_in = self._n_in + 1
        inside = self._inside[key] = [t_arrive, math.nan, idx, k]
        wait = self.tracks.acquire()
        if wait is not None:
            yield wait
        t_track = env.now
        wait = self.yard.put(teu)
        if wait is not None:
            yield wait
        wait = self.cranes.acquire()
        if wait is not None:
            yield wait
        t_start = inside[1] = env.now
        n = len(idx)
        yield env.timeout(gamma_mean_cv(self.handling_rng, n * self.hours_per_box,
                                        self.cfg.handling_cv))
        self.cranes.release()
        self.tracks.release()
        t_done = env.now
        del self._inside[key]
        t_clear = t_done + self.customs.one()
        inspected = None
        if self.cfg.inspection_share > 0:
            k_insp = int(self.inspection_rng.binomial(n, self.cfg.inspection_share))
            if k_insp:
                inspected = (idx[:k_insp], t_clear + self.inspection.one())
                idx = idx[k_insp:]
        self.log.append((t_arrive, t_track, t_start, t_done, n, teu))
        self.log_rows.append((idx, k, t_clear, inspected))
        if inspected is not None:
            pool.add_batch(inspected[0], inspected[1], wake=False)
        pool.add_batch(idx, t_clear)

    def unfinished(self) -> tuple[np.ndarray, np.ndarray]:
        """Arrival and crane-start hours (NaN: still queueing) of trains not yet unloaded."""
        rows = np.array([v[:2] for v in self._inside.values()], dtype=float).reshape(-1, 2)
        return rows[:, 0], rows[:, 1]

    def stamp(self, store: ContainerStore) -> None:
        """Write this crossing's stage times into the record store (after the run)."""
        tc = store.t_crossing
        # rows of each handled train: cleared together, plus those pulled for inspection
        rows_of = [r[0] if r[3] is None else np.concatenate((r[0], r[3][0]))
                   for r in self.log_rows]
        ks = [r[1] for r in self.log_rows]
        waiting = list(self._inside.values())
        batches = rows_of + [v[2] for v in waiting]
        rows, k = gather(batches, ks + [v[3] for v in waiting])
        _, t = gather(batches, [row[0] for row in self.log] + [v[0] for v in waiting])
        store.crossing[k, rows] = self.code
        tc["arrive"][k, rows] = t
        rows, k = gather(rows_of, ks)
        _, t = gather(rows_of, [row[3] for row in self.log])
        tc["unloaded"][k, rows] = t
        _, ready = gather(rows_of, per_row=[
            np.full(len(r[0]), r[2]) if r[3] is None
            else np.concatenate((np.full(len(r[0]), r[2]), np.full(len(r[3][0]), r[3][1])))
            for r in self.log_rows])
        tc["ready"][k, rows] = ready
        batches = [r[0] for r in self.out_rows]
        rows, k = gather(batches, [r[1] for r in self.out_rows])
        _, t = gather(batches, [row[0] for row in self.out_log])
        tc["depart"][k, rows] = t
