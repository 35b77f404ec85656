"""Focused comparisons: the inputs that differ, which elements they touch, which changes
matter most, and ``corridor compare --kpi/--scope``."""

import json

import pandas as pd
import pytest

from sim.cli import main
from sim.io.bundle import write_bundle
from sim.io.folders import open_folder
from sim.io.rows import focused, relevance, scope_touches, untouched
from sim.measure.headline import COMPARE_HEADLINE
from sim.measure.kpis import KPIS
from sim.measure.labels import LABELS
from sim.plots.comparison import comparison_tables, forest_rows
from sim.scenario.kind_fields import number_text
from sim.scenario.loading import load_scenario, resolved_dict
from sim.scenario.summary import describe
from sim.study.compare import compare, input_differences, touched_elements
from sim.study.replications import run

from .conftest import TOY

SHORT = {"horizon.start": "2024-01-01", "horizon.end": "2024-03-01", "horizon.warmup_days": 0}


def test_every_kpi_has_a_plain_english_label():
    assert set(LABELS) == set(KPIS)
    assert all(label and label == label.strip() for label in LABELS.values())


def test_input_differences_and_the_elements_they_touch():
    base = {"name": "a", "description": "x", "demand": {"scale": 1.0},
            "nodes": {"gate": {"crossing": {"cranes": 2, "lanes": 1}}, "alpha": {"lon": 1}},
            "timeline": [{"date": "2024-01-01"}]}
    other = {"name": "b", "description": "y", "demand": {"scale": 1.5},
             "nodes": {"gate": {"crossing": {"cranes": 3, "lanes": 1}}, "alpha": {"lon": 1},
                       "new": {"lon": 2}},
             "timeline": [{"date": "2024-02-01"}]}
    d = input_differences(base, other)
    assert d == [("demand.scale", 1.0, 1.5), ("nodes.gate.crossing.cranes", 2, 3),
                 ("nodes.new", "(not set)", {"lon": 2}),
                 ("timeline", "2024-01-01", "(not set)"),
                 ("timeline", "(not set)", "2024-02-01")]
    # the dated changes one by one: only those one side lacks, each in one line
    same = {"date": "2024-01-01", "set": {"demand.scale": 2}, "close": None, "source": "s"}
    new = {"date": "2030-01-06", "close": "aktau", "days": 21, "set": None, "source": "t"}
    assert input_differences({"timeline": [same]}, {"timeline": [same, new]}) == [
        ("timeline", "(not set)", "2030-01-06 close=aktau, days=21")]
    assert touched_elements([p for p, _b, _o in d]) == ["gate", "new"]


def test_a_dated_change_shows_its_numbers_as_written():
    """A scenario's dated changes as the comparison lists them: a field of whole numbers
    set to 3 shows 3 (the schema holds 3.0), a closure of 2 days 'days=2', and a value
    :g would round keeps every digit."""
    base = resolved_dict(load_scenario(TOY))
    changes = [{"date": "2024-02-01", "set": {"nodes.gate.crossing.cranes": 3,
                                              "nodes.gate.crossing.yard_capacity_teu": 2500,
                                              "nodes.gate.crossing.crane_moves_per_h": 45.5}},
               {"date": "2024-02-02", "close": "gate", "days": 2},
               {"date": "2024-02-03", "set": {"nodes.gate.crossing.acceptance_limit_teu":
                                              1234567.5}}]
    other = resolved_dict(load_scenario(TOY, overrides={"timeline": changes}))
    assert input_differences(base, other) == [
        ("timeline", "(not set)", "2024-02-01 set={'nodes.gate.crossing.cranes': 3, "
         "'nodes.gate.crossing.yard_capacity_teu': 2500, "
         "'nodes.gate.crossing.crane_moves_per_h': 45.5}"),
        ("timeline", "(not set)", "2024-02-02 close=gate, days=2"),
        ("timeline", "(not set)", "2024-02-03 set={'nodes.gate.crossing.acceptance_limit_teu':"
         " 1234567.5}")]
    # corridor check: the same numbers
    text = describe(load_scenario(TOY, overrides={"timeline": changes}))
    assert ("  timeline  2024-02-01: nodes.gate.crossing.cranes = 3, "
            "nodes.gate.crossing.yard_capacity_teu = 2500, "
            "nodes.gate.crossing.crane_moves_per_h = 45.5") in text
    assert "  timeline  2024-02-03: nodes.gate.crossing.acceptance_limit_teu = 1234567.5" in text


