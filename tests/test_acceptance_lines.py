"""Acceptance limits on lines (``links.ID.acceptance_limit_queue_h``): the routes through a
line refuse trains at their origins while a train accepted now is projected to wait longer
than the limit for a path when it reaches the line, in the direction the flow travels it,
counting the trains on their way to it; refused trains go by the flow's other routes
(sim.engine.acceptance)."""

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from sim.engine.acceptance import LineMeter
from sim.engine.facilities.line_plan import LinePlan
from sim.engine.facilities.rail import RailLine
from sim.engine.logs import OriginTrain, columns
from sim.engine.model import Model
from sim.measure.kpis import compute
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.scenario.schema import Link
from sim.scenario.summary import describe

from .conftest import HERE

TWO = HERE / "scenarios" / "toy_two_routes.toml"
LIMIT_H = 24.0
# route main's last line carries 2 trains a day where its share of the flow brings 2.5:
# without a limit the queue grows all run
SLOW = {"route_choice.model": "shares", "links.gate_omega.train_paths_per_day": 2}


# the flow goes by alt (no limited line) in January, then all by main, whose last line
# carries PATHS trains a day where the flow brings 5 of 40 boxes (3.3 of the gate's 60):
# the routes refuse and, with no other route in force, the trains wait at the origin
HOLD = {"route_choice.model": "shares", "demand.flows.west.routes": {"alt": 1.0},
        "links.gate_omega.acceptance_limit_queue_h": LIMIT_H,
        "timeline": [{"date": "2024-02-01", "shares": {"west": {"main": 1.0}}}]}
# all by main, 10 days' running to the gate (alpha_gate at 200 km a day), 6 paths a day
# on gate_omega for 3.3 trains a day: a long pipeline on a line that never queues
PIPE = {"route_choice.model": "shares", "demand.flows.west.routes": {"main": 1.0},
        "links.alpha_gate.speed_km_per_day": {"dist": "constant", "value": 200},
        "links.gate_omega.train_paths_per_day": 6,
        "links.gate_omega.acceptance_limit_queue_h": LIMIT_H}


def _run(limit: float | None, over: dict | None = None
         ) -> tuple[Model, list[tuple[float, int, int, bool, float, float]]]:
    """The model run, and every acceptance check: (hour, flow, route, open, the wait
    projected on gate_omega westbound then, the hours of its paths the trains on their
    way to it need)."""
    over = dict(SLOW if over is None else over)
    if limit is not None:
        over["links.gate_omega.acceptance_limit_queue_h"] = limit
    m = Model(load_scenario(TWO, overrides=over), seed=1)
    checks: list[tuple[float, int, int, bool, float, float]] = []
    if m.gate:
        is_open, meter = m.gate.is_open, m.gate.meters[("gate_omega", 0)]
        line = meter.line

        def logged(f: int, r: int) -> bool:
            ok = is_open(f, r)
            now = m.env.now
            trains = (meter.accepted_teu - meter.booked_teu) / meter.teu_per_train()
            checks.append((now, f, r, ok, meter.wait_h(now),
                           trains * 24 / LinePlan(line).free_paths(0, now, now + 24, now)))
            return ok
        m.gate.is_open = logged  # type: ignore[method-assign]
    m.run()
    return m, checks


def _waits(m: Model) -> np.ndarray:
    """Hours each modelled train waited for its path on gate_omega."""
    b = m.lines["gate_omega"].log_arrays()
    return b.entered_h - b.reached_h


