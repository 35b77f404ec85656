"""Ports and vessel services: an exact ferry cycle worked out by hand, closures that stop
berthing and sailing, conservation across the sea, and the sea KPIs."""

import numpy as np
import pytest

from sim.engine.logs import Sailing, Span, columns
from sim.engine.model import Model
from sim.measure import kpis, location
from sim.scenario.loading import load_scenario

from .conftest import HERE, port_stages

TRACE = HERE / "scenarios" / "trace_sea.toml"
TOY_SEA = HERE / "scenarios" / "toy_sea.toml"


def run(path=TRACE, **overrides):
    return Model(load_scenario(path, overrides=overrides)).run()


def visits(out, port):
    """Per box (row order): arrive, unloaded, ready, depart hours at the port."""
    v = port_stages(out, port)
    return np.column_stack([v[k] for k in ("arrive", "unloaded", "ready", "depart")])


def by_train(a):
    """The two trains' (first 20 rows, last 20 rows) stage times, each constant."""
    assert (a[:20] == a[0]).all() and (a[20:] == a[20]).all()
    return a[0].round(9).tolist(), a[20].round(9).tolist()


@pytest.fixture(scope="module")
def trace():
    return run()


def test_exact_ferry_cycle(trace):
    # Train A leaves alpha full at 23.4 h (the 20th box), runs 6 h to the west port
    # (29.4), is unloaded in 1 h (30.4) and cleared in 5 h (35.4). The one ferry has
    # waited at anchor since 0; rule full: 20 boxes = 20 railcars = a load, released at
    # 35.4; the ferry berths (2 h, 37.4), loads in 2 h, sails at 39.4, crosses in 20 h
    # (59.4), berths 2 h and unloads 2 h (63.4), clearance 5 h (68.4), a train of 20
    # leaves at once (rule full) and runs 12 h to omega (80.4). The ferry takes nothing
    # back, sails at 63.4 and is home at 83.4, where train B's boxes (ready since 59.4)
    # are waiting: berth 83.4-85.4, load to 87.4, and the same again.
    st = trace.store
    np.testing.assert_allclose(st.t_depart_origin[[0, 20]], [23.4, 47.4], atol=1e-9)
    np.testing.assert_allclose(st.t_delivered[[0, 20]], [80.4, 128.4], atol=1e-9)
    assert by_train(visits(trace, "west")) == ([29.4, 30.4, 35.4, 39.4],
                                               [53.4, 54.4, 59.4, 87.4])
    assert by_train(visits(trace, "east")) == ([59.4, 63.4, 68.4, 68.4],
                                               [107.4, 111.4, 116.4, 116.4])
    sail = [[round(x, 9) for x in s] for s in trace.services["ferry"].sailings]
    # vessel, direction, sails, reaches the far anchorage, boxes, TEU, railcars, landed
    nan = float("nan")
    want = [[0, 0, 39.4, 59.4, 20, 40, 20.0, 63.4], [0, 1, 63.4, 83.4, 0, 0, 0.0, nan],
            [0, 0, 87.4, 107.4, 20, 40, 20.0, 111.4], [0, 1, 111.4, 131.4, 0, 0, 0.0, nan]]
    np.testing.assert_equal(np.array(sail), np.array(want))
    a, b = trace.services["ferry"].idle_intervals()
    np.testing.assert_allclose(a, [0.0, 83.4, 131.4])
    np.testing.assert_allclose(b, [35.4, 83.4, np.nan])


