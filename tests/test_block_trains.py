"""Flows whose boxes arrive as whole block trains (``arrives_as = "block_trains"``): the
boxes come a train at a time, the expected volume is unchanged, no box waits at the
origin for its train to fill, and a block train crosses a gauge change whole."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sim.engine.facilities.demand import arrivals
from sim.engine.logs import Clearance, OutboundTrain, columns
from sim.engine.model import Model
from sim.measure import location
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.study.replications import run

from .conftest import TOY, toy_with


def test_a_batch_of_boxes_comes_at_one_hour_and_the_volume_holds():
    rng = np.random.default_rng(3)
    rates = np.full(3650, 20.0)  # 20 boxes a day for ten years
    t, size = arrivals(rng, rates, 0.9, "poisson", batch=40)
    assert len(t) % 40 == 0
    hours = t.reshape(-1, 40)
    assert (hours == hours[:, :1]).all()  # every batch at one hour
    assert (np.diff(hours[:, 0]) >= 0).all()  # batches in time order
    # 73,000 expected boxes = 1,825 expected batches; Poisson sd of the batch count ~43
    assert abs(len(t) / 40 - 1825) < 4 * np.sqrt(1825)
    assert abs((size == 40).mean() - 0.9) < 0.01


def test_deterministic_batches_are_whole_trains_the_last_part_train_dropped():
    # (only test scenarios use deterministic arrivals: a flow of 148 boxes a year in
    # batches of 55 gets 110, two whole trains)
    t, _ = arrivals(np.random.default_rng(0), np.full(365, 20.0), 1.0, "deterministic",
                    batch=40)
    assert len(t) == 40 * (365 * 20 // 40)  # floor of the cumulative expected batches


def test_block_trains_wait_for_no_box_at_the_origin():
    # the toy's origin forms 40-box trains that leave when full: one by one, a box waits
    # for the 39 after it; as a block train, not at all
    one = run(toy_with(**{"demand.flows.west.arrives_as": "boxes"}), seed=1,
              keep_containers=False)
    block = run(toy_with(**{"demand.flows.west.arrives_as": "block_trains"}), seed=1,
                keep_containers=False)
    k1 = one.kpis.set_index(["name", "period", "scope"])["mean"]
    k2 = block.kpis.set_index(["name", "period", "scope"])["mean"]
    key = ("origin_wait_days_mean", "2024", "northern")  # by corridor
    assert k1[key] > 0.01  # 100 boxes a day: ~0.2 days to fill a 40-box train
    assert k2[key] == pytest.approx(0.0, abs=1e-9)


def test_arrives_as_is_checked():
    msg = ("error: overrides: demand.flows.west.arrives_as: 'trains' is not allowed (did "
           "you mean 'block_trains'?)")
    with pytest.raises(ConfigError, match=rf"\A{re.escape(msg)}\Z"):
        toy_with(**{"demand.flows.west.arrives_as": "trains"})


BLOCK = {"demand.flows.west.arrives_as": "block_trains",
         "nodes.gate.crossing.inspection_share": 0.2,
         "nodes.gate.crossing.inspection_dwell_h": {"dist": "uniform", "low": 12,
                                                    "high": 36},
         "demand.flows.loose": {"origin": "alpha", "destination": "omega",
                                "containers_per_year": 20_000, "routes": {"main": 1.0}}}


def _crossed(**overrides):
    """The toy with its flow 'west' as 40-box block trains (a flow 'loose' of single boxes
    beside it, and a fifth of each train's boxes inspected at the crossing, 12-36 h):
    the run, and per inbound train at the crossing its rows (sorted) and the hour its
    last box was ready; per outbound train its rows (sorted), hour and length."""
    out = Model(load_scenario(TOY, overrides={**BLOCK, **overrides}), seed=4).run()
    xing = out.crossings["gate"]
    cleared = columns(xing.clear_log, Clearance)
    last = np.where(cleared.boxes_inspected > 0,
                    np.fmax(cleared.cleared_h, cleared.inspected_h), cleared.cleared_h)
    inbound = {tuple(np.sort(r).tolist()): float(t) for r, t in zip(xing.in_rows, last)}
    left = columns(xing.out_log, OutboundTrain)
    outbound = [(tuple(np.sort(r).tolist()), float(t), int(c))
                for r, t, c in zip(xing.out_rows, left.departed_h, left.capacity_boxes)]
    return out, inbound, outbound


def test_a_block_train_crosses_whole_once_its_slowest_box_is_ready():
    """Each block train leaves the crossing as one train of its own 40 boxes (not the
    crossing's 60-box broad-gauge trains), at the hour its last box (inspected ones
    included) is ready; the single boxes of 'loose' form the crossing's 60-box trains,
    never with a block train's boxes. (Before: the block train's boxes joined the pool
    and left on 60-box trains with other boxes.)"""
    out, inbound, outbound = _crossed()
    west = out.store.flow == 0
    blocks = [o for o in outbound if west[o[0][0]]]
    pooled = [o for o in outbound if not west[o[0][0]]]
    assert len(blocks) > 50 and len(pooled) > 20
    for rows, t, length in blocks:
        assert len(rows) == length == 40
        assert rows in inbound  # the very train that arrived
        assert t == inbound[rows]  # no cap, no closure: it leaves when the last is ready
    for rows, _t, length in pooled:
        assert length == 60 and not west[list(rows)].any()
    inspected = columns(out.crossings["gate"].clear_log, Clearance).boxes_inspected
    assert (inspected > 0).mean() > 0.9  # the slowest-box rule was exercised


def test_block_trains_take_handovers_and_every_box_is_accounted_for():
    """Under a cap of 2 trains a day toward omega, the block trains and the pool's trains
    share the handovers: at most 2 a day; still whole; every box somewhere."""
    out, inbound, outbound = _crossed(**{
        "nodes.gate.crossing.handover_broad_gauge_trains_per_day": 2})
    days = np.floor(np.array([o[1] for o in outbound]) / 24.0).astype(int)
    assert np.bincount(days).max() <= 2
    west = out.store.flow == 0
    for rows, t, length in outbound:
        if west[rows[0]]:
            assert length == 40 and rows in inbound and t >= inbound[rows]
    where = location.locate(out)
    assert (np.vstack(list(where.values())).sum(axis=0) == 1).all()
