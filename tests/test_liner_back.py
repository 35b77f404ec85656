"""Boxes that ride a vessel service back from its far port (an eastbound flow on the
Middle Corridor's Black Sea and Caspian lines): with ``sailing.min_boxes = 0`` the liner
keeps its timetable even with nothing to load at home, so a box at the far port waits at
most one timetable interval for a vessel; without it nothing ever fetches the box.
An exact trace worked by hand, the wait a timetable implies over a year, and
conservation of boxes."""

import math

import numpy as np
import pytest

from sim.cli import main
from sim.engine.logs import Sailing, columns
from sim.engine.model import Model
from sim.measure import kpis, location
from sim.scenario.loading import load_scenario

from .conftest import HERE, port_stages

BACK = HERE / "scenarios" / "trace_liner_back.toml"
TOY_SEA = HERE / "scenarios" / "toy_sea.toml"


def run(path=BACK, **overrides):
    return Model(load_scenario(path, overrides=overrides)).run()


visits = port_stages


@pytest.fixture(scope="module")
def trace():
    return run()


def test_return_load_trace_by_hand(trace):
    # Train A (boxes 0-19) leaves omega full at 23.4 h, runs 12 h to the east port (35.4),
    # is unloaded in 1 h (36.4) and cleared in 5 h: ready 41.4. Train B: 24 h later, ready
    # 65.4. The four vessels wait at anchor at the west port (home), where no box ever
    # comes; each slot (06:00 and 18:00) sends one out empty: berth 2 h, sail 20 h, berth
    # 2 h at the east port, so a vessel is at the east berth at slot + 24 h: 30, 42, 54, 66.
    # The vessel of slot 18 takes train A at 42 (0.6 h after it is ready), loads 20
    # railcars at 10 an hour (44), sails 20 h (64), berths at home (66), unloads (68);
    # cleared 5 h (73), a full train leaves at once and runs 6 h to alpha (79). The
    # vessel of slot 42 takes train B at 66 in the same way: home 88, delivered 103.
    st = trace.store
    np.testing.assert_allclose(st.t_depart_origin[[0, 20]], [23.4, 47.4], atol=1e-9)
    np.testing.assert_allclose(st.t_delivered[:20], 79.0, atol=1e-9)
    np.testing.assert_allclose(st.t_delivered[20:], 103.0, atol=1e-9)
    east, west = visits(trace, "east"), visits(trace, "west")
    for k, a, b in (("arrive", 35.4, 59.4), ("ready", 41.4, 65.4), ("release", 42, 66),
                    ("depart", 44, 68)):
        np.testing.assert_allclose(east[k][:20], a, atol=1e-9)
        np.testing.assert_allclose(east[k][20:], b, atol=1e-9)
    for k, a, b in (("arrive", 64, 88), ("unloaded", 68, 92), ("ready", 73, 97)):
        np.testing.assert_allclose(west[k][:20], a, atol=1e-9)
        np.testing.assert_allclose(west[k][20:], b, atol=1e-9)
    # one interval bound: each box is taken within 12 h of being ready at the far port
    wait = east["release"] - east["ready"]
    assert (wait >= 0).all() and (wait <= 12.0).all()


def test_a_slot_with_no_vessel_home_is_skipped(trace):
    # Every sailing from home, by hand. Slots 06:00 and 18:00 = 6, 18, 30, ... h; a vessel
    # at home sails 2 h after its slot, an empty round trip takes 44 h (back at slot +
    # 44), one with a return load 4 h more at home (berth 2 h, unload 2 h). Slot 66: the
    # vessels of slots 18 (A, unloading until 68), 30 (home 74), 42 (B, at sea) and 54
    # (at sea) are all away, so no vessel sails; slot 90: the vessel of slot 30 waits for
    # the berth (train B's vessel holds it 88-92) and sails at 94; then one each slot.
    sail = columns(trace.services["ferry"].sailings, Sailing)
    out_ = sail.direction == 0
    np.testing.assert_allclose(sail.sailed_h[out_],
                               [8, 20, 32, 44, 56, 80, 94, 104, 116, 128, 140, 152, 164])
    np.testing.assert_array_equal(sail.boxes[out_], 0)  # nothing ever waits at home
    back = ~out_
    assert sail.boxes[back].sum() == 40
    np.testing.assert_allclose(sail.sailed_h[back & (sail.boxes > 0)], [44, 68])
    K = kpis.compute(trace)
    assert K[("sailings_by_service", "2024", "ferry")] == 13
    assert K[("sailings_by_service", "2024", "ferry:return")] == 11
    # the liner sails empty on schedule: 0 out; back, 40 railcars over 11 x 20 usable
    assert K[("vessel_fill_rate", "2024", "ferry")] == 0.0
    assert K[("vessel_fill_rate", "2024", "ferry:return")] == pytest.approx(40 / 220)


