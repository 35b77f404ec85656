"""Ports and vessel services: an exact ferry cycle worked out by hand, closures that stop
berthing and sailing, conservation across the sea, and the sea KPIs."""

import numpy as np
import pytest

from sim import kpis
from sim.config import load_scenario
from sim.model import Model

from .conftest import HERE

TRACE = HERE / "scenarios" / "trace_sea.toml"
TOY_SEA = HERE / "scenarios" / "toy_sea.toml"


def run(path=TRACE, **overrides):
    return Model(load_scenario(path, overrides=overrides)).run()


def visits(out, port):
    """Per box (row order): arrive, unloaded, ready, depart hours at the port."""
    v = out.ports[port].visits(out.store.n, out.calendar.end_h)
    o = np.argsort(v["row"])
    return np.column_stack([v[k][o] for k in ("arrive", "unloaded", "ready", "depart")])


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
    # waited at the berth since 2.0 (berthed at 0, 2 h berthing); rule full: 20 boxes =
    # 20 railcars = a load, released at 35.4, loaded in 2 h, sails 37.4, crosses in 20 h
    # (57.4), berths 2 h and unloads 2 h (61.4), clearance 5 h (66.4), a train of 20
    # leaves at once (rule full) and runs 12 h to omega (78.4). The ferry takes nothing
    # back, sails 61.4, is home at 81.4 and ready at 83.4. Train B (a day later) is ready
    # at the west port at 59.4 but waits for the ferry: loaded 83.4-85.4, and so on.
    st = trace.store
    np.testing.assert_allclose(st.t_depart_origin[[0, 20]], [23.4, 47.4], atol=1e-9)
    np.testing.assert_allclose(st.t_delivered[[0, 20]], [78.4, 126.4], atol=1e-9)
    assert by_train(visits(trace, "west")) == ([29.4, 30.4, 35.4, 37.4],
                                               [53.4, 54.4, 59.4, 85.4])
    assert by_train(visits(trace, "east")) == ([57.4, 61.4, 66.4, 66.4],
                                               [105.4, 109.4, 114.4, 114.4])
    sail = [[round(x, 9) for x in s] for s in trace.services["ferry"].sailings]
    # vessel, direction, sails, reaches the far anchorage, boxes, TEU, railcars
    assert sail == [[0, 0, 37.4, 57.4, 20, 40, 20.0], [0, 1, 61.4, 81.4, 0, 0, 0.0],
                    [0, 0, 85.4, 105.4, 20, 40, 20.0], [0, 1, 109.4, 129.4, 0, 0, 0.0]]
    a, b = trace.services["ferry"].idle_intervals()
    np.testing.assert_allclose(a, [2.0, 83.4, 131.4])
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
    # idle at home 2.0-35.4 and 131.4-168 of 168 h in service
    assert K[("vessel_utilisation", y, "ferry")] == pytest.approx(1 - (33.4 + 36.6) / 168)
    # dwell at the west port: (37.4 - 29.4 + 85.4 - 53.4) / 2 = 20 h, of which 1 h
    # handling, 5 h customs, 14 h waiting for the ferry and loading
    assert K[("port_dwell_hours_mean", y, "west")] == pytest.approx(20.0)
    assert K[("port_handling_hours_mean", y, "west")] == pytest.approx(1.0)
    assert K[("port_customs_hours_mean", y, "west")] == pytest.approx(5.0)
    assert K[("port_consolidation_hours_mean", y, "west")] == pytest.approx(14.0)
    assert K[("transit_time_days_mean", y, "middle_corridor")] == pytest.approx(
        (78.4 - np.mean(trace.store.t_created[:20]) + 126.4
         - np.mean(trace.store.t_created[20:])) / 2 / 24)


def test_closure_at_home_holds_the_load_and_the_sailing():
    # west closed to shipping 24-48 h: train A's boxes are ready at 35.4 but no load is
    # released until the reopening at 48; loaded 48-50, sails 50. East closed 48-72 h:
    # the ferry reaches the anchorage at 70 and waits to berth until 72; 2 h berthing and
    # 2 h unloading land the load at 76, cleared at 81, delivered at 81 + 12 = 93.
    out = run(timeline=[{"date": "2024-01-31", "close": "west", "days": 1},
                        {"date": "2024-02-01", "close": "east", "days": 1}])
    first = out.services["ferry"].sailings[0]
    assert [round(x, 9) for x in first[2:4]] == [50.0, 70.0]
    assert by_train(visits(out, "east"))[0] == [70.0, 76.0, 81.0, 81.0]
    assert out.store.t_delivered[0] == pytest.approx(93.0)
    assert [[round(a, 9), round(b, 9)] for a, b in out.ports["west"].closures] == [[24, 48]]
    K = kpis.compute(out)
    assert K[("closure_hours", "2024", "west")] == pytest.approx(24.0)
    assert K[("closure_hours", "2024", "east")] == pytest.approx(24.0)


