"""Conservation of containers, monotone stage times, determinism, Little's law."""

import numpy as np
import pytest

from sim.engine.logs import InboundTrain, OriginTrain, OutboundTrain, columns
from sim.engine.model import Model
from sim.io.bundle import write_bundle
from sim.measure import kpis, location
from sim.study.replications import run

from .conftest import toy_with


@pytest.fixture(scope="module")
def out():
    # a congested toy: demand near the crane capacity, small yard, so every stage holds boxes
    s = toy_with(**{"demand.flows.west.containers_per_year": 250_000,
                    "nodes.gate.crossing.cranes": 1,
                    "nodes.gate.crossing.crane_moves_per_h": 22,
                    "nodes.gate.crossing.yard_capacity_teu": 600})
    return Model(s, seed=3).run()


def test_every_container_is_in_exactly_one_place(out):
    where = location.locate(out)
    stacked = np.vstack(list(where.values())).astype(int)
    assert (stacked.sum(axis=0) == 1).all()
    assert all(where[p].any() for p in ("delivered", "at_origin", "at_crossing", "on_rail")), \
        "the fixture should fill every stage (ports: tests/test_ports.py)"


def test_created_equals_delivered_plus_in_system(out):
    K = kpis.compute(out)
    created = K[("containers_created", "run", "all")]
    delivered = K[("containers_delivered", "run", "all")]
    in_system = K[("containers_in_system", "run", "all")]
    assert created == delivered + in_system
    parts = sum(K[("containers_in_system", "run", p)] for p in ("at_origin", "on_rail",
                                                                 "at_crossing"))
    assert parts == in_system


def test_conservation_at_the_crossing(out):
    st = out.store
    xing = out.crossings["gate"]
    arrived = np.isfinite(st.t_crossing["arrive"][0]).sum()
    departed = np.isfinite(st.t_crossing["depart"][0]).sum()
    inside = (np.isfinite(st.t_crossing["arrive"][0]) & np.isnan(st.t_crossing["depart"][0])).sum()
    assert arrived == departed + inside
    # trains: every box that arrived came on a logged or unfinished train
    in_log = columns(xing.log, InboundTrain).boxes.sum()
    queued_boxes = arrived - in_log
    assert queued_boxes >= 0
    assert len(xing.unfinished().arrived_h) > 0 or queued_boxes == 0
    # the yard holds the TEU unloaded and not yet departed, plus space reserved by trains
    # being unloaded (at most one train's TEU each)
    unl = np.isfinite(st.t_crossing["unloaded"][0]) & np.isnan(st.t_crossing["depart"][0])
    reserved = xing.yard.level - st.teu[unl].sum()
    assert 0 <= reserved <= 2 * 40 * len(xing.unfinished().arrived_h)
    assert xing.yard.level <= xing.cfg.yard_capacity_teu


def test_stage_times_never_go_backwards(out):
    st = out.store
    tc = st.t_crossing
    chain = [st.t_created, st.t_depart_origin, tc["arrive"][0], tc["unloaded"][0],
             tc["ready"][0], tc["depart"][0], st.t_delivered]
    for earlier, later in zip(chain, chain[1:]):
        both = np.isfinite(earlier) & np.isfinite(later)
        assert (later[both] >= earlier[both] - 1e-9).all()
        # a later stage is never reached before an earlier one
        assert not (np.isfinite(later) & np.isnan(earlier)).any()


def test_trains_respect_their_capacity(out):
    assert all(OriginTrain._make(t).boxes <= 40 for t in out.origin_trains)
    assert all(t.boxes <= t.capacity_boxes
               for t in map(OutboundTrain._make, out.crossings["gate"].out_log))


def test_time_average_from_intervals_equals_the_direct_area(out):
    """The monitors' time average of the crossing yard's TEU (from its stays as
    intervals) equals the area of those stays summed directly, divided by the run's
    length. Both sides come from the same stamps, so this checks the integration only;
    Little's law proper, with L from the yard's own level, is tests/test_little.py."""
    st, end = out.store, out.calendar.end_h
    a = st.t_crossing["unloaded"][0]
    b = np.where(np.isnan(st.t_crossing["depart"][0]), end, st.t_crossing["depart"][0])
    m = np.isfinite(a)
    w = st.teu[m].astype(float)
    area = (w * (b[m] - a[m])).sum()
    from sim.measure.monitors import window_means
    L = window_means(a[m], st.t_crossing["depart"][0][m], [0.0, end], w, end=end)[0]
    lam = w.sum() / end
    W = area / w.sum()
    assert L == pytest.approx(lam * W, rel=1e-9)


