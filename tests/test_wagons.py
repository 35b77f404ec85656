"""Pools of container flat wagons (sim.scenario.wagons, sim.engine.facilities.wagons,
sim.measure.wagons): hand-traced takes and returns, wagons conserved, Little's law, ample
pools change nothing, the KPIs and the pinned errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import simpy

from sim.engine.facilities.handover import Handover
from sim.engine.facilities.rail import Draws
from sim.engine.facilities.wagons import WagonFleets, WagonPool
from sim.engine.logs import (
    InboundTrain,
    OriginTrain,
    WagonCycle,
    WagonLevel,
    WagonTake,
    columns,
)
from sim.engine.model import Model
from sim.measure import kpis
from sim.scenario.distributions import Constant
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.scenario.wagons import WagonPool as PoolConfig
from sim.scenario.wagons import full_train_wagons, wagons_needed

from .conftest import TOY, expect_override_error
from .test_invariants import assert_located_and_crossing_counted

WAGONS = Path(__file__).parent / "scenarios" / "toy_wagons.toml"


# -- hand-traced: the pool on its own ----------------------------------------------------
def _pool(wagons: int, run_h: float, turnaround_h: float, factor: float = 1.0):
    """A pool whose trains (40 boxes of 40 ft on 40 ft platforms: 40 wagons each) run
    ``run_h`` hours to a destination (no crane frees them: they are freed on arrival)."""
    env = simpy.Environment()
    fleets = WagonFleets(env)
    cfg = PoolConfig(nodes=["alpha"], gauge_mm=1435, wagons=wagons, teu_per_wagon=2,
                     empty_run_factor=factor,
                     turnaround_h=Constant(dist="constant", value=turnaround_h))
    pool = fleets.pools["p"] = WagonPool(env, "p", cfg,
                                         Draws(cfg.turnaround_h, np.random.default_rng(0)),
                                         fleets)
    left: list[tuple[str, float]] = []

    def train(name: str, at_h: float, boxes: int = 40):
        rows = np.arange(boxes)

        def go(r: np.ndarray, t: float) -> None:
            left.append((name, t))
            fleets.ran(r, t, t + run_h, None)

        def form():
            yield env.timeout(at_h)
            pool.submit(rows, env.now, 2 * boxes, go)
        env.process(form())
    return env, pool, left, train


def test_the_fourth_train_waits_exactly_until_the_first_returns():
    """120 wagons, trains of 40 wagons every 10 h, a 100-h run, an empty run as long and a
    20-h turnaround: a cycle of 220 h. Trains 1-3 leave at once (0, 10, 20 h); train 4
    (ready at 30 h) leaves when train 1's wagons are back (220 h), train 5 (40 h) with
    train 2's (230 h)."""
    env, pool, left, train = _pool(120, 100.0, 20.0)
    for k, name in enumerate("ABCDE"):
        train(name, 10.0 * k)
    env.run(until=1000)
    assert left == [("A", 0.0), ("B", 10.0), ("C", 20.0), ("D", 220.0), ("E", 230.0)]
    take = columns(pool.take_log, WagonTake)
    assert (take.took_h - take.ready_h).tolist() == [0, 0, 0, 190, 190]
    cyc = columns(pool.cycle_log, WagonCycle)
    assert cyc.back_h.tolist() == [220, 230, 240, 440, 450]
    assert (cyc.freed_h - cyc.departed_h).tolist() == [100] * 5
    assert pool.free == 120 and len(pool) == 0


def test_a_train_needing_more_than_is_free_holds_the_trains_behind_it():
    """First in, first out: 100 wagons; A (40 wagons) at 0 h, B (80) at 1 h waits, C (10)
    at 2 h waits behind B though 60 are free; A back at 100 + 100 + 0 = 200 h: B goes,
    then C (20 free)."""
    env, pool, left, train = _pool(100, 100.0, 0.0)
    train("A", 0.0)
    train("B", 1.0, boxes=80)
    train("C", 2.0, boxes=10)
    env.run(until=1000)
    assert left == [("A", 0.0), ("B", 200.0), ("C", 200.0)]


def test_the_empty_run_scales_with_the_loaded_run():
    env, pool, left, train = _pool(40, 50.0, 6.0, factor=0.5)
    train("A", 0.0)
    train("B", 1.0)
    env.run(until=1000)
    assert left == [("A", 0.0), ("B", 50.0 + 25.0 + 6.0)]


