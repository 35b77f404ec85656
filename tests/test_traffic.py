"""Background traffic on lines, crossings and ports: background trains take train paths
(hand cases and a saturated queue), wait for crane gangs as M/M/c theory says, hold yard
space and berths as traced by hand, are conserved, are reported beside the modelled
volumes, and are validated."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import simpy

from sim.cli.tables import run_summary
from sim.engine.facilities.border import BorderCrossing
from sim.engine.facilities.counts import daily_counts, hours_of
from sim.engine.facilities.port import PortFacility
from sim.engine.facilities.rail import EPS_H, RailLine
from sim.engine.facilities.traffic import FacilityTraffic
from sim.engine.model import Model
from sim.engine.randomness import stream
from sim.measure import kpis
from sim.measure.intervals import visits
from sim.measure.tonnes import row_tonnes
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.scenario.schema import Crossing, Link, Port
from sim.scenario.traffic import Background

HERE = Path(__file__).parent
TOY = HERE / "scenarios" / "toy.toml"
TOY_SEA = HERE / "scenarios" / "toy_sea.toml"


def line(paths_per_day: float) -> RailLine:
    link = Link.model_validate({"from": "a", "to": "b", "length_km": 100,
                                "speed_km_per_day": {"dist": "constant", "value": 1000},
                                "train_paths_per_day": paths_per_day})
    return RailLine("ab", link, np.random.default_rng(0))


def saturate(ln: RailLine, days: int, per_day: int = 40) -> np.ndarray:
    """Ask for more paths than there are: ``per_day`` modelled trains a day, in request
    order, each booked when it asks; returns the paths they got (direction 0)."""
    got = []
    for k in range(days * per_day):
        t = 24.0 * k / per_day
        got.append(ln.book(0, t, t))
    return np.array(got)


# -- lines ---------------------------------------------------------------------------------
def test_background_trains_take_their_paths_first_by_hand():
    """12 paths a day (2 h apart), background trains at 0, 6, 12 and 18 h: the modelled
    trains, all asking at hour 0, get the 8 paths left in the day, 2 h from every
    background path."""
    ln = line(12)
    ln.add_background(np.array([0.0, 6.0, 12.0, 18.0]), np.empty(0))
    got = [ln.book(0, 0.0, 0.0) for _ in range(10)]
    assert got[:8] == pytest.approx([2, 4, 8, 10, 14, 16, 20, 22], abs=1e-6)
    assert got[8] == pytest.approx(24.0, abs=1e-6)  # the next day
    # the other direction is free
    assert ln.book(1, 0.0, 0.0) == 0.0


def test_background_trains_keep_the_headway_among_themselves():
    """Background trains asking at once take paths one headway apart, on the timetable's
    grid of paths (every 2 h from hour 0)."""
    ln = line(12)
    ln.add_background(np.array([5.0, 5.0, 5.0, 12.0]), np.array([1.0]))
    p0, p1 = ln.background_paths()
    assert p0.tolist() == [6.0, 8.0, 10.0, 12.0]  # on the grid of paths 2 h apart
    assert p1.tolist() == [2.0]


def test_modelled_trains_get_n_minus_b_paths_on_a_saturated_line():
    """Queueing check: with N = 12 paths a day and b = 5 background trains a day (Poisson
    counts at random hours), a line saturated with modelled trains lets N - b = 7 a day
    through in the long run; together they use every path."""
    days = 300
    rng = stream(3, "background", 0, "ab:background_trains")
    bg = Background(per_day=5, base_year=2024)
    counts = daily_counts(bg, rng, dt.date(2024, 1, 1), days)
    ln = line(12)
    ln.add_background(hours_of(counts, rng), np.empty(0))
    got = saturate(ln, days, per_day=20)
    window = (got >= 24 * 50) & (got < 24 * 250)
    bg_in = ((ln.background_paths()[0] >= 24 * 50) & (ln.background_paths()[0] < 24 * 250))
    assert window.sum() + bg_in.sum() == 12 * 200  # every path used, exactly
    assert window.sum() / 200 == pytest.approx(12 - 5, abs=0.3)
    every = np.sort(np.concatenate([got, ln.background_paths()[0]]))
    assert np.diff(every).min() >= 2.0 - 1e-6


def test_a_timeline_change_of_paths_applies_to_the_background_trains():
    """From day 10, 24 paths a day (1 h apart): background trains asking together are
    then 1 h apart, and the modelled trains get 24 - 4 = 20 paths a day."""
    ln = line(12)
    ln.change_paths(240.0, 24)
    asks = np.concatenate([24.0 * d + np.array([3.0, 3.0, 3.0, 3.0]) for d in range(30)])
    ln.add_background(asks, np.empty(0))
    p = ln.background_paths()[0]
    assert p[:4].tolist() == [4.0, 6.0, 8.0, 10.0]           # 2 h apart before
    assert p[40:44].tolist() == [243.0, 244.0, 245.0, 246.0]  # 1 h apart after
    got = saturate(ln, 30, per_day=40)
    day = np.floor(got / 24)
    assert np.sum(day == 5) == 12 - 4
    assert np.sum(day == 20) == 24 - 4


def test_background_trains_wait_out_a_closure():
    ln = line(12)
    ln.close(10.0, 20.0)
    ln.add_background(np.array([12.0, 13.0]), np.empty(0))
    assert ln.background_paths()[0].tolist() == [20.0, 22.0]
    assert ln.book(0, 9.0, 0.0) == pytest.approx(9.0)
    assert ln.book(0, 11.0, 0.0) >= 24.0 - 1e-6  # after both background paths


def test_link_kpis_count_background_trains(tmp_path):
    """The link's train total is the modelled trains of the same scenario run without
    background (the background draws from its own stream, so they are the same trains)
    plus the background trains the daily counts offered in the year (drawn again here
    from their stream); a path may fall a headway after its request, hence the slack."""
    bg_field = {"per_day": 10, "base_year": 2024}
    s0 = load_scenario(TOY)
    s = load_scenario(TOY, overrides={"links.gate_omega.background_trains": bg_field})
    out0, out = Model(s0).run(), Model(s).run()
    k = kpis.compute(out)
    scope = "gate_omega:gate>omega"
    y = out.calendar.years()[0]
    log0 = out0.lines["gate_omega"].log_arrays()
    entered = log0.entered_h[log0.direction == 0]
    n_mod = int(((entered >= y.from_h) & (entered < y.to_h)).sum())
    assert n_mod > 50
    cal = out.calendar
    counts = daily_counts(Background.model_validate(bg_field),
                          stream(out.seed, "background", 0, "gate_omega:background_trains"),
                          cal.t0, (cal.end - cal.t0).days)
    day0 = int(y.from_h // 24)
    n_bg = int(counts[day0:day0 + 60].sum())  # Jan-Feb 2024: 60 days
    assert n_bg == pytest.approx(10 * 60, rel=0.1)
    total = k[("link_trains_total", "2024", scope)]
    assert total == pytest.approx(n_mod + n_bg, abs=3)
    assert k[("utilisation", "2024", scope)] == pytest.approx(total / (20 * 60))
    # the other direction (no flow) is reported too, background only
    assert k[("link_trains_total", "2024", "gate_omega:omega>gate")] == pytest.approx(
        600, rel=0.1)
    # links without background have no total
    assert not any(n == "link_trains_total" and "alpha_gate" in sc for n, _, sc in k)


# -- crossings -----------------------------------------------------------------------------
def crossing(env: simpy.Environment, cranes: int, moves_per_h: float, tracks: int = 200,
             cv: float = 1.0) -> BorderCrossing:
    cfg = Crossing.model_validate({
        "receiving_tracks": tracks, "siding_length_m": 1000, "cranes": cranes,
        "crane_moves_per_h": moves_per_h, "handling_cv": cv, "yard_capacity_teu": 1000,
        "customs_dwell_h": {"dist": "constant", "value": 1},
        "train_boxes_standard_gauge": 40, "train_boxes_broad_gauge": 60})
    r = [np.random.default_rng(i) for i in range(4)]
    return BorderCrossing(env, "x", 0, cfg, *r, teu_of=lambda idx: 2 * len(idx))


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of an M/M/c queue."""
    a = lam / mu
    rho = a / c
    top = a**c / math.factorial(c) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