def test_same_seed_same_files(tmp_path, toy):
    a = write_bundle(run(toy, seed=11), tmp_path / "a")
    b = write_bundle(run(toy, seed=11), tmp_path / "b")
    for name in ("kpis.json", "kpis.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    import pandas as pd
    pd.testing.assert_frame_equal(pd.read_parquet(a / "containers.parquet"),
                                  pd.read_parquet(b / "containers.parquet"))
    pd.testing.assert_frame_equal(pd.read_parquet(a / "timeseries.parquet"),
                                  pd.read_parquet(b / "timeseries.parquet"))


def test_different_seed_different_results(toy):
    a = run(toy, seed=1, keep_containers=False).kpi("containers_created")
    b = run(toy, seed=2, keep_containers=False).kpi("containers_created")
    assert a != b


def test_replications_do_not_depend_on_how_many_run(toy):
    three = run(toy, seed=5, replications=3, keep_containers=False).kpis
    one = run(toy, seed=5, replications=1, keep_containers=False).kpis
    first = [v[0] for v in three["values"]]
    assert np.allclose(first, [v[0] for v in one["values"]], equal_nan=True)
    row = three[(three.name == "containers_created") & (three.period == "run")].iloc[0]
    assert row.ci95_low < row["mean"] < row.ci95_high


def test_window_means_direct_and_cumulative_agree():
    from sim.measure.monitors import window_means
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 100, 500)
    b = a + rng.exponential(10, 500)
    b[::7] = np.nan  # open at the end
    w = rng.integers(1, 3, 500).astype(float)
    few = np.array([0.0, 30.0, 70.0, 100.0])
    many = np.linspace(0, 100, 21)
    direct = window_means(a, b, few, w, end=100.0)
    # the same windows through the cumulative path (many edges), regrouped
    fine = window_means(a, b, np.linspace(0, 100, 11), w, end=100.0)
    assert direct[0] == pytest.approx(fine[:3].mean())
    assert direct[1] == pytest.approx(fine[3:7].mean())
    assert direct[2] == pytest.approx(fine[7:].mean())
    assert window_means(a, b, many, w, end=100.0).mean() == pytest.approx(
        window_means(a, b, [0.0, 100.0], w, end=100.0)[0])