def test_storms_stop_every_sailing_while_they_last():
    out = run(TOY_SEA, **{"services.ferry.fleet": 5, "nodes.west.disruptions": [
        {"kind": "storm", "events_per_year": 150, "duration_h": {"dist": "lognormal",
                                                                  "mean": 30, "cv": 0.5}}]})
    shut = np.array(out.ports["west"].closures, float)
    assert len(shut) >= 10, "the fixture should storm often"
    sail = np.array(out.services["ferry"].sailings, float)
    home = sail[sail[:, 1] == 0, 2]
    inside = ((home[:, None] >= shut[:, 0]) & (home[:, None] < np.nan_to_num(
        shut[:, 1], nan=np.inf))).any(axis=1)
    assert not inside.any(), "a vessel sailed from a closed port"
    assert len(home) > 50
    # and the storms cost something: fewer boxes delivered than without them
    calm = run(TOY_SEA, **{"services.ferry.fleet": 5})
    assert np.isfinite(out.store.t_delivered).sum() < np.isfinite(calm.store.t_delivered).sum()


def test_fleet_change_on_its_date():
    # a second ferry from 2024-02-02 (72 h): it starts at the west port at once, berths
    # 72-74 and takes train B's boxes (ready since 59.4) at 74, sailing at 76
    out = run(timeline=[{"date": "2024-02-02", "set": {"services.ferry.fleet": 2}}])
    sail = [[round(x, 9) for x in s[:3]] for s in out.services["ferry"].sailings
            if s[1] == 0]
    assert sail == [[0, 0, 37.4], [1, 0, 76.0]]
    assert out.services["ferry"].active == [(0.0, 1), (72.0, 2)]


@pytest.fixture(scope="module")
def busy():
    # storms, a slow ferry and a small yard, so boxes are at every stage at the end
    return run(TOY_SEA, **{"services.ferry.fleet": 4, "nodes.west.port.yard_capacity_teu": 800,
                           "nodes.east.disruptions": [
                               {"kind": "storm", "events_per_year": 30,
                                "duration_h": {"dist": "constant", "value": 48}}]})


def test_every_container_is_in_one_place_across_the_sea(busy):
    where = kpis.locate(busy)
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
    # every box that sailed from west was landed at east, is waiting at east's anchorage
    # or berth, or is at sea; landed boxes are counted once
    svc = busy.services["ferry"]
    sail = np.array(svc.sailings, float)
    out_rows = [r for r, s in zip(svc.sailing_rows, sail) if s[1] == 0]
    sailed = np.concatenate(out_rows)
    assert len(np.unique(sailed)) == len(sailed)
    east = busy.ports["east"].visits(busy.store.n, busy.calendar.end_h)
    landed = east["row"][east["kind"] == 1]
    assert set(landed) <= set(sailed)
    at_sea = kpis.locate(busy)["at_sea"]
    assert len(sailed) == len(landed) + at_sea.sum()
    # the yard never held more than its capacity
    west = busy.ports["west"]
    assert west.yard.level <= west.cfg.yard_capacity_teu


def test_same_seed_same_sea():
    a, b = run(TOY_SEA), run(TOY_SEA)
    assert a.services["ferry"].sailings == b.services["ferry"].sailings
    np.testing.assert_array_equal(a.store.t_delivered, b.store.t_delivered)


def test_closure_effects_by_hand():
    from sim.monitors import closure_effects
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
    # train A's 20 boxes (arrived 29.4) until the sailing at 50, 2 h after reopening;
    # east shut 48-72 h: they reach its anchorage at 70 and leave by train at 81, 9 h
    # after reopening
    out = run(timeline=[{"date": "2024-01-31", "close": "west", "days": 1},
                        {"date": "2024-02-01", "close": "east", "days": 1}])
    K = kpis.compute(out)
    for port, hours in (("west", 2.0), ("east", 9.0)):
        assert K[("disruption_events", "2024", port)] == 1
        assert K[("disruption_boxes_delayed", "2024", port)] == 20
        assert K[("disruption_peak_backlog", "2024", port)] == 20
        assert K[("disruption_recovery_hours_mean", "2024", port)] == pytest.approx(hours)
        assert K[("disruption_unrecovered", "2024", port)] == 0
    # no closure configured: no disruption rows
    assert ("disruption_events", "2024", "west") not in kpis.compute(run())