def test_ferry_kpis_follow_from_the_trace(trace):
    K = kpis.compute(trace)
    y = "2024"
    assert K[("sailings_by_service", y, "ferry")] == 2
    assert K[("teu_by_service", y, "ferry")] == 80
    assert K[("vessel_fill_rate", y, "ferry")] == 1.0
    assert K[("vessel_fill_rate", y, "ferry:return")] == 0.0
    # 80 TEU loaded at west, 80 unloaded at east; 80 across the Caspian
    assert K[("caspian_teu", y, "west")] == 80
    assert K[("caspian_teu", y, "east")] == 80
    assert K[("caspian_teu", y, "all")] == 80
    # idle at home 0-35.4 and 131.4-168 of 168 h in service
    assert K[("vessel_utilisation", y, "ferry")] == pytest.approx(1 - (35.4 + 36.6) / 168)
    # dwell at the west port: (39.4 - 29.4 + 87.4 - 53.4) / 2 = 22 h, of which 1 h
    # handling, 5 h customs, 16 h waiting for the ferry, berthing and loading
    assert K[("port_dwell_hours_mean", y, "west")] == pytest.approx(22.0)
    assert K[("port_handling_hours_mean", y, "west")] == pytest.approx(1.0)
    assert K[("port_customs_hours_mean", y, "west")] == pytest.approx(5.0)
    assert K[("port_consolidation_hours_mean", y, "west")] == pytest.approx(16.0)
    assert K[("transit_time_days_mean", y, "middle_corridor")] == pytest.approx(
        (80.4 - np.mean(trace.store.t_created[:20]) + 128.4
         - np.mean(trace.store.t_created[20:])) / 2 / 24)


def test_sea_passages_in_the_container_records(trace):
    from sim.measure.intervals import sea_legs
    legs = sea_legs(trace)
    got = np.column_stack([legs[f"sea1_{k}"] for k in ("port_arrive", "sailed", "landed",
                                                        "port_depart")])
    assert by_train(got) == ([29.4, 39.4, 63.4, 68.4], [53.4, 87.4, 111.4, 116.4])
    assert (legs["sea1_service"] == 0).all() and "sea2_service" not in legs


CLOSURES = [{"date": "2024-01-31", "close": "west", "days": 1},
            {"date": "2024-02-01", "close": "east", "days": 2}]


def test_closure_at_home_holds_the_load_and_the_sailing():
    # west closed to shipping 24-48 h: train A's boxes are ready at 35.4 but no load is
    # released until the reopening at 48; berth 48-50, load 50-52, sail at 52. East
    # closed 48-96 h: the ferry reaches its anchorage at 72 and waits to berth until 96;
    # 2 h berthing and 2 h unloading land the load at 100, cleared at 105, delivered at
    # 105 + 12 = 117.
    out = run(timeline=CLOSURES)
    first = out.services["ferry"].sailings[0]
    assert [round(x, 9) for x in (first.sailed_h, first.arrived_h)] == [52.0, 72.0]
    assert by_train(visits(out, "east"))[0] == [72.0, 100.0, 105.0, 105.0]
    assert out.store.t_delivered[0] == pytest.approx(117.0)
    assert [[round(a, 9), round(b, 9)] for a, b in out.ports["west"].closures] == [[24, 48]]
    K = kpis.compute(out)
    assert K[("closure_hours", "2024", "west")] == pytest.approx(24.0)
    assert K[("closure_hours", "2024", "east")] == pytest.approx(48.0)


def test_storms_stop_every_sailing_while_they_last():
    out = run(TOY_SEA, **{"services.ferry.fleet": 5, "nodes.west.disruptions": [
        {"kind": "storm", "events_per_year": 150, "duration_h": {"dist": "lognormal",
                                                                  "mean": 30, "cv": 0.5}}]})
    shut = columns(out.ports["west"].closures, Span)
    assert len(shut.from_h) >= 10, "the fixture should storm often"
    sail = columns(out.services["ferry"].sailings, Sailing)
    home = sail.sailed_h[sail.direction == 0]
    inside = ((home[:, None] >= shut.from_h) & (home[:, None] < np.nan_to_num(
        shut.to_h, nan=np.inf))).any(axis=1)
    assert not inside.any(), "a vessel sailed from a closed port"
    assert len(home) > 50
    # and the storms cost something: fewer boxes delivered than without them
    calm = run(TOY_SEA, **{"services.ferry.fleet": 5})
    assert np.isfinite(out.store.t_delivered).sum() < np.isfinite(calm.store.t_delivered).sum()


def test_fleet_change_on_its_date():
    # a second ferry from 2024-02-02 (72 h): it starts at the west port, where train B's
    # boxes have been ready since 59.4, so the load is released at once: berth 72-74,
    # load 74-76, sail at 76
    out = run(timeline=[{"date": "2024-02-02", "set": {"services.ferry.fleet": 2}}])
    sail = [[round(x, 9) for x in (s.vessel, s.direction, s.sailed_h)]
            for s in out.services["ferry"].sailings if s.direction == 0]
    assert sail == [[0, 0, 39.4], [1, 0, 76.0]]
    assert out.services["ferry"].active == [(0.0, 1), (72.0, 2)]


