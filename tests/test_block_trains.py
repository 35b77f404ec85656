"""Flows whose boxes arrive as whole block trains (``arrives_as = "block_trains"``): the
boxes come a train at a time, the expected volume is unchanged, and no box waits at the
origin for its train to fill."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sim.engine.facilities.demand import arrivals
from sim.scenario.problems import ConfigError
from sim.study.replications import run

from .conftest import toy_with


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
