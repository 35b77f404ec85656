"""KPIs of the pools of container flat wagons (:mod:`sim.scenario.wagons`): how long
trains waited, formed, for their wagons, how many waited, the wagons in use and their
cycle. Reported per pool (scope ``POOL``) for scenarios with ``[wagon_pools]``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.logs import WagonCycle, WagonLevel, WagonTake, columns
from sim.measure.monitors import PutRun, PutYears, counts_in, means_in, window_means

if TYPE_CHECKING:
    from sim.engine.output import RunOutput


KPIS: dict[str, tuple[str, str]] = {
    "wagon_wait_hours_mean": ("hours", "wagon pools: mean hours a train waited, formed, for "
                              "its flat wagons (0 if enough were free), trains that took "
                              "their wagons in the period (scope POOL)"),
    "trains_waited_for_wagons": ("trains", "wagon pools: trains that took their wagons in "
                                 "the period after waiting for them (scope POOL)"),
    "trains_waiting_for_wagons_at_end": ("trains", "wagon pools: trains formed and still "
                                         "waiting for their wagons at the end of the run "
                                         "(period run, scope POOL)"),
    "wagons_in_use_mean": ("wagons", "wagon pools: time-average wagons out of the pool "
                           "(on loaded trains or running back empty) (scope POOL)"),
    "wagon_utilisation": ("fraction", "wagon pools: wagons_in_use_mean / the pool's wagons "
                          "(their time average, when the timeline changes them) (scope "
                          "POOL)"),
    "wagon_cycle_days_mean": ("days", "wagon pools: mean days from a train taking its "
                              "wagons to their return to the pool, wagons back in the "
                              "period (scope POOL)"),
}

EPS_H = 1e-9  # a wait shorter than this is none


def wagon_kpis(out: RunOutput, edges: np.ndarray, end_h: float, put_years: PutYears,
               put_run: PutRun) -> None:
    """Put the wagon KPIs of every pool."""
    n_win = len(edges) - 1
    for pid, pool in out.wagon_pools.items():
        take: WagonTake[np.ndarray] = columns(pool.take_log, WagonTake)
        wait = take.took_h - take.ready_h
        put_years("wagon_wait_hours_mean", pid, means_in(take.took_h, wait, edges))
        put_years("trains_waited_for_wagons", pid,
                  counts_in(np.where(wait > EPS_H, take.took_h, np.nan), edges))
        put_run("trains_waiting_for_wagons_at_end", pid, float(len(pool)))
        level: WagonLevel[np.ndarray] = columns(pool.level_log, WagonLevel)
        until = np.append(level.t_h[1:], end_h)
        in_use = window_means(level.t_h, until, edges, level.loaded + level.returning,
                              end=end_h)
        put_years("wagons_in_use_mean", pid, in_use)
        fleet = window_means(level.t_h, until, edges, level.fleet, end=end_h)
        put_years("wagon_utilisation", pid,
                  np.divide(in_use, fleet, out=np.full(n_win, np.nan), where=fleet > 0))
        cyc: WagonCycle[np.ndarray] = columns(pool.cycle_log, WagonCycle)
        took = take.took_h[cyc.train.astype(np.int64)] if len(cyc.train) else np.empty(0)
        days = (cyc.back_h - took) / 24.0
        put_years("wagon_cycle_days_mean", pid, means_in(cyc.back_h, days, edges))
