"""Empties going back (demand.flows.X.empties): the hand-traced toy
(tests/scenarios/toy_empties.toml: 10 boxes a day, half go back empty 5 days on, less the
2 a day refilled going back = 3 empties a day), the lag by hand, conservation on the rail
and on the ferry back, the KPI sums, off by default, and every bad table one line per
problem."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from sim.engine.facilities.empties import expected_empties, shares_by_day
from sim.engine.facilities.line_plan import LinePlan
from sim.engine.facilities.rail import RailLine
from sim.engine.model import Model
from sim.measure.empties import KPIS as EMPTIES_KPIS
from sim.measure.kpis import compute
from sim.scenario.empties import EMPTIES
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Link
from sim.scenario.summary import describe

from .conftest import child_writer, expect_errors

HERE = Path(__file__).parent / "scenarios"
TOY = HERE / "toy_empties.toml"


@pytest.fixture(scope="module")
def run():
    out = Model(load_scenario(TOY)).run()
    return out, compute(out)


# ------------------------------------------------------------------ by hand

def test_expected_empties_net_of_the_loaded_boxes_going_back():
    s = load_scenario(TOY)
    e = expected_empties(s, "west", dt.date(2024, 1, 10), 60)  # (2024 only)
    assert np.allclose(e, 0.5 * 10 - 2)
    # never below 0: with more boxes going back loaded than return, no empties
    s = load_scenario(TOY, {"demand.flows.east.containers_per_year": 3660.0})
    assert not expected_empties(s, "west", dt.date(2024, 1, 1), 60).any()


@pytest.mark.parametrize("lag, first_full, partial", [(5.0, 5, None), (2.5, 3, 2)])
def test_the_lag_by_hand(lag, first_full, partial):
    """A flow that starts on 1 Feb (10 boxes a day, in February only) sends its first
    empties back ``lag`` days later: share x 10 a day from then on; a half-day lag puts
    half a day's empties on the day before."""
    s = load_scenario(TOY, {"demand.seasonality": [0.0, 12.0] + [0.0] * 10,
                            "demand.flows.west.containers_per_year": 290.0,  # 290 / 29 d
                            "demand.flows.west.empties.lag_days": lag,
                            "demand.flows.west.empties.net_of": []})
    e = expected_empties(s, "west", dt.date(2024, 2, 1), 20)
    assert np.allclose(e[first_full:], 5.0)
    assert not e[:partial if partial is not None else first_full].any()
    if partial is not None:
        assert e[partial] == pytest.approx(2.5)


def test_route_shares_follow_dated_changes():
    s = load_scenario(HERE / "toy_two_routes.toml")
    fid = next(iter(s.demand.flows))
    names, shares = shares_by_day(s, fid, dt.date(2024, 1, 1), 30)
    assert np.allclose(shares.sum(axis=0), 1.0)
    assert names == list(s.demand.flows[fid].routes)


# ------------------------------------------------------------------ the toy, traced

def test_three_empties_a_day_from_the_first_day(run):
    out, _ = run
    (r,) = out.empties.routes
    n = out.empties.n_days
    assert (r.flow, r.route, r.corridor) == ("west", "sea", "middle_corridor")
    assert r.boxes.tolist() == [3] * n and r.forty.tolist() == [3] * n  # all 40 ft
    assert r.teu.tolist() == [6] * n and r.railcars.tolist() == [3] * n
    # an empty train of alpha's 40 boxes each time 40 more have gathered
    assert r.train_boxes == 40
    assert r.trains.tolist() == np.diff(np.floor(3 * np.arange(n + 1) / 40)).astype(int).tolist()
    day = np.repeat(np.arange(n), r.trains)
    assert ((r.train_hours >= 24 * day) & (r.train_hours < 24 * (day + 1))).all()


def test_empty_trains_hold_paths_going_back(run):
    out, _ = run
    (r,) = out.empties.routes
    for lid, back in (("alpha_gate", 1), ("gate_west", 1), ("east_omega", 1)):
        line = out.lines[lid]
        assert line.has_background()
        paths = line.background_paths()
        assert len(paths[back]) == r.trains.sum() and not len(paths[1 - back])
        assert (paths[back] >= np.sort(r.train_hours) - 1e-9).all()