def test_a_route_refuses_trains_only_while_the_wait_projected_on_its_line_is_over_the_limit():
    m, checks = _run(LIMIT_H)
    main, alt = m.route_ids.index("main"), m.route_ids.index("alt")
    c = np.array(checks)
    on_main = c[c[:, 2] == main]
    refused, accepted = on_main[on_main[:, 3] == 0], on_main[on_main[:, 3] == 1]
    assert len(refused) > 5 and (refused[:, 4] > LIMIT_H).all()
    assert (accepted[:, 4] <= LIMIT_H).all()
    # the alternative has no limited line: always open
    assert (c[c[:, 2] == alt][:, 3] == 1).all()
    # the refused trains went by the other route, logged as diverted
    d = m.out.gate.diverted
    assert len(d) > 5 and {(x[1], x[2]) for x in d} == {(main, alt)}
    ot = columns(m.out.origin_trains, OriginTrain)
    for _f, _a, _b, hour, boxes in d:
        k = np.flatnonzero(ot.departed_h == hour)
        assert len(k) == 1 and ot.route[k[0]] == alt and ot.boxes[k[0]] == boxes
    K = compute(m.out)
    assert K[("containers_diverted", "2024", "main>alt")] == sum(
        x[4] for x in d if x[3] >= m.cal.start_h) > 0


def test_the_limit_bounds_the_queue_a_train_meets_on_the_line():
    free, _ = _run(None)
    held, _ = _run(LIMIT_H)
    w_free, w_held = _waits(free), _waits(held)
    # without the limit the queue grows all run (2.5 trains a day for 2 paths)
    assert w_free.max() > 20 * LIMIT_H
    # with it, a train meets at most the limit and one path (12 h): the trains on their
    # way when the route closed are counted (without them, 69 h: the limit and the 2.6
    # days' trains that left the origin before the queue formed)
    assert w_held.max() <= LIMIT_H + 12
    assert (w_held > LIMIT_H - 12).mean() > 0.2  # and the queue is held near the limit


@pytest.mark.parametrize("paths", [2, 4])
def test_after_a_hold_the_trains_let_go_meet_no_more_than_the_limit(paths):
    m, _ = _run(None, dict(HOLD, **{"links.gate_omega.train_paths_per_day": paths}))
    assert len(m.gate.held) > 100 and not m.gate.diverted  # held at the origin, often
    w = _waits(m)
    # the held trains leave as the projected queue allows, not all together: at most the
    # limit and one path (without counting the trains on their way: 316 h at 4 paths a
    # day, 2,735 h at 2)
    assert w.max() <= LIMIT_H + 24 / paths
    # and the line is not starved: from a week after the change, the modelled trains use
    # nine paths in ten
    b = m.lines["gate_omega"].log_arrays()
    since = m.cal.hours(m.cal.start) + (31 + 7) * 24.0  # 2024-02-08
    used = ((b.entered_h >= since) & (b.direction == 0)).sum()
    assert used >= 0.9 * paths * (m.cal.end_h - since) / 24


def test_a_long_pipeline_to_a_line_that_does_not_queue_closes_nothing():
    m, checks = _run(None, PIPE)
    c = np.array(checks)
    # the trains on their way need far more of the line than the limit (a cap on them
    # would close the route) ...
    assert c[:, 5].max() > 3 * LIMIT_H
    # ... but they reach it at its pace: no train refused, none waits
    assert c[:, 3].all() and not m.gate.held and not m.gate.diverted
    assert _waits(m).max() < 12


def test_the_meter_counts_what_is_accepted_for_the_line_and_what_books_it():
    m, _ = _run(LIMIT_H)
    meter = m.gate.meters[("gate_omega", 0)]
    b = m.lines["gate_omega"].log_arrays()
    # every modelled train on the line westbound told the meter its TEU when it left the
    # gate (the line's last stop before it)
    assert meter.booked_trains == (b.direction == 0).sum() > 100
    ot = columns(m.out.origin_trains, OriginTrain)
    main = m.route_ids.index("main")
    assert meter.accepted_teu == ot.teu[ot.route == main].sum()
    # on the way at the end: at most 3 days of the flow's half (2.5 trains of ~77 TEU)
    assert 0 <= meter.accepted_teu - meter.booked_teu <= 3 * 2.5 * 80
    # the time to the line, matched first in first out: 2 days' running, 12 h of customs,
    # the unloading and the wait to form a train (at most 1 h), on the short side
    assert 60 <= meter.transit_h <= 63.5


