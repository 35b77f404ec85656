"""Daily handover caps at crossings (sim.scenario.handover, sim.engine.facilities.handover):
hand-traced departures, dated changes, conservation, the KPIs and the pinned errors."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import simpy

from sim.engine.facilities.handover import Handover
from sim.engine.logs import HandoverTrain, OutboundTrain, columns
from sim.engine.model import Model
from sim.measure import kpis, location
from sim.scenario.loading import load_scenario

from .conftest import TOY, expect_override_error

BROAD = "nodes.gate.crossing.handover_broad_gauge_trains_per_day"
BUSY = {"demand.flows.west.containers_per_year": 60_000}  # ~2.7 trains of 60 a day


def _gate(cap, closed=lambda: False):
    env = simpy.Environment()
    left: list[tuple[str, float]] = []
    gate = Handover(env, cap, closed)

    def train(name: str, at_h: float):
        def go():
            yield env.timeout(at_h)
            gate.submit(np.arange(3), env.now, lambda rows, t: left.append((name, t)))
        env.process(go())
    return env, gate, left, train


def test_five_trains_ready_at_once_with_a_cap_of_two_a_day():
    """Cap 2: A..E formed at 10 h, F at 30 h. Day 0 hands over A, B at 10 h; C, D wait
    for midnight (24 h); E and F (formed on day 1, behind E) for the next (48 h)."""
    env, gate, left, train = _gate(2)
    for name in "ABCDE":
        train(name, 10.0)
    train("F", 30.0)
    env.run(until=100)
    assert left == [("A", 10.0), ("B", 10.0), ("C", 24.0), ("D", 24.0), ("E", 48.0),
                    ("F", 48.0)]
    got = columns(gate.log, HandoverTrain)
    assert (got.departed_h - got.formed_h).tolist() == [0, 0, 14, 14, 38, 18]
    assert len(gate) == 0


def test_a_raised_cap_applies_from_its_hour_to_the_day_under_way():
    """Cap 1, four trains at 1 h: A at 1 h, B at midnight; at 30 h the cap becomes 3 and
    day 1 has used 1, so C and D leave at once."""
    env, gate, left, train = _gate(1)
    for name in "ABCD":
        train(name, 1.0)

    def raise_cap():
        yield env.timeout(30.0)
        gate.set_cap(3)
    env.process(raise_cap())
    env.run(until=100)
    assert left == [("A", 1.0), ("B", 24.0), ("C", 30.0), ("D", 30.0)]


def test_no_cap_hands_over_at_once_and_a_closure_holds_the_queue():
    env, gate, left, train = _gate(None)
    train("A", 5.0)
    env.run(until=10)
    assert left == [("A", 5.0)] and gate.log == [(5.0, 5.0, 3)]
    shut = [False]
    env, gate, left, train = _gate(1, closed=lambda: shut[0])
    train("A", 1.0)
    train("B", 2.0)

    def close_and_reopen():
        yield env.timeout(20.0)
        shut[0] = True
        yield env.timeout(10.0)  # closed over midnight: B waits
        shut[0] = False
        gate.release()
    env.process(close_and_reopen())
    env.run(until=100)
    assert left == [("A", 1.0), ("B", 30.0)]


def _run(**overrides):
    s = load_scenario(TOY, overrides={**BUSY, **overrides})
    return Model(s, seed=5).run()


def _per_day(out):
    dep = columns(out.crossings["gate"].out_log, OutboundTrain).departed_h
    return np.bincount(np.floor(dep / 24).astype(int))


def test_the_cap_binds_in_the_toy_and_every_box_is_accounted_for():
    free, capped = _run(), _run(**{BROAD: 2})
    assert _per_day(free).max() > 2
    assert _per_day(capped).max() <= 2
    where = location.locate(capped)
    assert (np.vstack(list(where.values())).sum(axis=0) == 1).all()
    gate = capped.crossings["gate"].handovers[1520]
    got = columns(gate.log, HandoverTrain)
    out = columns(capped.crossings["gate"].out_log, OutboundTrain)
    assert np.array_equal(got.departed_h, out.departed_h)  # each train handed over once
    assert np.array_equal(got.boxes, out.boxes)
    K = kpis.compute(capped)
    assert K[("handover_wait_hours_mean", "2024", "gate:1520")] > 0
    assert K[("handovers_per_day_mean", "2024", "gate:1520")] <= 2
    assert not any(k[0].startswith("handover") for k in kpis.compute(free))
    assert ("handover_wait_hours_mean", "2024", "gate:1435") not in K  # never capped


def test_a_cap_that_never_binds_changes_nothing():
    free, loose = _run(), _run(**{BROAD: 200})
    for name in ("t_delivered", "t_created"):
        assert np.array_equal(getattr(free.store, name), getattr(loose.store, name),
                              equal_nan=True)
    K = kpis.compute(loose)
    assert K[("handover_wait_hours_mean", "2024", "gate:1520")] == 0
    assert {k: v for k, v in K.items() if not k[0].startswith("handover")} == pytest.approx(
        kpis.compute(free), nan_ok=True)


def test_a_dated_cap_change_applies_from_its_date():
    out = _run(**{BROAD: 1, "timeline": [{"date": "2024-02-01", "set": {BROAD: 3}}]})
    change_day = int(out.calendar.hours(dt.date(2024, 2, 1)) // 24)
    n = _per_day(out)
    assert n[:change_day].max() == 1
    assert n[change_day:].max() == 3  # the backlog leaves, three a day


@pytest.mark.parametrize("overrides, line", [
    ({BROAD: 0}, f"{BROAD}: must be >= 1 (got 0)"),
    ({BROAD: 2.5}, f"{BROAD}: expected a whole number (got 2.5); write e.g. "
     "handover_broad_gauge_trains_per_day = 4"),
    ({"nodes.gate.crossing.handover_east_trains_per_day": 8},
     "nodes.gate.crossing.handover_east_trains_per_day: unknown key (did you mean "
     "'handover_broad_gauge_trains_per_day'?)"),
    ({"timeline": [{"date": "2024-02-01", "set": {BROAD: 2.5}}]},
     f"timeline[0].set.{BROAD}: must be a whole number (got 2.5)"),
    ({"timeline": [{"date": "2024-02-01", "set": {BROAD: 0}}]},
     f"timeline[0].set.{BROAD}: must be >= 1 and <= 200 (got 0)"),
    ({"timeline": [{"date": "2024-02-01", "set": {
        "nodes.gate.crossing.handover_westbound_trains_per_day": 2}}]},
     "timeline[0].set.nodes.gate.crossing.handover_westbound_trains_per_day: unknown key "
     "(did you mean 'crossing.handover_broad_gauge_trains_per_day'?)"),
])
def test_errors_one_line_per_problem(overrides, line):
    expect_override_error(TOY, overrides, line)


def _probe_pool(cap: int | None, days: int, every_h: float = 4.0, boxes: int = 4):
    """The toy's crossing, its own demand off, with one pool of 10-box trains onto 1520
    mm (full_or_max_wait, 6 h; at least one box) fed ``boxes`` boxes every ``every_h``
    hours from 1 h on, under a cap of ``cap`` trains a day: the trains that left, as
    (hour, boxes), and the gate."""
    s = load_scenario(TOY, overrides={
        "demand.flows.west.containers_per_year": 0,
        "nodes.gate.crossing.departure": {"rule": "full_or_max_wait", "max_wait_h": 6},
        BROAD: cap})
    m = Model(s, seed=5)
    xing = m.crossings["gate"]
    xing.teu_of = len  # the probe's rows are not in the (empty) record store
    left: list[tuple[float, int]] = []
    pool = xing.pool("probe", 10, lambda idx, t, _teu: left.append((t, len(idx))), 1520)

    def feed():
        n = 0
        yield m.env.timeout(1.0)
        while True:
            pool.add_batch(np.arange(n, n + boxes), m.env.now)
            n += boxes
            yield m.env.timeout(every_h)
    m.env.process(feed())
    m.env.run(until=days * 24.0 + 0.5)
    return left, xing.handovers[1520]


def test_a_capped_handover_takes_as_full_a_train_as_the_pool_holds():
    """Cap 1 a day; 4 boxes at 1, 5, 9, 13, 17, 21 h each day (24 a day, more than the
    10 one train a day carries). The first train goes at 7 h (its oldest box waited 6 h,
    a handover is free) with the 8 ready. At 15 h the rule would release a part train
    (9 and 13 h boxes) but the day's handover is used: nothing leaves the pool until the
    next midnight, when 16 boxes are ready and a full train of 10 goes; so every midnight
    after. (Before the fix the 15-h part train of 8 was formed at once and took the 24-h
    slot while the pool filled behind it.)"""
    left, gate = _probe_pool(1, 4)
    assert left == [(7.0, 8), (24.0, 10), (48.0, 10), (72.0, 10), (96.0, 10)]
    got = columns(gate.log, HandoverTrain)
    # the wait counts from the hour the rule would have released a train
    assert got.formed_h.tolist() == [7.0, 15.0, 24.0, 48.0, 72.0]


@pytest.mark.parametrize("cap, every_h, per_day", [
    (1, 4.0, 10),   # arrivals 24 a day > 1 x 10: the cap carries full trains
    (2, 4.0, 20),   # 24 > 2 x 10
    (3, 4.0, 24),   # 3 x 10 > 24: every box arriving is handed over
    (1, 8.0, 10),   # 12 a day > 10
])
def test_a_capped_handover_carries_min_of_cap_times_train_and_arrivals(cap, every_h,
                                                                       per_day):
    """Boxes handed over a day, once the queue has settled (days 3 to 20) = min(cap x
    train capacity, boxes arriving a day)."""
    left, _gate = _probe_pool(cap, 21, every_h)
    t = np.array([x[0] for x in left])
    n = np.array([x[1] for x in left])
    settled = (t >= 3 * 24) & (t < 21 * 24)
    assert n[settled].sum() / 18 == pytest.approx(per_day, rel=0.05)
