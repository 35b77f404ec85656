"""Containers located positively (sim.measure.location): every box in exactly one named
place, found by the stamps that put it there; the same counts as the KPIs report on every toy
scenario and a short baseline run; and a box deleted from a log, or one stage of one box
un-stamped, is reported."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest

from sim.engine.model import Model
from sim.measure import location
from sim.scenario.loading import load_scenario

from .conftest import BASELINE, HERE

SCENARIOS = sorted(p.name for p in (HERE / "scenarios").glob("*.toml"))


def check_everywhere(out) -> None:
    """Every box in exactly one place at the end and at hours through the run, and the
    places grouped as the KPIs group them (the quick form the KPIs use, without the train
    checks) agree with the fully checked ones at the end."""
    count, problems = location.survey(out)
    assert problems == []
    assert (sum(count.values()) == 1).all()
    full, quick = location.locate(out), location.locate(out, trains=False)
    assert list(full) == list(quick) == ["delivered", "refused", "at_origin", "at_crossing",
                                         "at_port", "at_sea", "on_rail"]
    for key in full:
        np.testing.assert_array_equal(quick[key], full[key], err_msg=key)
    for f in (0.0, 0.2, 0.45, 0.7, 0.95):
        t = f * out.calendar.end_h
        where = location.locate(out, at_h=t)
        assert (np.vstack(list(where.values())).sum(axis=0) == 1).all()
        created = out.store.t_created <= t
        assert (where["not_created"] == ~created).all()


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_box_in_one_place_on_the_toy_scenarios(name):
    out = Model(load_scenario(HERE / "scenarios" / name), seed=4).run()
    check_everywhere(out)


def test_every_box_in_one_place_on_a_short_baseline_run():
    s = load_scenario(BASELINE, overrides={"horizon.start": "2024-03-01",
                                           "horizon.end": "2024-03-20",
                                           "horizon.warmup_days": 25})
    out = Model(s).run()
    check_everywhere(out)
    where = location.locate(out)
    for place in ("at_origin", "on_rail", "at_crossing", "at_port", "at_sea", "delivered"):
        assert where[place].any(), place


def test_places_follow_the_exact_ferry_trace():
    # trace_sea (tests/test_ports.py): train A's boxes leave alpha at 23.4 h, reach the
    # west port at 29.4, are unloaded 30.4, ready 35.4, released to the ferry 35.4, sail
    # 39.4, are landed at east 63.4 (the ferry reached the anchorage at 59.4), ready 68.4
    # and leave by train at once, delivered 80.4
    out = Model(load_scenario(HERE / "scenarios" / "trace_sea.toml")).run()
    train_a = slice(0, 20)
    assert location.places(out, at_h=23.3)["not_created"][19]  # created at 23.4 h
    for t, place in ((23.3, "at_origin"), (23.4, "on_train"), (25.0, "on_train"),
                     (30.0, "port_handling"),
                     (32.0, "port_customs"), (37.0, "port_loading"), (40.0, "on_vessel"),
                     (60.0, "on_vessel"), (64.0, "port_customs"), (70.0, "on_train"),
                     (81.0, "delivered")):
        fine = location.places(out, at_h=t)
        rows = slice(0, 19) if t == 23.3 else train_a
        assert fine[place][rows].all(), (t, place)


# -- the check can fail -------------------------------------------------------------


@pytest.fixture(scope="module")
def chain():
    # congested, so that at the end boxes wait at every stage of the crossing
    return Model(load_scenario(HERE / "scenarios" / "toy_chain.toml", overrides={
        "demand.flows.west.containers_per_year": 60_000,
        "nodes.gate.crossing.cranes": 1}), seed=5).run()


@pytest.fixture(scope="module")
def sea():
    return Model(load_scenario(HERE / "scenarios" / "toy_sea.toml", overrides={
        "services.ferry.fleet": 4, "nodes.west.port.yard_capacity_teu": 800}), seed=5).run()


@contextmanager
def altered(out, array: np.ndarray, index, value):
    """Set ``array[index] = value`` for the block, then restore it; derived records
    cached on the run output are dropped either way."""
    old = array[index].copy() if isinstance(array[index], np.ndarray) else array[index]
    array[index] = value
    out.cache.clear()
    try:
        yield
    finally:
        array[index] = old
        out.cache.clear()


def first(mask: np.ndarray) -> int:
    rows = np.flatnonzero(mask)
    assert len(rows), "the fixture should have such a box"
    return int(rows[0])


def red(out, row: int, at_h: float | None = None) -> str:
    with pytest.raises(location.LocationError) as err:
        location.locate(out, at_h=at_h)
    assert f"container {row} " in str(err.value)
    return str(err.value)


def test_the_fixtures_pass_unaltered(chain, sea):
    check_everywhere(chain)
    check_everywhere(sea)


UNSTAMPED = ["crossing arrive", "crossing unloaded", "crossing depart", "delivery",
             "origin departure"]


@pytest.mark.parametrize("what", UNSTAMPED)
def test_one_stage_of_one_box_unstamped_is_reported(chain, what):
    st = chain.store
    tc = st.t_crossing
    done = np.isfinite(st.t_delivered)
    if what == "crossing arrive":  # delivered, but never reached the crossing
        r = first(done & np.isfinite(tc["arrive"][0]))
        array, index = tc["arrive"], (0, r)
    elif what == "crossing unloaded":  # waiting at the crossing for its train
        r = first(np.isfinite(tc["ready"][0]) & np.isnan(tc["depart"][0]))
        array, index = tc["unloaded"], (0, r)
    elif what == "crossing depart":  # on the train after the crossing
        r = first(np.isfinite(tc["depart"][0]) & ~done)
        array, index = tc["depart"], (0, r)
    elif what == "delivery":  # the rest of its train was delivered
        r = first(done & np.isfinite(tc["arrive"][0]))
        array, index = st.t_delivered, r
    else:  # on its first train at the end: it would seem to be still at the origin
        r = first(np.isfinite(st.t_depart_origin) & np.isnan(tc["arrive"][0]))
        array, index = st.t_depart_origin, r
    with altered(chain, array, index, np.nan):
        red(chain, r)
    location.locate(chain)  # restored


def test_a_box_deleted_from_a_sailing_is_reported(sea):
    svc = sea.services["ferry"]
    j = first(np.array([len(r) > 0 and s.direction == 0 and s.landed_h == s.landed_h
                        for s, r in zip(svc.sailings, svc.sailing_rows)]))
    r = int(svc.sailing_rows[j][0])
    with altered(sea, svc.sailing_rows, j, svc.sailing_rows[j][1:]):
        assert "from no sailing" in red(sea, r)
        # and while it was at sea: found in no place
        mid = (svc.sailings[j].sailed_h + svc.sailings[j].arrived_h) / 2
        assert "in no place" in red(sea, r, at_h=mid)


def test_a_box_at_sea_deleted_from_its_sailing_is_in_no_place(sea):
    svc = sea.services["ferry"]
    aboard = set(svc.aboard().tolist())
    j = first(np.array([s.landed_h != s.landed_h and len(r) > 0
                        and int(r[0]) in aboard
                        for s, r in zip(svc.sailings, svc.sailing_rows)]))
    r = int(svc.sailing_rows[j][0])
    with altered(sea, svc.sailing_rows, j, svc.sailing_rows[j][1:]):
        assert "in no place" in red(sea, r)


def test_a_box_deleted_from_a_ports_outbound_train_is_reported(sea):
    east = sea.ports["east"]
    r = int(east.out_rows[0][0])
    with altered(sea, east.out_rows, 0, east.out_rows[0][1:]):
        red(sea, r)


def test_a_box_deleted_from_a_crossing_train_is_reported(chain):
    # still stamped as having left the crossing, but no logged train carried it
    xing = chain.crossings["gate"]
    j = first(np.array([len(rows) > 1 for rows in xing.out_rows]))
    r = int(xing.out_rows[j][0])
    with altered(chain, xing.out_rows, j, xing.out_rows[j][1:]):
        assert "logged trains" in red(chain, r)