def test_a_train_that_gets_its_wagons_during_a_closure_waits_for_the_reopening():
    """An uncapped handover lets a train go at once, but not while the crossing is
    closed (formation releases none then; a train whose wagons came back then may)."""
    env = simpy.Environment()
    closed = [True]
    gate = Handover(env, None, lambda: closed[0])
    left: list[float] = []
    gate.submit(np.arange(3), 0.0, lambda rows, t: left.append(t))
    assert left == [] and len(gate) == 1
    env.run(until=5)
    closed[0] = False
    gate.release()
    assert left == [5.0]
    gate.submit(np.arange(3), 5.0, lambda rows, t: left.append(t))
    assert left == [5.0, 5.0]


@pytest.mark.parametrize("forty, twenty, slots, need", [
    (36, 4, 2, 38),   # 40 ft platforms: one 40 ft or two 20 ft each
    (36, 4, 3, 36),   # 60 ft: a 40 ft and a 20 ft each
    (36, 4, 4, 19),   # 80 ft: 76 TEU over 4 slots
    (0, 41, 3, 14),   # 20 ft only
    (5, 0, 3, 5),     # 40 ft only on 60 ft wagons: one each
])
def test_wagons_a_train_needs(forty, twenty, slots, need):
    boxes, teu = forty + twenty, 2 * forty + twenty
    assert wagons_needed(boxes, teu, slots) == need
    assert full_train_wagons(boxes, slots) >= need


# -- the toy corridor --------------------------------------------------------------------
@pytest.fixture(scope="module")
def run():
    return Model(load_scenario(WAGONS)).run()


def test_wagons_are_conserved_at_every_change(run):
    """free + loaded + returning = fleet at every logged hour, and loaded and returning
    agree with the trains' own takes and returns (counted independently)."""
    for pool in run.wagon_pools.values():
        level = columns(pool.level_log, WagonLevel)
        assert np.all(level.free + level.loaded + level.returning == level.fleet)
        assert np.all(level.fleet == pool.fleet)  # no timeline change here
        assert np.all(level.free >= 0) and np.all(np.diff(level.t_h) >= 0)
        take = columns(pool.take_log, WagonTake)
        cyc = columns(pool.cycle_log, WagonCycle)
        back = np.full(len(take.took_h), np.inf)
        freed = np.full(len(take.took_h), np.inf)
        back[cyc.train.astype(int)] = cyc.back_h
        freed[cyc.train.astype(int)] = cyc.freed_h
        # the state after the last change logged at each hour
        last = np.r_[np.diff(level.t_h) > 0, True]
        for t, out_now in zip(level.t_h[last], (level.loaded + level.returning)[last]):
            assert out_now == take.wagons[(take.took_h <= t) & (back > t)].sum()
        assert len(cyc.train) < len(take.took_h)  # some still out at the end
        still_out = np.isinf(freed).sum() + (np.isfinite(freed) & np.isinf(back)).sum()
        assert still_out == len(take.took_h) - len(cyc.train)


def test_a_waiting_train_takes_wagons_when_some_come_back(run):
    china = run.wagon_pools["china"]
    take = columns(china.take_log, WagonTake)
    cyc = columns(china.cycle_log, WagonCycle)
    waited = take.took_h > take.ready_h
    assert waited.sum() > 10
    assert np.isin(take.took_h[waited], cyc.back_h).all()
    # every origin train left with its wagons, at the hour it took them
    ot = columns(run.origin_trains, OriginTrain)
    assert np.array_equal(ot.departed_h, take.took_h[:len(ot.departed_h)])
    # the cycle: unloaded at the gate, then the loaded run again and 24 h
    assert np.allclose(cyc.back_h - cyc.freed_h, (cyc.arrived_h - cyc.departed_h) + 24.0)
    unloaded = columns(run.crossings["gate"].log, InboundTrain).unloaded_h
    assert np.isin(cyc.freed_h, unloaded).all()
    assert (cyc.freed_h >= cyc.arrived_h).all()


def test_every_box_is_located_while_trains_wait_for_wagons():
    """Boxes of a train waiting for its wagons stay where they are (at the origin, in the
    crossing's yard; both pools tight here): every box in exactly one place at hours
    through the run, and the boxes at the gate are those its train logs put there."""
    run = Model(load_scenario(WAGONS, overrides={"wagon_pools.kz.wagons": 480})).run()
    K = kpis.compute(run, {"trains_waited_for_wagons"})
    assert K[("trains_waited_for_wagons", "2024", "kz")] > 10
    assert K[("trains_waited_for_wagons", "2024", "china")] > 10
    assert_located_and_crossing_counted(run, "gate", 21)