def test_background_trains_wait_for_cranes_as_mmc_theory_says():
    """Poisson arrivals (Poisson daily counts at uniform hours), exponential crane work
    (handling_cv = 1), two gangs, tracks aplenty: the mean wait for a gang is Erlang C's
    (lambda 20 a day, 2 h of work, rho 0.83: C = 0.758, Wq = C / (c mu - lambda) = 4.55 h)."""
    env = simpy.Environment()
    x = crossing(env, cranes=2, moves_per_h=50)
    rng = np.random.default_rng(11)
    days = 6000
    hours = hours_of(rng.poisson(20, days), rng)
    x.background = FacilityTraffic(x)
    x.background.start_trains(hours, moves_per_train=100, track_h=0, handling_cv=1.0,
                              rng=rng)
    env.run(until=24.0 * days)
    log = x.background.train_log()
    keep = (log.arrived_h > 24 * 100) & (log.arrived_h < 24 * (days - 10))
    wait = (log.work_h - log.arrived_h)[keep]
    want = erlang_c_wait(20 / 24, 1 / 2.0, 2)
    assert want == pytest.approx(4.545, abs=0.001)
    assert wait.mean() == pytest.approx(want, rel=0.08)
    # busy crane time: 20 x 2 h a day of 48 gang-hours
    busy = (log.crane_done_h - log.work_h)[keep].sum() / (keep.sum() / 20) / 48
    assert busy == pytest.approx(20 * 2 / 48, rel=0.03)


