"""The batched core against the one-process-per-container reference (tests/oracle.py):
identical container records, compared to 1e-6 h (the two accumulate the event clock in a
different order, so the last bits of a float may differ)."""

import numpy as np
import pytest

from sim.engine.model import Model
from sim.scenario.loading import load_scenario

from .conftest import HERE, toy_with
from .oracle import Oracle

CASES = {
    "toy": {},
    "congested_full": {
        "demand.flows.west.containers_per_year": 150_000,
        "nodes.gate.crossing.receiving_tracks": 1,
        "nodes.gate.crossing.cranes": 1,
        "nodes.gate.crossing.crane_moves_per_h": 25,
        "nodes.gate.crossing.handling_cv": 0.8,
        "nodes.gate.crossing.yard_capacity_teu": 400,
        "nodes.gate.crossing.departure": {"rule": "full"},
        "links.gate_omega.train_paths_per_day": 3,
        "nodes.gate.crossing.inspection_share": 0.3,
        "nodes.gate.crossing.inspection_dwell_h": {"dist": "constant", "value": 6},
    },
    "origin_max_wait": {
        "demand.flows.west.containers_per_year": 8_000,
        "nodes.alpha.departure": {"rule": "full_or_max_wait", "max_wait_h": 36},
        "nodes.gate.crossing.customs_dwell_h": {"dist": "gamma", "mean": 30, "cv": 1.2},
        "nodes.gate.crossing.inspection_share": 0.1,
        "nodes.gate.crossing.inspection_dwell_h": {"dist": "exponential", "mean": 20},
        "nodes.gate.crossing.departure": {"rule": "full_or_max_wait", "max_wait_h": 12},
    },
    "timetables": {
        "demand.flows.west.containers_per_year": 30_000,
        "nodes.alpha.departure": {"rule": "timetable", "departures_per_day": 2,
                                  "first_departure_h": 6.5},
        "nodes.gate.crossing.customs_dwell_h": {"dist": "exponential", "mean": 18},
        "nodes.gate.crossing.departure": {"rule": "timetable", "departures_per_day": 3,
                                          "first_departure_h": 2.0, "min_boxes": 15},
    },
}


CHAIN = {"chain": {}, "chain_congested": {
    "demand.flows.west.containers_per_year": 60_000,
    "demand.flows.east.containers_per_year": 30_000,
    "nodes.gate.crossing.cranes": 1,
    "nodes.gate.crossing.departure": {"rule": "full_or_max_wait", "max_wait_h": 30},
    "nodes.gate.crossing.inspection_share": 0.1,
    "nodes.gate.crossing.inspection_dwell_h": {"dist": "lognormal", "mean": 10, "cv": 1},
}}


@pytest.mark.parametrize("case", sorted(CASES) + sorted(CHAIN))
def test_batched_core_matches_per_container_oracle(case):
    s = toy_with(**CASES[case]) if case in CASES else load_scenario(
        HERE / "scenarios" / "toy_chain.toml", overrides=CHAIN[case])
    out = Model(s, seed=21).run()
    ref = Oracle(s, seed=21).run()
    st = out.store
    ours = {"depart_origin": st.t_depart_origin, "delivered": st.t_delivered,
            **{k: st.t_crossing[k][0] for k in ("arrive", "unloaded", "ready", "depart")}}
    assert np.isfinite(ours["delivered"]).sum() > 100, "the case should deliver boxes"
    for name in ("sailed", "anchored", "landed"):  # no sea here
        assert np.isnan(ref.pop(name)).all()
    for name, theirs in ref.items():
        mine = ours[name]
        assert np.array_equal(np.isnan(mine), np.isnan(theirs)), name
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-6, err_msg=name)