def test_the_projected_wait_by_hand():
    """A line of 2 paths a day (12 h each): three trains of 100 TEU accepted at hour 0,
    the first booked at hour 10 (so T = 10 h): at hour 10 the queue is one path (12 h),
    two trains are on their way: the next train accepted waits 12 + 2 * 12 - 10 = 26 h."""
    line = _bare_line()
    meter = LineMeter(line, 0, 24.0)
    for _ in range(3):
        meter.accepted(100, 0.0)
    assert meter.wait_h(0.0) == pytest.approx(36.0)  # T unknown: none booked yet
    line.book(0, 10.0, 10.0)
    meter.booked(100, 10.0)
    assert meter.transit_h == 10.0
    assert meter.wait_h(10.0) == pytest.approx(26.0)
    # background trains asking at hours 23 and 34 take the timetable's paths at 24 and
    # 36: the queue now ends at hour 48, the two trains on their way take the paths at 48
    # and 60, and the new train reaching the line at hour 20 waits for the one at 72
    line.add_background(np.array([23.0, 34.0]), np.array([]))
    assert LinePlan(line).free_paths(0, 22.0, 46.0, 10.0) == pytest.approx(0.0)
    assert line.queue_h(0, 10.0) == pytest.approx(38.0)
    assert meter.wait_h(10.0) == pytest.approx(72.0 - 20.0)


def test_the_other_direction_is_not_limited_by_this_ones_queue():
    over = dict(SLOW, **{"links.gate_omega.acceptance_limit_queue_h": LIMIT_H})
    m = Model(load_scenario(TWO, overrides=over), seed=1)
    line = m.lines["gate_omega"]
    # trains of flow west travel gate -> omega: direction 0
    assert {(meter.direction, meter.limit) for on in m.gate.line_limits.values()
            for meter, _direct in on} == {(0, LIMIT_H)}
    m.run()
    # a train reaching the line westbound now would queue; eastbound it would not, and
    # a meter of that direction projects no wait from the westbound queue
    hours = np.arange(m.cal.end_h - 240.0, m.cal.end_h, 6.0)
    k = int(np.argmax([line.queue_h(0, h) for h in hours]))
    t, west = float(hours[k]), line.queue_h(0, float(hours[k]))
    assert west > 12
    assert line.queue_h(1, t) == 0.0 and LineMeter(line, 1, LIMIT_H).wait_h(t) == 0.0
    assert LineMeter(line, 0, LIMIT_H).wait_h(t) == pytest.approx(west)


def test_off_by_default_and_the_limit_is_validated():
    m = Model(load_scenario(TWO, overrides=SLOW), seed=1)
    assert not m.gate
    with pytest.raises(ConfigError, match=r"^error: overrides: links\.gate_omega\."
                       r"acceptance_limit_queue_h: must be > 0 \(got -1\)"):
        load_scenario(TWO, overrides={"links.gate_omega.acceptance_limit_queue_h": -1})


def test_check_lists_every_acceptance_limit():
    s = load_scenario(TWO, overrides={"links.gate_omega.acceptance_limit_queue_h": 36,
                                      "nodes.gate.crossing.acceptance_limit_teu": 900})
    assert ("  accept    routes refuse trains beyond: gate 900 TEU booked, line gate_omega "
            "36 h of queue") in describe(s).splitlines()
    assert "accept" not in describe(load_scenario(TWO))


