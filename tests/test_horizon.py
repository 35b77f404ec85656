"""Short and partial runs: ``--horizon START:END``, the dated changes fitted to it, the
labels of years run in part, and the warning of a warm-up shorter than the longest
transit."""

import datetime as dt
import json

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from sim.cli import main
from sim.engine.model import Model
from sim.measure import kpis
from sim.plots.run import yearly_by_scope
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.scenario.span import (
    expected_transits,
    fit_timeline,
    is_whole_year,
    parse_horizon,
    period_label,
    warmup_problems,
)

from .conftest import TOY, child_writer

D = dt.date
YARD = "nodes.gate.crossing.yard_capacity_teu"


def test_period_labels():
    assert period_label(D(2024, 1, 1), D(2025, 1, 1)) == "2024"
    assert period_label(D(2024, 1, 1), D(2024, 4, 1)) == "2024 Jan–Mar"
    assert period_label(D(2024, 3, 1), D(2024, 4, 1)) == "2024 Mar"
    assert period_label(D(2024, 10, 1), D(2025, 1, 1)) == "2024 Oct–Dec"
    assert period_label(D(2024, 1, 15), D(2024, 4, 1)) == "2024 Jan 15–Mar 31"
    assert period_label(D(2024, 2, 3), D(2024, 2, 10)) == "2024 Feb 3–9"
    assert is_whole_year("2024") and not is_whole_year("2024 Jan–Mar")
    assert not is_whole_year("run")


def test_parse_horizon():
    assert parse_horizon("2024-01-01:2024-04-01") == (D(2024, 1, 1), D(2024, 4, 1))
    with pytest.raises(ValueError, match=r"\Aexpected START:END, two ISO dates, e\.g\. "
                       r"2024-01-01:2024-04-01 \(got '2024-01-01'\)\Z"):
        parse_horizon("2024-01-01")
    with pytest.raises(ValueError, match=r"\AEND \(2024-01-01\) must be after START "
                       r"\(2024-04-01\)\Z"):
        parse_horizon("2024-04-01:2024-01-01")


def test_fit_timeline_by_hand():
    first, end = D(2024, 1, 1), D(2024, 4, 1)
    entries = [
        {"date": D(2024, 6, 1), "set": {"a": 1}},            # 0: after the end: dropped
        {"date": D(2024, 4, 1), "set": {"a": 2}},            # 1: on the end: dropped
        {"date": D(2023, 12, 1), "set": {"a": 3}},           # 2: before: from the first day
        {"date": D(2023, 11, 1), "set": {"a": 4}},           # 3: before, earlier than 2
        {"date": D(2023, 12, 20), "close": "x", "days": 20},  # 4: 8 days left
        {"date": D(2023, 12, 1), "close": "x", "days": 10},  # 5: over before: dropped
        {"date": D(2024, 2, 1), "set": {"a": 5}},            # 6: inside: as it is
        {"date": "2024-01-01", "set": {"a": 6}},             # 7: on the first day
    ]
    fitted = fit_timeline(entries, first, end)
    # the changes moved to the first day apply in the order of their own dates (3, 2, 4),
    # before the change dated that day (7): the latest-dated value holds
    assert fitted.kept_from == [3, 2, 4, 6, 7]
    assert [e.get("set", {}).get("a") for e in fitted.entries] == [4, 3, None, 5, 6]
    assert fitted.entries[2] == {"date": first, "close": "x", "days": 8}
    assert dict(fitted.notes) == {
        0: "2024-06-01 is after the horizon's end 2024-04-01; dropped",
        1: "2024-04-01 is on the horizon's end 2024-04-01; dropped",
        2: "2023-12-01 is before the run's first day 2024-01-01 (warm-up included); in "
           "force from then",
        3: "2023-11-01 is before the run's first day 2024-01-01 (warm-up included); in "
           "force from then",
        4: "2023-12-20 is before the run's first day 2024-01-01 (warm-up included): "
           "closed from then for the 8 days left",
        5: "2023-12-01: the closure of 10 days ends before the run's first day 2024-01-01 "
           "(warm-up included); dropped"}


def _child(tmp_path, monkeypatch):
    write = child_writer(tmp_path, monkeypatch, "toy.toml")
    return write(f"""
[[timeline]]
date = 2023-06-01
set = {{ "{YARD}" = 1500 }}

[[timeline]]
date = 2024-02-01
set = {{ "{YARD}" = 1000 }}
""")


def test_without_horizon_the_dates_outside_are_still_errors(tmp_path, monkeypatch, capsys):
    child = _child(tmp_path, monkeypatch)
    assert main(["check", str(child)]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: child.toml: timeline[0].date: 2023-06-01 is outside the simulated span "
        "2023-12-22 .. 2024-03-01 (warm-up included, end excluded)")


