"""Container wagons rolling on to a rail ferry at its home port from the ferry sidings: a
cycle traced by hand, a train held on its track by full sidings, conservation of boxes
and siding railcars in a busy run, the port's KPIs and the location of every box, the
scenario errors, and nothing changed where no service rolls wagons on."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sim.engine.model import Model
from sim.measure import kpis, location
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from tests.conftest import child_writer

from .conftest import expect_errors

HERE = Path(__file__).parent / "scenarios"
TRACE = HERE / "trace_roll_on.toml"
NAN = float("nan")


def run(path=TRACE, **overrides):
    return Model(load_scenario(path, overrides=overrides)).run()


def stays(out, pid="west"):
    """The port's visits in row order, as columns arrive, unloaded, ready, release,
    depart; and their kinds."""
    v = out.ports[pid].visits(out.calendar.end_h)
    o = np.argsort(v["row"], kind="stable")
    cols = np.column_stack([v[k][o] for k in ("arrive", "unloaded", "ready", "release",
                                              "depart")])
    return cols, v["kind"][o], v["row"][o]


@pytest.fixture(scope="module")
def traced():
    return run()


def test_wagons_roll_on_wait_the_dwell_and_sail(traced):
    # As trace_sea: train A (boxes 0-19, all 40 ft: 20 railcars) reaches the west port at
    # 29.4 and train B (20-39) at 53.4. A takes the one track, its 20 railcars fit on the
    # sidings (20 of 40), it is shunted onto them in 0.5 h (29.9), frees the track, and
    # its wagons are ready after the 4 h dwell (33.9): a full ferry load of 20, released
    # at once to the vessel waiting at anchor; berth 2 h (35.9), load 20 railcars at
    # 10/h (37.9), sail 20 h (57.9), berth and unload at east (61.9), landed into the
    # yard there, customs 5 h (66.9), a full train of 20 to omega, 12 h: 78.9. The
    # vessel is back at 81.9. B: on the sidings at 53.9, ready 57.9, released when the
    # vessel is home (81.9), sails 85.9, lands 109.9, leaves east 114.9, omega 126.9.
    svc = traced.services["ferry"]
    got = [(s.direction, round(s.sailed_h, 9), round(s.arrived_h, 9), s.boxes, s.units)
           for s in svc.sailings]
    assert got == [(0, 37.9, 57.9, 20, 20.0), (1, 61.9, 81.9, 0, 0.0),
                   (0, 85.9, 105.9, 20, 20.0), (1, 109.9, 129.9, 0, 0.0)]
    cols, kind, rows = stays(traced)
    assert (kind == 3).all() and (rows == np.arange(40)).all()
    np.testing.assert_allclose(cols[:20], [[29.4, 29.9, 33.9, 33.9, 37.9]] * 20)
    np.testing.assert_allclose(cols[20:], [[53.4, 53.9, 57.9, 81.9, 85.9]] * 20)
    want = np.repeat([78.9, 126.9], 20)
    np.testing.assert_allclose(traced.store.t_delivered, want, atol=1e-9)
    west = traced.ports["west"]
    assert west.sidings is not None
    np.testing.assert_allclose(west.sidings.log, [(29.4, 29.9, 33.9), (53.4, 53.9, 57.9)])
    # no train unloaded, no crane worked, nothing left on the sidings
    assert west.log == [] and west.crane_log == [(0.0, west.cfg.cranes)]
    assert west.sidings.railcars.level == 0 and not west.sidings.on.any()


def test_roll_on_spends_no_yard_teu_at_home(level_puts):
    out = run()
    west = out.ports["west"]
    assert not [a for y, a in level_puts if y == id(west.yard)]
    assert [a for y, a in level_puts if y == id(west.sidings.railcars)] == [20, 20]  # railcars
    assert [a for y, a in level_puts if y == id(out.ports["east"].yard)] == [40, 40]  # TEU
    assert west.yard.level == 0


def test_the_port_kpis_read_the_stay_on_the_sidings(traced):
    K = kpis.compute(traced)
    y = "2024"
    # handling: arrival -> on the sidings (0.5 h each); customs: the 4 h dwell;
    # consolidation: ready -> sailed, A 37.9 - 33.9 = 4, B 85.9 - 57.9 = 28
    assert K[("port_handling_hours_mean", y, "west")] == pytest.approx(0.5)
    assert K[("port_customs_hours_mean", y, "west")] == pytest.approx(4.0)
    assert K[("port_consolidation_hours_mean", y, "west")] == pytest.approx(16.0)
    assert K[("port_dwell_hours_mean", y, "west")] == pytest.approx((8.5 + 32.5) / 2)
    assert K[("yard_occupancy_teu_mean", y, "west")] == 0
    assert K[("teu_by_service", y, "ferry")] == 80
    # the boxes are found at the west port while there (on the sidings: port places)
    for t, place in ((29.6, "port_handling"), (31.0, "port_customs"),
                     (60.0, "port_waiting"), (83.0, "port_loading")):
        count, problems = location.survey(traced, at_h=t)
        assert problems == []
        box = 0 if t < 50 else 20
        assert count[place][box] == 1, (t, place)


def test_full_sidings_hold_the_train_on_its_track():
    # Sidings of 39 railcars and a 30 h dwell: A is on the sidings 29.9-59.9 (ready at
    # 59.9, taken by the ferry at once), so B, arriving at 53.4, finds 20 + 20 > 39 and
    # waits on its receiving track until A's wagons leave the sidings at 59.9; shunted by
    # 60.4, ready 90.4. A: berth 61.9, load 63.9, at east 83.9, unloaded 87.9, customs
    # 92.9, omega 104.9. The vessel is home at 107.9 and takes B: berth 109.9, load 111.9,
    # at east 131.9, unloaded 135.9, customs 140.9, omega 152.9.
    out = run(**{"nodes.west.port.ferry_sidings_railcars": 39,
                 "services.ferry.roll_on_dwell_h": {"dist": "constant", "value": 30}})
    cols, kind, _rows = stays(out)
    np.testing.assert_allclose(cols[0], [29.4, 29.9, 59.9, 59.9, 63.9])
    np.testing.assert_allclose(cols[20], [53.4, 60.4, 90.4, 107.9, 111.9])
    np.testing.assert_allclose(out.store.t_delivered[[0, 39]], [104.9, 152.9])
    K = kpis.compute(out)
    assert K[("port_handling_hours_mean", "2024", "west")] == pytest.approx((0.5 + 7) / 2)
    # B waited 6.5 h on its track for room on the sidings, then 0.5 h of shunting


def test_a_train_held_to_the_end_is_in_the_port():
    # sidings of 39 and a dwell of 100 h: A's wagons are ready at 129.9 and sail; B waits
    # on its track from 53.4 until they leave the sidings, and its dwell runs past the end
    out = run(**{"nodes.west.port.ferry_sidings_railcars": 39,
                 "services.ferry.roll_on_dwell_h": {"dist": "constant", "value": 100}})
    cols, kind, _rows = stays(out)
    end = out.calendar.end_h  # 168: A's wagons are ready at 129.9 and sail
    assert end == 168
    np.testing.assert_allclose(cols[0], [29.4, 29.9, 129.9, 129.9, 133.9])
    # B got room at 129.9, was on the sidings at 130.4, ready at 230.4 (after the end)
    np.testing.assert_allclose(cols[20], [53.4, 130.4, NAN, NAN, NAN])
    where = location.locate(out)
    assert (np.vstack(list(where.values())).astype(int).sum(axis=0) == 1).all()
    count, problems = location.survey(out, at_h=100.0)
    assert problems == [] and count["port_handling"][20:].all()  # B on its track
    assert out.ports["west"].sidings.railcars.level == 20


def test_conservation_of_boxes_and_siding_railcars_in_a_busy_run():
    # The toy corridor with 20 ft boxes (half a railcar each), three ferries, background
    # railcars sharing them, storms at the west port and sidings of 99 railcars (one
    # load short of full plus one train of 60): the sidings fill and trains wait. The
    # wagons roll off at the east port: from train to train, never in a yard.
    out = run(HERE / "toy_sea.toml", **{
        "services.ferry.roll_off_dwell_h": {"dist": "constant", "value": 4},
        "nodes.west.port.ferry_sidings_railcars": 99,
        "nodes.west.port.ferry_shunt_h": 1.0,
        "services.ferry.roll_on_dwell_h": {"dist": "lognormal", "mean": 12, "cv": 0.5},
        "services.ferry.background": {"railcars_out": {"per_day": 15, "base_year": 2024},
                                      "tonnes_per_railcar": 75},
        "nodes.west.disruptions": [{"kind": "storm", "events_per_year": 20,
                                    "duration_h": {"dist": "constant", "value": 36}}]})
    st, west = out.store, out.ports["west"]
    sidings = west.sidings
    cols, kind, rows = stays(out)
    assert (kind == 3).all() and len(rows) > 3000
    arrive, on, ready, release, depart = cols.T
    # wagons standing on the sidings now: shunted on, not yet taken by a ferry
    standing = np.isfinite(on) & np.isnan(release)
    assert set(np.flatnonzero(sidings.on)) == set(rows[standing])
    assert sidings.railcars.level == pytest.approx(st.teu[sidings.on].sum() / 2)
    assert 0 < sidings.railcars.level <= 99
    # some trains waited for room or a track (beyond their 1 h of shunting)
    assert np.nanmax(on - arrive) > 24
    # nothing went through the west yard or its cranes, nor the east yard
    assert west.log == [] and west.yard.level == 0
    east = out.ports["east"].visits(out.calendar.end_h)
    assert (east["kind"] == 2).all() and len(east["row"]) > 2000
    assert out.ports["east"].yard.level == 0
    # every box in one place, at the end and on the way
    where = location.locate(out)
    assert (np.vstack(list(where.values())).astype(int).sum(axis=0) == 1).all()
    for t in (500.0, 900.0, 1300.0):
        assert location.survey(out, at_h=t)[1] == []
    K = kpis.compute(out)
    assert K[("containers_created", "run", "all")] == (
        K[("containers_delivered", "run", "all")] + K[("containers_in_system", "run", "all")])
    # the boxes' railcars sailed are the railcars they took on the sidings (teu / 2)
    svc = out.services["ferry"]
    sailed = [r for r, s in zip(svc.sailing_rows, svc.sailings) if s.direction == 0]
    assert sum(s.units for s in svc.sailings) == pytest.approx(
        st.teu[np.concatenate(sailed)].sum() / 2)
    assert set(np.concatenate(sailed)) == set(rows[np.isfinite(depart)])


def test_nothing_changes_where_no_service_rolls_wagons_on():
    # sidings at the west port but no roll_on_dwell_h: trace_sea as it was (the boxes
    # are unloaded into the yard, 1 h of cranes, 5 h of customs)
    plain = run(HERE / "trace_sea.toml")
    with_sidings = run(HERE / "trace_sea.toml",
                       **{"nodes.west.port.ferry_sidings_railcars": 40})
    assert with_sidings.ports["west"].sidings is None
    assert with_sidings.services["ferry"].sailings == plain.services["ferry"].sailings
    a, kind, _ = stays(plain)
    b, _, _ = stays(with_sidings)
    np.testing.assert_array_equal(a, b)
    assert (kind == 0).all()
    np.testing.assert_allclose(a[0], [29.4, 30.4, 35.4, 35.4, 39.4])


# -- scenario errors: one line per problem, naming the dotted field ----------------------
SIDINGS = "[nodes.west.port]\nferry_sidings_railcars = {}\n"
ERRORS = [
    (SIDINGS.format(0), ["nodes.west.port.ferry_sidings_railcars: must be > 0 (got 0)"]),
    ("[nodes.west.port]\nferry_shunt_h = -1\n",
     ["nodes.west.port.ferry_shunt_h: must be >= 0 (got -1)"]),
    ("[services.ferry]\nroll_on_dwell_h = { dist = \"constant\", value = -2 }\n",
     ["services.ferry.roll_on_dwell_h.value: must be >= 0 (got -2)"]),
    (SIDINGS.format(10),
     ["nodes.west.port.ferry_sidings_railcars: 10 railcars cannot take one inbound train "
      "of 20 boxes (up to 20 railcars) sailing on 'ferry'"]),
    (SIDINGS.format(30),
     ["nodes.west.port.ferry_sidings_railcars: 30 railcars can deadlock under sailing rule "
      "'full' of 'ferry' (needs >= 39: a load short of full plus one inbound train, or use "
      "'full_or_max_wait')"]),
]


@pytest.fixture
def scen(tmp_path, monkeypatch):
    return child_writer(tmp_path, monkeypatch, "trace_roll_on.toml",
                        ("toy.toml", "toy_sea.toml", "trace_sea.toml"))


@pytest.mark.parametrize("snippet, lines", ERRORS, ids=[f"case{i}" for i in range(len(ERRORS))])
def test_scenario_errors(scen, snippet, lines):
    expect_errors(scen(snippet), lines)


def test_sidings_that_only_hold_a_train_do_under_full_or_max_wait(scen):
    s = load_scenario(scen(SIDINGS.format(30) + "[services.ferry]\n"
                           "sailing = { rule = \"full_or_max_wait\", max_wait_h = 12 }\n"))
    assert s.nodes["west"].port.ferry_sidings_railcars == 30


def test_a_roll_on_service_needs_sidings_at_home():
    over = {"nodes.west.port.ferry_sidings_railcars": None}
    msg = ("error: overrides: nodes.west.port.ferry_sidings_railcars: needed: service "
           "'ferry' rolls wagons on here (roll_on_dwell_h); the railcars the ferry sidings "
           "hold, with its source")
    with pytest.raises(ConfigError, match=rf"\A{re.escape(msg)}\Z"):
        load_scenario(TRACE, overrides=over)


def test_a_feeder_rolls_nothing_on():
    over = {"services.ferry.kind": "feeder", "services.ferry.capacity_railcars": None,
            "services.ferry.capacity_teu": 40}
    # (the field is the scenario file's: the message names the file)
    msg = ("services.ferry.roll_on_dwell_h: a feeder takes no wagons from the home port's "
           "sidings; only a ferry rolls wagons on")
    with pytest.raises(ConfigError, match=rf"\Aerror: [^\n]*trace_roll_on.toml: "
                                          rf"{re.escape(msg)}\Z"):
        load_scenario(TRACE, overrides=over)
