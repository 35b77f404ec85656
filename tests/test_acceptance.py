"""Acceptance limits (sim.scenario.acceptance, sim.engine.acceptance): a route refuses
trains while a facility on it holds more than its limit; refused trains go by another
route, wait at the origin, or (with the sea) are lost to it."""

import datetime as dt

import numpy as np
import pytest

from sim.engine.logs import MarketDay, OriginTrain, columns
from sim.engine.model import Model
from sim.measure import location
from sim.measure.kpis import compute
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError

from .conftest import HERE

TWO = HERE / "scenarios" / "toy_two_routes.toml"
NESTED = HERE / "scenarios" / "toy_nested.toml"
LIMIT = 800.0
CLOSE_GATE = {"date": "2024-02-01", "close": "gate", "days": 10}


def _model(path, overrides) -> tuple[Model, list[tuple[float, int, bool, float]]]:
    """The model, and a log of every acceptance check: (hour, route, open, TEU booked
    through the gate)."""
    m = Model(load_scenario(path, overrides=overrides), seed=1)
    checks: list[tuple[float, int, bool, float]] = []
    is_open = m.gate.is_open

    def logged(f: int, r: int) -> bool:
        ok = is_open(f, r)
        checks.append((m.env.now, r, ok, m.facilities["gate"].committed_teu()))
        return ok
    m.gate.is_open = logged  # type: ignore[method-assign]
    return m, checks


def test_no_train_leaves_on_a_route_over_its_limit_and_the_refused_go_by_the_other():
    m, checks = _model(TWO, {"route_choice.model": "shares", "timeline": [CLOSE_GATE],
                             "nodes.gate.crossing.acceptance_limit_teu": LIMIT})
    out = m.run()
    main, alt = out.route_ids.index("main"), out.route_ids.index("alt")
    ot = columns(out.origin_trains, OriginTrain)
    c = np.array(checks)
    refused = c[(c[:, 1] == main) & (c[:, 2] == 0)]
    assert len(refused) > 5 and (refused[:, 3] > LIMIT).all()
    accepted = c[(c[:, 1] == main) & (c[:, 2] == 1)]
    assert (accepted[:, 3] <= LIMIT).all()
    # every refused train (asked twice: on leaving, and when its flow's open routes are
    # listed) left at once by the other route, logged as diverted
    d = out.gate.diverted
    assert len(d) == len(set(refused[:, 0].tolist()))
    assert {(x[1], x[2]) for x in d} == {(main, alt)}
    for _f, _a, _b, hour, boxes in d:
        k = np.flatnonzero(ot.departed_h == hour)
        assert len(k) == 1 and ot.route[k[0]] == alt and ot.boxes[k[0]] == boxes
    K = compute(out)
    assert K[("containers_diverted", "2024", "main>alt")] == sum(x[4] for x in d) > 0
    assert K[("containers_diverted", "2024", "alt>main")] == 0
    assert K[("containers_held", "2024", "all")] == 0


def test_what_is_booked_through_the_gate_and_what_it_holds_stay_within_the_limit():
    runs = {}
    for limit in (None, LIMIT):
        m, _ = _model(TWO, {"route_choice.model": "shares", "timeline": [CLOSE_GATE],
                            "nodes.gate.crossing.acceptance_limit_teu": limit or 1e6})
        peak = [0.0, 0.0]  # TEU in the gate, TEU booked through it

        def watch(env, m=m, peak=peak):
            gate = m.facilities["gate"]
            while True:
                peak[0] = max(peak[0], gate.backlog_teu())
                peak[1] = max(peak[1], gate.committed_teu())
                yield env.timeout(1.0)
        m.env.process(watch(m.env))
        m.run()
        runs[limit] = peak
    # a train is accepted only while no more than the limit is booked, so the booking
    # never passes it by more than one train (40 boxes, at most 80 TEU), nor does what
    # the gate holds
    assert runs[LIMIT][1] <= LIMIT + 80
    assert runs[LIMIT][0] <= LIMIT + 80
    assert runs[None][0] > runs[LIMIT][0] + 500


