"""KPIs of the empty containers going back to the origin regions
(:mod:`sim.engine.facilities.empties`): the empty TEU repositioned and the empty trains
by corridor, and the vessel space the empties took on each service. Reported only when
some flow has ``empties``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.measure.intervals import sailing_columns
from sim.measure.monitors import counts_in
from sim.scenario.empties import EMPTIES
from sim.scenario.network import service_scope

if TYPE_CHECKING:
    from sim.engine.output import RunOutput

KPIS: dict[str, tuple[str, str]] = {
    "empty_teu_repositioned": ("TEU", "empty TEU leaving their destination for the "
                               "origin region in the period (demand.flows.X.empties), by "
                               "corridor of the route they go back by, and all; flows with "
                               "empties only"),
    "empty_trains": ("trains", "empty trains formed to go back in the period (boxes per "
                     "train: the flow origin's boxes_per_train), by corridor, and all"),
    "empty_units_by_service": ("units", "vessel space the empties took on the service's "
                               "sailings in the period: TEU (feeders) or railcars "
                               "(ferries), scope SERVICE (from home) or SERVICE:return"),
}


def empties_kpis(out: RunOutput, edges: np.ndarray, put_years) -> None:
    """Put the :data:`KPIS` of one replication (nothing without empties)."""
    e = out.empties
    if e is None:
        return
    day_h = 24.0 * np.arange(e.n_days) + 12.0  # a day's empties counted at its middle
    n = len(edges) - 1
    teu: dict[str, np.ndarray] = {}
    trains: dict[str, np.ndarray] = {}
    for r in e.routes:
        teu[r.corridor] = teu.get(r.corridor, np.zeros(n)) + counts_in(day_h, edges, r.teu)
        trains[r.corridor] = (trains.get(r.corridor, np.zeros(n))
                              + counts_in(r.train_hours, edges))
    for corr in sorted(teu):
        put_years("empty_teu_repositioned", corr, teu[corr])
        put_years("empty_trains", corr, trains[corr])
    put_years("empty_teu_repositioned", "all", sum(teu.values(), np.zeros(n)))
    put_years("empty_trains", "all", sum(trains.values(), np.zeros(n)))
    for sid, svc in out.services.items():
        if EMPTIES not in svc.bg_units:
            continue
        i = svc.bg_units.index(EMPTIES)
        sail = sailing_columns(svc)
        carried = np.array([bg[i] for bg in svc.bg_sailed], float)
        for d in (0, 1):
            m = sail.direction == d
            put_years("empty_units_by_service", service_scope(sid, d),
                      counts_in(sail.sailed_h[m], edges, carried[m]))