def test_a_train_delivered_frees_its_wagons_on_arrival(run):
    cyc = columns(run.wagon_pools["kz"].cycle_log, WagonCycle)
    assert len(cyc.train) > 50
    assert np.array_equal(cyc.freed_h, cyc.arrived_h)


def test_littles_law_for_the_ample_pool(run):
    """No train waits at 'kz', so its wagons in use average the wagons taken per hour
    times their mean cycle (L = lambda W), over the reported months."""
    pool = run.wagon_pools["kz"]
    K = kpis.compute(run, {"wagons_in_use_mean"})
    take = columns(pool.take_log, WagonTake)
    cyc = columns(pool.cycle_log, WagonCycle)
    a, b = run.calendar.start_h, run.calendar.end_h
    took = take.took_h[cyc.train.astype(int)]
    inside = (took >= a) & (took < b - 20 * 24)
    lam = take.wagons[(take.took_h >= a) & (take.took_h < b)].sum() / (b - a)
    w_h = (cyc.back_h - took)[inside].mean()
    assert K[("wagons_in_use_mean", "2024", "kz")] == pytest.approx(lam * w_h, rel=0.08)


def test_the_kpis(run):
    K = kpis.compute(run)
    assert K[("wagon_wait_hours_mean", "2024", "china")] > 0
    assert K[("wagon_wait_hours_mean", "2024", "kz")] == 0
    assert K[("trains_waited_for_wagons", "2024", "kz")] == 0
    assert K[("trains_waited_for_wagons", "2024", "china")] > 10
    assert 0.8 < K[("wagon_utilisation", "2024", "china")] <= 1
    assert K[("wagon_utilisation", "2024", "kz")] == pytest.approx(
        K[("wagons_in_use_mean", "2024", "kz")] / 3000)
    assert 4 < K[("wagon_cycle_days_mean", "2024", "china")] < 9
    assert ("trains_waiting_for_wagons_at_end", "run", "china") in K
    assert not any("wagon" in k[0] for k in kpis.compute(Model(load_scenario(TOY)).run()))


def test_ample_pools_change_nothing():
    """With wagons to spare no train waits, and every box moves as without pools."""
    plain = Model(load_scenario(TOY)).run()
    ample = Model(load_scenario(WAGONS, overrides={"wagon_pools.china.wagons": 100_000})
                  ).run()
    for name in ("t_created", "t_depart_origin", "t_delivered"):
        assert np.array_equal(getattr(plain.store, name), getattr(ample.store, name),
                              equal_nan=True)
    K = kpis.compute(ample)
    assert {k: v for k, v in K.items() if "wagon" not in k[0]} == pytest.approx(
        kpis.compute(plain), nan_ok=True)


# -- errors ------------------------------------------------------------------------------
@pytest.mark.parametrize("overrides, line", [
    ({"wagon_pools.china.wagons": 0}, "wagon_pools.china.wagons: must be >= 1 (got 0)"),
    ({"wagon_pools.china.teu_per_wagon": 5},
     "wagon_pools.china.teu_per_wagon: must be <= 4 (got 5)"),
    ({"wagon_pools.china.gauge_mm": 1000},
     "wagon_pools.china.gauge_mm: 1000 is not allowed (allowed: 1435, 1520)"),
    ({"wagon_pools.china.empty_run_factor": -1},
     "wagon_pools.china.empty_run_factor: must be >= 0 (got -1)"),
    ({"wagon_pools.china.nodes": ["alpah"]},
     "wagon_pools.china.nodes[0]: unknown node 'alpah' (did you mean 'alpha'?)"),
    ({"wagon_pools.china.nodes": ["omega"]},
     "wagon_pools.china.nodes[0]: 'omega' forms no trains onto the pool's gauge (1435 mm): "
     "it forms no trains (no flow's train is formed there)"),
    ({"wagon_pools.china.nodes": ["alpha", "gate"]},
     "wagon_pools.china.nodes[1]: 'gate' forms no trains onto the pool's gauge (1435 mm): "
     "it forms trains only onto 1520 mm"),
    ({"wagon_pools.kz.nodes": ["gate", "gate"]},
     "wagon_pools.kz.nodes[1]: 'gate' already takes its 1520 mm wagons from pool 'kz'; a "
     "formation point has one pool"),
    ({"wagon_pools.china.wagons": 39},
     "wagon_pools.china.wagons: 39 wagons cannot take one train of 40 boxes formed at "
     "'alpha' (up to 40 wagons of 2 TEU)"),
])
def test_errors_one_line_per_problem(overrides, line):
    expect_override_error(WAGONS, overrides, line)