def test_a_child_s_dated_changes_are_fitted_with_one_warning_each(tmp_path, monkeypatch,
                                                                  capsys):
    child = _child(tmp_path, monkeypatch)
    assert main(["check", str(child), "--horizon", "2024-01-01:2024-02-01"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        "warning: child.toml: timeline[0].date: 2023-06-01 is before the run's first day "
        "2023-12-22 (warm-up included); in force from then",
        "warning: child.toml: timeline[1].date: 2024-02-01 is on the horizon's end "
        "2024-02-01; dropped"]
    assert "2024-01-01 .. 2024-02-01" in out


def test_an_error_names_the_entry_as_the_file_numbers_it(tmp_path, monkeypatch, capsys):
    # the first entry dropped (after the end), the second wrong: still timeline[1]
    write = child_writer(tmp_path, monkeypatch, "toy.toml")
    child = write("""
[[timeline]]
date = 2024-02-20
set = { "nodes.gate.crossing.cranes" = 3 }

[[timeline]]
date = 2024-01-15
set = { "nodes.gate.crossing.cranez" = 3 }
""")
    for extra in ([], ["--horizon", "2024-01-01:2024-02-01"]):
        assert main(["check", str(child), *extra]) == 2
        assert capsys.readouterr().err.strip() == (
            "error: child.toml: timeline[1].set.nodes.gate.crossing.cranez: unknown key "
            "(did you mean 'crossing.cranes'?)")


def test_a_change_before_the_start_is_in_force_from_the_start(tmp_path, monkeypatch):
    child = _child(tmp_path, monkeypatch)
    notes = []
    s = load_scenario(child, horizon=(D(2024, 1, 1), D(2024, 2, 1)), notes=notes)
    assert [(n.file, n.path) for n in notes] == [("child.toml", "timeline[0].date"),
                                                 ("child.toml", "timeline[1].date")]
    assert len(s.timeline) == 1 and s.timeline[0].date == D(2023, 12, 22)
    out = Model(s).run()
    yard = out.crossings["gate"].yard
    assert yard.capacity == 1500
    assert out.crossings["gate"].yard_log[-1] == (0.0, 1500)
    # the same run as with the value written into the scenario
    plain = load_scenario(TOY, overrides={YARD: 1500, "horizon.end": "2024-02-01",
                                          "horizon.label_partial_years": True})
    a, b = kpis.compute(out), kpis.compute(Model(plain).run())
    assert a == pytest.approx(b, nan_ok=True)
    assert a[("yard_utilisation", "2024 Jan", "gate")] == pytest.approx(
        a[("yard_occupancy_teu_mean", "2024 Jan", "gate")] / 1500)


def test_the_latest_dated_change_before_the_start_holds():
    # listed later-date first: the earlier-dated value must not win by its place
    s = load_scenario(TOY, overrides={"timeline": [
        {"date": "2023-09-01", "set": {YARD: 1200}},
        {"date": "2023-06-01", "set": {YARD: 1800}}]},
        horizon=(D(2024, 1, 1), D(2024, 2, 1)))
    assert Model(s).run().crossings["gate"].yard.capacity == 1200


def test_partial_years_are_labelled_and_whole_years_keep_their_label(tmp_path, capsys):
    # without --horizon the toy's two months keep the label "2024" (results unchanged)
    assert {y.label for y in Model(load_scenario(TOY)).cal.years()} == {"2024"}
    s = load_scenario(TOY, horizon=(D(2023, 11, 1), D(2025, 3, 1)))
    assert [y.label for y in Model(s).cal.years()] == ["2023 Nov–Dec", "2024",
                                                       "2025 Jan–Feb"]
    out = tmp_path / "q"
    assert main(["run", str(TOY), "--horizon", "2024-01-01:2024-02-01", "--out", str(out),
                 "--quiet"]) == 0
    periods = {r["period"] for r in json.loads((out / "kpis.json").read_text())}
    assert periods == {"2024 Jan", "run"}


def test_a_horizon_run_without_out_goes_to_its_own_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(TOY), "--horizon", "2024-01-01:2024-01-15", "--quiet",
                 "--no-containers"]) == 0
    [folder] = (tmp_path / "results").iterdir()
    assert folder.name.startswith("toy-")


