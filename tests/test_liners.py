"""A vessel service's timetable may sail even empty (``sailing.min_boxes = 0``), so a
liner keeps its slots and fetches what waits at the far port; trains never run empty."""

from __future__ import annotations

import re

import pytest

from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.study.replications import run

from .conftest import HERE

TRACE = HERE / "scenarios" / "trace_sea.toml"
# the trace's ferry on a timetable: every 12 h from 06:00, and no boxes at all
EMPTY = {"services.ferry.sailing": {"rule": "timetable", "departures_per_day": 2,
                                    "first_departure_h": 6, "min_boxes": 0},
         "demand.flows.west.containers_per_year": 0}


def sailings(over: dict, scope: str = "ferry") -> float:
    k = run(load_scenario(TRACE, overrides=over), seed=1, keep_containers=False).kpis
    m = k[(k.name == "sailings_by_service") & (k.scope == scope) & (k.period == "2024")]
    return float(m["mean"].iloc[0]) if len(m) else 0.0


def test_a_liner_with_min_boxes_0_keeps_its_slots_with_nothing_to_carry():
    # one empty ferry, slots at 06:00 and 18:00 from 30 January; an empty round trip is
    # 2 x (2 h berthing + 20 h crossing) = 44 h, so it is home for every fourth slot:
    # it sails at 06:00 on 30 Jan, 1, 3 and 5 Feb (4 sailings out), and is back from
    # three of them before the run ends on 6 Feb at 00:00
    assert sailings(EMPTY) == 4
    assert sailings(EMPTY, "ferry:return") == 3
    # with min_boxes 1 (the default) the same ferry never leaves home
    assert sailings({**EMPTY, "services.ferry.sailing": {
        "rule": "timetable", "departures_per_day": 2, "first_departure_h": 6}}) == 0


def test_min_boxes_0_only_with_a_timetable():
    over = {"services.ferry.sailing": {"rule": "full", "min_boxes": 0}}
    msg = ("error: overrides: services.ferry.sailing: min_boxes 0 (leave empty) only with "
           "rule 'timetable' (rule 'full' would leave empty at once and again)")
    with pytest.raises(ConfigError, match=rf"\A{re.escape(msg)}\Z"):
        load_scenario(TRACE, overrides=over)


def test_a_train_never_leaves_empty():
    over = {"nodes.west.port.departure": {"rule": "timetable", "departures_per_day": 1,
                                          "min_boxes": 0}}
    msg = ("nodes.west.port.departure.min_boxes: a train never leaves empty (>= 1); only a "
           "vessel service's timetable (services.ID.sailing) may sail with min_boxes 0")
    with pytest.raises(ConfigError, match=re.escape(msg)):
        load_scenario(TRACE, overrides=over)