def test_a_background_train_holds_a_track_and_a_crane_by_hand():
    """One track, one gang, deterministic work (100 moves at 50 an hour = 2 h) and 3 h
    more on the track: trains arriving at 0 and 1 h start work at 0 and 5 h."""
    env = simpy.Environment()
    x = crossing(env, cranes=1, moves_per_h=50, tracks=1, cv=0.0)
    x.background = FacilityTraffic(x)
    x.background.start_trains(np.array([0.0, 1.0]), 100, 3.0, 0.0, np.random.default_rng())
    env.run(until=100)
    log = x.background.train_log()
    assert log.work_h.tolist() == [0.0, 5.0]
    assert log.crane_done_h.tolist() == [2.0, 7.0]
    assert log.left_h.tolist() == [5.0, 10.0]
    assert x.tracks.used == 0 and x.cranes.used == 0


def test_crossing_background_trains_delay_the_modelled_ones_and_count_in_its_kpis():
    base = load_scenario(TOY)
    busy = load_scenario(TOY, overrides={
        "nodes.gate.crossing.background_trains": {"per_day": 12, "base_year": 2024},
        "nodes.gate.crossing.background_moves_per_train": 100})
    k0, k1 = (kpis.compute(Model(s).run()) for s in (base, busy))
    key = ("border_handling_hours_mean", "2024", "gate")
    assert k1[key] > k0[key] + 0.5
    # 12 trains x 100 moves / 40 an hour = 30 of the 48 gang-hours a day: the cranes are
    # far busier, and the modelled trains are unchanged in number
    assert k1[("utilisation", "2024", "gate")] > k0[("utilisation", "2024", "gate")] + 0.4
    assert k1[("trains_by_crossing", "2024", "gate")] == k0[("trains_by_crossing", "2024",
                                                             "gate")]


# -- ports ---------------------------------------------------------------------------------
def port(env: simpy.Environment, yard_teu: float, berths: int = 1,
         cranes: int = 1) -> PortFacility:
    cfg = Port.model_validate({
        "sea": "caspian", "berths": berths, "receiving_tracks": 2, "siding_length_m": 1000,
        "cranes": cranes, "crane_moves_per_h": 20, "moves_per_box": 1,
        "yard_capacity_teu": yard_teu, "customs_dwell_h": {"dist": "constant", "value": 1},
        "train_boxes": 50})
    r = [np.random.default_rng(i) for i in range(4)]
    return PortFacility(env, "p", 0, cfg, *r, teu_of=lambda idx: 2 * len(idx))


def test_background_teu_hold_the_yard_by_hand():
    """A 100-TEU yard, 80 TEU a day at 0, 24 and 48 h, 36 h each: each batch waits for
    the one before to leave."""
    env = simpy.Environment()
    p = port(env, 100)
    p.background = FacilityTraffic(p)
    p.background.start_batches(p, np.array([0.0, 24.0, 48.0]), np.array([80, 80, 80]),
                               _const(36), 0.0, np.random.default_rng())
    env.run(until=200)
    b = p.background.batch_log()
    assert b.in_yard_h.tolist() == [0.0, 36.0, 72.0]
    assert b.left_h.tolist() == [36.0, 72.0, 108.0]
    assert p.yard.level == 0