def test_with_no_open_route_trains_wait_at_the_origin_and_leave_when_one_opens():
    out = Model(load_scenario(TWO, overrides={
        "route_choice.model": "shares",
        "timeline": [CLOSE_GATE, {"date": "2024-02-01", "close": "gate2", "days": 10}],
        "nodes.gate.crossing.acceptance_limit_teu": LIMIT,
        "nodes.gate2.crossing.acceptance_limit_teu": LIMIT}), seed=1).run()
    held = out.gate.held
    assert len(held) >= 1
    for _f, _r, planned, left, _n in held:
        assert left > planned
    # held trains left in their planned order, none before a train planned ahead of it
    ot = columns(out.origin_trains, OriginTrain)
    assert np.all(np.diff(ot.departed_h) >= 0)
    K = compute(out)
    assert K[("containers_held", "2024", "all")] == sum(x[4] for x in held)
    assert K[("origin_hold_hours_mean", "2024", "all")] == pytest.approx(
        np.mean([x[3] - x[2] for x in held]))
    # every box is still accounted for: created = left the origin + waiting there
    st = out.store
    assert np.isfinite(st.t_depart_origin).sum() == int(ot.boxes.sum())


def test_a_market_flow_loses_to_the_sea_the_boxes_its_refusing_route_would_have_won():
    s = load_scenario(NESTED, overrides={
        "timeline": [CLOSE_GATE], "nodes.gate.crossing.acceptance_limit_teu": 1000})
    out = Model(s, seed=1).run()
    d = columns(next(iter(out.markets.values())).accepted, MarketDay)
    shut = d.accept == 0  # the only route refusing: rail's share over open routes is 0
    cal = out.calendar
    closure = (d.day_h >= cal.hours(dt.date(2024, 2, 1))) & (
        d.day_h < cal.hours(dt.date(2024, 2, 20)))  # closed 10 days, then draining
    assert shut.sum() >= 3 and not (shut & ~closure).any()  # refusing only then
    assert (d.rail[shut] == 0).all() and (d.lost[shut] > 0).all()
    assert (d.lost[~shut] == 0).all()
    K = compute(out)
    in_2024 = d.day_h >= cal.start_h
    assert K[("containers_lost", "2024", "all")] == d.lost[in_2024].sum() > 0


def test_off_by_default_and_the_limit_is_validated():
    out = Model(load_scenario(TWO), seed=1).run()
    assert out.gate is None
    assert not [k for k in compute(out) if k[0].startswith("containers_diverted")]
    with pytest.raises(ConfigError, match=r"^error: overrides: "
                       r"nodes\.gate\.crossing\.acceptance_limit_teu: must be > 0 \(got 0\)$"):
        load_scenario(TWO, overrides={"nodes.gate.crossing.acceptance_limit_teu": 0})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_market_flows_trains_leave_in_order_through_holds_and_every_box_is_located(seed):
    # one chain of trains per market flow: a train held at the origin holds those
    # behind it, so each flow's boxes leave in arrival order and the location survey
    # (which gives a flow's rows to its trains in order) finds every box
    s = load_scenario(NESTED, overrides={
        "timeline": [CLOSE_GATE], "nodes.gate.crossing.acceptance_limit_teu": 400})
    out = Model(s, seed=seed).run()
    ot = columns(out.origin_trains, OriginTrain)
    assert len(out.gate.held) > 5
    assert np.all(np.diff(ot.departed_h) >= 0)
    assert location.survey(out)[1] == []
    for t in np.linspace(out.calendar.start_h, out.calendar.end_h - 1, 5):
        assert location.survey(out, at_h=float(t))[1] == []