def test_a_dated_fleet_change_applies_from_its_date():
    """The 'china' pool cut from 600 to 200 wagons on 15 Jan (withdrawn as they come back)
    and raised to 2,000 on 5 Feb: the trains wait long in between, none after the
    backlog has gone; wagons conserved throughout."""
    out = Model(load_scenario(WAGONS, overrides={"timeline": [
        {"date": "2024-01-15", "set": {"wagon_pools.china.wagons": 200}},
        {"date": "2024-02-05", "set": {"wagon_pools.china.wagons": 2000}}]})).run()
    pool = out.wagon_pools["china"]
    level = columns(pool.level_log, WagonLevel)
    assert np.all(level.free + level.loaded + level.returning == level.fleet)
    cut, up = (out.calendar.hours(dt.date(2024, 1, 15)),
               out.calendar.hours(dt.date(2024, 2, 5)))
    assert level.fleet[level.t_h < cut].max() == 600
    assert set(level.fleet[(level.t_h >= cut) & (level.t_h < up)].tolist()) == {200}
    assert level.free.min() < 0  # withdrawn while out
    assert (level.loaded + level.returning)[(level.t_h > cut + 12 * 24) & (level.t_h < up)
                                            ].max() <= 200
    take = columns(pool.take_log, WagonTake)
    wait = take.took_h - take.ready_h
    assert wait[(take.ready_h > cut) & (take.ready_h < up)].mean() > 100
    assert wait[take.ready_h > up + 10 * 24].max() == 0
    assert pool.fleet == 2000


@pytest.mark.parametrize("value, line", [
    (30, "timeline[0].set.wagon_pools.china.wagons: 30 wagons cannot take one train of 40 "
         "boxes formed at 'alpha' (up to 40 wagons of 2 TEU)"),
    (2.5, "timeline[0].set.wagon_pools.china.wagons: must be a whole number (got 2.5)"),
])
def test_dated_fleet_errors(value, line):
    with pytest.raises(ConfigError) as e:
        load_scenario(WAGONS, overrides={"timeline": [
            {"date": "2024-02-01", "set": {"wagon_pools.china.wagons": value}}]})
    assert str(e.value) == f"error: overrides: {line}"


@pytest.mark.slow
def test_the_shortage_scenario_without_its_cut_is_the_baseline():
    """scenarios/wagon_shortage_2024.toml says its pools do not bind in 2023-24 without
    the August cut: every baseline KPI is unchanged and no train waits for wagons."""
    root = Path(__file__).resolve().parent.parent / "scenarios"
    s = load_scenario(root / "wagon_shortage_2024.toml")
    kept = [c for c in s.timeline
            if not any(k.startswith("wagon_pools.") for k in (c.set or {}))]
    pooled = kpis.compute(Model(s.model_copy(update={"timeline": kept})).run())
    base = kpis.compute(Model(load_scenario(root / "baseline.toml")).run())
    assert {k: v for k, v in pooled.items() if "wagon" not in k[0]} == pytest.approx(
        base, nan_ok=True)
    assert all(v == 0 for k, v in pooled.items() if k[0] == "trains_waited_for_wagons")


def test_at_a_dry_port_a_train_that_gets_its_wagons_during_a_closure_waits_for_it_to_end():
    dry = TOY.parent / "toy_dry_port.toml"
    s0 = load_scenario(dry)
    close = {"date": str(s0.horizon.start + dt.timedelta(days=20)), "close": "dry", "days": 5}
    pool = {"nodes": ["dry"], "gauge_mm": 1520, "wagons": 45, "teu_per_wagon": 4,
            "turnaround_h": {"dist": "constant", "value": 12}}
    m = Model(load_scenario(dry, overrides={"timeline": [close],
                                            "wagon_pools": {"ru": pool}}), seed=1)
    m.run()
    f = m.facilities["dry"]
    a, b = f.closures[0]
    assert not [o for o in f.out_log if a < o[0] < b]
    assert len(f.out_log) > 10