def test_window_index_few_and_many_edges_agree():
    from sim.measure.monitors import window_index
    rng = np.random.default_rng(1)
    t = rng.uniform(-5, 105, 1000)
    t[::13] = np.nan
    few = np.array([0.0, 50.0, 100.0])
    many = np.linspace(0, 100, 11)
    j_few = window_index(t, few)
    j_ref = np.searchsorted(few, t, side="right") - 1
    j_ref[np.isnan(t)] = -1
    assert (j_few == j_ref).all()
    j_many = window_index(t, many)
    assert ((j_many // 5) == np.where(j_few < 0, -1, j_few))[(j_few >= 0) & (j_few < 2)].all()


def test_path_booking_matches_a_linear_scan():
    """RailLine.book (blocked intervals) against the definition: the first hour at or after
    the request that is at least a headway from every booked path."""
    from sim.engine.facilities.rail import RailLine
    from sim.scenario.schema import Link
    rng = np.random.default_rng(4)
    link = Link.model_validate({"from": "a", "to": "b", "length_km": 100, "train_paths_per_day": 6,
                                "speed_km_per_day": {"dist": "constant", "value": 800}})
    line = RailLine("ab", link, rng)
    h = 4.0
    booked: list[float] = []
    now = 0.0
    for _ in range(3000):
        now += rng.exponential(3.0)
        t = now + rng.choice([0.0, rng.uniform(0, 40)])  # some bookings far ahead
        entry = line.book(0, t, now)
        expect, moved = t, True
        while moved:
            moved = False
            for b in booked:
                if abs(b - expect) < h - 1e-9:
                    expect, moved = b + h, True
        assert entry == pytest.approx(expect, abs=1e-9)
        booked.append(entry)
        booked = [b for b in booked if b > now - 2 * h]


def test_boxes_with_the_same_onward_path_share_trains_whatever_they_passed():
    from sim.scenario.loading import load_scenario

    from .conftest import HERE
    out = Model(load_scenario(HERE / "scenarios" / "toy_two_borders.toml"), seed=2).run()
    st, exit_code = out.store, out.node_ids.index("exit")
    assert list(out.crossings["exit"].pools) == [("euro",)]
    kz = st.flow == out.flow_ids.index("kz")
    west2 = st.flow == out.flow_ids.index("west2")
    # kz boxes meet 'exit' as their first crossing, west2 boxes as their second
    assert (st.crossing[0][kz & np.isfinite(st.t_delivered)] == exit_code).all()
    assert (st.crossing[1][west2 & np.isfinite(st.t_delivered)] == exit_code).all()
    # some outbound trains carry both kinds of box
    mixed = sum(1 for rows in out.crossings["exit"].out_rows
                if kz[rows].any() and west2[rows].any())
    assert mixed > 0
    # stage times along each box's own slots never go backwards
    for k in range(2):
        tc = st.t_crossing
        for a, b in (("arrive", "unloaded"), ("unloaded", "ready"), ("ready", "depart")):
            both = np.isfinite(tc[a][k]) & np.isfinite(tc[b][k])
            assert (tc[b][k][both] >= tc[a][k][both] - 1e-9).all()
    where = location.locate(out)
    assert (np.vstack(list(where.values())).sum(axis=0) == 1).all()


def test_paths_one_headway_apart_on_paper_are_not_pushed_back():
    """7 paths a day: 24/7 h does not add up exactly in floats; a path two headways after
    another must still be free."""
    from sim.engine.facilities.rail import RailLine
    from sim.scenario.schema import Link
    link = Link.model_validate({"from": "a", "to": "b", "length_km": 100, "train_paths_per_day": 7,
                                "speed_km_per_day": {"dist": "constant", "value": 800}})
    line = RailLine("ab", link, np.random.default_rng(0))
    h = 24 / 7
    assert line.book(0, 0.0, 0.0) == 0.0
    assert line.book(0, 0.0, 0.0) == pytest.approx(h)
    assert line.book(0, 3 * h, 0.0) == pytest.approx(3 * h)
    assert line.book(0, 0.0, 0.0) == pytest.approx(2 * h)


def test_every_link_direction_on_a_path_is_reported_even_when_unused():
    from .conftest import toy_with
    # demand so small that some replications send no train at all
    res = run(toy_with(**{"demand.flows.west.containers_per_year": 150}), seed=1,
              replications=4, keep_containers=False).kpis
    util = res[(res.name == "utilisation") & (res.scope == "alpha_gate:alpha>gate")].iloc[0]
    assert util.n == 4 and not np.isnan(util["values"]).any()


def test_window_max_against_brute_force():
    from sim.measure.monitors import window_max
    rng = np.random.default_rng(7)
    a = rng.uniform(0, 100, 300)
    b = a + rng.exponential(5, 300)
    b[::11] = np.nan
    edges = np.array([0.0, 30.0, 60.0, 100.0])
    got = window_max(a, b, edges, end=100.0)
    bb = np.where(np.isnan(b), 100.0, b)
    grid = np.concatenate((a, bb, edges))
    for j in range(3):
        pts = grid[(grid >= edges[j]) & (grid < edges[j + 1])]
        want = max(((a <= p) & (bb > p)).sum() for p in pts)
        assert got[j] == want


def test_containers_located_positively_through_the_run(out):
    """Every box in exactly one place found by its own stamps (sim.measure.location) at
    hours through the run; the boxes at the crossing at each hour equal those its own
    train logs put there (arrived on inbound trains, not yet gone on outbound ones)."""

    assert_located_and_crossing_counted(out, "gate", 41)


def assert_located_and_crossing_counted(out, crossing: str, points: int) -> None:
    """At ``points`` hours through the run every box is in exactly one place found by its
    own stamps, and the boxes at ``crossing`` are those its train logs put there."""
    xing = out.crossings[crossing]
    inbound = columns(xing.log, InboundTrain)
    u_arrive, _crane, u_boxes, _teu = xing.unfinished()
    arrive = np.concatenate((inbound.arrived_h, u_arrive))
    boxes_in = np.concatenate((inbound.boxes, u_boxes))
    outbound = columns(xing.out_log, OutboundTrain)
    for t in np.linspace(0.0, out.calendar.end_h, points):
        where = location.locate(out, at_h=t)
        assert (np.vstack(list(where.values())).sum(axis=0) == 1).all()
        at_gate = boxes_in[arrive <= t].sum() - outbound.boxes[outbound.departed_h <= t].sum()
        assert where["at_crossing"].sum() == at_gate, t