@pytest.fixture(scope="module")
def busy():
    # storms, a slow ferry and a small yard, so boxes are at every stage at the end
    return run(TOY_SEA, **{"services.ferry.fleet": 4, "nodes.west.port.yard_capacity_teu": 800,
                           "nodes.east.disruptions": [
                               {"kind": "storm", "events_per_year": 30,
                                "duration_h": {"dist": "constant", "value": 48}}]})


def test_every_container_is_in_one_place_across_the_sea(busy):
    where = location.locate(busy)
    stacked = np.vstack(list(where.values())).astype(int)
    assert (stacked.sum(axis=0) == 1).all()
    for place in ("at_port", "at_sea", "on_rail", "delivered"):
        assert where[place].any(), place
    K = kpis.compute(busy)
    parts = sum(K[("containers_in_system", "run", p)]
                for p in ("at_origin", "on_rail", "at_crossing", "at_port", "at_sea"))
    assert parts == K[("containers_in_system", "run", "all")]
    assert K[("containers_created", "run", "all")] == (
        K[("containers_delivered", "run", "all")] + K[("containers_in_system", "run", "all")])


def test_sea_conservation_by_load(busy):
    # every box that sailed from west was landed at east once, or is still aboard (the
    # vessels' own state, kept apart from the logs the KPIs read)
    svc = busy.services["ferry"]
    sailed = np.concatenate([r for r, s in zip(svc.sailing_rows, svc.sailings)
                             if s.direction == 0])
    assert len(np.unique(sailed)) == len(sailed)
    east = busy.ports["east"].visits(busy.calendar.end_h)
    landed = east["row"][east["kind"] == 1]
    assert len(np.unique(landed)) == len(landed)
    aboard = svc.aboard()
    assert set(sailed) == set(landed) | (set(aboard) & set(sailed))
    assert not set(landed) & set(aboard)
    assert set(np.flatnonzero(location.locate(busy)["at_sea"])) == set(sailed) - set(landed)


def test_port_yard_holds_exactly_the_boxes_in_it(busy):
    # west: TEU unloaded from trains, not yet handed to a vessel (loaded or aboard),
    # plus space reserved by trains being unloaded
    st, west, svc = busy.store, busy.ports["west"], busy.services["ferry"]
    v = west.visits(busy.calendar.end_h)
    gone = set(np.concatenate(svc.sailing_rows)) | set(svc.aboard())
    here = [r for r, u, d in zip(v["row"], v["unloaded"], v["depart"])
            if u == u and d != d and r not in gone]
    reserved = west.yard.level - st.teu[here].sum()
    inside = sum(t.teu for t in west._inside.values())
    assert 0 <= reserved <= inside
    assert west.yard.level > 0.5 * west.cfg.yard_capacity_teu, "the fixture should fill it"


def test_same_seed_same_sea():
    a, b = run(TOY_SEA), run(TOY_SEA)
    assert a.services["ferry"].sailings == b.services["ferry"].sailings
    np.testing.assert_array_equal(a.store.t_delivered, b.store.t_delivered)


def test_closure_effects_by_hand():
    from sim.measure.monitors import closure_effects
    a = np.array([0.0, 1.0, 2.0, 10.0])
    b = np.array([5.0, 6.0, np.nan, 11.0])
    fx = closure_effects(a, b, np.array([[1.5, 3.0], [12.0, np.nan]]), end=20.0)
    # closure 1: stays [0,5), [1,6), [2,end) meet it; 2 present at its start, 3 after the
    # reopening, back to 2 when the first leaves at 5: recovered 2 h after reopening
    np.testing.assert_allclose(fx[0], [3, 3, 2.0])
    # closure 2 never ends: one stay meets it, never recovered
    np.testing.assert_allclose(fx[1], [1, 1, np.nan])