def test_trains_still_held_at_the_end_are_counted():
    out = Model(load_scenario(TWO, overrides={
        "route_choice.model": "shares",
        "timeline": [{"date": "2024-06-01", "close": "gate", "days": 60},
                     {"date": "2024-06-01", "close": "gate2", "days": 60}],
        "nodes.gate.crossing.acceptance_limit_teu": LIMIT,
        "nodes.gate2.crossing.acceptance_limit_teu": LIMIT}), seed=1).run()
    still = [h for h in out.gate.held if h[1] < 0]
    assert still and all(h[3] == out.calendar.end_h for h in still)
    K = compute(out)
    st = out.store
    waiting = int((~np.isfinite(st.t_depart_origin) & (st.t_created < out.calendar.end_h)).sum())
    refused = sum(r[2] for r in out.gate.refused)
    # every box that never left its origin is on a train held there, on one refused there
    # (booked during the hold: none of these count as held), or on none yet (fewer than a
    # train's worth, still gathering)
    assert refused > 1000
    assert 0 <= waiting - refused - K[("containers_held_at_end", "run", "all")] < 40
    assert K[("containers_held_at_end", "run", "all")] == sum(h[4] for h in still) > 0


BOTH_CLOSED = {"route_choice.model": "shares",
               "nodes.gate.crossing.acceptance_limit_teu": LIMIT,
               "nodes.gate2.crossing.acceptance_limit_teu": LIMIT}


def _both_closed(date: str, days: int = 10) -> dict:
    return {**BOTH_CLOSED, "timeline": [{"date": date, "close": "gate", "days": days},
                                        {"date": date, "close": "gate2", "days": days}]}


def test_a_flow_without_the_sea_takes_no_new_bookings_while_a_train_is_held():
    # both routes closed for 10 days: the head train waits at the origin; the trains due
    # while it waits and no route accepts trains are refused there (the operator takes no
    # new bookings: the 2024 stops), their boxes lost; those due once a route accepts
    # again are booked, and wait behind it until its next try. Before, they all queued at
    # the origin (in titr_target_2030 the China -> South Caucasus boxes waited there 170
    # days on average); then, for a while, a train due between a route's reopening and
    # the held train's next try was refused too (25 % of titr_target_2030's refusals)
    m = Model(load_scenario(TWO, overrides=_both_closed("2024-02-01")), seed=1)
    probes: list[tuple[float, bool]] = []  # (hour, any route of the flow open)

    def probe(env, gate=m.gate):
        while True:
            probes.append((env.now, bool(gate.open_mask(0, [0, 1]).any())))
            yield env.timeout(0.5)
    m.env.process(probe(m.env))
    out = m.run()
    gate = out.gate
    assert {x[0] for x in gate.refused} == {0} and len(gate.refused) >= 5
    hours = np.array([h for h, _ in probes])
    is_open = np.array([o for _, o in probes])
    heads = [(p, left) for _f, r, p, left, _n in gate.held if r >= 0]
    for _f, t, _n in gate.refused:
        # within a hold (a held train planned at or before it left after it) ...
        assert any(p <= t < left for p, left in heads)
        # ... and not where the probes half an hour either side found a route open
        k = np.searchsorted(hours, t, side="right")
        assert not (is_open[k - 1] and is_open[min(k, len(hours) - 1)])
    # the trains booked while a route accepted again, during the hold, waited behind it
    booked_late = [x for x in gate.held if any(p < x[2] < left for p, left in heads)]
    assert booked_late
    # the refused boxes are lost, per year of their train's hour, and conserved: every box
    # created is delivered, still in the system, or refused
    K = compute(out)
    refused = sum(n for _f, _t, n in gate.refused)
    assert K[("containers_lost", "2024", "all")] == K[("containers_lost", "2024", "west")]
    assert K[("containers_lost", "2024", "all")] == refused > 0
    assert K[("containers_lost", "run", "refused")] == refused
    assert (K[("containers_created", "run", "all")] == K[("containers_delivered", "run", "all")]
            + K[("containers_in_system", "run", "all")] + refused)
    assert location.survey(out)[1] == []
    assert location.locate(out)["refused"].sum() == refused


