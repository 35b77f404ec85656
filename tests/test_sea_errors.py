"""Malformed ports, vessel services and sea routes: each case pinned to its exact lines.

Each case is a child file extending a copy of ``toy_sea.toml`` (the toy with a rail
ferry between the west and east ports)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.loading import load_scenario
from tests.conftest import child_writer

from .conftest import expect_errors

HERE = Path(__file__).parent / "scenarios"


@pytest.fixture
def scen(tmp_path, monkeypatch):
    return child_writer(tmp_path, monkeypatch, "toy_sea.toml", ("toy.toml",))


NEW_PORT = """
[nodes.north]
name = "North port"
kind = "port"
country = "KZ"
region = "kazakhstan"
lon = 50.0
lat = 45.0
gauge_mm = 1520
"""

CASES = [
    ("[services.ferry]\nfrom = \"wst\"\n",
     ["services.ferry.from: unknown port 'wst' (did you mean 'west'?)"]),
    ("[services.ferry]\nto = \"omega\"\n",
     ["services.ferry.to: 'omega' is a terminal, not a port"]),
    ("[services.ferry]\ncapacity_teu = 100\n",
     ["services.ferry: a ferry has capacity_railcars, not capacity_teu"]),
    ("[services.ferry]\nkind = \"feeder\"\n",
     ["services.ferry: a feeder needs capacity_teu; a feeder has capacity_teu, not "
      "capacity_railcars"]),
    ("[services.ferry]\nkind = \"barge\"\n",
     ["services.ferry.kind: 'barge' is not allowed (allowed: feeder, ferry, tanker)"]),
    ("[services.ferry]\ncapacity_railcar = 54\n",
     ["services.ferry.capacity_railcar: unknown key (did you mean 'capacity_railcars'?)"]),
    ("[services.ferry]\nload_factor = 0\n",
     ["services.ferry.load_factor: must be > 0 (got 0)"]),
    ("[services.ferry]\nsailing = { rule = \"full\", min_boxes = 100 }\n",
     ["services.ferry.sailing.min_boxes: 100 is more than a vessel takes (40 boxes at "
      "load_factor 0.75)"]),
    ("[services.ferry]\nfrom = \"east\"\nto = \"east\"\n",
     ["services.ferry: a service cannot sail from 'east' to itself"]),
    ("[services.ferry2]\nkind = \"ferry\"\nfrom = \"east\"\nto = \"west\"\nfleet = 1\n"
     "capacity_railcars = 20\nhandling_per_h = 10\nberthing_h = { dist = \"constant\", "
     "value = 1 }\ncrossing_h = { dist = \"constant\", value = 20 }\n",
     ["services.ferry2: duplicates service 'ferry' between 'east' and 'west' (raise its "
      "fleet instead)"]),
    ("[links.west_east]\nfrom = \"west\"\nto = \"east\"\nlength_km = 500\n"
     "speed_km_per_day = { dist = \"constant\", value = 500 }\ntrain_paths_per_day = 10\n",
     ["links.west_east: joins 'west' and 'east', between which vessel service 'ferry' "
      "sails; a route between them would be ambiguous"]),
    (NEW_PORT, ["nodes.north.port: a port node needs a [port] table (berths, yard, handling)"]),
    ("[nodes.west.port]\nberths = 0\n", ["nodes.west.port.berths: must be > 0 (got 0)"]),
    ("[nodes.west.port]\nsea = \"baltic\"\n",
     ["nodes.west.port.sea: 'baltic' is not allowed (allowed: black_sea, caspian, other)"]),
    ("[nodes.west]\nkind = \"junction\"\n",
     ["toy_sea.toml: nodes.west.port: only port nodes have a port table (kind is "
      "'junction')", "toy_sea.toml: services.ferry.from: 'west' is a junction, not a port"]),
    ("[links.west_omega]\nfrom = \"west\"\nto = \"omega\"\nlength_km = 500\n"
     "speed_km_per_day = { dist = \"constant\", value = 500 }\ntrain_paths_per_day = 10\n"
     "[routes.sea]\npath = [\"gate\", \"west\"]\n",
     ["toy_sea.toml: demand.flows.west.routes.sea: passes port 'west' without sailing; a "
      "port is where boxes change between train and vessel"]),
    ("[nodes.west.port]\nyard_capacity_teu = 50\n[nodes.east.port]\nyard_capacity_teu = 50\n",
     ["nodes.west.port.yard_capacity_teu: 50 TEU cannot take one inbound train of 60 boxes "
      "(up to 120 TEU)",
      "nodes.east.port.yard_capacity_teu: 50 TEU cannot take one inbound vessel load of 40 "
      "boxes (up to 80 TEU)"]),
    ("[nodes.west.port]\nsiding_length_m = 500\n",
     ["nodes.west.port.siding_length_m: inbound trains of 60 boxes are 925 m long (flow "
      "'west', route 'sea'), longer than the 500 m siding"]),
    ("[[timeline]]\ndate = 2024-01-20\nset = { \"services.ferry.fleet\" = 1.5 }\n",
     ["timeline[0].set.services.ferry.fleet: must be a whole number (got 1.5)"]),
    ("[[timeline]]\ndate = 2024-01-20\nset = { \"services.ferri.fleet\" = 2 }\n",
     ["timeline[0].set.services.ferri.fleet: unknown service 'ferri' (did you mean "
      "'ferry'?)"]),
    ("[[timeline]]\ndate = 2024-01-20\nset = { \"services.ferry.capacity_railcars\" = 60 }\n",
     ["timeline[0].set.services.ferry.capacity_railcars: cannot change during a run "
      "(these can: fleet)"]),
    ("[[timeline]]\ndate = 2024-01-20\nset = { \"nodes.gate.port.berths\" = 3 }\n",
     ["timeline[0].set.nodes.gate.port.berths: 'gate' has no port"]),
    ("[demand.flows.west]\ncontainers_by_year = { 2024 = 100 }\n",
     ["demand.flows.west.containers_by_year.2024: 100 boxes differs from "
      "containers_per_year (36500) for the base year 2024; give it once"]),
    ("[services.ferry]\ncrossing_h = { dist = \"constant\", value = 0 }\n",
     ["services.ferry.crossing_h: a sea passage can take 0 hours with this distribution "
      "(give one whose lowest value is > 0: constant, uniform, triangular, or "
      "gamma/lognormal with cv <= 1)"]),
    ("[demand.flows.west]\norigin = \"omega\"\ndestination = \"alpha\"\n"
     "[nodes.omega]\nboxes_per_train = 40\n",
     ["demand.flows.west: sails back on service 'ferry' from 'east' to 'west' (route "
      "'sea'), but no flow sails out from 'west', so no vessel would ever leave 'west' "
      "(swap the service's from and to, or let a timetable sail even empty: "
      "sailing.min_boxes = 0)"]),
    ("[demand.flows.west]\ncontainers_by_year = { 2023 = -5 }\n",
     ["demand.flows.west.containers_by_year.2023: must be >= 0 (got -5)"]),
]


@pytest.mark.parametrize("snippet, lines", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_sea_case(scen, snippet, lines):
    expect_errors(scen(snippet), lines)


BACK_ONLY = ("[demand.flows.west]\norigin = \"omega\"\ndestination = \"alpha\"\n"
             "[nodes.omega]\nboxes_per_train = 40\n")


@pytest.mark.parametrize("service", [
    # a liner that keeps its timetable even empty fetches the boxes at the far port
    "sailing = { rule = \"timetable\", departures_per_day = 1, min_boxes = 0 }\n",
    # so does a ferry that leaves home with other railcars
    "background = { railcars_out = { per_day = 20, base_year = 2024 }, tonnes_per_railcar = 60 }\n"])
def test_a_service_sailing_only_back_is_fine_if_it_leaves_home_anyway(scen, service):
    s = load_scenario(scen(BACK_ONLY + "[services.ferry]\n" + service))
    assert s.demand.flows["west"].origin == "omega"


def test_a_port_may_close(scen):
    s = load_scenario(scen("[[timeline]]\ndate = 2024-01-20\nclose = \"west\"\ndays = 2\n"))
    assert s.timeline[0].close == "west"


def test_other_railcars_out_of_none_a_day_do_not_take_a_ferry_home(scen):
    service = ("background = { railcars_out = { per_day = 0, base_year = 2024 }, "
               "tonnes_per_railcar = 60 }\n")
    expect_errors(scen(BACK_ONLY + "[services.ferry]\n" + service),
                  ["demand.flows.west: sails back on service 'ferry' from 'east' to 'west' "
                   "(route 'sea'), but no flow sails out from 'west', so no vessel would ever "
                   "leave 'west' (swap the service's from and to, or let a timetable sail even "
                   "empty: sailing.min_boxes = 0)"])