def test_a_route_given_by_a_dated_share_change_is_limited_too():
    # the flow's own routes are alt alone; from February a dated change sends it all by
    # main, whose last line carries 2 trains a day where the flow brings 5
    over = {"route_choice.model": "shares", "demand.flows.west.routes": {"alt": 1.0},
            "links.gate_omega.train_paths_per_day": 2,
            "links.gate_omega.acceptance_limit_queue_h": LIMIT_H,
            "timeline": [{"date": "2024-02-01", "shares": {"west": {"main": 1.0}}}]}
    m = Model(load_scenario(TWO, overrides=over), seed=1)
    main = m.route_ids.index("main")
    assert m.gate and {r for _f, r in m.gate.line_limits} == {main}
    m.run()
    # refused on main and with no other route in force, the trains wait at the origin
    # (the flow's own route, alt, has no share from February)
    assert len(m.gate.held) > 5 and {x[1] for x in m.gate.held} <= {main, -1}  # -1: still held
    assert not m.gate.diverted


def _bare_line() -> RailLine:
    """A line of 2 paths a day (12 h each), no background trains."""
    return RailLine("l", Link.model_validate({
        "from": "a", "to": "b", "length_km": 100, "train_paths_per_day": 2,
        "speed_km_per_day": {"dist": "constant", "value": 1000}}),
        np.random.default_rng(1))


def test_a_burst_let_go_together_is_capped_by_the_acceptances_backlog():
    """Trains 48 h from an empty line, accepted at one hour, reach it together: the line
    being empty and the way long, only the acceptances' backlog sees that the fourth
    would wait 36 h behind the other three."""
    line = _bare_line()
    meter = LineMeter(line, 0, 24.0)
    meter.accepted(100, 0.0)
    line.book(0, 48.0, 48.0)
    meter.booked(100, 48.0)  # T = 48 h
    waits = []
    for _ in range(4):
        waits.append(meter.wait_h(100.0))
        if waits[-1] <= meter.limit:
            meter.accepted(100, 100.0)
    assert waits == pytest.approx([0.0, 12.0, 24.0, 36.0])
    assert meter.accepted_trains == 4  # the first and three at hour 100


def test_the_time_to_the_line_follows_shorter_times_faster_than_longer_ones():
    meter = LineMeter(_bare_line(), 0, 24.0)
    for _ in range(3):
        meter.accepted(100, 0.0)
    meter.booked(100, 100.0)
    meter.booked(100, 50.0)  # 50 h shorter: a fifth of the gap
    assert meter.transit_h == pytest.approx(90.0)
    meter.booked(100, 150.0)  # 60 h longer: a hundredth
    assert meter.transit_h == pytest.approx(90.6)


def test_the_paths_after_a_closure_are_counted_from_its_end():
    """A line of 2 paths a day closed from hour 10 to 250: of 3 free paths from hour 0,
    10/12 of one comes before the closure, the other 2 1/6 in the 26 h after it (a
    growing step across the closure must not pass the hour)."""
    line = _bare_line()
    line.close(10.0, 250.0)
    plan = LinePlan(line)
    assert plan.free_paths(0, 0.0, 250.0, 0.0) == pytest.approx(10.0 / 12.0)
    assert plan.free_paths(0, 300.0, 312.0, 0.0) == pytest.approx(1.0)
    line.close(300.0, 312.0)  # (the merged closures read before are merged again)
    assert plan.free_paths(0, 300.0, 312.0, 0.0) == pytest.approx(0.0)
    assert plan.after_free_paths(0, 0.0, 3.0, 0.0) == pytest.approx(276.0, abs=1e-2)


