"""A container feeder on a timetable, as the documented Black Sea service runs (one
210-TEU ship, a sailing every 10 days): an exact trace worked by hand, the capacity that
binds (a year's TEU never exceeds ships x slots x TEU, and a saturated ship sails full at
every slot), and the wait a timetable implies (each box leaves at the first slot after
it is ready, half a period on average)."""

import math

import numpy as np
import pytest

from sim.engine.logs import Sailing, columns
from sim.engine.model import Model
from sim.measure import kpis, location
from sim.scenario.loading import load_scenario

from .conftest import HERE

TRACE = HERE / "scenarios" / "trace_sea.toml"
TOY_SEA = HERE / "scenarios" / "toy_sea.toml"
PERIOD_H = 240.0  # departures_per_day = 0.1: every 10 days


def feeder(**over):
    """The toy's vessel service as a container feeder on a 10-day timetable."""
    f = {"kind": "feeder", "from": "west", "to": "east", "fleet": 1, "capacity_teu": 40,
         "load_factor": 1.0, "handling_per_h": 10,
         "berthing_h": {"dist": "constant", "value": 2},
         "crossing_h": {"dist": "constant", "value": 20},
         "sailing": {"rule": "timetable", "departures_per_day": 0.1}}
    return {**f, **over}


def run(path, **overrides):
    return Model(load_scenario(path, overrides=overrides)).run()


def visits(out, port):
    v = out.ports[port].visits(out.calendar.end_h)
    o = np.argsort(v["row"])
    return {k: v[k][o] for k in ("row", "arrive", "ready", "release", "depart")}


def test_timetable_feeder_trace_by_hand():
    # trace_sea's two trains (20 boxes of 40 ft each) reach the west port ready at 35.4
    # and 59.4 h. The feeder (40 TEU = 20 boxes) waits at anchor for its slots at 0, 240,
    # 480 h: nothing is ready at 0; at 240 it takes train A (ready first; B does not
    # fit), berths 240-242, loads 40 TEU at 10/h to 246, sails 20 h (266), berths and
    # unloads to 272, and comes home empty at 292. At 480 it takes train B: sails 486,
    # lands at 512. Cleared 5 h later, each train leaves full at once and runs 12 h.
    out = run(TRACE, **{"services.ferry": feeder(), "horizon.end": "2024-02-25"})
    sail = columns(out.services["ferry"].sailings, Sailing)
    np.testing.assert_allclose(sail.sailed_h, [246, 272, 486, 512])
    np.testing.assert_array_equal(sail.direction, [0, 1, 0, 1])
    np.testing.assert_array_equal(sail.boxes, [20, 0, 20, 0])
    v = visits(out, "west")
    np.testing.assert_allclose(v["ready"][[0, 20]], [35.4, 59.4])
    np.testing.assert_allclose(v["release"][:20], 240.0)
    np.testing.assert_allclose(v["release"][20:], 480.0)
    np.testing.assert_allclose(v["depart"][[0, 20]], [246.0, 486.0])
    np.testing.assert_allclose(out.store.t_delivered[[0, 20]], [272 + 5 + 12, 512 + 5 + 12])
    K = kpis.compute(out)
    # dwell at west: arrive 29.4 / 53.4, sail 246 / 486
    assert K[("port_dwell_hours_mean", "2024", "west")] == pytest.approx(
        (246 - 29.4 + 486 - 53.4) / 2)
    assert K[("teu_by_service", "2024", "ferry")] == 80


def year_of_feeder(boxes_per_year, **service):
    """The toy sea corridor for a whole year with the documented Black Sea feeder: one
    210-TEU ship, 6 h berthing, 2-3.5 days at sea, a sailing every 10 days."""
    f = feeder(capacity_teu=210, handling_per_h=20,
               berthing_h={"dist": "constant", "value": 6},
               crossing_h={"dist": "triangular", "low": 48, "mode": 60, "high": 84})
    return run(TOY_SEA, **{"services.ferry": {**f, **service},
                           "horizon.end": "2025-01-01",
                           "demand.flows.west.containers_per_year": boxes_per_year})


