"""Rail ferries that roll wagons off and vessels shared with background traffic: a ferry
cycle and a feeder cycle traced by hand with known background counts, conservation of
boxes, railcars and background units, roll-off without the yard, the sharing rule, and
the scenario errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import simpy

import sim.engine.model as model_module
from sim.engine.facilities.sea_traffic import BackgroundQueue, SharedLoad
from sim.engine.model import Model
from sim.measure import kpis, location
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.scenario.schema import Departure
from tests.conftest import child_writer

from .conftest import expect_errors

HERE = Path(__file__).parent / "scenarios"
TRACE = HERE / "trace_ferry_traffic.toml"
KNOWN = np.array([12, 12] + [0] * 20)  # railcars (or TEU) offered per day, from hour 0


def run(path=TRACE, counts=None, **overrides):
    """A run whose background counts are ``counts`` (field -> per day) instead of drawn."""
    s = load_scenario(path, overrides=overrides)
    real = model_module.service_counts
    known = counts if counts is not None else {"railcars_out": KNOWN}
    model_module.service_counts = (lambda svc, sid, cal, draws:
                                   dict(known) if svc.background is not None else {})
    try:
        return Model(s).run()
    finally:
        model_module.service_counts = real


@pytest.fixture(scope="module")
def ferry():
    return run()


def rounded(sailings):
    return [[round(x, 9) for x in s] for s in sailings]


def test_background_queue_by_hand():
    q = BackgroundQueue(np.array([12, 0, 6]), 1.0)
    # day 0: unit j at 2j h; day 2: unit j at 48 + 4j h
    assert [q.arrived(t) for t in (0, 1.99, 2, 23.9, 24, 47, 52, 72, 500)] == [
        0, 0, 1, 11, 12, 12, 13, 18, 18]
    assert q.arrival_h(1) == 2 and q.arrival_h(12) == 24 and q.arrival_h(13) == 52
    assert q.arrival_h(19) == np.inf
    q.take(12)
    assert q.waiting(50) == 0 and q.oldest_h(50) == np.inf
    assert q.waiting(60) == 3 and q.oldest_h(60) == 52


def test_ferry_cycle_with_background_wagons(ferry):
    # Train A's 20 boxes are ready at the west port at 35.4 (as in trace_sea); railcars
    # arrive every 2 h on days 0 and 1, so 17 wait then (12 + those of 26..34 h). 37 units
    # of space wait for a ferry of 20: in proportion, 20 x 20/37 = 10.8 -> 10 boxes,
    # 20 x 17/37 = 9.2 -> 9 railcars, and the one left goes to a box: 11 boxes + 9
    # railcars. Berth 35.4-37.4, load 20 units at 10/h to 39.4, cross to 59.4, berth to
    # 61.4, unload to 63.4; the 11 wagons roll off, wait 3 h (66.4) and leave as a train
    # to omega (12 h: 78.4). Home empty at 83.4: 9 + 20 boxes and 24 - 9 = 15 railcars
    # wait (44 > 20): 20 x 29/44 = 13.2 -> 13 boxes, 20 x 15/44 = 6.8 -> 6 railcars, the
    # one left to a box: 14 + 6; berth, load, sail 87.4, land 111.4, leave 114.4, at omega
    # 126.4. Home at 131.4: 15 boxes + 9 railcars (24 > 20): 12.5 -> 12 and 7.5 -> 7,
    # one left to a box: 13 + 7, sail 135.4, land 159.4, leave 162.4 (at omega after the
    # end, 168). Left at west: 2 boxes and 2 railcars.
    svc = ferry.services["ferry"]
    nan = float("nan")
    np.testing.assert_equal(np.array(rounded(svc.sailings)), np.array([
        [0, 0, 39.4, 59.4, 11, 22, 11.0, 63.4], [0, 1, 63.4, 83.4, 0, 0, 0.0, nan],
        [0, 0, 87.4, 107.4, 14, 28, 14.0, 111.4], [0, 1, 111.4, 131.4, 0, 0, 0.0, nan],
        [0, 0, 135.4, 155.4, 13, 26, 13.0, 159.4], [0, 1, 159.4, nan, 0, 0, 0.0, nan]]))
    assert svc.bg_sailed == [(9, 0), (0, 0), (6, 0), (0, 0), (7, 0), (0, 0)]
    st = ferry.store
    want = np.full(40, np.nan)
    want[:11], want[11:25] = 78.4, 126.4
    np.testing.assert_allclose(st.t_delivered, want, atol=1e-9)
    assert svc.background_waiting(0, ferry.calendar.end_h) == (2, 0)
    assert len(svc.out_pool) == 2


def test_roll_off_uses_no_yard_and_no_reformation(ferry):
    east = ferry.ports["east"]
    v = east.visits(ferry.calendar.end_h)
    assert (v["kind"] == 2).all() and len(v["row"]) == 38
    o = np.argsort(v["row"])
    got = np.column_stack([v[k][o] for k in ("arrive", "unloaded", "ready", "depart",
                                              "release")])
    np.testing.assert_allclose(got[0], [59.4, 63.4, 66.4, 66.4, 66.4])
    np.testing.assert_allclose(got[11], [107.4, 111.4, 114.4, 114.4, 114.4])
    # the outbound trains are the rolled-off cuts as they stood, not trains of 20
    assert [(round(t, 9), n) for t, n, _ in east.out_log] == [(66.4, 11), (114.4, 14),
                                                              (162.4, 13)]
    assert not east.pools or all(len(p) == 0 for p in east.pools.values())
    assert east.yard.level == 0 and east.crane_log == [(0.0, east.cfg.cranes)]
    K = kpis.compute(ferry)
    assert K[("yard_occupancy_teu_mean", "2024", "east")] == 0
    assert K[("port_consolidation_hours_mean", "2024", "east")] == 0
    assert K[("port_customs_hours_mean", "2024", "east")] == pytest.approx(3.0)


def test_roll_off_spends_no_yard_teu(level_puts):
    out = run()
    assert not [a for y, a in level_puts if y == id(out.ports["east"].yard)]
    assert [a for y, a in level_puts if y == id(out.ports["west"].yard)] == [40, 40]


def test_ferry_kpis_total_and_modelled(ferry):
    K = kpis.compute(ferry)
    y = "2024"
    assert K[("teu_by_service", y, "ferry")] == 76
    assert K[("service_teu_total", y, "ferry")] == 76  # no background TEU on a ferry
    assert K[("ferry_railcars_total", y, "ferry")] == 38 + 22
    assert K[("ferry_trucks_total", y, "ferry")] == 0
    assert K[("ferry_railcars_total", y, "ferry:return")] == 0
    assert K[("ferry_railcars_total", y, "ferry:both")] == 60
    tonnes = 76 * ferry.scenario.demand.tonnes_per_teu + 22 * 75
    assert K[("service_tonnes_total", y, "ferry")] == pytest.approx(tonnes)
    assert K[("background_waiting_at_end", "run", "ferry:railcars")] == 2
    assert K[("background_offered", "run", "ferry:railcars")] == 24


def test_conservation_of_boxes_railcars_and_background_units():
    # a busy year on the toy: storms, draws, several ferries, both directions offered
    counts = {"railcars_out": np.full(400, 20), "railcars_back": np.full(400, 9),
              "trucks_out": np.full(400, 7), "trucks_back": np.full(400, 3)}
    out = run(HERE / "toy_sea.toml", counts=counts, **{
        "services.ferry.roll_off_dwell_h": {"dist": "constant", "value": 4},
        "services.ferry.background": {"railcars_out": {"per_day": 1, "base_year": 2024},
                                      "tonnes_per_railcar": 75, "tonnes_per_truck": 24},
        "services.ferry.sailing": {"rule": "full_or_max_wait", "max_wait_h": 24},
        "nodes.east.disruptions": [{"kind": "storm", "events_per_year": 20,
                                    "duration_h": {"dist": "constant", "value": 36}}]})
    svc, end = out.services["ferry"], out.calendar.end_h
    sailed = np.array(svc.bg_sailed)
    dirs = np.array([s.direction for s in svc.sailings])
    for d, way in enumerate(("out", "back")):
        days = int(end // 24)
        offered = np.array([counts[f"railcars_{way}"][:days].sum(),
                            counts[f"trucks_{way}"][:days].sum()])
        assert svc.background_offered(d, end) == tuple(offered)
        carried = sailed[dirs == d].sum(axis=0)
        waiting = np.array(svc.background_waiting(d, end))
        aboard = np.array(svc.background_aboard(d))
        assert (carried > 0).all()
        assert (offered == carried + waiting + aboard).all(), way
    # no load ever over the usable deck: boxes x 1 railcar + railcars + trucks x 1.12
    usable = 54 * 0.75
    space = np.array([s.boxes for s in svc.sailings]) + sailed @ np.array([1.0, 1.12])
    assert space.max() <= usable + 1e-9 and space.max() > 0.9 * usable
    # how full they sailed, year by year: that space over the usable deck offered
    K = kpis.compute(out)
    t_sail = np.array([s.sailed_h for s in svc.sailings])
    for year in out.calendar.years():
        m = (dirs == 0) & (t_sail >= year.from_h) & (t_sail < year.to_h)
        assert m.sum() > 10
        assert K[("vessel_load_rate", year.label, "ferry")] == pytest.approx(
            space[m].sum() / (m.sum() * usable))
    # every box in one place; created = delivered + in the system
    where = location.locate(out)
    assert (np.vstack(list(where.values())).astype(int).sum(axis=0) == 1).all()
    assert K[("containers_created", "run", "all")] == (
        K[("containers_delivered", "run", "all")] + K[("containers_in_system", "run", "all")])
    east = out.ports["east"].visits(end)
    assert (east["kind"] == 2).all() and len(east["row"]) > 1000
    # wagons that sailed west -> east: rolled off once, or still aboard
    sailed_rows = np.concatenate([r for r, s in zip(svc.sailing_rows, svc.sailings)
                                  if s.direction == 0])
    assert set(sailed_rows) == set(east["row"]) | (set(svc.aboard()) & set(sailed_rows))


# -- scenario errors: one line per problem, naming the dotted field ----------------------
BG = "[services.ferry.background]\n"
RAIL = "railcars_out = { per_day = 10, base_year = 2024 }\n"
FEEDER = ("[services.ferry]\nkind = \"feeder\"\ncapacity_teu = 100\n")

ERRORS = [
    (BG + "teu_out = { per_day = 10, base_year = 2024 }\ntonnes_per_teu = 10\n",
     ["services.ferry.background.teu_out: a ferry carries railcars and trucks, not teu"]),
    (BG + RAIL, ["services.ferry.background.tonnes_per_railcar: needed to weigh "
                 "railcars_out (cargo tonnes per railcar, with its source)"]),
    (BG + "trucks_back = { per_day = 3, base_year = 2024 }\ntonnes_per_truck = 20\n"
     "railcars_per_truck = 4.5\n[services.ferry]\ncapacity_railcars = 5\n",
     ["services.ferry.background.railcars_per_truck: a truck takes 4.5 railcars of deck, "
      "more than a vessel's usable 3.75"]),
    (BG + "railcar_out = { per_day = 10, base_year = 2024 }\n",
     ["services.ferry.background.railcar_out: unknown key (did you mean 'railcars_out'?)"]),
    (BG + "railcars_out = { per_day = -1, base_year = 2024 }\ntonnes_per_railcar = 75\n",
     ["services.ferry.background.railcars_out.per_day: must be >= 0 (got -1)"]),
    ("[services.ferry]\nroll_off_dwell_h = { dist = \"constant\", value = -2 }\n",
     ["services.ferry.roll_off_dwell_h.value: must be >= 0 (got -2)"]),
    ("[nodes.east]\ngauge_mm = 1435\n[nodes.omega]\ngauge_mm = 1435\n[services.ferry]\n"
     "roll_off_dwell_h = { dist = \"constant\", value = 2 }\n",
     ["services.ferry.roll_off_dwell_h: wagons rolled on at 'west' (1520 mm) cannot roll "
      "off onto 'east' (1435 mm); wagons keep their gauge"]),
]


@pytest.fixture
def scen(tmp_path, monkeypatch):
    return child_writer(tmp_path, monkeypatch, "toy_sea.toml", ("toy.toml",))


@pytest.mark.parametrize("snippet, lines", ERRORS, ids=[f"case{i}" for i in range(len(ERRORS))])
def test_scenario_errors(scen, snippet, lines):
    expect_errors(scen(snippet), lines)


def test_feeder_cannot_take_railcars_or_roll_off():
    s = HERE / "toy_sea.toml"
    over = {"services.ferry.kind": "feeder", "services.ferry.capacity_railcars": None,
            "services.ferry.capacity_teu": 100,
            "services.ferry.roll_off_dwell_h": {"dist": "constant", "value": 2},
            "services.ferry.background": {"railcars_out": {"per_day": 5, "base_year": 2024},
                                          "tonnes_per_railcar": 75}}
    with pytest.raises(ConfigError, match=re.escape(
            "error: overrides: services.ferry.roll_off_dwell_h: a feeder lifts boxes into "
            "the far port's yard; only a ferry rolls wagons off\nerror: overrides: "
            "services.ferry.background.railcars_out: a feeder carries TEU, not railcars")
            ) as info:
        load_scenario(s, overrides=over)
    assert len(info.value.problems) == 2


def test_a_ferry_needs_railcars():
    with pytest.raises(ConfigError, match=r"services\.ferry: a ferry needs capacity_railcars"):
        load_scenario(HERE / "toy_sea.toml",
                      overrides={"services.ferry.capacity_railcars": None})


FEEDER_OVER = {"services.ferry.kind": "feeder", "services.ferry.capacity_railcars": None,
               "services.ferry.capacity_teu": 40, "services.ferry.roll_off_dwell_h": None,
               "services.ferry.background": {"teu_out": {"per_day": 12, "base_year": 2024},
                                             "tonnes_per_teu": 8}}


def feeder(**background):
    """FEEDER_OVER with these fields of its background changed."""
    bg = {**FEEDER_OVER["services.ferry.background"], **background}
    return {**FEEDER_OVER, "services.ferry.background": bg}


def outbound(svc):
    """(sailed hour, boxes, TEU) and the background units of each outbound sailing."""
    out = [(s, bg) for s, bg in zip(svc.sailings, svc.bg_sailed, strict=True)
           if s.direction == 0]
    return [(round(s.sailed_h, 9), s.boxes, s.teu) for s, _ in out], [bg for _, bg in out]


def test_feeder_shares_its_slots_with_background_teu():
    # A feeder of 40 TEU (a box takes 2 TEU of it), 10 TEU/h, other TEU arriving as the
    # railcars above. At 35.4: 20 boxes (40 TEU) + 17 TEU wait, 57 > 40: boxes get
    # 40 x 40/57 = 28.1 TEU -> 14 boxes, background 40 x 17/57 = 11.9 -> 11, the 1 TEU
    # left cannot take a box and goes to background: 14 boxes + 12 TEU, loaded in 4 h
    # (berth 35.4-37.4, sail 41.4), at 61.4, unloaded 63.4-67.4 into the yard (a feeder
    # lands boxes), home at 87.4: 26 boxes (52 TEU) + 12 TEU, 64 > 40: 40 x 52/64 = 32.5
    # -> 16 boxes, 40 x 12/64 = 7.5 -> 7, 1 TEU left -> 8: sails 93.4. Home at 139.4:
    # 10 boxes + 4 TEU (24 < 40) wait for a full load to the end.
    out = run(counts={"teu_out": KNOWN}, **FEEDER_OVER)
    svc = out.services["ferry"]
    assert outbound(svc) == ([(41.4, 14, 28), (93.4, 16, 32)], [(12,), (8,)])
    east = out.ports["east"].visits(out.calendar.end_h)
    assert (east["kind"] == 1).all()  # landed into the yard, not rolled off
    assert len(svc.out_pool) == 10 and svc.background_waiting(0, out.calendar.end_h) == (4,)
    K = kpis.compute(out)
    assert K[("teu_by_service", "2024", "ferry")] == 60
    assert K[("service_teu_total", "2024", "ferry")] == 60 + 20
    assert K[("service_teu_total", "2024", "ferry:both")] == 60 + 20
    # both sailings full (14 boxes x 2 TEU + 12 TEU, 16 x 2 + 8: 40 of 40 usable): the
    # vessels sailed full, though the modelled boxes' TEU filled 60 of the 80
    assert K[("vessel_load_rate", "2024", "ferry")] == pytest.approx(1.0)
    assert K[("vessel_fill_rate", "2024", "ferry")] == pytest.approx(60 / 80)
    assert ("ferry_railcars_total", "2024", "ferry") not in K
    assert K[("service_tonnes_total", "2024", "ferry")] == pytest.approx(
        60 * out.scenario.demand.tonnes_per_teu + 20 * 8)
    # FIFO waits: the 12 first TEU offered at 2, 4, .. 24 h sailed at 41.4; the next 8
    # (26 .. 40 h) at 93.4
    first = 41.4 - np.arange(2, 25, 2)
    second = 93.4 - np.arange(26, 41, 2)
    assert K[("background_wait_hours_mean", "2024", "ferry:teu")] == pytest.approx(
        np.concatenate([first, second]).mean())


def test_boxes_first_gives_the_boxes_their_space_and_the_background_the_rest():
    # The feeder above with share = "boxes_first": at 35.4 the 20 boxes (40 TEU) take
    # the whole 40 TEU and the 17 TEU waiting get none (proportional: 14 boxes + 12 TEU);
    # the load is 40 TEU as before, so it sails at 41.4 again. Home at 87.4: the 20 boxes
    # come since (40 TEU) fill it again, the 24 TEU offered by 48 h still wait; they are
    # all that waits at 139.4 (24 < 40) and wait for a full load to the end.
    out = run(counts={"teu_out": KNOWN}, **feeder(share="boxes_first"))
    svc = out.services["ferry"]
    assert outbound(svc) == ([(41.4, 20, 40), (93.4, 20, 40)], [(0,), (0,)])
    assert len(svc.out_pool) == 0 and svc.background_waiting(0, out.calendar.end_h) == (24,)


@pytest.mark.parametrize("first, want", [(False, (24.0, 19, (130,))),
                                         (True, (24.0, 30, (108,)))])
def test_boxes_first_tops_up_with_background_what_the_boxes_leave(first, want):
    # a feeder of 168.75 usable TEU (84 boxes of 2 TEU) that may load from 24 h, when
    # 30 boxes and 200 TEU wait: proportional gives the boxes 168.75 x 60/260 = 38.9 TEU
    # -> 19 boxes, the TEU 129.8 -> 129, the 1.75 left one more TEU; boxes first gives
    # the boxes all 30 (60 TEU) and the TEU the 108 whole ones left
    env = simpy.Environment()
    loads = []
    pool = SharedLoad(env, Departure(rule="full"), 84,
                      lambda rows, t: loads.append((t, len(rows), pool.last_taken)),
                      lambda: env.now >= 24.0,
                      queues=[BackgroundQueue(np.array([200, 0]), 1.0)],
                      usable=168.75, box_space=2.0, boxes_first=first)
    pool.add_batch(np.arange(30), 5.0)
    env.run(until=24)
    pool.wake()
    env.run(until=25)
    assert loads[0] == want


def test_a_share_rule_that_does_not_exist_is_one_line():
    with pytest.raises(ConfigError, match=re.escape(
            "error: overrides: services.ferry.background.share: 'boxes' is not allowed "
            "(did you mean 'boxes_first'?)")) as info:
        load_scenario(HERE / "toy_sea.toml", overrides=feeder(share="boxes"))
    assert len(info.value.problems) == 1


def test_a_deadline_set_by_background_alone_and_trucks_by_their_deck():
    # one vessel always at home; rule full_or_max_wait 10 h; 24 railcars and 12 trucks a
    # day (1.5 railcars of deck each) for a vessel of 30: the first railcar is offered at
    # 1 h, so the first load leaves at 11 h with the 11 railcars (1..11 h: the one offered
    # at 11 h goes too) and 5 trucks (2, 4, .. 10 h) waiting: 18.5 of 30, all of it
    env = simpy.Environment()
    rails = BackgroundQueue(np.full(5, 24), 1.0)
    trucks = BackgroundQueue(np.full(5, 12), 1.5)
    loads = []
    pool = SharedLoad(env, Departure(rule="full_or_max_wait", max_wait_h=10), 30,
                      lambda rows, t: loads.append((t, len(rows), pool.last_taken)),
                      lambda: True, queues=[rails, trucks], usable=30.0, box_space=1.0)
    pool.wake()
    env.run(until=12)
    assert loads == [(11.0, 0, (11, 5))]
    # next: the 12th railcar (12 h) sets a deadline at 22 h, when 11 railcars and 6
    # trucks (12 .. 22 h) wait, 20 of 30
    env.run(until=30)
    assert loads[1] == (22.0, 0, (11, 6))


@pytest.mark.parametrize("per_day, want", [(24, [12, 12, 12]), (36, [15, 15, 15])])
def test_timetable_sailings_take_what_waits_up_to_a_load(per_day, want):
    # slots at 0 and 12 h each day and a vessel of 15 always at home: with 24 railcars a
    # day (one an hour) the 12 h slot takes the 12 offered by then, the 24 h slot the next
    # 12, ...; with 36 a day (one every 40 min) each slot takes a full load of 15
    env = simpy.Environment()
    q = BackgroundQueue(np.full(3, per_day), 1.0)
    loads = []
    pool = SharedLoad(env, Departure(rule="timetable", departures_per_day=2), 15,
                      lambda rows, t: loads.append((t, len(rows), pool.last_taken[0])),
                      lambda: True, queues=[q], usable=15.0, box_space=1.0)
    env.run(until=37)
    assert loads == [(12.0, 0, want[0]), (24.0, 0, want[1]), (36.0, 0, want[2])]
    assert q.taken == sum(want)


def test_lines_between_two_countries_sum_every_service_between_them(ferry):
    """Scope AA-BB adds every service between two countries, both ways: here the one
    ferry (KZ west -> AZ east), so it equals the ferry's both-ways totals, which are
    summed from its sailings by direction."""
    K = kpis.compute(ferry)
    countries = sorted(ferry.scenario.nodes[n].country for n in ("west", "east"))
    pair = "-".join(countries)
    for name in ("service_teu_total", "service_tonnes_total"):
        assert K[(name, "2024", pair)] == pytest.approx(K[(name, "2024", "ferry:both")])
    assert K[("service_teu_total", "2024", pair)] == 76


def full_pool(queues, usable, boxes_per_load, box_space=1.0):
    """A pool with rule ``full``, one vessel always at home, and its loads' log."""
    env = simpy.Environment()
    loads = []
    pool = SharedLoad(env, Departure(rule="full"), boxes_per_load,
                      lambda rows, t: loads.append((t, len(rows), pool.last_taken)),
                      lambda: True, queues=queues, usable=usable, box_space=box_space)
    return env, pool, loads


