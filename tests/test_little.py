"""Little's law at the yards, L from the yard's own level.

L is the time average of the TEU the facility's yard holds, as the facility itself holds
it (its ``Level``, which gates unloading when the yard is full), recorded at every change
during the run. Nothing in it comes from the container stamps. λ and W come from the
container stamps only (crossing arrival and departure, port visits). A yard that leaked
TEU, or held boxes the stamps do not show (or the reverse), breaks the equality.

The yard reserves a train's TEU when the train takes a receiving track, before it is
unloaded; the yard-occupancy KPI counts boxes from unloading. So, while no train waits for
a track or for yard space, a box is in the level from its arrival at the crossing to its
departure, and L = λ W exactly with W the stamped dwell; when trains do wait, L lies
between λ W counted from unloading and λ W counted from arrival.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.logs import InboundTrain, columns
from sim.engine.model import Model
from sim.measure.intervals import crossing_record, visits
from sim.measure.monitors import window_means
from sim.scenario.loading import load_scenario

from .conftest import HERE, toy_with


def watch(level) -> dict:
    """Record every change of a yard's level, ``(hour, TEU)``, and whether a put ever had
    to wait for space. The instance's class is swapped for a subclass that logs (the
    level is shared by the facility's pools, so the object itself must log)."""
    seen: dict = {"log": [(level.env.now, level.level)], "waited": 0}

    class Watched(type(level)):  # type: ignore[misc]
        __slots__ = ()

        def put(self, amount):
            ev = super().put(amount)
            seen["log"].append((self.env.now, self.level))
            seen["waited"] += ev is not None
            return ev

        def get(self, amount):
            super().get(amount)  # lets waiting puts in, too
            seen["log"].append((self.env.now, self.level))

    level.__class__ = Watched
    return seen


def time_average(log: list[tuple[float, float]], end_h: float) -> float:
    """Time average over [0, end_h) of a step function logged as (from hour, value)."""
    t = np.array([a for a, _ in log] + [end_h])
    v = np.array([b for _, b in log])
    return float((v * np.diff(t)).sum() / end_h)


def little(arrive: np.ndarray, leave: np.ndarray, teu: np.ndarray, end_h: float
           ) -> tuple[float, float]:
    """λ (TEU per hour) and W (TEU-weighted mean stay, hours) over [0, end_h) from stays
    ``[arrive, leave)`` (leave NaN: still there; stays closed at the end)."""
    m = np.isfinite(arrive)
    a, b, w = arrive[m], np.where(np.isnan(leave[m]), end_h, leave[m]), teu[m]
    return w.sum() / end_h, float((w * (b - a)).sum() / w.sum())


def run_watched(s, *facilities):
    model = Model(s, seed=8)
    seen = {nid: watch({**model.crossings, **model.ports}[nid].yard) for nid in facilities}
    return model.run(), seen


def crossing_stays(out, nid: str):
    """Per box that reached the crossing (stamps): arrival, unloading, departure, TEU."""
    st, code = out.store, out.node_ids.index(nid)
    parts = []
    for k in range(st.slots):
        m = st.crossing[k] == code
        parts.append([st.t_crossing[s][k][m] for s in ("arrive", "unloaded", "depart")]
                     + [st.teu[m].astype(float)])
    return [np.concatenate(c) for c in zip(*parts)]


@pytest.fixture(scope="module")
def calm():
    # the toy: trains never wait for a receiving track or yard space
    return run_watched(toy_with(**{"horizon.end": "2024-02-15"}), "gate")


@pytest.fixture(scope="module")
def jammed():
    # a small yard and one crane: trains wait for yard space
    return run_watched(toy_with(**{"horizon.end": "2024-02-15",
                                   "demand.flows.west.containers_per_year": 250_000,
                                   "nodes.gate.crossing.cranes": 1,
                                   "nodes.gate.crossing.crane_moves_per_h": 22,
                                   "nodes.gate.crossing.yard_capacity_teu": 600}), "gate")


def test_crossing_yard_level_is_lambda_w_of_the_stamped_dwell(calm):
    out, seen = calm
    end = out.calendar.end_h
    log = out.crossings["gate"].log
    # the premise: no train waited for a track or for yard space
    trains = columns(log, InboundTrain)
    assert (trains.track_h == trains.arrived_h).all() and seen["gate"]["waited"] == 0
    assert len(log) > 20
    L = time_average(seen["gate"]["log"], end)
    arrive, _unloaded, depart, teu = crossing_stays(out, "gate")
    lam, W = little(arrive, depart, teu, end)
    assert L > 100  # the yard is used
    assert L == pytest.approx(lam * W, rel=1e-9)


