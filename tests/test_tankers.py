"""Tanker lines: vessel services that carry background tonnes only. A tanker cycle traced
by hand with known daily tonnes, its own berths beside a ferry that holds the port's only
berth, a closure of its home port that holds it, conservation of tonnes over a stormy
year, its KPIs, and the scenario errors (one line per problem, naming the field)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

import sim.engine.model as model_module
import sim.engine.timeline as timeline_module
from sim.cli.tables import run_summary
from sim.engine.facilities.sea_traffic import BackgroundQueue
from sim.engine.facilities.tanker import TankerLine
from sim.engine.model import Model
from sim.measure import kpis
from sim.measure.services import _offer_hours_sum
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.scenario.summary import describe
from sim.study.replications import run as run_replications
from tests.conftest import child_writer

from .conftest import expect_errors

HERE = Path(__file__).parent / "scenarios"
TRACE = HERE / "trace_tanker.toml"
# tonnes offered at the home port (west) per day from hour 0: 768 t on days 0 and 1 (a
# tonne every 1/32 h), 384 on day 2 (every 1/16 h), none after
KNOWN = np.array([768, 768, 384] + [0] * 20)
NAN = math.nan


def run(path=TRACE, counts=None, closures=None, **overrides):
    """A run whose tanker tonnes are ``counts`` (field -> per day) instead of drawn, and
    whose sea-weather closures are ``closures`` (port -> [(from, to)]) if given."""
    s = load_scenario(path, overrides=overrides)
    real_counts, real_weather = model_module.service_counts, timeline_module.weather_closures
    known = counts if counts is not None else {"tonnes_out": KNOWN}
    model_module.service_counts = (lambda svc, sid, cal, draws:
                                   dict(known) if svc.kind == "tanker" else {})
    if closures is not None:
        timeline_module.weather_closures = lambda *a, **k: dict(closures)
    try:
        return Model(s).run()
    finally:
        model_module.service_counts = real_counts
        timeline_module.weather_closures = real_weather


@pytest.fixture(scope="module")
def traced():
    return run()


def rows(sailings):
    return np.array([[round(x, 9) for x in s] for s in sailings])


def test_tanker_cycle_by_hand(traced):
    # Usable 2,048 x 0.75 = 1,536 t. The 1,536th tonne is offered at 48 h (end of day 1),
    # before the oldest (1/32 h) has waited 48 h: the load is released full at 48; berth
    # 48-49, load 1,536 / 512 = 3 h, sail 52, at east 62, berth 62-63 (its own berth: the
    # ferry holds the port's only one, 59.4-63.4), discharge to 66, back in ballast 66-76.
    # Day 2's 384 t never fill a load; the oldest (48 + 1/16 h) has waited 48 h at
    # 96.0625: berth to 97.0625, load 384 / 512 = 0.75 h, sail 97.8125, at east
    # 107.8125, berth to 108.8125, discharge to 109.5625, home at 119.5625. Nothing after.
    svc = traced.services["oil"]
    assert isinstance(svc, TankerLine)
    # vessel, direction, sailed, arrived, boxes, teu, tonnes, discharged
    np.testing.assert_equal(rows(svc.sailings), np.array([
        [0, 0, 52, 62, 0, 0, 1536, 66], [0, 1, 66, 76, 0, 0, 0, NAN],
        [0, 0, 97.8125, 107.8125, 0, 0, 384, 109.5625],
        [0, 1, 109.5625, 119.5625, 0, 0, 0, NAN]]))
    assert svc.bg_sailed == [(1536,), (0,), (384,), (0,)]
    np.testing.assert_equal(rows(svc.idle), np.array([[0, 48], [76, 96.0625]]))
    assert svc.background_waiting(0, traced.calendar.end_h) == (0,)


def test_tanker_takes_no_berth_and_no_box_from_the_ports(traced):
    # the ferry's trace is that of the same scenario without the tanker, and the ports'
    # berths and yards never served it
    alone = Model(load_scenario(HERE / "trace_sea.toml")).run()
    np.testing.assert_equal(rows(traced.services["ferry"].sailings),
                            rows(alone.services["ferry"].sailings))
    np.testing.assert_equal(traced.store.t_delivered, alone.store.t_delivered)
    for port in ("west", "east"):
        assert traced.ports[port].berths.used == 0
        assert traced.ports[port].sea_log == alone.ports[port].sea_log
    assert [t.used for t in traced.services["oil"].terminals.values()] == [0, 0]


def test_a_closed_home_port_holds_the_tanker():
    # a storm closes west 24-72 h: the full load of 48 h waits; at 72 the port reopens
    # and 1,920 t wait: a full load of 1,536 (berth 72-73, load to 76, sail 76, at east
    # 86, discharge 87-90, home 100); the 384 left, the oldest offered at 48.0625, have
    # waited past 48 h by then and go at once (berth to 101, load 0.75 h, sail 101.75)
    out = run(closures={"west": [(24.0, 72.0)]})
    svc = out.services["oil"]
    assert out.ports["west"].closures[0] == (24.0, 72.0)
    np.testing.assert_equal(rows(svc.sailings), np.array([
        [0, 0, 76, 86, 0, 0, 1536, 90], [0, 1, 90, 100, 0, 0, 0, NAN],
        [0, 0, 101.75, 111.75, 0, 0, 384, 113.5], [0, 1, 113.5, 123.5, 0, 0, 0, NAN]]))


def test_a_closed_far_port_holds_the_tanker_at_anchor():
    # east closed 50-70 h: the tanker of the first load arrives at 62 and berths at 70
    # (to 71), discharges to 74 and sails home at 74 (84)
    out = run(closures={"east": [(50.0, 70.0)]})
    np.testing.assert_equal(rows(out.services["oil"].sailings)[:2], np.array([
        [0, 0, 52, 62, 0, 0, 1536, 74], [0, 1, 74, 84, 0, 0, 0, NAN]]))


def test_tanker_kpis(traced):
    K = kpis.compute(traced)
    y = "2024"
    assert K[("service_tonnes_total", y, "oil")] == 1920
    assert K[("service_tonnes_background", y, "oil")] == 1920
    assert K[("service_tonnes_total", y, "oil:return")] == 0
    assert K[("service_tonnes_total", y, "oil:both")] == 1920
    # the line between the two countries: the ferry's boxes and the tanker's tonnes
    ferry_t = K[("teu_by_service", y, "ferry")] * traced.scenario.demand.tonnes_per_teu
    assert K[("service_tonnes_total", y, "AZ-KZ")] == pytest.approx(ferry_t + 1920)
    assert K[("service_tonnes_background", y, "AZ-KZ")] == 1920
    assert K[("service_teu_total", y, "AZ-KZ")] == K[("teu_by_service", y, "ferry")]
    assert not [k for k in K if k[0].startswith("service_teu") and k[2].startswith("oil")]
    assert K[("sailings_by_service", y, "oil")] == 2
    assert K[("vessel_fill_rate", y, "oil")] == pytest.approx(1920 / (2 * 1536))
    assert K[("teu_by_service", y, "oil")] == 0
    assert K[("background_offered", "run", "oil:tonnes")] == 1920
    assert K[("background_waiting_at_end", "run", "oil:tonnes")] == 0
    # first in, first out: tonne j of the first 1,536 offered at j/32 h, sailed at 52;
    # tonne j of day 2 at 48 + j/16 h, sailed at 97.8125
    waits = np.concatenate([52 - np.arange(1, 1537) / 32,
                            97.8125 - (48 + np.arange(1, 385) / 16)])
    assert K[("background_wait_hours_mean", y, "oil:tonnes")] == pytest.approx(waits.mean())
    assert waits.mean() == pytest.approx(57492 / 1920)


def test_offer_hours_sum_matches_the_queue():
    q = BackgroundQueue(np.array([12, 0, 6, 1, 0, 5]), 1.0)
    k = np.arange(0, 25)
    want = np.concatenate(([0.0], np.cumsum(q.arrival_hours(np.arange(1, 25)))))
    np.testing.assert_allclose(_offer_hours_sum(q.counts, k), want, rtol=1e-12)


def test_tonnes_are_conserved_over_a_stormy_year():
    # the toy over a year: two tankers both ways (drawn tonnes), storms at both ports
    over = {
        "horizon": {"start": "2024-01-01", "end": "2025-01-01", "warmup_days": 0},
        "services.oil.fleet": 2,
        "services.oil.crossing_h": {"dist": "triangular", "low": 8, "mode": 10, "high": 14},
        "services.oil.background": {
            "tonnes_out": {"per_day": 1500, "base_year": 2024, "cv": 0.5},
            "tonnes_back": {"per_day": 300, "base_year": 2024, "cv": 0.5}},
        "seas.caspian.weather": {"storms_per_year": 40, "sectors": {"N": 1.0},
                                 "duration_h": {"dist": "lognormal", "mean": 30, "cv": 0.6}},
        "nodes.west.port.exposure": {"sectors": ["N"]},
        "nodes.east.port.exposure": {"sectors": ["N"], "duration_factor": 0.5}}
    s = load_scenario(TRACE, overrides=over)
    out = Model(s).run()
    svc, end = out.services["oil"], out.calendar.end_h
    sail = rows(svc.sailings)
    tonnes = np.array(svc.bg_sailed, float)[:, 0]
    for d in (0, 1):
        m = sail[:, 1] == d
        offered = svc.background_offered(d, end)[0]
        delivered = tonnes[m & np.isfinite(sail[:, 7])].sum()
        at_sea = tonnes[m & np.isnan(sail[:, 7])].sum()  # sailed, not yet discharged
        waiting = svc.background_waiting(d, end)[0]
        loading = svc.background_aboard(d)[0]  # loaded at a berth, not yet sailed
        assert offered > 100_000 and delivered > 0.9 * offered
        assert offered == delivered + at_sea + waiting + loading
    assert tonnes.max() <= 1536 and (tonnes[sail[:, 1] == 0] == 1536).mean() > 0.5
    # no tanker left a port while it was closed
    assert len(out.ports["west"].closures) > 10
    for d, port in ((0, "west"), (1, "east")):
        shut = np.array(out.ports[port].closures, float).reshape(-1, 2)
        t = np.array([x.sailed_h for x in svc.sailings if x.direction == d])
        inside = (t[:, None] > shut[None, :, 0]) & (t[:, None] < shut[None, :, 1])
        assert not inside.any()


def test_corridor_run_prints_the_tanker_tonnes(traced):
    res = run_replications(load_scenario(TRACE), seed=1, keep_containers=False)
    text = run_summary(res.kpis, "trace_tanker", 1, 1)
    assert re.search(r"sea tonnes oil +\S+ \(\S+\)", text)
    assert re.search(r"sea tonnes AZ-KZ ", text)  # the tanker and the other ship
    assert "sea TEU oil" not in text


def test_describe_names_the_tanker_line():
    text = describe(load_scenario(TRACE))
    assert "oil" in text and "tanker" in text and "2,048 t" in text


# -- scenario errors: one line per problem, naming the dotted field ----------------------
NORTH = """
[nodes.north]
name = "North port"
kind = "port"
country = "KZ"
region = "kazakhstan"
lon = 50.0
lat = 45.0
gauge_mm = 1520
[nodes.north.port]
sea = "caspian"
berths = 1
receiving_tracks = 1
siding_length_m = 1000
cranes = 1
crane_moves_per_h = 10
yard_capacity_teu = 1000
customs_dwell_h = { dist = "constant", value = 1 }
train_boxes = 10
"""
OIL = "[services.oil]\n"
BG = "[services.oil.background]\n"
ERRORS = [
    (OIL + "capacity_teu = 100\n", ["services.oil: a tanker has capacity_t, not capacity_teu"]),
    (OIL + "handling_per_h = 10\n",
     ["services.oil: a tanker has handling_t_per_h, not handling_per_h"]),
    (OIL + "berths = 0\n", ["services.oil.berths: must be >= 1 (got 0)"]),
    (OIL + "capacity_teu = 100\nhandling_per_h = 10\n",
     ["services.oil: a tanker has handling_t_per_h, not handling_per_h; a tanker has "
      "capacity_t, not capacity_teu"]),
    ("[services.ferry]\nberths = 2\n",
     ["services.ferry: only a tanker has berths of its own (a ferry uses its ports' "
      "berths)"]),
    (OIL + "fleet = 0\nfleet_pool = \"x\"\n",
     ["services.oil: a tanker line has a fleet of its own (fleet), not a fleet_pool"]),
    (OIL + "roll_off_dwell_h = { dist = \"constant\", value = 2 }\n",
     ["services.oil.roll_off_dwell_h: a tanker carries no wagons; only a ferry rolls "
      "wagons off"]),
    (BG + "teu_out = { per_day = 10, base_year = 2024 }\ntonnes_per_teu = 10\n"
     "railcars_back = { per_day = 1, base_year = 2024 }\ntonnes_per_railcar = 60\n",
     ["services.oil.background.railcars_back: a tanker carries tonnes only, not railcars",
      "services.oil.background.teu_out: a tanker carries tonnes only, not teu"]),
    ("[services.ferry.background]\ntonnes_out = { per_day = 10, base_year = 2024 }\n",
     ["services.ferry.background.tonnes_out: a ferry carries railcars and trucks, not "
      "tonnes"]),
    (BG + "tonnes_out = { per_day = 0, base_year = 2024 }\n"
     "tonnes_back = { per_day = 10, base_year = 2024 }\n",
     ["services.oil.background.tonnes_back: tonnes offered back in 2024 when none go out "
      "(tonnes_out is 0): a tanker sails from home only with a load, so they would never "
      "be fetched; swap from and to, or give tonnes_out"]),
    (BG + "tonnes_out = { per_day = 5, base_year = 2024 }\n"
     "tonnes_back = { per_day = 10, base_year = 2024 }\n", []),
    (OIL + "sailing = { rule = \"full\", min_boxes = 2000 }\n",
     ["services.oil.sailing.min_boxes: 2000 tonnes is more than a tanker takes (1536 t at "
      "load_factor 0.75)"]),
    (BG + "tonnes_out = { per_day = 2000, base_year = 2024 }\n",
     ["services.oil.background.tonnes_out: 2,000.0 t a day out (tonnes_out) in the peak "
      "month of 2024, at least the 1,316.6 a day the fleet carries (fleet 1 x 1536 usable "
      "t x 24 h / a round trip of 28.0 h = 2 x (berthing 1 h + crossing 10 h) + 2 x 1536 / "
      "512 t an hour of handling); lower the background or raise the fleet"]),
    (NORTH + OIL + "to = \"north\"\n[routes.oil_only]\ncorridor = \"middle_corridor\"\n"
     "path = [\"west\", \"north\"]\n",
     ["routes.oil_only.path[1]: 'west' and 'north' are joined only by tanker line 'oil', "
      "which carries background tonnes, not boxes (a route needs a link, a ferry or a "
      "feeder)"]),
    ("[services.oil2]\nkind = \"tanker\"\nfrom = \"east\"\nto = \"west\"\nfleet = 1\n"
     "capacity_t = 5000\nberths = 1\nhandling_t_per_h = 500\n"
     "berthing_h = { dist = \"constant\", value = 1 }\n"
     "crossing_h = { dist = \"constant\", value = 10 }\n"
     "background = { tonnes_out = { per_day = 10, base_year = 2024 } }\n",
     ["services.oil2: duplicates service 'oil' between 'east' and 'west' (raise its fleet "
      "instead)"]),
]


@pytest.fixture
def scen(tmp_path, monkeypatch):
    return child_writer(tmp_path, monkeypatch, "trace_tanker.toml",
                        ("toy.toml", "toy_sea.toml", "trace_sea.toml"))


@pytest.mark.parametrize("snippet, lines", ERRORS, ids=[f"case{i}" for i in range(len(ERRORS))])
def test_scenario_errors(scen, snippet, lines):
    if not lines:  # tonnes back beside tonnes out: allowed
        load_scenario(scen(snippet))
        return
    expect_errors(scen(snippet), lines)


@pytest.mark.parametrize("over, line", [
    ({"services.oil.capacity_t": None}, "services.oil: a tanker needs capacity_t"),
    ({"services.oil.handling_t_per_h": None}, "services.oil: a tanker needs handling_t_per_h"),
    ({"services.oil.berths": None}, "services.oil: a tanker needs berths (its own at each end)"),
    ({"services.oil.background": None},
     "services.oil.background: a tanker line carries only background tonnes and sails from "
     "home only with a load: give tonnes_out (tonnes a day offered at 'west'; swap from and "
     "to if the cargo goes the other way)"),
    ({"services.oil.background": {"tonnes_back": {"per_day": 10, "base_year": 2024}}},
     "services.oil.background.tonnes_out: a tanker line carries only background tonnes and "
     "sails from home only with a load: give tonnes_out (tonnes a day offered at 'west'; "
     "swap from and to if the cargo goes the other way)"),
])
def test_a_tanker_needs_its_fields(over, line):
    with pytest.raises(ConfigError, match=rf"\Aerror: overrides: {re.escape(line)}\Z"):
        load_scenario(TRACE, overrides=over)


def test_a_tanker_beside_a_roll_on_ferry_leaves_the_sidings_rule_in_force():
    # the tanker joins the same two ports as the ferry: the ferry's sidings must still
    # take one inbound train (20 boxes), or the train would hold its track for ever
    over = {"services.ferry.roll_on_dwell_h": {"dist": "constant", "value": 4},
            "nodes.west.port.ferry_sidings_railcars": 10}
    msg = ("nodes.west.port.ferry_sidings_railcars: 10 railcars cannot take one inbound "
           "train of 20 boxes (up to 20 railcars) sailing on 'ferry'")
    with pytest.raises(ConfigError, match=re.escape(msg)):
        load_scenario(TRACE, overrides=over)