def test_numbers_of_dated_changes_in_words():
    assert number_text(15.0) == "15"
    assert number_text(150000.0) == "150000"
    assert number_text(1234567.0) == "1234567"
    assert number_text(1e7) == "1e+07"
    assert number_text(2.5) == "2.5"
    assert number_text(1 / 3) == repr(1 / 3)
    assert touched_elements(["demand.flows.west.containers_per_year", "demand.scale"]) == \
        ["west"]
    assert scope_touches("gate", {"gate"}) and scope_touches("link:alpha>gate", {"gate"})
    assert scope_touches("ferry:westbound", {"ferry"}) and not scope_touches("all", {"gate"})


def _rows(rows):
    return pd.DataFrame(rows, columns=["name", "period", "scope", "base_mean", "other_mean",
                                       "diff_mean", "diff_ci95_low", "diff_ci95_high"])


def test_relevance_is_relative_change_times_significance_among_material_rows():
    t = _rows([
        ("q", "2030", "big", 100.0, 150.0, 50.0, 40.0, 60.0),     # +50 %, 10 half-widths
        ("q", "2030", "mid", 100.0, 120.0, 20.0, 10.0, 30.0),     # +20 %, 2 half-widths
        ("q", "2030", "tiny", 0.1, 0.9, 0.8, 0.7, 0.9),           # x9, but immaterial
        ("q", "2030", "noise", 100.0, 130.0, 30.0, -5.0, 65.0),   # covers zero
        ("q", "2029", "tiny", 0.1, 0.9, 0.8, 0.7, 0.9),           # material in its year
    ])
    r = relevance(t).to_numpy()
    assert r == pytest.approx([50 / 150 * 5, 20 / 120 * 2, 0, 0, 0.8 / 0.9 * 8])
    # in the forest plot: the headline, then the touched element's rows, then by relevance
    t["unit"] = ""
    rows = forest_rows(t, "2030", [("q", "noise")], touched=["mid"])
    assert list(rows.scope) == ["noise", "mid", "big"]
    rows = forest_rows(t, "2030", [])
    assert list(rows.scope) == ["big", "mid"]