def test_a_day_of_background_teu_beyond_the_yard_goes_in_parts_and_blocks_nothing():
    """A 100-TEU yard, 150 TEU at 0 h and 10 at 24 h, 36 h each: the 150 go in as 100
    (0-36 h) and 50 (in when the 100 leave: 36-72 h), the 10 behind them (36-72 h); a
    modelled load of 20 TEU at 40 h finds 60 in the yard and goes in at once. (Put
    whole, the 150 could never fit and the yard's puts, in order, would all wait.)"""
    env = simpy.Environment()
    p = port(env, 100)
    p.background = FacilityTraffic(p)
    p.background.start_batches(p, np.array([0.0, 24.0]), np.array([150, 10]),
                               _const(36), 0.0, np.random.default_rng())
    got = []

    def load(env):
        yield env.timeout(40)
        ev = p.yard.put(20)
        if ev is not None:
            yield ev
        got.append(env.now)
    env.process(load(env))
    env.run(until=300)
    b = p.background.batch_log()
    assert b.arrived_h.tolist() == [0.0, 0.0, 24.0]
    assert b.teu.tolist() == [100, 50, 10]
    assert b.in_yard_h.tolist() == [0.0, 36.0, 36.0]
    assert b.left_h.tolist() == [36.0, 72.0, 72.0]
    assert got == [40.0]
    assert p.yard.level == 20


def test_each_day_keeps_its_dwell_whatever_order_the_cranes_finish_in():
    """Two gangs, 20 moves an hour, 1 move a TEU; batches at 0 and 1 h, dwells of 20 to
    100 h counted from the start of their crane work (both start at once, so a dwell is
    left - in yard). With 200 + 10 TEU the second batch's work (0.5 h) ends before the
    first's (10 h); with 10 + 10 it ends after. Day 0's batch has the same dwell in
    both runs, and so has day 1's: the draws follow the days, not the cranes."""
    def dwells(sizes):
        env = simpy.Environment()
        p = port(env, 1000, cranes=2)
        p.background = FacilityTraffic(p)
        p.background.start_batches(p, np.array([0.0, 1.0]), np.array(sizes),
                                   _dist({"dist": "uniform", "low": 20, "high": 100}), 1.0,
                                   np.random.default_rng(7))
        env.run(until=300)
        b = p.background.batch_log()
        return b.left_h - b.in_yard_h
    big, small = dwells([200, 10]), dwells([10, 10])
    assert (big >= 20).all() and (big <= 100).all() and big[0] != big[1]
    np.testing.assert_allclose(big, small, rtol=0, atol=1e-9)


def test_background_teu_are_conserved_offered_handled_or_in_the_yard(monkeypatch):
    """The TEU offered (the input counts) = those the yard gave back (its gets, counted
    as they happen) + those in it (its level) + those waiting to go in (its queue of
    puts), at an end where the yard binds; and the batch log agrees with each."""
    from sim.engine.facilities import slots
    env = simpy.Environment()
    p = port(env, 400)
    got = []
    real_get = slots.Level.get

    def spy(self, amount):
        if self is p.yard:
            got.append(amount)
        return real_get(self, amount)
    monkeypatch.setattr(slots.Level, "get", spy)
    rng = np.random.default_rng(5)
    days = 60
    teu = rng.poisson(150, days)
    p.background = FacilityTraffic(p)
    p.background.start_batches(p, 24.0 * np.arange(days) + 24 * rng.random(days), teu,
                               _dist({"dist": "lognormal", "mean": 60, "cv": 0.8}), 0.5,
                               rng)
    env.run(until=24.0 * days)
    queued = sum(amount for amount, _ in p.yard._waiting)
    out_ = sum(got)
    assert queued > 0 and out_ > 0 and p.yard.level > 0  # each part is there
    assert teu.sum() == out_ + p.yard.level + queued
    b = p.background.batch_log()
    assert b.teu[np.isfinite(b.left_h)].sum() == out_
    assert b.teu[np.isnan(b.in_yard_h)].sum() == queued
    assert p.background.teu_offered.sum() == teu.sum()