def test_a_route_not_open_yet_does_not_count_as_accepting_trains():
    """Route alt opens on 1 May (routes.X.open_from); main is closed 10 days from 1 Feb.
    While alt does not exist yet it takes no train, so the trains due while one is held
    are refused, as with no route at all; before, alt counted as accepting (its gate, which
    no train uses, stayed below its limit) and none was ever refused: they were booked to
    wait behind the held train instead."""
    over = {"nodes.gate.crossing.acceptance_limit_teu": LIMIT,
            "nodes.gate2.crossing.acceptance_limit_teu": LIMIT,
            "routes.alt.open_from": "2024-05-01",
            "timeline": [{"date": "2024-02-01", "close": "gate", "days": 10}]}
    m = Model(load_scenario(TWO, overrides=over), seed=1)
    main, alt = m.route_ids.index("main"), m.route_ids.index("alt")
    opens = m.cal.hours(dt.date(2024, 5, 1))
    states: list[tuple[float, bool, bool]] = []

    def probe(env, gate=m.gate):
        while True:
            states.append((env.now, gate.is_open(0, alt), bool(gate.open_mask(0, [main, alt])
                                                                 .any())))
            yield env.timeout(6.0)
    m.env.process(probe(m.env))
    out = m.run()
    assert not any(a for t, a, _any in states if t < opens)
    assert any(a for t, a, _any in states if t >= opens)
    # main alone cannot carry the flow: it refuses trains often before alt opens, and
    # trains due while one is held are refused (none while alt only seemed to accept)
    assert sum(1 for _f, t, _n in out.gate.refused if t < opens) >= 5
    assert not any(r == alt and t < opens for _f, r, t, *_x in out.gate.held)


def test_refusals_in_the_warm_up_are_counted_in_the_runs_total():
    out = Model(load_scenario(TWO, overrides=_both_closed("2023-12-05")), seed=1).run()
    K = compute(out)
    refused = sum(n for _f, _t, n in out.gate.refused)
    assert refused > 0 and K[("containers_lost", "2024", "all")] < refused
    assert K[("containers_lost", "run", "refused")] == refused
    assert (K[("containers_created", "run", "all")] == K[("containers_delivered", "run", "all")]
            + K[("containers_in_system", "run", "all")] + refused)


def test_a_refused_train_takes_no_wagons():
    # with a pool of flat wagons at the origin, a train is booked (or refused) at its
    # planned hour, before it asks for wagons: a refused one never takes any, so the other
    # trains do not wait for wagons held by trains that will not leave
    pool = {"nodes": ["alpha"], "gauge_mm": 1435, "wagons": 1200, "teu_per_wagon": 2,
            "turnaround_h": {"dist": "constant", "value": 24}}
    m = Model(load_scenario(TWO, overrides={**_both_closed("2024-02-01"),
                                            "wagon_pools": {"china": pool}}), seed=1)
    asked: list[np.ndarray] = []
    (p,) = m.wagons.pools.values()
    submit = p.submit

    def spied(rows, t, teu, go):
        asked.append(rows)
        submit(rows, t, teu, go)
    p.submit = spied  # type: ignore[method-assign]
    out = m.run()
    refused = {id(r) for r in out.gate.refused_rows}
    assert refused and not refused & {id(r) for r in asked}
    assert location.survey(out)[1] == []


def test_a_market_flows_trains_are_not_refused_its_new_boxes_go_to_sea():
    s = load_scenario(NESTED, overrides={"nodes.gate.crossing.acceptance_limit_teu": 250})
    out = Model(s, seed=1).run()
    assert out.gate.held and not out.gate.refused


def test_a_limit_too_small_for_a_full_load_is_refused():
    trace = HERE / "scenarios" / "trace_sea.toml"
    with pytest.raises(ConfigError) as e:
        load_scenario(trace, overrides={"services.ferry.capacity_railcars": 40,
                                        "nodes.west.port.acceptance_limit_teu": 30})
    assert str(e.value).splitlines() == [
        "error: overrides: nodes.west.port.acceptance_limit_teu: 30 TEU can hold trains at "
        "their origins for ever: under departure rule 'full' with 1 onward path(s) a load is "
        "complete only once 118 TEU are booked (a load short of full per path plus one "
        "inbound load; or use 'full_or_max_wait')"]


