"""One fleet, several lines (sim.scenario.fleets, sim.engine.facilities.fleet): a fleet of
two ferries on two lines with the oldest-waiting rule traced by hand, the fixed rule, a
one-line fixed fleet that runs exactly as a service's own vessels, timeline additions and
withdrawals, conservation of boxes, vessels and background units, and the scenario
errors (one line per problem)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
import simpy

import sim.engine.model as model_module
from sim.engine.facilities.fleet import oldest_uncovered_h
from sim.engine.facilities.sea_traffic import BackgroundQueue, SharedLoad
from sim.engine.logs import Sailing, columns
from sim.engine.model import Model
from sim.measure import kpis, location
from sim.scenario.fleets import apportion
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.scenario.schema import Departure
from sim.scenario.summary import describe
from tests.conftest import child_writer

from .conftest import expect_errors

HERE = Path(__file__).parent / "scenarios"
TRACE = HERE / "trace_fleet.toml"
# south's railcars: 40 on day 0 (unit k at 0.6 k h), none on day 1, 25 on day 2 (unit
# 40 + j at 48 + 0.96 j h)
SOUTH = np.array([40, 0, 25] + [0] * 20)


def run(path=TRACE, counts=None, **overrides):
    """A model run whose background counts are ``counts`` (per service: field -> per
    day) instead of drawn; returns the model (its fleets) and the output."""
    s = load_scenario(path, overrides=overrides)
    real = model_module.service_counts
    known = counts if counts is not None else {"ferry2": {"railcars_out": SOUTH}}
    model_module.service_counts = (lambda svc, sid, cal, draws: dict(known.get(sid, {}))
                                   if svc.background is not None else {})
    try:
        m = Model(s)
        return m, m.run()
    finally:
        model_module.service_counts = real


def rounded(sailings):
    return [tuple(round(x, 9) for x in s) for s in sailings]


def test_apportion():
    assert apportion(14, [7, 7]) == [7, 7]
    assert apportion(15, [7, 7]) == [8, 7]
    assert apportion(5, [2, 1]) == [3, 2]  # 3.33 and 1.67: the larger remainder (.67) first
    assert apportion(3, [0, 0]) == [2, 1]


def test_oldest_uncovered_by_hand():
    # a pool of 4 boxes ready at 10 and 3 at 30 (2 units of space each) and railcars
    # offered 1 an hour from hour 0 (4 taken): at 40 the waiting cargo, oldest first, is
    # railcars 5.. (offered 5, 6, ...), boxes at 10, ...
    env = simpy.Environment()
    q = BackgroundQueue(np.array([24, 24]), 1.0)
    q.take(4)
    pool = SharedLoad(env, Departure.model_validate({"rule": "full"}), 100, lambda *a: None,
                      lambda: False, queues=[q], usable=1000, box_space=2.0)
    pool.add_batch(np.arange(4), 10.0)
    pool.add_batch(np.arange(4, 7), 30.0)
    # waiting at 40: railcars 5..40 (36) + 7 boxes (14) = 50 units of space
    assert oldest_uncovered_h(pool, 40.0, 0) == 5.0
    assert oldest_uncovered_h(pool, 40.0, 50) == np.inf
    # 10 covered: railcars offered 5..9 (5) and... by 10 h: 6 railcars + 8 box space = 14
    # > 10, by 9.99: 5 railcars -> the 11th unit is a box ready at 10
    assert oldest_uncovered_h(pool, 40.0, 10) == pytest.approx(10.0, abs=1e-4)
    # 30 covered: by 22 h 18 railcars + 8 = 26; by 24: 20 + 8 = 28, by 26 h 22 + 8 = 30,
    # by 27 h 31 > 30 -> the 31st unit is the railcar offered at 27 h
    assert oldest_uncovered_h(pool, 40.0, 30) == pytest.approx(27.0, abs=1e-4)


def test_two_ferries_two_lines_oldest_waiting_by_hand():
    # Both ferries start at south (20 railcars a ferry, 2 h berthing, 10 railcars an hour,
    # 8 h south -> east, 20 h west <-> east); west's boxes are train A's 20 (ready 35.4)
    # and train B's 20 (59.4), as in trace_sea.
    # * 12.0: railcar 20 offered at south -> ferry 0 loads 1..20: berth 14, load 16, sail,
    #   east 24, berth 26, unloaded 28: released. West: nothing ready (A at 35.4); south:
    #   railcars 21..40 were taken by ferry 1 at 24 -> both inf, no ferry coming to
    #   either: the first line, west.
    # * 24.0: railcar 40 -> ferry 1 loads 21..40, sails 28, east 36, unloaded 40:
    #   released. West: A's 20 ready, but ferry 0 is coming (20 railcars of deck) -> inf;
    #   south: nothing waits (day 1 is empty) -> inf; ties: west has 1 ferry coming,
    #   south none -> south. Ferry 1 at south 48, waits.
    # * ferry 0 at west 48: A's 20 -> berth 50, load 52, sail, east 72, berth 74, unload
    #   76: released. West: B's 20 ready at 59.4, none coming -> 59.4. South: ferry 1 took
    #   railcars 41..60 at 67.2 (unit 60 at 48 + 0.96 x 20); 61..65 wait (offered from
    #   68.16), none coming -> 68.16. West's cargo is older: west.
    # * ferry 1 (sailed 71.2) at east 79.2, berth 81.2, unload 83.2: released. West: B is
    #   covered by ferry 0 -> inf; south: 61..65 uncovered -> south; at south 91.2 it
    #   waits for 20 railcars that never come.
    # * ferry 0 at west 96 takes B: sail 100, east 120, unloaded 124: released. Nothing
    #   uncovered anywhere; west has no ferry coming, south has ferry 1: west (at 144).
    m, out = run()
    assert m.fleets["caspian"].decisions == [
        (28.0, "ferry2", "ferry"), (40.0, "ferry2", "ferry2"), (76.0, "ferry", "ferry"),
        (83.2, "ferry2", "ferry2"), (124.0, "ferry", "ferry")]
    nan = float("nan")
    west, south = out.services["ferry"], out.services["ferry2"]
    np.testing.assert_equal(np.array(rounded(west.sailings)), np.array([
        (0, 1, 28, 48, 0, 0, 0, nan), (0, 0, 52, 72, 20, 40, 20, 76),
        (0, 1, 76, 96, 0, 0, 0, nan), (0, 0, 100, 120, 20, 40, 20, 124),
        (0, 1, 124, 144, 0, 0, 0, nan)]))
    np.testing.assert_equal(np.array(rounded(south.sailings)), np.array([
        (0, 0, 16, 24, 0, 0, 0, 28), (1, 0, 28, 36, 0, 0, 0, 40),
        (1, 1, 40, 48, 0, 0, 0, nan), (1, 0, 71.2, 79.2, 0, 0, 0, 83.2),
        (1, 1, 83.2, 91.2, 0, 0, 0, nan)]))
    assert south.bg_sailed == [(20, 0), (20, 0), (0, 0), (20, 0), (0, 0)]
    assert south.background_waiting(0, out.calendar.end_h) == (5, 0)
    # each line's vessels in service follow the assignments: west from 28 on, south 2 -> 1
    assert [(a.from_h, a.vessels) for a in west.active][:2] == [(0, 0), (28.0, 1)]
    assert [(a.from_h, a.vessels) for a in south.active][:2] == [(0, 2), (28.0, 1)]
    # every box delivered or in one place
    where = location.locate(out)
    assert (np.vstack(list(where.values())).astype(int).sum(axis=0) == 1).all()


def test_ships_are_split_in_proportion_to_the_lines_shares():
    m, out = run(**{"fleets.caspian": {"ships": 5, "allocation": "fixed",
                                       "ships_per_line": {"ferry": 2, "ferry2": 1}}})
    assert [out.services[s].active[0].vessels for s in ("ferry", "ferry2")] == [3, 2]
    assert m.fleets["caspian"].targets() == [3, 2]


def test_check_says_how_a_fixed_fleet_and_its_timeline_change_are_split_as_the_run_does():
    # 5 ships at 2 : 1 start 3 + 2; from 31 Jan a sixth, split 4 + 2 (its gap is ferry's)
    over = {"fleets.caspian": {"ships": 5, "allocation": "fixed",
                               "ships_per_line": {"ferry": 2, "ferry2": 1}},
            "timeline": [{"date": "2024-01-31", "set": {"fleets.caspian.ships": 6}}]}
    text = describe(load_scenario(TRACE, overrides=over))
    assert re.search(r"ferry +ferry .*: 3 of fleet caspian \(5 ships, fixed\) x ", text)
    assert re.search(r"ferry2 +ferry .*: 2 of fleet caspian \(5 ships, fixed\) x ", text)
    assert "2024-01-31: fleets.caspian.ships = 6 (ferry 4, ferry2 2)" in text
    m, out = run(**over)
    assert m.fleets["caspian"].targets() == [4, 2]
    assert [out.services[s].fleet for s in ("ferry", "ferry2")] == [4, 2]
    over["fleets.caspian"]["allocation"] = "oldest_waiting"
    assert ": fleet caspian (5 ships, oldest_waiting) x " in describe(
        load_scenario(TRACE, overrides=over))


def test_fixed_allocation_keeps_each_line_its_ferry():
    m, out = run(**{"fleets.caspian.allocation": "fixed",
                    "fleets.caspian.ships_per_line": {"ferry": 1, "ferry2": 1}})
    d = m.fleets["caspian"].decisions
    assert d and all(a == b for _, a, b in d)
    assert {s.vessel for s in out.services["ferry"].sailings} == {0}
    assert {s.vessel for s in out.services["ferry2"].sailings} == {1}


def test_a_one_line_fixed_fleet_runs_as_the_services_own_vessels():
    storms = [{"kind": "storm", "events_per_year": 20,
               "duration_h": {"dist": "constant", "value": 36}}]
    own = Model(load_scenario(HERE / "toy_sea.toml", overrides={
        "nodes.east.disruptions": storms})).run()
    m, pooled = run(HERE / "toy_sea.toml", counts={}, **{
        "nodes.east.disruptions": storms, "services.ferry.fleet": 0,
        "services.ferry.fleet_pool": "f",
        "fleets": {"f": {"ships": 3, "allocation": "fixed",
                         "ships_per_line": {"ferry": 3}}}})
    a, b = own.services["ferry"], pooled.services["ferry"]
    assert len(a.sailings) > 100
    np.testing.assert_equal(np.array(a.sailings), np.array(b.sailings))
    np.testing.assert_equal(own.store.t_delivered, pooled.store.t_delivered)


def test_timeline_adds_ships_at_the_base_and_withdraws_them_there():
    # a third ferry from 31 Jan 00:00 (hour 24) starts at east and is assigned at once;
    # from 2 Feb (hour 72) the fleet is cut to one: ferries leave as they are released
    m, out = run(**{"timeline": [
        {"date": "2024-01-31", "set": {"fleets.caspian.ships": 3}},
        {"date": "2024-02-02", "set": {"fleets.caspian.ships": 1}}]})
    f = m.fleets["caspian"]
    d = f.decisions
    # new at the base at 24, berthed at 26: west has nothing, south is covered; ties:
    # neither has a ferry coming (ferry 1 loaded at 24) -> the first line
    assert d[0] == (26.0, "", "ferry")
    withdrawn = [x for x in d if x[2] == ""]
    assert len(withdrawn) == 2 and all(t >= 72 for t, _, _ in withdrawn)
    assert f.in_service == 1
    lines = out.services
    assert lines["ferry"].fleet + lines["ferry2"].fleet == 1
    assert 2 in {s.vessel for s in lines["ferry"].sailings}


def test_conservation_on_two_lines_in_a_stormy_year():
    counts = {"ferry": {"railcars_out": np.full(400, 20), "railcars_back": np.full(400, 9),
                        "trucks_out": np.full(400, 7), "trucks_back": np.full(400, 3)},
              "ferry2": {"railcars_out": np.full(400, 30), "railcars_back": np.full(400, 12),
                         "trucks_out": np.full(400, 2), "trucks_back": np.full(400, 1)}}
    m, out = run(HERE / "toy_sea.toml", counts=counts, **{
        "services.ferry.fleet": 0, "services.ferry.fleet_pool": "f",
        "services.ferry.background": {"railcars_out": {"per_day": 1, "base_year": 2024},
                                      "tonnes_per_railcar": 75, "tonnes_per_truck": 24},
        "services.ferry.sailing": {"rule": "full_or_max_wait", "max_wait_h": 24},
        "nodes.south": {"name": "South port", "kind": "port", "country": "TM",
                        "region": "central_asia", "lon": 53.0, "lat": 40.0,
                        "gauge_mm": 1520,
                        "port": {"sea": "caspian", "berths": 1, "receiving_tracks": 1,
                                 "siding_length_m": 1000, "cranes": 1,
                                 "crane_moves_per_h": 20, "yard_capacity_teu": 3000,
                                 "customs_dwell_h": {"dist": "constant", "value": 5},
                                 "train_boxes": 20}},
        "services.ferry2": {"kind": "ferry", "from": "south", "to": "east",
                            "fleet_pool": "f", "capacity_railcars": 54,
                            "load_factor": 0.75, "handling_per_h": 20,
                            "berthing_h": {"dist": "constant", "value": 2},
                            "crossing_h": {"dist": "constant", "value": 12},
                            "sailing": {"rule": "full_or_max_wait", "max_wait_h": 24},
                            "background": {"railcars_out": {"per_day": 1,
                                                            "base_year": 2024},
                                           "tonnes_per_railcar": 75,
                                           "tonnes_per_truck": 24}},
        "fleets": {"f": {"ships": 4, "allocation": "oldest_waiting"}},
        "timeline": [{"date": "2024-01-15", "set": {"fleets.f.ships": 6}},
                     {"date": "2024-02-10", "set": {"fleets.f.ships": 3}}],
        "nodes.east.disruptions": [{"kind": "storm", "events_per_year": 20,
                                    "duration_h": {"dist": "constant", "value": 36}}]})
    end = out.calendar.end_h
    days = int(end // 24)
    for sid in ("ferry", "ferry2"):
        fields = ("railcars", "trucks")
        svc = out.services[sid]
        sailed = np.array(svc.bg_sailed)
        dirs = np.array([s.direction for s in svc.sailings])
        for d, way in enumerate(("out", "back")):
            offered = np.array([counts[sid][f"{u}_{way}"][:days].sum() for u in fields])
            assert svc.background_offered(d, end) == tuple(offered)
            carried = sailed[dirs == d].sum(axis=0)
            waiting = np.array(svc.background_waiting(d, end))
            aboard = np.array(svc.background_aboard(d))
            assert (carried > 0).all(), (sid, way)
            assert (offered == carried + waiting + aboard).all(), (sid, way)
    # the ferries went both ways between the lines, and every vessel is counted once
    f = m.fleets["f"]
    assert {(a, b) for _, a, b in f.decisions} >= {("ferry", "ferry2"), ("ferry2", "ferry")}
    # 4 + 2 added - 3 withdrawn at the base: 3 in service, each on one line
    assert sum(1 for _, _, b in f.decisions if b == "") == 3
    assert f.in_service == 3 == sum(out.services[s].fleet for s in ("ferry", "ferry2"))
    where = location.locate(out)
    assert (np.vstack(list(where.values())).astype(int).sum(axis=0) == 1).all()
    K = kpis.compute(out)
    assert K[("containers_created", "run", "all")] == (
        K[("containers_delivered", "run", "all")] + K[("containers_in_system", "run", "all")])


# -- scenario errors: one line per problem, naming the dotted field ----------------------
ERRORS = [
    ("[services.ferry2]\nfleet_pool = \"caspain\"\n",
     ["services.ferry2.fleet_pool: unknown fleet 'caspain' (did you mean 'caspian'?)"]),
    ("[services.ferry2]\nfleet = 2\n",
     ["services.ferry2: a service has its own fleet (2) or a fleet_pool, not both (fleet "
      "= 0 with a fleet_pool)"]),
    ("[services.ferry]\nfleet_pool = \"other\"\n[services.ferry2]\nfleet_pool = \"other\"\n"
     "[fleets.other]\nships = 1\nallocation = \"oldest_waiting\"\n",
     ["trace_fleet.toml: fleets.caspian: no service names it (give a service fleet_pool = "
      "\"caspian\")"]),
    ("[services.ferry2]\nto = \"west\"\n",
     ["services.ferry2.to: the lines of fleet 'caspian' end at one far port, its base "
      "('east' as on 'ferry'), where vessels pass from line to line; this one ends at "
      "'west'"]),
    ("[services.ferry2]\ncapacity_railcars = 30\n",
     ["trace_fleet.toml: services.ferry2.fleet_pool: the vessels of fleet 'caspian' are alike: this line's "
      "(ferry of 30 railcars at load_factor 1) differ from those of 'ferry' (ferry of 20 "
      "railcars at load_factor 1)"]),
    ("[fleets.caspian]\nships_per_line = { ferry = 1, ferry3 = 1 }\n",
     ["fleets.caspian.ships_per_line.ferry3: 'ferry3' is not a line of fleet 'caspian' "
      "(its lines: ferry, ferry2)"]),
    ("[fleets.caspian]\nallocation = \"fixed\"\nships_per_line = { ferry = 0, ferry2 = 0 }\n",
     ["fleets.caspian.ships_per_line: a fixed allocation needs some line with ships (every "
      "share is 0)"]),
    ("[fleets.caspian]\nallocation = \"nearest\"\n",
     ["fleets.caspian.allocation: 'nearest' is not allowed (allowed: fixed, "
      "oldest_waiting)"]),
    ("[services.ferry]\nfleet_pool = \"\"\n",
     ["services.ferry.fleet_pool: unknown fleet '' (allowed: caspian)"]),
    ("[[timeline]]\ndate = 2024-02-01\nset = { \"services.ferry.fleet\" = 2 }\n",
     ["timeline[0].set.services.ferry.fleet: the line's vessels come from fleet "
      "'caspian' (set 'fleets.caspian.ships')"]),
    ("[[timeline]]\ndate = 2024-02-01\nset = { \"fleets.caspian.ships\" = 2.5 }\n",
     ["timeline[0].set.fleets.caspian.ships: must be a whole number (got 2.5)"]),
    ("[[timeline]]\ndate = 2024-02-01\nset = { \"fleets.caspain.ships\" = 2 }\n",
     ["timeline[0].set.fleets.caspain.ships: unknown fleet 'caspain' (did you mean "
      "'caspian'?)"]),
    # a misspelt field of a dated change named at its full path, as in the fleet's table
    ("[[timeline]]\ndate = 2024-02-01\nset = { \"fleets.caspian.ship\" = 2 }\n",
     ["timeline[0].set.fleets.caspian.ship: unknown key (did you mean 'ships'?)"]),
    ("[fleets.caspian]\nship = 2\n",
     ["fleets.caspian.ship: unknown key (did you mean 'ships'?)"]),
]


@pytest.fixture
def scen(tmp_path, monkeypatch):
    return child_writer(tmp_path, monkeypatch, "trace_fleet.toml",
                        ("toy.toml", "toy_sea.toml", "trace_sea.toml"))


@pytest.mark.parametrize("snippet, lines", ERRORS, ids=[f"case{i}" for i in range(len(ERRORS))])
def test_scenario_errors(scen, snippet, lines):
    expect_errors(scen(snippet), lines)


def test_a_service_needs_vessels_or_a_fleet(scen):
    with pytest.raises(ConfigError, match="services.ferry3: a service needs fleet"):
        load_scenario(scen("[services.ferry3]\nkind = \"ferry\"\nfrom = \"south\"\nto = "
                           "\"west\"\ncapacity_railcars = 20\nhandling_per_h = 10\n"
                           "berthing_h = { dist = \"constant\", value = 2 }\n"
                           "crossing_h = { dist = \"constant\", value = 8 }\n"))


def test_a_fixed_fleet_gives_every_line_its_ships():
    with pytest.raises(ConfigError, match=r"\Aerror: overrides: fleets.caspian.ships_per_line: "
                       r"a fixed allocation gives every line its ships \(missing: ferry2\)\Z"):
        load_scenario(TRACE, overrides={"fleets.caspian": {
            "ships": 2, "allocation": "fixed", "ships_per_line": {"ferry": 2}}})


def test_a_services_fleet_cut_withdraws_exactly_the_ships_cut():
    # eight ferries, cut to six on 20 January while five wait idle at home: two leave
    # the fleet and six keep sailing to the end. (Before, all five idle ships were
    # withdrawn, each counted off only when it resumed, so the count to withdraw went
    # below zero and every ship coming home after was withdrawn too: the line stopped
    # two days later — fleet 0 and no sailing after hour 713 of 1,680. In
    # kuryk_terminal, Aktau's feeders cut 16 -> 10 stopped the Aktau line.)
    toy_sea = Path(__file__).parent / "scenarios" / "toy_sea.toml"
    s = load_scenario(toy_sea, overrides={
        "services.ferry.fleet": 8,
        "timeline": [{"date": "2024-01-20", "set": {"services.ferry.fleet": 6}}]})
    out = Model(s, seed=1).run()
    svc = out.services["ferry"]
    cut = out.calendar.hours(dt.date(2024, 1, 20))
    sizes = [(a.from_h, a.vessels) for a in svc.active]
    assert sizes == [(0.0, 8), (cut, 6)]
    assert svc.retire == 0
    sails = columns(svc.sailings, Sailing)
    late = sails.sailed_h[sails.sailed_h > out.calendar.end_h - 30 * 24]
    assert len(late) > 5  # still sailing in the last 30 days


@pytest.mark.parametrize("second, end", [(8, 8), (5, 5)])
def test_two_fleet_changes_at_the_same_hour(second, end):
    # a cut and then another change on the same date (a scenario and one extending it):
    # the second sees the ships the first withdrew as gone (before, they still counted
    # until they resumed: 8 -> 6 -> 8 ended at 6, 8 -> 6 -> 5 at 3)
    toy_sea = Path(__file__).parent / "scenarios" / "toy_sea.toml"
    s = load_scenario(toy_sea, overrides={
        "services.ferry.fleet": 8,
        "timeline": [{"date": "2024-01-20", "set": {"services.ferry.fleet": 6}},
                     {"date": "2024-01-20", "set": {"services.ferry.fleet": second}}]})
    out = Model(s, seed=1).run()
    svc = out.services["ferry"]
    assert svc.active[-1].vessels == end and svc.fleet == end and svc.retire == 0
