"""Border crossing with gauge change: receiving tracks, crane gangs, yard, customs dwell,
and formation of outbound trains on the other gauge."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy

from ..config import Crossing
from ..distributions import gamma_mean_cv
from ..records import ContainerStore
from .formation import TrainFormation


class BorderCrossing:
    """One crossing. An inbound train

    1. queues for a receiving track (``receiving_tracks``) and holds it until unloaded;
    2. waits for yard space for its TEU (unloading blocks while the yard is full);
    3. waits for a crane gang (``cranes``) and is handled in
       ``boxes * moves_per_box / crane_moves_per_h`` hours, times a gamma factor with
       mean 1 and coefficient of variation ``handling_cv``;
    4. its boxes then each dwell in customs (``customs_dwell_h``) and join the pool of
       boxes with the same onward path, from which outbound trains of the other gauge's
       length are formed by the crossing's departure rule; a box leaves the yard when its
       outbound train departs.
    """

    def __init__(self, env: simpy.Environment, node_id: str, code: int, cfg: Crossing,
                 store: ContainerStore, handling_rng: np.random.Generator,
                 dwell_rng: np.random.Generator):
        self.env = env
        self.id = node_id
        self.code = code
        self.cfg = cfg
        self.store = store
        self.tracks = simpy.Resource(env, cfg.receiving_tracks)
        self.cranes = simpy.Resource(env, cfg.cranes)
        self.yard = simpy.Container(env, capacity=cfg.yard_capacity_teu, init=0)
        self.hours_per_box = cfg.moves_per_box / cfg.crane_moves_per_h
        self.handling_rng = handling_rng
        self.dwell_rng = dwell_rng
        self.pools: dict[object, TrainFormation] = {}
        # log per inbound train: arrive, got track, crane start, unloaded, boxes, teu
        self.log: list[tuple[float, float, float, float, int, int]] = []
        # log per outbound train: depart, boxes, capacity
        self.out_log: list[tuple[float, int, int]] = []
        # trains inside but not yet unloaded: key -> [arrive, crane start or NaN]
        self._inside: dict[int, list[float]] = {}
        self._n_in = 0

    def pool(self, key, boxes_per_train: int,
             on_depart: Callable[[np.ndarray, float], None]) -> TrainFormation:
        """The formation pool for one onward path (created on first use)."""
        p = self.pools.get(key)
        if p is None:
            def depart(idx: np.ndarray, t: float, _cb=on_depart, _cap=boxes_per_train):
                teu = int(self.store.teu[idx].sum())
                self.yard.get(teu)
                self.out_log.append((t, len(idx), _cap))
                _cb(idx, t)
            p = self.pools[key] = TrainFormation(self.env, self.cfg.departure, boxes_per_train,
                                                 depart)
        return p

    def receive(self, idx: np.ndarray, teu: int, k: int, pool: TrainFormation):
        """Process step for an inbound train carrying boxes ``idx`` (k-th crossing on
        their path): queue, unload, then hand the boxes to customs and ``pool``."""
        env, st = self.env, self.store
        t_arrive = env.now
        st.crossing[k, idx] = self.code
        st.t_crossing["arrive"][k, idx] = t_arrive
        key = self._n_in = self._n_in + 1
        inside = self._inside[key] = [t_arrive, float("nan")]
        with self.tracks.request() as track:
            yield track
            t_track = env.now
            yield self.yard.put(teu)
            with self.cranes.request() as crane:
                yield crane
                t_start = inside[1] = env.now
                mean_h = len(idx) * self.hours_per_box
                yield env.timeout(gamma_mean_cv(self.handling_rng, mean_h, self.cfg.handling_cv))
        t_done = env.now
        del self._inside[key]
        self.log.append((t_arrive, t_track, t_start, t_done, len(idx), teu))
        ready = t_done + np.asarray(self.cfg.customs_dwell_h.sample(self.dwell_rng, len(idx)),
                                    dtype=float)
        st.t_crossing["unloaded"][k, idx] = t_done
        st.t_crossing["ready"][k, idx] = ready
        pool.add(idx, ready)

    def unfinished(self) -> tuple[np.ndarray, np.ndarray]:
        """Arrival and crane-start hours (NaN: still queueing) of trains not yet unloaded."""
        rows = np.array(list(self._inside.values()), dtype=float).reshape(-1, 2)
        return rows[:, 0], rows[:, 1]