def test_a_bad_horizon_is_one_line(capsys):
    assert main(["check", str(TOY), "--horizon", "2024-01-01"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: <command line>: --horizon: expected START:END, two ISO dates, e.g. "
        "2024-01-01:2024-04-01 (got '2024-01-01')")
    assert main(["run", str(TOY), "--horizon", "2024-01-01:2023-01-01"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: <command line>: --horizon: END (2023-01-01) must be after START "
        "(2024-01-01)")


def test_the_expected_transit_is_the_prior_or_the_running_time():
    s = load_scenario(TOY)
    # 2,000 km at a triangular(700, 900, 1000) km/day mean (866.7) + 4,000 km at 900
    [(days, fid, rid, how)] = expected_transits(s)
    assert days == pytest.approx(2000 / (2600 / 3) + 4000 / 900)
    assert (fid, rid, how) == ("west", "main", "the running time of its links")
    s = load_scenario(TOY, overrides={"routes.main.prior_transit_days": 12})
    assert expected_transits(s) == [(12, "west", "main", "its prior_transit_days")]


def test_a_warm_up_shorter_than_the_longest_transit_warns(capsys):
    assert warmup_problems(load_scenario(TOY)) == []  # 10 days > 6.8
    assert main(["check", str(TOY), "--set", "horizon.warmup_days=5"]) == 0
    assert capsys.readouterr().err.strip() == (
        "warning: --set: horizon.warmup_days: 5 days is shorter than the longest expected "
        "transit, 6.8 days (flow west by route main, the running time of its links): the "
        "first reported days miss boxes still on their way; give at least 7")
    with pytest.raises(ConfigError):  # a warning never hides an error
        load_scenario(TOY, overrides={"horizon.warmup_days": -1}, notes=[])


KURYK = TOY.parent.parent.parent / "scenarios" / "kuryk_terminal.toml"
# each file's entries numbered as that file numbers them
KURYK_WARNINGS = [
    "warning: scenarios/growth_2030.toml: timeline[0].date: 2025-03-01 is after the "
    "horizon's end 2024-04-01; dropped",
    "warning: scenarios/growth_2030.toml: timeline[1].date: 2025-07-01 is after the "
    "horizon's end 2024-04-01; dropped",
    "warning: scenarios/aktau_hub.toml: timeline[0].date: 2025-06-09 is after the "
    "horizon's end 2024-04-01; dropped",
    "warning: scenarios/aktau_hub.toml: timeline[1].date: 2026-07-01 is after the "
    "horizon's end 2024-04-01; dropped",
    "warning: scenarios/caspian_committed_2030.toml: timeline[0].date: 2027-01-01 is after "
    "the horizon's end 2024-04-01; dropped",
    "warning: scenarios/kuryk_terminal.toml: timeline[0].date: 2028-01-01 is after the "
    "horizon's end 2024-04-01; dropped"]


def test_the_kuryk_terminal_checks_for_a_quarter(capsys, monkeypatch):
    # (its routes opening in 2028 carry nothing in the quarter: the laid-up container
    # feeder, whose fleet a dropped change raised, is no error)
    monkeypatch.chdir(KURYK.parent.parent)
    assert main(["check", "scenarios/kuryk_terminal.toml", "--horizon",
                 "2024-01-01:2024-04-01"]) == 0
    assert capsys.readouterr().err.splitlines() == KURYK_WARNINGS


@pytest.mark.slow
def test_the_kuryk_terminal_runs_for_a_quarter(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(KURYK.parent.parent)
    out = tmp_path / "q"
    assert main(["run", "scenarios/kuryk_terminal.toml", "--horizon",
                 "2024-01-01:2024-04-01", "--out", str(out), "--no-containers"]) == 0
    printed, err = capsys.readouterr()
    assert err.splitlines() == KURYK_WARNINGS
    assert "2024 Jan–Mar" in printed.splitlines()[1]
    periods = {r["period"] for r in json.loads((out / "kpis.json").read_text())}
    assert periods == {"2024 Jan–Mar", "run"}


def _kpi_frame(periods):
    return pd.DataFrame([{"name": "containers_by_crossing", "period": p, "scope": s,
                          "unit": "containers", "mean": 1000.0 * (i + 1),
                          "ci95_low": float("nan"), "ci95_high": float("nan")}
                         for i, p in enumerate(periods) for s in ("a", "b")])


def test_figures_say_per_year_only_for_whole_years():
    ax = yearly_by_scope(_kpi_frame(["2024 Jan–Mar"]), "containers_by_crossing")
    assert ax.get_xlabel() == ("thousand boxes in the period (a part of a year is not "
                               "scaled to a year)")
    assert ax.get_title() == "containers_by_crossing, by period"
    plt.close(ax.figure)
    ax = yearly_by_scope(_kpi_frame(["2024"]), "containers_by_crossing")
    assert (ax.get_xlabel(), ax.get_title()) == ("thousand boxes per year",
                                                 "containers_by_crossing, by year")
    plt.close(ax.figure)
    # many periods: one line per scope, the periods as ticks (a part of a year included)
    many = ["2024 Jul–Dec", "2025", "2026", "2027", "2028 Jan–Jun"]
    ax = yearly_by_scope(_kpi_frame(many), "containers_by_crossing")
    assert [t.get_text() for t in ax.get_xticklabels()] == many
    assert ax.get_xlabel() == "period" and ax.get_ylabel().startswith(
        "thousand boxes in the period")
    plt.close(ax.figure)


def test_a_closure_begun_before_the_run_holds_for_its_days_left():
    # closed from 2023-12-01 for 40 days: to 2024-01-10. The run's first day is
    # 2023-12-22 (10 days of warm-up): closed from hour 0 for the 19 days left, so the
    # reported January has 9 days (216 h) of it
    notes = []
    s = load_scenario(TOY, overrides={"timeline": [
        {"date": "2023-12-01", "close": "gate", "days": 40}]},
        horizon=(D(2024, 1, 1), D(2024, 2, 1)), notes=notes)
    assert [n.message for n in notes] == [
        "2023-12-01 is before the run's first day 2023-12-22 (warm-up included): closed "
        "from then for the 19 days left"]
    K = kpis.compute(Model(s).run())
    assert K[("closure_hours", "2024 Jan", "gate")] == pytest.approx(9 * 24)