def test_a_route_with_no_stop_before_its_line_books_it_as_it_leaves():
    # alpha_gate, the first line of route main, carries 2 trains a day where main's half
    # of the flow brings 2.5: its trains book it at the origin, so nothing is on its way
    # and the route closes only while the queue booked there is over the limit
    over = {"route_choice.model": "shares", "links.alpha_gate.train_paths_per_day": 2,
            "links.alpha_gate.acceptance_limit_queue_h": LIMIT_H}
    m = Model(load_scenario(TWO, overrides=over), seed=1)
    meter = m.gate.meters[("alpha_gate", 0)]
    assert [direct for on in m.gate.line_limits.values() for _m, direct in on] == [True]
    m.run()
    assert meter.accepted_teu == meter.booked_teu > 0
    ot = columns(m.out.origin_trains, OriginTrain)
    main = m.route_ids.index("main")
    # the route refuses at times but stays open to the end (not closed by TEU that
    # would never book the line)
    assert m.gate.diverted and ot.departed_h[ot.route == main].max() > m.cal.end_h - 7 * 24
    b = m.lines["alpha_gate"].log_arrays()
    assert (b.entered_h - b.reached_h).max() <= LIMIT_H + 12


def test_trains_held_on_their_way_close_the_route_when_the_line_is_empty():
    """Only the trains on their way bind: five trains of 100 TEU accepted at hour 0, the
    first booked at hour 10 (T = 10 h), the other four held on their way (at a crossing
    before the line) to hour 200. By then the acceptances' backlog is served and the line
    has no queue, but the four will take its next four paths when they come (48 h at 12 h
    a path), so a train accepted now, reaching the line at hour 210, waits 38 h."""
    line = _bare_line()
    meter = LineMeter(line, 0, 24.0)
    for _ in range(5):
        meter.accepted(100, 0.0)
    line.book(0, 10.0, 10.0)
    meter.booked(100, 10.0)
    assert line.queue_h(0, 200.0) == 0.0
    assert meter._backlog(200.0) == 0.0
    assert meter.wait_h(200.0) == pytest.approx(248.0 - 210.0)
    for _ in range(4):  # once they have booked, nothing is on its way
        line.book(0, 200.0, 200.0)
        meter.booked(100, 200.0)
    # booked now: nothing on its way, the queue booked on the line alone
    assert meter.accepted_teu == meter.booked_teu
    assert meter.wait_h(200.0) == pytest.approx(line.queue_h(0, 200.0) - meter.transit_h)
    assert meter.wait_h(260.0) == 0.0


def test_a_plan_knows_dated_closures_ahead_and_the_others_once_begun():
    """Works dated in the timeline are known from the start; a storm or a breakdown only
    from its start (with its end): a train's wait is not projected from a storm to come."""
    line = _bare_line()
    line.close(100.0, 148.0)  # dated
    line.close(300.0, 348.0, planned=False)  # a storm
    plan = LinePlan(line)
    assert plan.free_paths(0, 0.0, 400.0, 0.0) == pytest.approx((400.0 - 48.0) / 12.0)
    assert plan.free_paths(0, 0.0, 400.0, 300.0) == pytest.approx((400.0 - 96.0) / 12.0)
    assert plan.after_free_paths(0, 290.0, 1.0, 200.0) == pytest.approx(302.0)
    assert plan.after_free_paths(0, 290.0, 1.0, 300.0) == pytest.approx(350.0, abs=1e-2)
    with pytest.raises(ValueError, match="not in order of their starts"):
        line.close(200.0, 210.0, planned=False)