def test_queues_that_fill_a_load_only_together_wake_the_pool():
    # two queues of 6 railcars on day 1 (unit j of each at 24 + 4 j h), vessel of 10:
    # neither alone ever fills it, together they do at 44 h (5 + 5); the 2 left wait
    env, pool, loads = full_pool([BackgroundQueue(np.array([0, 6]), 1.0),
                                  BackgroundQueue(np.array([0, 6]), 1.0)], 10.0, 10)
    pool.wake()
    env.run(until=200)
    assert loads == [(44.0, 0, (5, 5))]


@pytest.mark.parametrize("usable, boxes, box_space", [(40.5, 40, 1.0), (168.75, 84, 2.0)])
def test_a_full_load_of_boxes_is_full_though_space_is_left(usable, boxes, box_space):
    # Kuryk's ferries (40.5 railcars usable: 40 boxes) and Aktau's feeders (168.75 TEU:
    # 84 boxes of 2 TEU): a full load of boxes ready at 5 h sails at once, as a pool
    # without background does, though 0.5 railcar or 0.75 TEU is left: no more boxes
    # may board and one background unit (1 railcar or TEU, from 25 h) would not fit
    queue = BackgroundQueue(np.array([0, 24]), 1.0)
    env, pool, loads = full_pool([queue], usable, boxes, box_space)
    pool.add_batch(np.arange(boxes), 5.0)
    env.run(until=24)
    assert loads == [(5.0, boxes, (0,))]


def test_a_unit_too_big_for_the_space_left_completes_a_load():
    # 39 boxes ready at 5 h on a ferry of 40.5 railcars, a railcar an hour from 25 h:
    # the first (25 h) leaves 0.5, too little for a box or a railcar, so it sails then
    env, pool, loads = full_pool([BackgroundQueue(np.array([0, 24]), 1.0)], 40.5, 40)
    pool.add_batch(np.arange(39), 5.0)
    env.run(until=100)
    assert loads[0] == (25.0, 39, (1,))
