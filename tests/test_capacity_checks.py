"""Background traffic beyond the capacity of what it shares is a scenario error (it would
queue without end): a vessel service's fleet, a port's berths, a facility's receiving
tracks and crane gangs; and a laid-up service a flow sails on. Each case is traced by
hand on the toy corridors (tests/scenarios/toy.toml, toy_sea.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError

HERE = Path(__file__).parent / "scenarios"
TOY, TOY_SEA = HERE / "toy.toml", HERE / "toy_sea.toml"
RAILCARS = {"base_year": 2024}  # with tonnes_per_railcar below
BG = "services.ferry.background"

# toy_sea's ferry: 3 vessels of 54 x 0.75 = 40.5 usable railcars, 20 railcars an hour,
# 2 h berthing, a 20 h crossing: a round trip of 2 x (2 + 20) + 4 x 40.5 / 20 = 52.1 h,
# so 3 x 40.5 x 24 / 52.1 = 56.0 railcars a day each way
ROOM = (r"at least the 56\.0 a day the fleet carries \(fleet 3 x 40\.5 usable railcars x "
        r"24 h / a round trip of 52\.1 h = 2 x \(berthing 2 h \+ crossing 20 h\) \+ 4 x "
        r"40\.5 / 20 railcars an hour of handling\)")


@pytest.mark.parametrize("path,overrides,match", [
    (TOY_SEA, {f"{BG}.railcars_out": {"per_day": 60, **RAILCARS},
               f"{BG}.tonnes_per_railcar": 60},
     r"services\.ferry\.background\.railcars_out: 60\.0 railcars a day out \(railcars_out\) "
     r"in the peak month of 2023, " + ROOM),
    # 30 railcars + 25 trucks of 1.12 railcars each = 58 railcars of deck a day back
    (TOY_SEA, {f"{BG}.railcars_back": {"per_day": 30, **RAILCARS},
               f"{BG}.trucks_back": {"per_day": 25, "base_year": 2024},
               f"{BG}.tonnes_per_railcar": 60, f"{BG}.tonnes_per_truck": 20},
     r"services\.ferry\.background: 58\.0 railcars a day back \(railcars_back \+ "
     r"trucks_back\) in the peak month of 2023, " + ROOM),
    # 3 calls a day of 16 h on 2 berths: 48 of 48 berth-hours
    (TOY_SEA, {"nodes.east.port.background_vessel_calls": {"per_day": 3, "base_year": 2024},
               "nodes.east.port.background_berth_h": {"dist": "constant", "value": 16}},
     r"nodes\.east\.port\.background_vessel_calls: 3\.00 calls a day in the peak month of "
     r"2023, 16 h at berth each, hold 48 berth-hours a day of the 48 there are "
     r"\(berths x 24\)"),
    # 10 trains a day, 10 h each on a track, on 4 tracks: 100 of 96 track-hours
    (TOY, {"nodes.gate.crossing.background_trains": {"per_day": 10, "base_year": 2024},
           "nodes.gate.crossing.background_track_h": 10},
     r"nodes\.gate\.crossing\.background_trains: 10\.0 trains a day in the peak month of "
     r"2023, each on a track 10\.0 h \(0 crane moves at 40 an hour \+ background_track_h "
     r"10 h\), hold 100 track-hours a day of the 96 there are \(receiving_tracks x 24\)"),
    # 10 trains x 100 moves + 2000 TEU x 1 move = 3000 moves, 50 h at 60 an hour, of
    # 2 x 24 = 48 gang-hours; either alone fits (16.7 and 33.3 h)
    (TOY_SEA, {"nodes.east.port.background_trains": {"per_day": 10, "base_year": 2024},
               "nodes.east.port.background_moves_per_train": 100,
               "nodes.east.port.background_teu": {"per_day": 2000, "base_year": 2024},
               "nodes.east.port.background_dwell_h": {"dist": "constant", "value": 1},
               "nodes.east.port.background_moves_per_teu": 1},
     r"nodes\.east\.port\.background_teu: the background's crane moves in the peak month "
     r"of 2023 \(trains x 100 \+ TEU x 1 moves\) need 50 crane gang-hours a day at 60 "
     r"moves an hour, of the 48 there are \(cranes x 24\)"),
    (TOY_SEA, {"services.ferry.fleet": 0},
     r"services\.ferry\.fleet: 0 vessels and no timeline change raises it, but flow "
     r"'west' sails on it \(route 'sea'\): its boxes would wait at 'west' without end"),
])
def test_background_beyond_capacity_is_an_error(path, overrides, match):
    with pytest.raises(ConfigError, match=match) as e:
        load_scenario(path, overrides=overrides)
    assert len(str(e.value).splitlines()) == 1  # one problem, one line


@pytest.mark.parametrize("path,overrides", [
    (TOY_SEA, {f"{BG}.railcars_out": {"per_day": 55, **RAILCARS},
               f"{BG}.tonnes_per_railcar": 60}),
    (TOY_SEA, {"nodes.east.port.background_vessel_calls": {"per_day": 2.9,
                                                           "base_year": 2024},
               "nodes.east.port.background_berth_h": {"dist": "constant", "value": 16}}),
    (TOY, {"nodes.gate.crossing.background_trains": {"per_day": 9.5, "base_year": 2024},
           "nodes.gate.crossing.background_track_h": 10}),
    (TOY_SEA, {"nodes.east.port.background_trains": {"per_day": 10, "base_year": 2024},
               "nodes.east.port.background_moves_per_train": 100,
               "nodes.east.port.background_teu": {"per_day": 1800, "base_year": 2024},
               "nodes.east.port.background_dwell_h": {"dist": "constant", "value": 1},
               "nodes.east.port.background_moves_per_teu": 1}),
    # laid up until a timeline change brings vessels in: its boxes wait till then
    (TOY_SEA, {"services.ferry.fleet": 0,
               "timeline": [{"date": "2024-01-15", "set": {"services.ferry.fleet": 2}}]}),
])
def test_background_just_within_capacity_is_no_error(path, overrides):
    load_scenario(path, overrides=overrides)


def test_the_check_command_exits_2_on_background_beyond_capacity(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{TOY_SEA.as_posix()}"\n'
                   "[services.ferry]\nfleet = 0\n", encoding="utf-8")
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "services.ferry.fleet: 0 vessels" in err[0]


BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.toml"


def test_a_line_of_a_shared_fleet_is_checked_against_its_share_of_the_ships():
    """The baseline's ASCO ferries: 14 ships split 7 + 7 (fixed) carry the Kuryk line's
    background; 2 ships leave the Kuryk line 1, too few for its other wagons and
    trucks, and the message names that share."""
    load_scenario(BASELINE)  # 7 ships on the line: no error
    with pytest.raises(ConfigError, match=r"services\.kuryk_alat_ferry\.background: .* "
                       r"the fleet carries \(fleet 1 x 40\.5 usable railcars"):
        load_scenario(BASELINE, overrides={"fleets.asco_ferries.ships": 2})
