"""What the nested logit against the sea predicted (``sea_share_predicted_mean``), for
scenarios with ``route_choice.model = "nested_logit"``.

Each block train leaving its origin logs the model's probability that a box of its flow
goes by sea at that hour (``RunOutput.sea_choices``, rows of
:class:`sim.engine.logs.SeaChoice`); the KPI is their mean over the trains that left in
the period, by flow the sea competes for (``sea_mode.origin_regions`` ->
``destination_regions``). The split is predicted only: it is not yet applied to the demand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.engine.logs import SeaChoice, columns
from sim.measure.monitors import window_index

if TYPE_CHECKING:
    from sim.engine.output import RunOutput

PutYears = Callable[[str, str, Any], None]  # (name, scope, one value per year)

KPIS: dict[str, tuple[str, str]] = {
    "sea_share_predicted_mean": ("share", "the nested logit's probability that a box goes "
                                 "by sea rather than rail, at each block train's departure "
                                 "from its origin, averaged over the trains that left in the "
                                 "period, by flow the sea competes for; predicted only (not "
                                 "applied to the demand); route_choice.model = "
                                 "'nested_logit' only"),
}


def choice_kpis(out: RunOutput, edges: np.ndarray, put_years: PutYears) -> None:
    """``sea_share_predicted_mean`` by flow the sea competes for and year (NaN for a year
    no train left)."""
    s, n_win = out.scenario, len(edges) - 1
    if s.sea_mode is None:
        return
    log: SeaChoice[np.ndarray] = columns(out.sea_choices, SeaChoice)
    j = window_index(np.asarray(log.departed_h, float), edges)
    code = np.asarray(log.flow, np.int64)
    p = np.asarray(log.p_sea, float)
    for f, fid in enumerate(out.flow_ids):
        flow = s.demand.flows[fid]
        if not s.sea_mode.competes(s.nodes[flow.origin].region,
                                   s.nodes[flow.destination].region):
            continue
        m = (code == f) & (j >= 0) & (j < n_win)
        count = np.bincount(j[m], minlength=n_win)
        total = np.bincount(j[m], weights=p[m], minlength=n_win)
        put_years("sea_share_predicted_mean", fid,
                  np.divide(total, count, out=np.full(n_win, np.nan), where=count > 0))