def test_disruption_kpis_of_the_closures_by_hand():
    # as test_closure_at_home_holds_the_load_and_the_sailing: west shut 24-48 h holds
    # train A's 20 boxes (there since 29.4) until the sailing at 52, 4 h after reopening;
    # east shut 48-96 h: they reach its anchorage at 72 and leave by train at 105, 9 h
    # after reopening
    out = run(timeline=CLOSURES)
    K = kpis.compute(out)
    for port, hours in (("west", 4.0), ("east", 9.0)):
        assert K[("disruption_events", "2024", port)] == 1
        assert K[("disruption_boxes_delayed", "2024", port)] == 20
        assert K[("disruption_peak_backlog", "2024", port)] == 20
        assert K[("disruption_recovery_hours_mean", "2024", port)] == pytest.approx(hours)
        assert K[("disruption_unrecovered", "2024", port)] == 0
    # no closure configured: none counted, no box caught; no peak or recovery (undefined)
    K = kpis.compute(run())
    assert K[("disruption_events", "2024", "west")] == 0
    assert K[("disruption_boxes_delayed", "2024", "west")] == 0
    assert np.isnan(K[("disruption_peak_backlog", "2024", "west")])
    assert np.isnan(K[("disruption_recovery_hours_mean", "2024", "west")])


def test_sea_passage_columns_of_boxes_not_yet_landed():
    # east shut for the whole run: boxes sail from west and never land; their landing
    # columns stay empty (none borrows another box's times)
    from sim.measure.intervals import sea_legs
    out = run(TOY_SEA, timeline=[{"date": "2023-12-25", "close": "east", "days": 200}])
    legs = sea_legs(out)
    sailed = np.isfinite(legs["sea1_sailed"])
    assert sailed.any()
    assert np.isnan(legs["sea1_landed"][sailed]).all()
    assert np.isnan(legs["sea1_port_depart"][sailed]).all()
    assert set(np.flatnonzero(sailed)) == set(out.services["ferry"].aboard()) | set(
        np.flatnonzero(location.locate(out)["at_sea"]))


@pytest.mark.parametrize("date, active, sailed", [
    # withdrawn while idle at home (since 0): at once, nothing ever sails
    ("2024-01-31", [(0.0, 1), (24.0, 0)], []),
    # withdrawn while at the far port: it finishes the round trip and stops when home
    # again at 83.4; train B's boxes never sail
    ("2024-02-01", [(0.0, 1), (83.4, 0)], [[0, 0, 39.4], [0, 1, 63.4]]),
])
def test_fleet_withdrawn_on_its_date(date, active, sailed):
    out = run(timeline=[{"date": date, "set": {"services.ferry.fleet": 0}}])
    svc = out.services["ferry"]
    assert [(round(t, 9), n) for t, n in svc.active] == active
    assert [[round(x, 9) for x in (s.vessel, s.direction, s.sailed_h)]
            for s in svc.sailings] == sailed
    assert out.ports["west"].berths.used == 0


def test_fleet_cut_and_restored_keeps_vessel_ids_apart():
    # three ferries, cut to one, then back to three: the new vessels get new ids, and
    # every vessel's sailings alternate out and back
    out = run(TOY_SEA, timeline=[{"date": "2024-01-15", "set": {"services.ferry.fleet": 1}},
                                 {"date": "2024-02-01", "set": {"services.ferry.fleet": 3}}])
    sail = columns(out.services["ferry"].sailings, Sailing)
    ids = sorted(set(sail.vessel.astype(int)))
    assert len(ids) >= 4  # 0, 1, 2 and at least one newcomer
    for k in ids:
        d = sail.direction[sail.vessel == k]
        assert (d[::2] == 0).all() and (d[1::2] == 1).all(), k
    assert [a.vessels for a in out.services["ferry"].active][-1] == 3


def test_timetable_sailing_takes_a_vessel_arriving_at_the_slot():
    # one slot a day at 12 h. Train A's boxes are ready at 35.4: slot 36, berth 36-38,
    # load 38-40, sail 40; back home at exactly 84 = a slot, where train B's boxes (ready
    # since 59.4; the 60 h slot found no vessel) are taken: berth 84-86, sail 88
    out = run(**{"services.ferry.sailing": {"rule": "timetable", "departures_per_day": 1,
                                            "first_departure_h": 12}})
    home = [round(s.sailed_h, 9) for s in out.services["ferry"].sailings if s.direction == 0]
    assert home == [40.0, 88.0]