def test_background_calls_take_a_berth_and_wait_out_a_closure_by_hand():
    """One berth, calls of 10 h at 0 and 5 h; the port is closed to shipping from 2 to
    15 h: the first call, berthed before, stays; the second berths at 15."""
    env = simpy.Environment()
    p = port(env, 100)
    p.background = FacilityTraffic(p)
    p.background.start_calls(p, np.array([0.0, 5.0]), _const(10), np.random.default_rng())

    def storm(env):
        yield env.timeout(2)
        p.close_to_shipping()
        yield env.timeout(13)
        p.reopen_to_shipping()
    env.process(storm(env))
    env.run(until=100)
    c = p.background.call_log()
    assert c.berthed_h.tolist() == [0.0, 15.0]
    assert c.left_h.tolist() == [10.0, 25.0]


def test_port_totals_add_background_to_the_modelled_volumes():
    s = load_scenario(TOY_SEA, overrides={
        "nodes.east.port.background_teu": {"per_day": 100, "base_year": 2024},
        "nodes.east.port.background_dwell_h": {"dist": "constant", "value": 48},
        "nodes.east.port.background_tonnes": {"per_day": 2000, "base_year": 2024}})
    out = Model(s).run()
    k = kpis.compute(out)
    y = out.calendar.years()[0]
    v = visits(out, "east")
    mine = (v["arrive"] >= y.from_h) & (v["arrive"] < y.to_h)
    teu = out.store.teu[v["row"][mine]].sum()
    tonnes = row_tonnes(out)[v["row"][mine]].astype(float).sum()
    bg = out.facilities["east"].background
    days = slice(int(y.from_h // 24), int(y.to_h // 24))
    assert teu > 0
    assert k[("port_teu_total", "2024", "east")] == pytest.approx(
        teu + bg.teu_offered[(bg.teu_offered_h >= y.from_h) & (bg.teu_offered_h < y.to_h)]
        .sum())
    assert k[("port_tonnes_total", "2024", "east")] == pytest.approx(
        tonnes + bg.tonnes_by_day[days].sum(), rel=1e-6)
    assert bg.tonnes_by_day[days].mean() == pytest.approx(2000, rel=0.01)
    assert ("port_teu_total", "2024", "west") not in k  # no background there
    # the yard holds the background TEU too: ~100 a day x 2 days more on average
    k0 = kpis.compute(Model(load_scenario(TOY_SEA)).run())
    occ = ("yard_occupancy_teu_mean", "2024", "east")
    assert k[occ] - k0[occ] == pytest.approx(200, rel=0.1)


def _const(h: float):
    return _dist({"dist": "constant", "value": h})


def _dist(spec: dict):
    return Port.model_validate({
        "sea": "caspian", "berths": 1, "receiving_tracks": 1, "siding_length_m": 1,
        "cranes": 1, "crane_moves_per_h": 1, "yard_capacity_teu": 1, "train_boxes": 1,
        "customs_dwell_h": spec}).customs_dwell_h


# -- validation ----------------------------------------------------------------------------
def _problems(overrides: dict, path: Path = TOY) -> str:
    with pytest.raises(ConfigError) as e:
        load_scenario(path, overrides=overrides)
    return str(e.value)


def test_background_beyond_the_paths_is_an_error():
    msg = _problems({"links.gate_omega.background_trains": {
        "per_day": 18, "base_year": 2024, "seasonality": [1.2] * 6 + [0.8] * 6}})
    assert msg.count("\n") == 0
    assert "links.gate_omega.background_trains" in msg
    with pytest.raises(ConfigError, match=r"21\.6 trains a day in the peak month of 2023 "
                       r"take all of the 20 train paths"):
        load_scenario(TOY, overrides={"links.gate_omega.background_trains": {
            "per_day": 18, "base_year": 2024, "seasonality": [1.2] * 6 + [0.8] * 6}})


def test_a_timeline_raising_the_paths_makes_room_in_later_years_only():
    over = {"links.gate_omega.background_trains": {"per_day": 25, "base_year": 2024},
            "horizon.warmup_days": 0, "timeline": [{"date": "2024-01-01", "set": {
                "links.gate_omega.train_paths_per_day": 40}}]}
    load_scenario(TOY, overrides=over)  # 25 of 40 from the first day: fine
    over["timeline"] = [{"date": "2024-02-01", "set": {
        "links.gate_omega.train_paths_per_day": 40}}]
    with pytest.raises(ConfigError, match=r"25\.0 trains a day in the peak month of 2024 "
                       r"take all of the 20 train paths"):
        load_scenario(TOY, overrides=over)


@pytest.mark.parametrize("overrides,match", [
    ({"nodes.gate.crossing.background_trains": {"per_day": 5, "base_year": 2024}},
     r"nodes\.gate\.crossing: background_trains need background_moves_per_train or "
     r"background_track_h > 0"),
    ({"nodes.gate.crossing.background_moves_per_train": 50},
     r"background_moves_per_train given without background_trains"),
    ({"nodes.gate.crossing.background_trains": {"per_day": 30, "base_year": 2024},
      "nodes.gate.crossing.background_moves_per_train": 100},
     r"nodes\.gate\.crossing\.background_trains: 30\.0 trains a day in the peak month of "
     r"2023 need 75 crane gang-hours a day of the 48 there are"),
    ({"nodes.gate.crossing.background_moves_per_train": -1},
     r"nodes\.gate\.crossing\.background_moves_per_train: must be >= 0 \(got -1\)"),
])
def test_crossing_background_errors(overrides, match):
    with pytest.raises(ConfigError, match=match):
        load_scenario(TOY, overrides=overrides)


@pytest.mark.parametrize("overrides,match", [
    ({"nodes.east.port.background_teu": {"per_day": 5, "base_year": 2024}},
     r"nodes\.east\.port: background_teu needs background_dwell_h"),
    ({"nodes.east.port.background_berth_h": {"dist": "constant", "value": 5}},
     r"nodes\.east\.port: background_berth_h needs background_vessel_calls"),
    ({"nodes.east.port.background_moves_per_teu": 1},
     r"background_moves_per_teu given without background_teu"),
    ({"nodes.east.port.background_teu": {"per_day": 2000, "base_year": 2024},
      "nodes.east.port.background_dwell_h": {"dist": "constant", "value": 48}},
     r"nodes\.east\.port\.background_teu: 2000 TEU a day in the peak month of 2023, 48 h "
     r"each, hold 4,000 TEU on average, the whole yard \(3000 TEU\)"),
    # a high day: 2900 + 4 x sqrt(2900) = 3115 TEU > 3000 (1 h each: little on average)
    ({"nodes.east.port.background_teu": {"per_day": 2900, "base_year": 2024},
      "nodes.east.port.background_dwell_h": {"dist": "constant", "value": 1}},
     r"nodes\.east\.port\.background_teu: a high day in the peak month of 2023 "
     r"brings 3,115 TEU \(the month's mean 2,900 \+ 4 sd of a day's count, 54\), more "
     r"than the yard holds \(3000 TEU, the least in force\)"),
    # cv 0.3: sd = sqrt(m + 0.09 m^2) = 302, 1000 + 4 x 302 = 2207 > a yard cut to 2000
    ({"nodes.east.port.background_teu": {"per_day": 1000, "base_year": 2024, "cv": 0.3},
      "nodes.east.port.background_dwell_h": {"dist": "constant", "value": 1},
      "timeline": [{"date": "2024-02-01", "set": {"nodes.east.port.yard_capacity_teu":
                                                   2000}}]},
     r"nodes\.east\.port\.background_teu: a high day in the peak month of 2023 brings "
     r"2,207 TEU .* more than the yard holds \(2000 TEU, the least in force\)"),
])
def test_port_background_errors(overrides, match):
    with pytest.raises(ConfigError, match=match):
        load_scenario(TOY_SEA, overrides=overrides)


def test_no_background_draws_nothing_and_changes_nothing():
    """Without a background field no facility has background traffic and no line has
    background paths (the golden test holds the results bit-identical)."""
    out = Model(load_scenario(TOY_SEA)).run()
    assert all(f.background is None for f in out.facilities.values())
    assert all(ln.background_paths()[0].size == 0 for ln in out.lines.values())
    assert not any(n.endswith(("_total", "_background")) for n, _, _ in kpis.compute(out))
    assert EPS_H < 1e-6


def summary_rows(rows):
    return pd.DataFrame([{"name": n, "period": p, "scope": sc, "mean": m, "ci95_low": np.nan,
                          "ci95_high": np.nan} for n, p, sc, m in rows])


def test_the_run_summary_shows_totals_beside_their_background():
    k = summary_rows([("transit_containers_china_central_asia", "2024", "all", 1000.0),
                      ("port_teu_total", "2024", "alat", 76775.0),
                      ("port_teu_background", "2024", "alat", 50000.0),
                      ("link_trains_total", "2024", "x:a>b", 4380.0),
                      ("link_trains_background", "2024", "x:a>b", 3650.0)])
    text = run_summary(k, "s", 1, 1)
    assert "with background traffic, both directions: total (of which background)" in text
    assert re.search(r"port TEU alat +76,775 \(50,000\)", text)
    # the lines' trains are named, not listed (a row per line and direction)
    assert "x:a>b" not in text
    assert "  trains on 1 line with background traffic: link_trains_total in kpis.csv" in text
    k0 = k[~k.name.str.endswith(("_total", "_background"))]
    assert "background" not in run_summary(k0, "s", 1, 1)


def test_a_long_run_summary_fits_the_width_in_blocks_of_years():
    """Six years of wide cells: the years in blocks that fit, each column as wide as its
    cells, one number format a row; rows of zeros and a country pair that one service
    makes are left out."""
    rows = [("transit_containers_china_central_asia", "all", 215985.0, 0.0),
            ("port_teu_total", "poti", 549179.0, 544333.0),
            ("port_tonnes_total", "alat", 8160091.0, 7539589.0),
            ("service_teu_total", "AZ-KZ", 64169.0, 19655.0),
            ("service_teu_total", "feeder:both", 58698.0, 19655.0),
            ("service_teu_total", "ferry:both", 5471.0, 0.0),
            ("service_teu_total", "AZ-TM", 0.0, 0.0),
            ("service_teu_total", "tm_ferry:both", 0.0, 0.0),
            ("service_tonnes_total", "AZ-TM", 2136298.0, 2136298.0),
            ("service_tonnes_total", "tm_ferry:both", 2136298.0, 2136298.0),
            ("service_tonnes_total", "GE-RO", 150384.0, 0.0)]
    data = []
    for name, scope, total, part in rows:
        for y in range(2025, 2031):
            data.append((name, str(y), scope, total))
            if name.endswith("_total"):
                data.append((name.replace("_total", "_background"), str(y), scope, part))
    lines = run_summary(summary_rows(data), "s", 1, 1, columns=100).splitlines()
    assert max(len(line) for line in lines) <= 100, lines
    assert lines[1].split() == ["KPI", "2025", "2026", "2027", "2028", "2029", "2030"]
    assert lines[3] == "  with background traffic, both directions: total (of which background)"
    heads = [i for i, line in enumerate(lines) if line.split() and line.split()[0] == "2025"
             or line.split()[:1] == ["2028"]]
    assert [lines[i].split() for i in heads] == [["2025", "2026", "2027"],
                                                 ["2028", "2029", "2030"]]
    block = lines[heads[0]:heads[1] - 1]
    assert len({len(line) for line in block}) == 1, block  # the columns line up
    labels = [line[2:44].strip() for line in block[1:]]
    assert labels == ["port TEU poti", "port tonnes alat", "sea TEU AZ-KZ", "sea TEU feeder",
                      "sea TEU ferry", "sea tonnes GE-RO", "sea tonnes tm_ferry"]
    assert block[2].split()[3:5] == ["8,160k", "(7,540k)"]
    assert block[5].split()[3:5] == ["5,471", "(0)"]
    assert lines[heads[1] - 1] == lines[3]  # each block under its title
    wide = run_summary(summary_rows(data), "s", 1, 1, columns=200).splitlines()
    assert [line.split()[0] for line in wide].count("2025") == 1  # one block


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bookings_behind_background_are_the_first_free_paths(seed):
    """Against brute force: every modelled train gets the first hour at or after its
    request at least a headway from every background path and every path booked before
    it (requests in time order, some far ahead, as trains book several links at once)."""
    rng = np.random.default_rng(seed)
    h = 24 / 12
    ln = line(12)
    ln.add_background(np.sort(rng.uniform(0, 24 * 40, 200)), np.empty(0))
    bg = ln.background_paths()[0]
    booked: list[float] = []
    now = 0.0
    for _ in range(250):
        now += rng.exponential(3.0)
        t = now + rng.choice([0.0, rng.uniform(0, 72)])
        got = ln.book(0, t, now)
        taken = np.concatenate([bg, booked])
        cands = np.concatenate([[t], taken + h])
        cands = np.sort(cands[cands >= t])
        want = next(c for c in cands if np.all(np.abs(taken - c) >= h - 1e-6))
        assert got == pytest.approx(want, abs=1e-6)
        booked.append(got)