def test_a_plan_counts_the_background_trains_expected_not_drawn():
    """A line of 24 paths a day whose background draws 10 trains on day 0 around a mean
    of 4 a day, with an empty train planned at hour 30: the plan takes 4 a day (and the
    last day's rate beyond the run), plus the planned one; cautious, it adds one standard
    deviation of the span's count (Poisson: 2 trains a day; with a day-to-day cv of 0.5,
    the variance 4 + 0.5^2 * 4^2 = 8 a day)."""
    line = RailLine("l", Link.model_validate({
        "from": "a", "to": "b", "length_km": 100, "train_paths_per_day": 24,
        "speed_km_per_day": {"dist": "constant", "value": 1000}}), np.random.default_rng(1))
    drawn = np.arange(10.0)
    line.add_background(drawn, np.array([]), np.array([4.0, 4.0]),
                        (np.array([30.0]), np.array([])))
    plan = LinePlan(line)
    assert plan.free_paths(0, 0.0, 24.0, 0.0, cautious=False) == pytest.approx(20.0)
    assert plan.free_paths(0, 24.0, 48.0, 0.0, cautious=False) == pytest.approx(19.0)
    assert plan.free_paths(0, 48.0, 72.0, 0.0, cautious=False) == pytest.approx(20.0)
    assert plan.free_paths(0, 6.0, 18.0, 0.0, cautious=False) == pytest.approx(10.0)
    assert plan.free_paths(0, 0.0, 24.0, 0.0) == pytest.approx(20.0 - 2.0)
    line.add_background(drawn, np.array([]), np.array([4.0, 4.0]), None, cv=0.5)
    assert plan.free_paths(0, 0.0, 48.0, 0.0) == pytest.approx(40.0 - 4.0)
    line.add_background(drawn, np.array([]))  # no mean given: every hour is planned
    assert plan.free_paths(0, 0.0, 24.0, 0.0) == pytest.approx(14.0)


def test_the_model_plans_with_the_timelines_closures_and_the_background_means():
    """In a run, the timeline's closures of a line are planned, the random ones are
    surprises, and the background trains' plan is their daily means."""
    over = {"links.gate_omega.background_trains": {"per_day": 20, "base_year": 2024,
                                                   "cv": 0.5},
            "links.gate_omega.disruptions": [{"kind": "breakdown", "events_per_year": 50,
                                              "duration_h": {"dist": "constant",
                                                             "value": 12}}],
            "timeline": [{"date": "2024-03-01", "close": "gate_omega", "days": 2}]}
    m = Model(load_scenario(TWO, overrides=over), seed=1)
    line = m.lines["gate_omega"]
    start = m.cal.hours(dt.date(2024, 3, 1))
    assert line.planned_closures == [(start, start + 48.0)]
    assert len(line.surprises) > 5 and line.surprise_from == sorted(line.surprise_from)
    assert np.allclose(line.bg_expected, 20.0) and line.bg_cv == 0.5
    assert len(line.background_paths()[0]) != pytest.approx(20.0 * len(line.bg_expected),
                                                            abs=0.5)


def test_a_closure_takes_the_paths_of_the_headway_in_force():
    """A line of 2 paths a day, 6 from hour 100 (a timeline's change), closed from hour
    200 to 248: the closure takes the 12 paths of its 48 h at 6 a day, not the 4 of the
    widest headway's (which would leave 8 paths free while the line is closed)."""
    line = _bare_line()
    line.change_paths(100.0, 6)
    line.close(200.0, 248.0)
    plan = LinePlan(line)
    assert plan.free_paths(0, 200.0, 248.0, 0.0) == pytest.approx(0.0)
    assert plan.free_paths(0, 0.0, 300.0, 0.0) == pytest.approx(100 / 12 + (300 - 148) / 4)
    # the train after the 4 paths from hour 190 (2.5 before the closure) takes the 2nd
    # path after it
    assert plan.after_free_paths(0, 190.0, 4.0, 0.0) == pytest.approx(254.0, abs=1e-2)


def test_the_hour_of_the_paths_is_found_when_the_background_takes_nearly_every_path():
    """A line of 20 paths a day whose background is expected at 19 a day: a step from
    below at the headway would gain a twentieth of the paths missing; the hour is still
    the one by which the paths have passed (and none while the background takes every
    path)."""
    line = RailLine("l", Link.model_validate({
        "from": "a", "to": "b", "length_km": 100, "train_paths_per_day": 20,
        "speed_km_per_day": {"dist": "constant", "value": 1000}}), np.random.default_rng(1))
    line.add_background(np.array([1.0]), np.array([]), np.full(400, 19.0), None, cv=0.5)
    plan = LinePlan(line)
    for n in (5.0, 20.0, 50.0):
        x = plan.after_free_paths(0, 100.0, n, 0.0)
        assert plan.free_paths(0, 100.0, x, 0.0) == pytest.approx(n, abs=1e-3)
        assert plan.free_paths(0, 100.0, x - 0.01, 0.0) < n
    line.add_background(np.array([1.0]), np.array([]), np.full(400, 20.0), None)
    assert plan.after_free_paths(0, 100.0, 1.0, 0.0) == math.inf