def test_trains_waiting_for_wagons_at_the_origin_are_not_booked_through_the_gate():
    # a tight pool of flat wagons at the origin: trains wait there for wagons, and only
    # then ask for a route; so the gate's limit refuses no more trains than without the
    # pool (before, the waiting trains were booked and the gate refused hundreds while
    # nearly empty)
    pool = {"nodes": ["alpha"], "gauge_mm": 1435, "wagons": 700, "teu_per_wagon": 2,
            "turnaround_h": {"dist": "constant", "value": 24}}
    diverted = {}
    for wagons in (None, pool):
        over = {"nodes.gate.crossing.acceptance_limit_teu": LIMIT}
        if wagons:
            over["wagon_pools"] = {"china": wagons}
        out = Model(load_scenario(TWO, overrides=over), seed=1).run()
        diverted[bool(wagons)] = len(out.gate.diverted)
        if wagons:
            assert compute(out)[("wagon_wait_hours_mean", "2024", "china")] > 100
    assert diverted[True] <= diverted[False] + 2


def test_no_new_bookings_while_a_train_is_held_at_the_origin():
    # a market flow with a tight limit on its one route: whenever its head train is held
    # at the origin (no route accepts it), the operator takes no new boxes that day (they
    # go to sea, counted as lost), so boxes do not pile up behind it. Before, the daily
    # split booked a whole day's boxes whenever the gate happened to be open at midnight
    # (here 333 boxes on 21 such days; in middle_corridor_2030 boxes waited at Xi'an up to
    # 590 days)
    s = load_scenario(NESTED, overrides={"nodes.gate.crossing.acceptance_limit_teu": 250})
    m = Model(s, seed=1)
    (f, market), = m.out.markets.items()
    seen: list[tuple[float, bool]] = []
    split = market.p_rail

    def logged(now: float) -> tuple[float, float]:
        seen.append((now, m._holding[f]()))
        return split(now)
    market.p_rail = logged  # type: ignore[method-assign]
    m.run()
    d = columns(market.accepted, MarketDay)
    holding = np.array([h for _t, h in seen])
    assert np.array_equal(d.day_h, [t for t, _h in seen])
    assert holding.sum() >= 5
    assert (d.accept[holding] == 0).all() and (d.rail[holding] == 0).all()
    assert (d.lost[holding] > 0).all()


def test_a_dated_change_moves_the_limit_from_its_date():
    # the gate closes for 10 days from 1 February: with the limit raised out of reach on
    # 5 February, trains are refused before that day and none after; with a limit set
    # only from 5 February, none before and some after
    raised = {"date": "2024-02-05", "set": {"nodes.gate.crossing.acceptance_limit_teu": 1e6}}
    lowered = {"date": "2024-02-05", "set": {"nodes.gate.crossing.acceptance_limit_teu": LIMIT}}
    for change, limit, refused_before, refused_after in (
            (raised, LIMIT, True, False), (lowered, None, False, True)):
        over = {"route_choice.model": "shares", "timeline": [CLOSE_GATE, change]}
        if limit is not None:
            over["nodes.gate.crossing.acceptance_limit_teu"] = limit
        m, checks = _model(TWO, over)
        m.run()
        day = m.cal.hours(dt.date(2024, 2, 5))
        c = np.array(checks)
        refused = c[c[:, 2] == 0]
        assert (refused[:, 0] < day).any() == refused_before
        assert (refused[:, 0] >= day).any() == refused_after


def test_a_dated_limit_is_validated_against_the_fields_bounds():
    with pytest.raises(ConfigError, match=r"^error: overrides: timeline\[0\]\.set\.nodes\."
                       r"gate\.crossing\.acceptance_limit_teu: must be > 0 and "
                       r"<= 1e\+07 \(got 0\)$"):
        load_scenario(TWO, overrides={"timeline": [{"date": "2024-02-05", "set": {
            "nodes.gate.crossing.acceptance_limit_teu": 0}}]})