def test_return_loads_ride_back():
    # an eastbound flow on the same route rides the ferries' way back
    out = run(TOY_SEA, **{"services.ferry.fleet": 5, "nodes.omega.boxes_per_train": 60,
                          "demand.flows.back": {"origin": "omega", "destination": "alpha",
                                                "containers_per_year": 5000,
                                                "routes": {"sea": 1.0}}})
    K = kpis.compute(out)
    assert K[("teu_by_service", "2024", "ferry:return")] > 0
    back = out.store.flow == list(out.scenario.demand.flows).index("back")
    assert np.isfinite(out.store.t_delivered[back]).sum() > 0.5 * back.sum()
    # each return load was landed at the home port: sailed back = landed at west by sea
    sail = columns(out.services["ferry"].sailings, Sailing)
    ret = (sail.direction == 1) & (sail.boxes > 0)
    west = out.ports["west"].visits(out.calendar.end_h)
    landed_rows = west["row"][west["kind"] == 1]
    assert len(landed_rows) == sail.boxes[ret & np.isfinite(sail.landed_h)].sum()


def test_crossing_after_the_sea_on_the_btk_route():
    # a China -> Istanbul flow via Aktau, Alat and the Akhalkalaki gauge change: boxes
    # cross the Caspian, then a border (their second crossing, after Altynkol), and arrive
    from .conftest import BASELINE
    s = load_scenario(BASELINE, overrides={
        "horizon.start": "2024-03-01", "horizon.end": "2024-05-01",
        "horizon.warmup_days": 60,
        # (the choice needs a route's prior; no baseline flow uses this one: assumption)
        "routes.middle_corridor_btk.prior_transit_days": 30,
        "demand.flows.xian_turkey": {"origin": "xian", "destination": "istanbul",
                                     "containers_per_year": 20000,
                                     "routes": {"middle_corridor_btk": 1.0}}})
    out = Model(s).run()
    st = out.store
    f = list(s.demand.flows).index("xian_turkey")
    mine = st.flow == f
    ak = out.node_ids.index("akhalkalaki")
    crossed = mine & (st.crossing[1] == ak)
    assert crossed.sum() > 500
    done = mine & np.isfinite(st.t_delivered)
    assert done.sum() > 300 and (st.crossing[1][done] == ak).all()
    sailed = st.t_crossing["arrive"][1][done] > st.t_crossing["depart"][0][done]
    assert sailed.all()  # Akhalkalaki after Altynkol, with the sea between
    K = kpis.compute(out)
    assert K[("containers_by_crossing", "2024", "akhalkalaki")] > 0
    assert K[("transit_time_days_mean", "2024", "middle_corridor_btk")] > 15


def test_a_vessel_load_split_between_two_onward_pools_wakes_both():
    """A landed load whose boxes go on by two paths joins two formation pools; each must
    release its train by its own rule (here: 10 h after the boxes are ready, a train of
    up to 57). A bug woke only the last pool, so the first held its boxes until some
    later arrival woke it (in the baseline, weeks at Alat)."""
    m = Model(load_scenario(TOY_SEA))
    port = m.ports["east"]
    rule = {"rule": "full_or_max_wait", "max_wait_h": 10}
    left: dict[str, list[tuple[float, int]]] = {"a": [], "b": []}
    pools = {}
    for key in ("a", "b"):
        p = port.pool(("test", key), 57, lambda idx, t, teu, key=key:
                      left[key].append((t, len(idx))))
        p.rule, p.max_wait_h = rule["rule"], rule["max_wait_h"]
        pools[key] = p
    rows = np.arange(6)

    def dispatch(idx):
        return [(idx[:4], pools["a"]), (idx[4:], pools["b"])]
    k = len(port.sea_rows)
    port.land(rows, int(m.store.teu[rows].sum()), 0.0, dispatch)
    m.env.run(until=24 * 20)
    t_ready = port.sea_rows[k][1]
    assert left["a"] == [(pytest.approx(t_ready + 10), 4)]
    assert left["b"] == [(pytest.approx(t_ready + 10), 2)]