def test_conservation_on_the_rail_and_on_the_ferry_back(run):
    out, _ = run
    (r,) = out.empties.routes
    # drawn = in trains + waiting for a train
    assert r.boxes.sum() == r.train_boxes * r.trains.sum() + r.waiting_at_end()
    assert 0 <= r.waiting_at_end() < r.train_boxes
    # offered to the ferry back = sailed + waiting + loaded at a berth, not yet sailed
    svc = out.services["ferry"]
    i = svc.bg_units.index(EMPTIES)
    q = svc.queues[1][i]
    end = out.calendar.end_h
    sailed = sum(bg[i] for bg, s in zip(svc.bg_sailed, svc.sailings) if s.direction == 1)
    assert q.arrived(end) == r.railcars.sum()
    assert q.arrived(end) == sailed + q.waiting(end) + svc.background_aboard(1)[i]
    assert sailed > 0
    # nothing offered the other way
    assert svc.queues[0][i].total == 0


def test_kpis_sum(run):
    out, K = run
    (r,) = out.empties.routes
    # February 2024: 29 days x 6 TEU
    assert K[("empty_teu_repositioned", "2024", "middle_corridor")] == 29 * 6
    assert K[("empty_teu_repositioned", "2024", "all")] == 29 * 6
    start = out.calendar.start_h
    in_year = (r.train_hours >= start).sum()
    assert K[("empty_trains", "2024", "all")] == in_year
    # the vessel space they took, and in the ferry's totals
    svc = out.services["ferry"]
    i = svc.bg_units.index(EMPTIES)
    sailed = sum(bg[i] for bg, s in zip(svc.bg_sailed, svc.sailings)
                 if s.direction == 1 and s.sailed_h >= start)
    assert K[("empty_units_by_service", "2024", "ferry:return")] == sailed
    assert K[("empty_units_by_service", "2024", "ferry")] == 0
    assert K[("ferry_railcars_background", "2024", "ferry:return")] == sailed
    # the empty trains count in the links' traffic going back
    entering = K[("link_trains_total", "2024", "gate_west:west>gate")]
    assert K[("link_trains_background", "2024", "gate_west:west>gate")] == in_year
    assert entering >= in_year


# ------------------------------------------------------------------ refused boxes

CLOSED_TWO = {"route_choice.model": "shares",
              "nodes.gate.crossing.acceptance_limit_teu": 800.0,
              "nodes.gate2.crossing.acceptance_limit_teu": 800.0,
              "timeline": [{"date": "2024-02-01", "close": "gate", "days": 10},
                           {"date": "2024-02-01", "close": "gate2", "days": 10}],
              "demand.flows.west.empties": {"return_share": 0.5, "lag_days": 5}}


