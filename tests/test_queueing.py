"""The facilities against queueing theory.

* The crane pool of a crossing, fed Poisson single-box trains with exponential handling,
  is an M/M/c queue: the mean wait for a crane must match Erlang C.
* Train formation under ``full`` and ``full_or_max_wait`` with Poisson ready times must
  match the waiting times of a batch-departure queue, and hand-computed cases exactly.
"""

import math

import numpy as np
import pytest
import simpy
from scipy import stats

from sim.engine.facilities.formation import TrainFormation
from sim.engine.logs import InboundTrain, columns
from sim.engine.model import Model
from sim.measure.stats import t_interval
from sim.scenario.schema import Departure

from .conftest import toy_with


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of M/M/c (Erlang C)."""
    a = lam / mu
    rho = a / c
    top = a**c / math.factorial(c) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


def mmc_scenario(lam_per_h: float, cranes: int, service_h: float, days: int):
    per_year = lam_per_h * 24 * 365
    return toy_with(**{
        "horizon.start": "2024-01-01",
        "horizon.end": f"2024-{1 + days // 30:02d}-{1 + days % 30:02d}",
        "horizon.warmup_days": 20,
        "demand.flows.west.containers_per_year": per_year,
        "demand.flows.west.growth_per_year": 0.0,
        "nodes.alpha.boxes_per_train": 1,  # one box per train: Poisson train arrivals
        "links.alpha_gate.train_paths_per_day": 2000,
        "links.alpha_gate.speed_km_per_day": {"dist": "constant", "value": 1000},
        "nodes.gate.crossing.receiving_tracks": 200,
        "nodes.gate.crossing.yard_capacity_teu": 1_000_000,
        "nodes.gate.crossing.cranes": cranes,
        "nodes.gate.crossing.moves_per_box": 1.0,
        "nodes.gate.crossing.crane_moves_per_h": 1.0 / service_h,
        "nodes.gate.crossing.handling_cv": 1.0,  # gamma with cv 1: exponential
    })


@pytest.mark.parametrize("cranes,rho", [(1, 0.6), (3, 0.8)])
def test_crane_wait_matches_erlang_c(cranes, rho):
    service_h = 2.0
    lam = rho * cranes / service_h
    s = mmc_scenario(lam, cranes, service_h, days=150)
    # the constant speed makes the link a pure delay; headway 0.012 h barely matters
    means = []
    for rep in range(12):
        out = Model(s, seed=100, replication=rep).run()
        log = columns(out.crossings["gate"].log, InboundTrain)
        keep = log.arrived_h >= out.calendar.start_h  # warm-up cut
        means.append((log.crane_start_h[keep] - log.arrived_h[keep]).mean())
    m, lo, hi, n = t_interval(np.array(means))
    theory = erlang_c_wait(lam, 1 / service_h, cranes)
    assert lo <= theory <= hi, (m, lo, hi, theory)


def _formation(rule: Departure, capacity: int):
    env = simpy.Environment()
    out = []
    pool = TrainFormation(env, rule, capacity, lambda idx, t: out.append((t, list(idx))))
    return env, pool, out


def test_full_rule_hand_computed():
    env, pool, out = _formation(Departure(rule="full"), 3)
    pool.add(np.arange(7), np.array([1.0, 2.0, 5.0, 4.0, 9.0, 6.0, 8.0]))
    env.run(until=100)
    # ready order 1,2,4,5,6,8,9 -> trains at 4 (boxes 0,1,3) and 8 (2,5,6); box 4 waits
    assert out == [(4.0, [0, 1, 3]), (8.0, [2, 5, 6])]
    assert len(pool) == 1


def test_full_or_max_wait_hand_computed():
    env, pool, out = _formation(Departure(rule="full_or_max_wait", max_wait_h=5), 3)
    pool.add(np.arange(3), np.array([0.0, 1.0, 2.0]))        # full at 2
    pool.add(np.arange(3, 5), np.array([10.0, 12.0]))        # oldest waits 10 -> 15
    env.run(until=14)
    pool.add(np.array([5]), np.array([15.5]))                 # ready after the deadline
    pool.add(np.array([6]), np.array([14.5]))                 # fills the train before it
    env.run(until=30)
    pool.add(np.array([7]), np.array([40.0]))                 # alone: leaves at 45
    env.run(until=100)
    # 3,4,6 full at 14.5; 5 alone from 15.5 leaves at 20.5; 7 at 45
    assert out == [(2.0, [0, 1, 2]), (14.5, [3, 4, 6]), (20.5, [5]), (45.0, [7])]


def test_full_or_max_wait_min_boxes():
    env, pool, out = _formation(Departure(rule="full_or_max_wait", max_wait_h=5, min_boxes=2), 4)
    pool.add(np.arange(3), np.array([0.0, 8.0, 9.0]))
    env.run(until=100)
    # deadline 5 passes with one box; leaves when the 2nd is ready (8) with what is ready
    assert out == [(8.0, [0, 1])]


def test_timetable_hand_computed():
    env, pool, out = _formation(Departure(rule="timetable", departures_per_day=4,
                                          first_departure_h=1), 2)
    pool.add(np.arange(5), np.array([0.5, 0.7, 0.9, 8.0, 20.0]))
    env.run(until=30)
    # slots 1, 7, 13, 19, 25: 2 boxes at 1, 1 at 7, 1 at 13, none at 19, 1 at 25
    assert out == [(1.0, [0, 1]), (7.0, [2]), (13.0, [3]), (25.0, [4])]


def test_ready_times_added_out_of_order_merge():
    env, pool, out = _formation(Departure(rule="full"), 2)
    pool.add(np.array([0, 1]), np.array([5.0, 9.0]))
    pool.add(np.array([2]), np.array([1.0]))
    env.run(until=20)
    assert out == [(5.0, [2, 0])]


def _poisson_batch_waits(rule, capacity, lam, n_boxes, seed):
    rng = np.random.default_rng(seed)
    ready = np.cumsum(rng.exponential(1 / lam, n_boxes))
    env, pool, out = _formation(rule, capacity)
    pool.add(np.arange(n_boxes), ready)
    env.run(until=ready[-1] + 1000)
    waits, first_waits = [], []
    for t, idx in out:
        waits.extend(t - ready[idx])
        first_waits.append(t - ready[idx[0]])
    return np.array(waits), np.array(first_waits)


def test_full_rule_mean_wait_is_n_minus_1_over_2_lambda():
    lam, n = 3.0, 8
    means = [_poisson_batch_waits(Departure(rule="full"), n, lam, 4000, s)[0].mean()
             for s in range(10)]
    m, lo, hi, _ = t_interval(np.array(means))
    assert lo <= (n - 1) / (2 * lam) <= hi


def test_full_or_max_wait_first_box_wait_matches_theory():
    """The first box of a batch waits min(S, W), S ~ Gamma(N-1, lam): the time for N-1 more
    Poisson arrivals; E[min(S, W)] = integral_0^W P(S > s) ds."""
    lam, n, w = 2.0, 6, 1.5
    theory = float(np.trapezoid(stats.gamma.sf(np.linspace(0, w, 20001), n - 1, scale=1 / lam),
                            np.linspace(0, w, 20001)))
    means = [_poisson_batch_waits(Departure(rule="full_or_max_wait", max_wait_h=w), n, lam,
                                  4000, s)[1].mean() for s in range(10)]
    m, lo, hi, _ = t_interval(np.array(means))
    assert lo <= theory <= hi, (m, lo, hi, theory)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as hst  # noqa: E402

from sim.engine.facilities.formation import schedule_departures  # noqa: E402

RULES = hst.one_of(
    hst.builds(lambda: Departure(rule="full")),
    hst.builds(lambda w, m: Departure(rule="full_or_max_wait", max_wait_h=w, min_boxes=m),
               hst.floats(0.5, 30), hst.integers(1, 3)),
    hst.builds(lambda d, f: Departure(rule="timetable", departures_per_day=d,
                                      first_departure_h=f),
               hst.sampled_from([1, 2, 3, 4, 6]), hst.floats(0, 23)),
)


@settings(max_examples=150, deadline=None)
@given(rule=RULES, capacity=hst.integers(1, 6),
       gaps=hst.lists(hst.floats(0, 12), min_size=0, max_size=60))
def test_schedule_matches_the_event_driven_pool(rule, capacity, gaps):
    """Origins precompute departures; crossings run the event-driven pool: same rules."""
    ready = np.cumsum(gaps)
    until = (ready[-1] if len(ready) else 0) + 100
    env, pool, out = _formation(rule, capacity)
    pool.add(np.arange(len(ready)), ready)
    env.run(until=until)
    planned = schedule_departures(ready, rule, capacity, until)
    assert [(pytest.approx(t, abs=1e-7), list(range(a, b))) for t, a, b in planned] == \
        [(t, [int(i) for i in idx]) for t, idx in out]


@pytest.mark.parametrize("first", ["sleep", "timeout"])
def test_a_process_sleeping_wakes_where_its_timeout_would(first):
    """A process waiting on ``slots.sleep`` is woken, with None, in the place among
    same-hour events that ``env.timeout`` would give it (order of scheduling), and a
    negative delay is refused as a timeout's is."""
    from sim.engine.facilities.slots import sleep

    def run(kinds):
        env, woke = simpy.Environment(), []

        def proc(name, kind, delays):
            for d in delays:
                got = yield (sleep(env, d) if kind == "sleep" else env.timeout(d))
                woke.append((env.now, name, got))
        for i, kind in enumerate(kinds):
            env.process(proc(i, kind, [1.0, 0.0, 2.0, 0.5][i:] + [1.0, 0.0]))
        env.run()
        return woke
    other = "timeout" if first == "sleep" else "sleep"
    mixed = run([first, other, first, other])
    assert mixed == run(["timeout"] * 4)
    env = simpy.Environment()
    with pytest.raises(ValueError, match="negative delay"):
        sleep(env, -1.0)