def test_documented_capacity_binds_a_saturated_feeder():
    # 10,000 boxes a year against 37 slots x 105 boxes (210 TEU over 2 TEU a box, so no
    # mix of 20 and 40 ft boxes overfills the ship) = 3,885: the ship sails full at
    # every slot once boxes are waiting, and no more often than the timetable allows.
    out = year_of_feeder(10_000)
    sail = columns(out.services["ferry"].sailings, Sailing)
    out_ = sail.direction == 0
    slots = math.floor(out.calendar.end_h / PERIOD_H) + 1  # 0, 240, ..., before the end
    assert out_.sum() <= slots
    assert out_.sum() >= slots - 2  # the first slot (nothing ready yet) and maybe one more
    # each sailing leaves 6 h berthing + loading after its slot
    slot_of = np.floor(sail.sailed_h[out_] / PERIOD_H) * PERIOD_H
    assert (sail.sailed_h[out_] - slot_of < 6 + 210 / 20 + 1e-9).all()
    assert len(np.unique(slot_of)) == out_.sum(), "one sailing per slot"
    full = sail.boxes[out_] == 105
    assert full[1:].all(), "a saturated ship sails full"
    assert sail.teu[out_].max() <= 210
    K = kpis.compute(out)
    assert K[("teu_by_service", "2024", "ferry")] <= slots * 210
    assert K[("vessel_fill_rate", "2024", "ferry")] > 0.9
    # the rest waits: boxes pile up at the port, none is lost. Three logs that keep
    # their own counts: the port's visits (boxes that came), the vessel's sailings
    # (boxes that left on it) and the survey of where each box is at the end (which
    # fails unless every box is in exactly one place)
    st = out.store
    delivered = np.isfinite(st.t_delivered).sum()
    assert delivered < 0.45 * st.n
    came = np.isfinite(visits(out, "west")["arrive"]).sum()
    left = sail.boxes[out_].sum()
    where = location.locate(out)
    waiting = came - left  # at the west port; at most a load more may be at the east one
    assert waiting <= where["at_port"].sum() <= waiting + 105 and waiting > 0.5 * st.n
    assert where["delivered"].sum() == delivered
    assert 0 <= left - delivered <= 2 * 105  # at most two loads beyond the sea


def test_timetable_wait_is_half_a_period_when_the_ship_has_room():
    # 5,000 boxes a year on a ship with room for 300 boxes a slot: every box leaves the
    # yard at the first slot after it is ready (the ship is always home by then: a round
    # trip takes at most 6 + 30 + 84 + 6 + 30 + 84 = 240 h), so its wait is
    # slot - ready, between 0 and 240 h and about 120 h on average (ready times fall at
    # no particular phase of the 10-day cycle).
    out = year_of_feeder(5_000, capacity_teu=600)
    v = visits(out, "west")
    done = np.isfinite(v["release"])
    assert done.sum() > 3000
    ready, release = v["ready"][done], v["release"][done]
    np.testing.assert_allclose(release, np.ceil(ready / PERIOD_H - 1e-9) * PERIOD_H,
                               atol=1e-6)
    wait = release - ready
    assert wait.min() >= 0 and wait.max() < PERIOD_H
    assert wait.mean() == pytest.approx(PERIOD_H / 2, abs=25)


BASELINE = HERE.parent / "scenarios" / "baseline.toml"


@pytest.fixture(scope="module")
def baseline():
    return run(BASELINE)


def timetabled(scenario):
    return [sid for sid, s in scenario.services.items() if s.sailing.rule == "timetable"]


def vessels_home(s, fleet: int, at_h: float) -> int:
    """Vessels of a service free at its home port at ``at_h``, read from its sailings
    alone: one that never sailed, or whose last sailing by then was a return that has
    reached home and been unloaded."""
    n = 0
    for v in range(fleet):
        mine = (s.vessel == v) & (s.sailed_h <= at_h)
        if not mine.any():
            n += 1
            continue
        last = np.flatnonzero(mine)[np.argmax(s.sailed_h[mine])]
        back_h = np.nan_to_num(s.landed_h[last], nan=s.arrived_h[last])
        n += bool(s.direction[last] == 1 and back_h <= at_h + 1e-6)
    return n


def test_baseline_timetabled_services_load_at_their_slots_or_say_why(baseline):
    # The baseline's Black Sea services sail to a documented timetable (Batumi every 10
    # days, Poti weekly, both at 08:00). Read from the home port's log: every box is
    # released at a slot of that timetable, and a box that waited past a slot did so for
    # a reason the sailings and closures show: no vessel was home, the port was closed,
    # or the vessel that sailed from that slot was full.
    sc, end_h = baseline.scenario, baseline.calendar.end_h
    passed_over = 0
    for sid in timetabled(sc):
        cfg, svc = sc.services[sid], baseline.services[sid]
        period_h = 24.0 / cfg.sailing.departures_per_day
        first_h = cfg.sailing.first_departure_h
        s = columns(svc.sailings, Sailing)
        home = s.direction == 0
        port = baseline.ports[cfg.from_]
        v = port.visits(end_h)
        sailed = np.isin(v["row"], np.concatenate(
            [r for r, x in zip(svc.sailing_rows, svc.sailings) if x.direction == 0]))
        release, ready = v["release"][sailed], v["ready"][sailed]
        k = (release - first_h) / period_h
        np.testing.assert_allclose(k, np.round(k), atol=1e-9, err_msg=sid)
        load_at = {math.floor((t - first_h) / period_h + 1e-9): b
                   for t, b in zip(s.sailed_h[home], s.boxes[home])}
        closed = [(a, b if np.isfinite(b) else np.inf) for a, b in port.closures]
        for r, d in zip(release, ready):
            for slot in range(math.ceil((d - first_h) / period_h - 1e-9),
                              round((r - first_h) / period_h)):
                at_h = first_h + slot * period_h
                passed_over += 1
                assert (load_at.get(slot, 0) >= cfg.capacity_boxes()
                        or any(a <= at_h < b for a, b in closed)
                        or vessels_home(s, cfg.fleet, at_h) == 0), (sid, at_h)
    assert passed_over > 10  # the reasons are exercised