def test_refused_boxes_send_no_empties_back():
    """Both routes closed for 10 days: the trains refused at the origin (40 boxes each,
    deterministic arrivals) take 20 empties each off those drawn, from 5 days on, and
    each route keeps the empty trains its empties fill; every line going back frees the
    cancelled trains' paths (and says it changed: a plan of the line reads it)."""
    m = Model(load_scenario(HERE / "toy_two_routes.toml", CLOSED_TWO), seed=1)
    before = {r.route: (r.boxes.copy(), r.train_hours.copy()) for r in m.empties.routes}
    changes = {lid: line.changes for lid, line in m.lines.items()}
    out = m.run()
    refused, e = out.gate.refused, out.empties
    assert len(refused) >= 5 and len(e.thinned) == len(refused)
    assert [(fid, t, n) for fid, t, n, _k, _c in e.thinned] == [
        ("west", t, n) for _f, t, n in refused]
    assert all(k == n // 2 for _f, _t, n, k, _c in e.thinned)  # half, deterministic
    first_day = int(min(t for _f, t, _n in refused) // 24 + 5)
    taken = cancelled = 0
    for r in e.routes:
        boxes, hours = before[r.route]
        changed = np.flatnonzero(boxes != r.boxes)
        assert len(changed) and changed.min() >= first_day and (r.boxes <= boxes).all()
        taken += int(boxes.sum() - r.boxes.sum())
        gone = np.setdiff1d(hours, r.train_hours)
        assert len(gone) == len(hours) - len(r.train_hours) > 0
        assert (gone >= 24 * first_day).all()
        cancelled += len(gone)
        # whole trains of the empties that came, the rest waiting for one
        assert r.boxes.sum() == r.train_boxes * r.trains.sum() + r.waiting_at_end()
        assert 0 <= r.waiting_at_end() < r.train_boxes
        for lid in ("alpha_gate", "gate_omega") if r.route == "main" else (
                "alpha_gate2", "gate2_omega"):
            line = out.lines[lid]
            paths = line.background_paths()[1]  # (a path each, at or after its hour)
            assert len(paths) == len(r.train_hours) and (paths >= r.train_hours - 1e-9).all()
            assert line.changes == changes[lid] + len(gone)
    assert taken == sum(k for *_x, k, _c in e.thinned) == sum(n for *_x, n in refused) // 2
    assert cancelled == sum(c for *_x, c in e.thinned)
    K = compute(out)
    assert K[("empty_trains", "2024", "all")] == sum(
        ((r.train_hours >= out.calendar.start_h) & (r.train_hours < out.calendar.end_h)).sum()
        for r in e.routes)


def test_refused_boxes_take_their_empties_off_the_ferry_back():
    """The toy's empties: 10 boxes a day, half go back 5 days on, less the 2 a day going
    back loaded: 3 a day, all 40 ft, over 39 days (117: two trains of 40 and 37
    waiting). Refused boxes take off their share of the gross 5 a day that the net 3 a
    day keeps (0.5 x 3 / 5 = 0.3 a box; deterministic: the running total's whole part),
    the earliest first from 5 days on, as many railcars fewer offered to the ferry going
    back; once fewer than 80 are left, the first empty train from then on is cancelled.
    The ferry still carries or holds every railcar offered."""
    m = Model(load_scenario(TOY))
    (r,) = m.empties.routes
    svc = m.services["ferry"]
    q = svc.queues[1][svc.bg_units.index(EMPTIES)]
    offered, hours = q.counts.copy(), r.train_hours.copy()
    assert r.boxes.sum() == 117 and len(hours) == 2
    m.empties.refused("west", 0.0, 10)  # 3 empties: day 5's
    assert r.boxes[:7].tolist() == [3] * 5 + [0, 3] and len(r.train_hours) == 2
    assert q.arrived(24 * 5 + 12) == q.arrived(24 * 5) == offered[:5].sum()  # (mid-day)
    m.empties.refused("west", 0.0, 5)  # 1.5: 1, and half a box carried
    m.empties.refused("west", 0.0, 5)  # 2
    assert [k for *_x, k, _c in m.empties.thinned] == [3, 1, 2]
    assert r.boxes[:9].tolist() == [3] * 5 + [0, 0, 3, 3] and len(r.train_hours) == 2
    m.empties.refused("west", 0.0, 120)  # 36 more: 42 in all, days 5 to 18; 75 left
    assert r.boxes.sum() == 75 and not r.boxes[5:19].any() and r.boxes[19] == 3
    assert (offered - q.counts).tolist() == [0] * 5 + [3] * 14 + [0] * (len(offered) - 19)
    assert q.total == offered.sum() - 42 == q.arrived(q.end_h)
    assert [c for *_x, c in m.empties.thinned] == [0, 0, 0, 1]
    assert np.array_equal(r.train_hours, np.delete(hours, np.searchsorted(hours, 24 * 5)))
    assert len(m.lines["gate_west"].background_paths()[1]) == 1
    assert r.waiting_at_end() == 75 - 40
    out = m.run()
    end = out.calendar.end_h
    sailed = sum(bg[svc.bg_units.index(EMPTIES)] for bg, s in zip(svc.bg_sailed, svc.sailings)
                 if s.direction == 1)
    assert q.arrived(end) == r.railcars.sum()
    assert q.arrived(end) == sailed + q.waiting(end) + svc.background_aboard(1)[
        svc.bg_units.index(EMPTIES)]


def test_a_lag_under_a_day_takes_the_empties_off_the_next_day():
    """Empties half a day on: those of boxes refused in day 1 would leave in day 1 or 2;
    the day under way is left as offered, the next one loses them."""
    m = Model(load_scenario(TOY, {"demand.flows.west.empties.lag_days": 0.5}))
    (r,) = m.empties.routes
    before = r.boxes.copy()
    m.empties.refused("west", 30.0, 10)  # day 1, hour 6
    assert np.flatnonzero(before != r.boxes).tolist() == [2]
    assert before[2] - r.boxes[2] == 3


def test_a_cancelled_empty_train_frees_its_path_until_it_is_blocked():
    """A line of 24 paths a day with 12 background trains a day expected and two empty
    trains planned going back (hours 100.5 and 300.5): cancelling one frees its path in
    the plan of the line and for bookings; one whose path a booking has blocked already
    cannot be cancelled."""
    line = RailLine("l", Link.model_validate({
        "from": "a", "to": "b", "length_km": 100, "train_paths_per_day": 24,
        "speed_km_per_day": {"dist": "constant", "value": 1000}}), np.random.default_rng(1))
    planned = np.array([100.5, 300.5])
    line.add_background(np.array([]), np.concatenate((np.arange(0.2, 400, 2.0), planned)),
                        np.full(20, 12.0), (np.array([]), planned))
    plan = LinePlan(line)
    line.book(1, 10.0, 0.0)  # the background paths blocked up to ~36 h
    free = plan.free_paths(1, 250.0, 350.0, 0.0, cautious=False)
    path = line.background_paths()[1][np.searchsorted(np.sort(np.concatenate((
        np.arange(0.2, 400, 2.0), planned))), 300.5)]
    assert line.can_cancel(1, 300.5) and not line.can_cancel(1, 300.0)
    line.cancel_background(1, 300.5)
    assert line.bg_planned[1].tolist() == [100.5]
    assert plan.free_paths(1, 250.0, 350.0, 0.0, cautious=False) == pytest.approx(free + 1)
    assert line.book(1, path - 0.01, 0.0) == pytest.approx(path)  # the freed path
    line.book(1, 150.0, 0.0)  # blocks the background paths up to ~200 h
    assert not line.can_cancel(1, 100.5)
    with pytest.raises(ValueError, match=r"link l: no background train to cancel at 100.5 h "
                                         r"in direction 1"):
        line.cancel_background(1, 100.5)


def test_off_by_default():
    s = load_scenario(HERE / "toy_sea.toml")
    out = Model(s).run()
    assert out.empties is None
    assert EMPTIES not in out.services["ferry"].bg_units
    K = compute(out)
    assert not any(k[0] in EMPTIES_KPIS for k in K)
    assert not any(k[0] == "link_trains_total" for k in K)


# ------------------------------------------------------------------ bad tables

@pytest.fixture
def scen(tmp_path, monkeypatch):
    return child_writer(tmp_path, monkeypatch, "toy_empties.toml", ("toy.toml", "toy_sea.toml"))


def test_bounds(scen):
    expect_errors(scen("[demand.flows.west.empties]\nreturn_share = 1.5\nlag_days = -1\n"),
                  ["demand.flows.west.empties.return_share: must be <= 1 (got 1.5)",
                   "demand.flows.west.empties.lag_days: must be >= 0 (got -1)"])


OTHER = """
[demand.flows.other]
origin = "alpha"
destination = "omega"
containers_per_year = 10
routes = { sea = 1.0 }
empties = { return_share = 0.2, lag_days = 3, net_of = ["east"] }
"""


def test_netting(scen):
    expect_errors(scen('[demand.flows.west.empties]\nnet_of = ["east", "eest", "west", '
                       '"other"]\n' + OTHER), [
        "demand.flows.west.empties.net_of: unknown flow 'eest' (did you mean 'west'?)",
        "demand.flows.west.empties.net_of: 'west' nets its empties against itself; name "
        "a flow running the other way",
        "demand.flows.west.empties.net_of: flow 'other' runs china -> europe, not the "
        "other way (europe -> china); only boxes going back loaded replace empties",
        "demand.flows.other.empties.net_of: flow 'east' is already netted against the "
        "empties of 'west'; its boxes replace empties once"])


def test_no_way_back(scen):
    expect_errors(scen("[services.ferry]\nfleet = 0\n"), [
        "services.ferry.fleet: 0 vessels and no timeline change raises it, but flow "
        "'west' sails on it (route 'sea'): its boxes would wait at 'west' without end",
        "toy_empties.toml: demand.flows.west.empties: route 'sea' goes back over service "
        "'ferry', which has 0 vessels and no timeline change raises it: its empties would never sail"])


def test_check_describes_them():
    text = describe(load_scenario(TOY))
    assert "  empties   west: 0.5 of its boxes go back empty 5 d after arrival, net of east" \
        in text.splitlines()


def test_no_room_going_back(scen):
    """36,600 boxes a year all going back empty: 100 railcars a day on a ferry line
    whose three vessels carry 3 x 40.5 x 24 / (2 x (2 + 20) + 4 x 40.5 / 20) = 56 a day."""
    expect_errors(scen("[demand.flows.west]\ncontainers_per_year = 36600\n"
                       "[demand.flows.west.empties]\nreturn_share = 1.0\nnet_of = []\n"), [
        "demand.flows.west.empties.return_share: 100.0 railcars a day of empties go back "
        "over service 'ferry' (from the far port; flows west) in the peak month of 2024, "
        "with its 0.0 a day of background that way, at least the 56.0 a day the fleet "
        "carries; lower the share or raise the fleet"])
