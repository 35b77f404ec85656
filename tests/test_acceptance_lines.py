"""Acceptance limits on lines (``links.ID.acceptance_limit_queue_h``): the routes through a
line refuse trains at their origins while a train reaching the line would wait longer than
the limit for a path, in the direction the flow travels it; refused trains go by the
flow's other routes (sim.engine.acceptance)."""

import numpy as np
import pytest

from sim.engine.logs import OriginTrain, columns
from sim.engine.model import Model
from sim.measure.kpis import compute
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.scenario.summary import describe

from .conftest import HERE

TWO = HERE / "scenarios" / "toy_two_routes.toml"
LIMIT_H = 24.0
# route main's last line carries 2 trains a day where its share of the flow brings 2.5:
# without a limit the queue grows all run
SLOW = {"route_choice.model": "shares", "links.gate_omega.train_paths_per_day": 2}


def _run(limit: float | None) -> tuple[Model, list[tuple[float, int, int, bool, float]]]:
    """The model run, and every acceptance check: (hour, flow, route, open, the queue on
    gate_omega westbound then)."""
    over = dict(SLOW)
    if limit is not None:
        over["links.gate_omega.acceptance_limit_queue_h"] = limit
    m = Model(load_scenario(TWO, overrides=over), seed=1)
    checks: list[tuple[float, int, int, bool, float]] = []
    if m.gate:
        is_open, line = m.gate.is_open, m.lines["gate_omega"]

        def logged(f: int, r: int) -> bool:
            ok = is_open(f, r)
            checks.append((m.env.now, f, r, ok, line.queue_h(0, m.env.now)))
            return ok
        m.gate.is_open = logged  # type: ignore[method-assign]
    m.run()
    return m, checks


def _waits(m: Model) -> np.ndarray:
    """Hours each modelled train waited for its path on gate_omega."""
    b = m.lines["gate_omega"].log_arrays()
    return b.entered_h - b.reached_h


def test_a_route_refuses_trains_only_while_its_lines_queue_is_over_the_limit():
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
    # with it, a train meets at most the limit plus what the trains already on their way
    # when the route closed add: they left the origin up to 3 days before reaching the
    # line (2 days' running, half a day's customs at the gate, the wait to form), 2.5 a
    # day, 12 h a path; plus one path
    assert w_held.max() <= LIMIT_H + 3 * 2.5 * 12 + 12
    assert w_held.max() < w_free.max() / 2


def test_the_other_direction_is_not_limited_by_this_ones_queue():
    over = dict(SLOW, **{"links.gate_omega.acceptance_limit_queue_h": LIMIT_H})
    m = Model(load_scenario(TWO, overrides=over), seed=1)
    line = m.lines["gate_omega"]
    # trains of flow west travel gate -> omega: direction 0
    assert {(d, lim) for on in m.gate.line_limits.values() for _l, d, lim in on} == {
        (0, LIMIT_H)}
    m.run()
    assert line.queue_h(1, m.cal.end_h) == 0.0


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
