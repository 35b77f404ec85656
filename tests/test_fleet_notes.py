"""Dated changes that cannot do what they say warn in one line (sim.scenario.fleet_notes):
ships added to a service that sails by a timetable, a closure that outlasts the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario.fleet_notes import round_trip_h, timetable_fleet_notes
from sim.scenario.loading import load_scenario

COMMITTED = Path(__file__).resolve().parent.parent / "scenarios" / "caspian_committed_2030.toml"


def _child(tmp_path, fleet: int, per_day: float | None = None) -> Path:
    text = f'extends = "{COMMITTED}"\nname = "child"\n'
    if per_day is not None:
        text += ("[services.batumi_constanta_feeder]\nsailing = { rule = \"timetable\", "
                 f"departures_per_day = {per_day}, first_departure_h = 8, min_boxes = 0 }}\n")
    text += ("[[timeline]]\ndate = 2028-01-02\n"
             f'set = {{ "services.batumi_constanta_feeder.fleet" = {fleet} }}\n'
             'source = "assumption: a test"\n')
    path = tmp_path / "child.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_second_ship_on_a_timetable_one_keeps_warns_in_one_line(tmp_path, capsys):
    """Batumi-Constanta sails every 10 days; a round trip (two 60-h passages, two calls,
    210 TEU handled at each end) takes ~164 h, so one ship keeps it and a second adds
    no sailing: corridor check says so, and still passes."""
    s = load_scenario(_child(tmp_path, 2))
    assert round_trip_h(s.services["batumi_constanta_feeder"]) == pytest.approx(
        2 * 64 + 2 * 22 / 3 + 2 * 210 / 20)
    assert main(["check", str(tmp_path / "child.toml")]) == 0
    warnings = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("warning")]
    assert warnings == [
        f"warning: {tmp_path / 'child.toml'}: timeline[0].set.services."
        "batumi_constanta_feeder.fleet: 'batumi_constanta_feeder' sails by its timetable "
        "(0.1 departures a day) and a round trip takes ~164 h, so 1 ship keeps it: 2 add "
        "no sailings (set services.batumi_constanta_feeder.sailing.departures_per_day in "
        "the service itself to sail more)"]


def test_ships_the_timetable_needs_do_not_warn(tmp_path):
    """A sailing every 4 days needs two ships for a ~164-h round trip: two are no warning,
    three are; one ship (as the base has) never is."""
    assert timetable_fleet_notes(load_scenario(_child(tmp_path, 1))) == []
    assert timetable_fleet_notes(load_scenario(_child(tmp_path, 2, per_day=0.25))) == []
    [(path, message)] = timetable_fleet_notes(load_scenario(_child(tmp_path, 3, per_day=0.25)))
    assert path == "timeline[5].set.services.batumi_constanta_feeder.fleet"
    assert "so 2 ships keep it: 3 add no sailings" in message


def test_a_closure_past_the_end_of_the_run_warns(tmp_path, capsys):
    """504 days written for 504 hours: the closure outlasts the run by 144 days, which
    corridor check says (and still passes); 21 days inside the run say nothing."""
    def child(days):
        path = tmp_path / "child.toml"
        path.write_text(f'extends = "{COMMITTED}"\nname = "child"\n[[timeline]]\n'
                        f'date = 2030-01-06\nclose = "aktau"\ndays = {days}\n'
                        'source = "assumption: a test"\n', encoding="utf-8")
        return str(path)
    assert main(["check", child(504)]) == 0
    warnings = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("warning")]
    assert warnings == [
        f"warning: {tmp_path / 'child.toml'}: timeline[0].days: closing 'aktau' for 504 days "
        "from 2030-01-06 runs 144 days past the end of the run (2031-01-01); the length is "
        "in days, not hours"]
    assert main(["check", child(21)]) == 0
    assert not [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("warning")]
