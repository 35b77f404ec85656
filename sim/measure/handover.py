"""KPIs of the daily handover caps of crossings (:mod:`sim.scenario.handover`): how long
outbound trains waited for a handover (from the hour their departure rule would have
released them, or a block train was ready), and how many were handed over a day.
Reported for each direction of a crossing where a cap was in force at some time of the
run, scoped ``CROSSING:GAUGE`` by the gauge the trains leave on (at a China–Kazakhstan
crossing, ``:1435`` is toward China)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.logs import HandoverTrain, columns
from sim.measure.monitors import counts_in, window_index

if TYPE_CHECKING:
    from sim.engine.output import RunOutput

KPIS: dict[str, tuple[str, str]] = {
    "handover_wait_hours_mean": ("hours", "crossings with a daily handover cap: mean hours "
                                 "an outbound train waited for a free handover (from the "
                                 "hour its departure rule would have released it), "
                                 "trains handed over in the period (scope CROSSING:GAUGE, "
                                 "the gauge the trains leave on)"),
    "handovers_per_day_mean": ("trains/day", "crossings with a daily handover cap: trains "
                               "handed over in the direction, per day of the period (scope "
                               "CROSSING:GAUGE)"),
}


def handover_kpis(out: RunOutput, edges: np.ndarray, put_years) -> None:
    """Put the handover KPIs of every capped direction of every crossing."""
    days = np.diff(edges) / 24.0
    for nid, xing in out.crossings.items():
        for gauge, gate in xing.handovers.items():
            if not gate.ever_capped:
                continue
            scope = f"{nid}:{gauge}"
            got: HandoverTrain[np.ndarray] = columns(gate.log, HandoverTrain)
            wait = got.departed_h - got.formed_h
            j = window_index(got.departed_h, edges)
            ok = (j >= 0) & (j < len(days))
            n = np.bincount(j[ok], minlength=len(days))
            total = np.bincount(j[ok], weights=wait[ok], minlength=len(days))
            put_years("handover_wait_hours_mean", scope,
                      np.divide(total, n, out=np.full(len(days), np.nan), where=n > 0))
            put_years("handovers_per_day_mean", scope,
                      counts_in(got.departed_h, edges) / days)
