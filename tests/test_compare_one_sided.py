"""Comparisons where one scenario has what the other lacks: a closure (its KPIs written
for every facility that can close, so the closure's boxes caught pair with the base's 0)."""

import math

from sim.engine.model import Model
from sim.measure import kpis
from sim.scenario.loading import load_scenario

from .conftest import TOY

SHORT = {"horizon.start": "2024-01-01", "horizon.end": "2024-03-01", "horizon.warmup_days": 0}
RESILIENCE = ("disruption_events", "disruption_boxes_delayed", "disruption_peak_backlog",
              "disruption_recovery_hours_mean", "disruption_unrecovered")


def test_a_facility_nothing_closes_reports_no_closure_and_undefined_recovery():
    # a crossing nothing closes: 0 closures, 0 boxes caught, none unrecovered; the peak
    # backlog and the recovery time are undefined (NaN), not 0; and every line, closed or
    # not, reports its hours closed
    K = kpis.compute(Model(load_scenario(TOY, overrides=SHORT), seed=7).run())
    assert [K[(n, "2024", "gate")] for n in RESILIENCE[:2]] == [0, 0]
    assert K[("disruption_unrecovered", "2024", "gate")] == 0
    assert math.isnan(K[("disruption_peak_backlog", "2024", "gate")])
    assert math.isnan(K[("disruption_recovery_hours_mean", "2024", "gate")])
    assert K[("closure_hours", "2024", "alpha_gate")] == 0
    assert K[("closure_hours", "2024", "gate_omega")] == 0