def test_crossing_yard_level_is_the_kpi_occupancy_plus_trains_being_unloaded(calm):
    # the KPI's yard occupancy (boxes from unloading to departure, the crossing record
    # the KPIs use) plus each train's TEU from its track to the end of its unloading
    out, seen = calm
    end = out.calendar.end_h
    a, b, w = crossing_record(out, "gate").yard
    kpi = window_means(a, b, [0.0, end], w, end=end)[0]
    log = columns(out.crossings["gate"].log, InboundTrain)
    held = window_means(log.track_h, log.unloaded_h, [0.0, end], log.teu, end=end)[0]
    u_arrive, _crane, _boxes, u_teu = out.crossings["gate"].unfinished()
    held += window_means(u_arrive, np.full(len(u_arrive), np.nan), [0.0, end], u_teu,
                         end=end)[0]
    assert time_average(seen["gate"]["log"], end) == pytest.approx(kpi + held, rel=1e-9)


def test_crossing_yard_level_between_the_two_little_bounds_when_trains_wait(jammed):
    out, seen = jammed
    end = out.calendar.end_h
    assert seen["gate"]["waited"] > 0, "the fixture should block unloading"
    level = np.array([v for _, v in seen["gate"]["log"]])
    assert level.max() <= out.crossings["gate"].cfg.yard_capacity_teu
    L = time_average(seen["gate"]["log"], end)
    arrive, unloaded, depart, teu = crossing_stays(out, "gate")
    lam, w_arrive = little(arrive, depart, teu, end)
    lam_u, w_unloaded = little(unloaded, depart, teu, end)
    assert lam_u * w_unloaded < L < lam * w_arrive


def test_port_yard_levels_are_lambda_w_of_the_port_visits():
    # west: boxes in the yard from their train's arrival (no train waits) until taken
    # from the yard for a vessel; east: from the landing into the yard until their train
    # leaves
    s = load_scenario(HERE / "scenarios" / "toy_sea.toml",
                      overrides={"horizon.end": "2024-02-15",
                                 "nodes.west.port.receiving_tracks": 8,
                                 "nodes.west.port.yard_capacity_teu": 20_000})
    out, seen = run_watched(s, "west", "east")
    end, st = out.calendar.end_h, out.store
    trains = columns(out.ports["west"].log, InboundTrain)
    assert (trains.track_h == trains.arrived_h).all()
    for pid, start in (("west", "arrive"), ("east", "unloaded")):
        assert seen[pid]["waited"] == 0
        v = visits(out, pid)
        lam, W = little(v[start], v["release"], st.teu[v["row"]].astype(float), end)
        L = time_average(seen[pid]["log"], end)
        assert L > 50, pid
        assert L == pytest.approx(lam * W, rel=1e-9), pid


@pytest.mark.parametrize("perturb", ["one TEU more for a day", "a departure an hour late",
                                     "a train's reservation dropped"])
def test_little_fails_on_a_perturbed_level(calm, perturb):
    out, seen = calm
    end = out.calendar.end_h
    log = list(seen["gate"]["log"])
    if perturb == "one TEU more for a day":
        i = len(log) // 2
        t0 = log[i][0]
        log = [(t, v + 1 if t0 <= t < t0 + 24 else v) for t, v in log]
    elif perturb == "a departure an hour late":
        i = next(i for i in range(len(log) // 2, len(log) - 1)
                 if log[i][1] < log[i - 1][1] and log[i + 1][0] > log[i][0] + 1.0)
        log[i] = (log[i][0] + 1.0, log[i][1])
    else:
        i = next(i for i in range(len(log) // 2, len(log)) if log[i][1] > log[i - 1][1])
        jump = log[i][1] - log[i - 1][1]
        log = log[:i] + [(t, v - jump) for t, v in log[i:]]
    arrive, _unloaded, depart, teu = crossing_stays(out, "gate")
    lam, W = little(arrive, depart, teu, end)
    assert time_average(log, end) != pytest.approx(lam * W, rel=1e-6)