def test_without_min_boxes_0_nothing_fetches_the_return_load():
    # the default min_boxes 1: no box ever waits at home, so no vessel leaves it and the
    # 40 boxes wait at the far port to the end
    out = run(**{"services.ferry.sailing": {"rule": "timetable", "departures_per_day": 2,
                                            "first_departure_h": 6}})
    assert len(out.services["ferry"].sailings) == 0
    where = location.locate(out)
    assert where["at_port"].sum() == 40 and where["delivered"].sum() == 0


def conserved(out) -> None:
    """Every box is in exactly one place at the end (locate fails otherwise), and the
    vessel's own log agrees with the ports': what sailed back was landed at home once,
    or is still aboard."""
    st = out.store
    where = location.locate(out)
    assert sum(int(m.sum()) for m in where.values()) == st.n
    assert where["delivered"].sum() == np.isfinite(st.t_delivered).sum()
    svc = out.services["ferry"]
    sailed = np.concatenate([r for r, s in zip(svc.sailing_rows, svc.sailings)
                             if s.direction == 1] or [np.empty(0, np.int64)])
    assert len(np.unique(sailed)) == len(sailed)
    west = out.ports["west"].visits(out.calendar.end_h)
    landed = west["row"][west["kind"] == 1]
    assert set(sailed) == set(landed) | (set(svc.aboard()) & set(sailed))
    assert set(np.flatnonzero(where["at_sea"])) == set(sailed) - set(landed)


def test_trace_conserves_boxes(trace):
    conserved(trace)
    assert location.locate(trace)["delivered"].sum() == 40


def test_a_year_of_return_loads_waits_less_than_one_interval():
    # The Black Sea feeder as a liner: one ship, a sailing every 10 days from 00:00, even
    # empty; the only flow goes back (omega -> east -> west -> gate -> alpha), 1,500 boxes
    # a year in trains of 60. The ship has room for 200 boxes and is home for every slot
    # (a round trip takes at most 2 + 20 + 2 + 20 + 20 + 2 + 20 = 86 h of 240), so it is at
    # the far berth at slot + 24 h and takes every box ready by then: a box ready at r
    # leaves the yard at 24 + 240 * ceil((r - 24) / 240), within one interval.
    f = {"kind": "feeder", "from": "west", "to": "east", "fleet": 1, "capacity_teu": 400,
         "load_factor": 1.0, "handling_per_h": 20,
         "berthing_h": {"dist": "constant", "value": 2},
         "crossing_h": {"dist": "constant", "value": 20},
         "sailing": {"rule": "timetable", "departures_per_day": 0.1, "min_boxes": 0}}
    out = run(TOY_SEA, **{"services.ferry": f, "horizon.end": "2025-01-01",
                          "demand.flows.west.containers_per_year": 0,
                          "demand.flows.back": {"origin": "omega", "destination": "alpha",
                                                "containers_per_year": 1500,
                                                "routes": {"sea": 1.0}}})
    v = visits(out, "east")
    done = np.isfinite(v["release"])
    assert done.sum() > 1000
    ready, release = v["ready"][done], v["release"][done]
    period = 240.0
    np.testing.assert_allclose(release, 24 + period * np.ceil((ready - 24) / period - 1e-9),
                               atol=1e-6)
    wait = release - ready
    assert wait.min() >= 0 and wait.max() < period
    # ready hours fall at no particular phase of the cycle: about half an interval
    assert wait.mean() == pytest.approx(period / 2, rel=0.25)
    sail = columns(out.services["ferry"].sailings, Sailing)
    out_ = sail.direction == 0
    assert out_.sum() == math.floor(out.calendar.end_h / period) + 1  # every slot
    assert sail.boxes[out_].sum() == 0
    conserved(out)


def test_the_trace_passes_check(capsys):
    assert main(["check", str(BACK)]) == 0
    assert capsys.readouterr().out.strip().endswith("ok: no problems found")