def test_focused_rows():
    t = _rows([("a", "2030", "x", 1, 1, 0, 0, 0), ("a", "2030", "y", 1, 1, 0, 0, 0),
               ("b", "2030", "x", 1, 1, 0, 0, 0), ("b", "2030", "z", 1, 1, 0, 0, 0)])
    key = lambda f: list(zip(f.name, f.scope))  # noqa: E731
    assert key(focused(t, ("a",))) == [("a", "x"), ("a", "y")]
    assert key(focused(t, ("b:z", "a:y"))) == [("b", "z"), ("a", "y")]  # as asked
    assert key(focused(t, (), ("x",))) == [("a", "x"), ("b", "x")]
    assert key(focused(t, ("a",), ("x",))) == [("a", "x")]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The toy and the toy with faster crane gangs at the gate, 3 replications each."""
    d = tmp_path_factory.mktemp("focus")
    base = load_scenario(TOY, overrides=SHORT)
    other = load_scenario(TOY, overrides={**SHORT, "nodes.gate.crossing.crane_moves_per_h": 20})
    write_bundle(run(base, replications=3, keep_containers=False), d / "base")
    write_bundle(run(other, replications=3, keep_containers=False), d / "other")
    return d


def test_compare_lists_the_inputs_that_differ(pair):
    _t, facts = compare(pair / "base", pair / "other")
    assert facts["inputs_differ"] == [{"path": "nodes.gate.crossing.crane_moves_per_h",
                                       "base": 40.0, "other": 20.0}]
    assert facts["inputs_differ_count"] == 1 and facts["touched"] == ["gate"]
    assert facts["base"]["description"] == facts["other"]["description"]


def test_compare_with_a_focus(pair, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(pair / "base"), str(pair / "other"), "--out", str(out),
                 "--kpi", "border_dwell_hours_mean", "--scope", "gate"]) == 0
    printed = capsys.readouterr().out.splitlines()
    rows = [x for x in printed if x.startswith("  ")]
    assert rows[0].startswith("  border: mean time at the crossing — gate (hours)")
    assert "inputs that differ (1):" in printed
    assert "  nodes.gate.crossing.crane_moves_per_h: 40.0 -> 20.0" in printed
    man = json.loads((out / "manifest.json").read_text())
    assert man["focus"] == {"kpis": ["border_dwell_hours_mean"], "scopes": ["gate"]}
    # the file keeps every row; the figures and the report show the focus
    assert len(pd.read_csv(out / "comparison.csv")) > 40  # every KPI, not the 2 asked for
    assert main(["report", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert "nodes.gate.crossing.crane_moves_per_h" in html and "elements whose inputs differ" in html
    assert "border: mean time at the crossing — gate" in html


@pytest.mark.parametrize("extra, line", [
    (["--kpi", "border_dwel_hours_mean"], "--kpi[0]: no KPI named 'border_dwel_hours_mean' "
     "in the comparison (did you mean 'border_dwell_hours_mean'?)"),
    (["--kpi", "border_dwell_hours_mean:gat"], "--kpi[0]: 'border_dwell_hours_mean' has no "
     "scope 'gat' (did you mean 'gate'?)"),
    (["--scope", "gat"], "--scope[0]: no scope 'gat' in the comparison (did you mean "
     "'gate'?)"),
])
def test_a_bad_focus_is_one_line_exit_2(pair, tmp_path, capsys, extra, line):
    out = tmp_path / "cmp"
    assert main(["compare", str(pair / "base"), str(pair / "other"), "--out", str(out),
                 *extra]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"error: <command line>: {line}"]
    assert not out.exists()


def test_relevance_of_a_real_comparison_puts_the_touched_crossing_first(pair):
    t, facts = compare(pair / "base", pair / "other")
    rows = forest_rows(t, "2024", [], touched=facts["touched"])
    assert len(rows) and scope_touches(rows.scope.iloc[0], {"gate"})
    # slower cranes: the gate's handling time is among the material, significant changes
    r = relevance(t)
    gate = (t.name == "border_handling_hours_mean") & (t.scope == "gate") & (t.period == "2024")
    assert float(r[gate].iloc[0]) > 0


def test_a_focus_on_run_totals_is_drawn_and_reported(pair, tmp_path, capsys):
    # a KPI reported for the whole run only: the figures and the report show its 'run'
    # rows (before: no row of the last year, and drawing failed with KeyError 'scope')
    out = tmp_path / "cmp"
    assert main(["compare", str(pair / "base"), str(pair / "other"), "--out", str(out),
                 "--kpi", "containers_in_system", "--quiet"]) == 0
    assert main(["plot", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    assert "boxes in the system at the end" in (out / "report.html").read_text()
    capsys.readouterr()


def test_the_reports_every_year_table_leaves_out_rows_no_replication_changed(pair, tmp_path):
    """Slower crane gangs at the gate change neither the toy's count of transit boxes nor
    its share: those headline rows are the same in every replication, so the every-year
    table counts them instead of listing them; the transit time they change stays."""
    out = tmp_path / "cmp"
    assert main(["compare", str(pair / "base"), str(pair / "other"), "--out", str(out),
                 "--quiet"]) == 0
    t = pd.read_csv(out / "comparison.csv")
    t = t[pd.Series([(nm, sc) in set(COMPARE_HEADLINE) for nm, sc in zip(t.name, t.scope)],
                    index=t.index) & (t.period != "run")]
    same = untouched(t)
    assert set(t.name[same]) == {"transit_containers_china_central_asia",
                                 "kz_share_china_europe_land"}
    assert (t.diff_mean[same] == 0).all() and (t.diff_mean[~same] != 0).all()
    title, table = comparison_tables(open_folder(out, {"comparison"}))[0]
    assert title == ("Headline KPIs, every year (other − base); 2 more rows identical in "
                     "every replication are not shown")
    assert list(table["code"]) == ["transit_time_days_mean · northern"]


def test_a_comparison_with_nothing_changed_says_so_in_its_every_year_title(pair, tmp_path):
    out = tmp_path / "same"
    assert main(["compare", str(pair / "base"), str(pair / "base"), "--out", str(out),
                 "--quiet"]) == 0
    title, table = comparison_tables(open_folder(out, {"comparison"}))[0]
    assert table.empty
    assert title.startswith("Headline KPIs, every year (other − base); all ")
    assert title.endswith(" rows are identical in every replication")