def test_the_hour_of_the_paths_is_found_in_a_few_counts_where_the_background_takes_most(
        monkeypatch):
    """A line of 24 paths a day whose background is expected at 16 a day (Dostyk-Aktogay
    in autumn: two thirds): a step from below at the headway would gain a third of the
    paths missing (some 60 counts of the free paths a search); steps at the rate observed
    find the hour in a dozen at most, and it is still the hour by which they have passed."""
    line = RailLine("l", Link.model_validate({
        "from": "a", "to": "b", "length_km": 100, "train_paths_per_day": 24,
        "speed_km_per_day": {"dist": "constant", "value": 1000}}), np.random.default_rng(1))
    line.add_background(np.array([1.0]), np.array([]), np.full(400, 16.0), None, cv=0.3)
    plan = LinePlan(line)
    counts = [0]
    made = LinePlan._from

    def counted(self: LinePlan, *args: Any, **kwargs: Any) -> Callable[[float], float]:
        free = made(self, *args, **kwargs)

        def count(b: float) -> float:
            counts[0] += 1
            return free(b)
        return count
    monkeypatch.setattr(LinePlan, "_from", counted)
    for a in (0.0, 100.0, 1000.0):
        for n in (0.5, 3.0, 10.0, 40.0):
            counts[0] = 0
            x = plan.after_free_paths(0, a, n, 0.0)
            assert counts[0] <= 12, (a, n, counts[0])
            monkeypatch.setattr(LinePlan, "_from", made)
            assert plan.free_paths(0, a, x, 0.0) >= n - 1e-6
            assert plan.free_paths(0, a, x - 1e-3, 0.0) < n - 1e-6
            monkeypatch.setattr(LinePlan, "_from", counted)


def test_a_train_reaching_the_line_in_a_known_closure_waits_for_its_end():
    """Works close a line from hour 100 to 200 (dated: known from the start); trains reach
    it 50 h after acceptance. A train accepted at hour 60 reaches it at 110 with no queue
    ahead: it waits to 200. A storm from 100 to 200 is the same once begun, not before."""
    for planned in (True, False):
        line = _bare_line()
        line.close(100.0, 200.0, planned=planned)
        meter = LineMeter(line, 0, 24.0)
        meter.accepted(100, 0.0)
        line.book(0, 50.0, 50.0)
        meter.booked(100, 50.0)  # T = 50 h
        assert meter.wait_h(60.0) == pytest.approx(90.0 if planned else 0.0)
        assert meter.wait_h(120.0) == pytest.approx(30.0)  # reaches it at 170
        assert meter.wait_h(150.0) == 0.0  # at 200: open


def test_a_projection_asked_again_at_the_same_hour_sees_what_changed_since():
    """The meter keeps its last projection for the routes that ask at the same hour; a
    train booked on the line since (by a route the meter does not count), a train
    accepted or one booked, each makes it project again."""
    line = _bare_line()
    meter = LineMeter(line, 0, 24.0)
    meter.accepted(100, 0.0)
    line.book(0, 10.0, 10.0)
    meter.booked(100, 10.0)  # T = 10 h
    first = meter.wait_h(10.0)
    line.book(0, 10.0, 10.0)  # the next path, 12 h later, taken
    assert meter.wait_h(10.0) == pytest.approx(first + 12.0)
    meter.accepted(100, 10.0)  # one more on its way: one more path before a new train
    assert meter.wait_h(10.0) == pytest.approx(first + 24.0)
