"""Comparisons where one scenario has what the other lacks: a closure (its KPIs written
for every facility that can close, so the closure's boxes caught pair with the base's 0),
a value undefined in the base (a peak backlog where nothing closed), rows in one folder
only (an element one scenario lacks, or a run folder written before the closure KPIs
were written everywhere); and what the report says of a dated change's element."""

import json
import math
import re
import shutil

import pandas as pd
import pytest

from sim.cli import main
from sim.engine.model import Model
from sim.io.bundle import write_bundle
from sim.io.folders import open_folder
from sim.measure import kpis
from sim.plots.comparison import _no_difference, comparison_facts
from sim.scenario.loading import load_scenario
from sim.study.compare import compare, dated_elements
from sim.study.replications import run

from .conftest import ROOT, TOY

SHORT = {"horizon.start": "2024-01-01", "horizon.end": "2024-03-01", "horizon.warmup_days": 0}
CLOSURE = [{"date": "2024-01-20", "close": "gate", "days": 4}]
RESILIENCE = ("disruption_events", "disruption_boxes_delayed", "disruption_peak_backlog",
              "disruption_recovery_hours_mean", "disruption_unrecovered")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The toy, and the toy with its crossing closed 4 days; 2 replications each."""
    d = tmp_path_factory.mktemp("one_sided")
    base = load_scenario(TOY, overrides=SHORT)
    other = load_scenario(TOY, overrides={**SHORT, "timeline": CLOSURE})
    write_bundle(run(base, replications=2, keep_containers=False), d / "base")
    write_bundle(run(other, replications=2, keep_containers=False), d / "other")
    return d


def test_a_facility_nothing_closes_reports_no_closure_and_undefined_recovery():
    # a crossing nothing closes: 0 closures, 0 boxes caught, none unrecovered; the peak
    # backlog and the recovery time are undefined (NaN), not 0; and every line, closed or
    # not, reports its hours closed
    K = kpis.compute(Model(load_scenario(TOY, overrides=SHORT), seed=7).run())
    assert [K[(n, "2024", "gate")] for n in RESILIENCE[:2]] == [0, 0]
    assert K[("disruption_unrecovered", "2024", "gate")] == 0
    assert math.isnan(K[("disruption_peak_backlog", "2024", "gate")])
    assert math.isnan(K[("disruption_recovery_hours_mean", "2024", "gate")])
    assert K[("closure_hours", "2024", "alpha_gate")] == 0
    assert K[("closure_hours", "2024", "gate_omega")] == 0


def test_the_closure_pairs_with_the_bases_zero(pair):
    t, facts = compare(pair / "base", pair / "other")
    row = t[(t.name == "disruption_boxes_delayed") & (t.scope == "gate")].iloc[0]
    assert row.found_in == "both" and row.n_pairs == 2 and row.base_mean == 0
    assert row.diff_mean == row.other_mean > 0
    peak = t[(t.name == "disruption_peak_backlog") & (t.scope == "gate")].iloc[0]
    # undefined without a closure: the other's own mean, no difference, not a zero base
    assert peak.found_in == "both" and peak.n_pairs == 0 and math.isnan(peak.base_mean)
    assert peak.other_mean > 0 and math.isnan(peak.diff_mean)
    assert facts["only_in_base"] == facts["only_in_other"] == []
    assert facts["touched"] == facts["touched_by_timeline"] == ["gate"]


def test_compare_prints_the_closures_rows_and_why_one_has_no_difference(pair, tmp_path,
                                                                        capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(pair / "base"), str(pair / "other"), "--out", str(out),
                 "--scope", "gate", "--kpi", "disruption_boxes_delayed",
                 "--kpi", "disruption_peak_backlog"]) == 0
    lines = capsys.readouterr().out.splitlines()
    t = pd.read_csv(out / "comparison.csv")
    caught = t[(t.name == "disruption_boxes_delayed") & (t.scope == "gate")].iloc[0]
    peak = t[(t.name == "disruption_peak_backlog") & (t.scope == "gate")].iloc[0]
    assert re.fullmatch(r"  boxes caught by closures — gate \(containers\) +2024 +"
                        + f"{caught.diff_mean:,.0f}" + r" \[.*\]", lines[1]), lines[1]
    assert lines[2] == ("  peak backlog after a closure — gate (containers)         2024  "
                        f"other {peak.other_mean:,.0f}; base: no value")
    assert lines[3].startswith("  (no value: undefined in every replication compared, as a "
                               "peak backlog")
    assert math.isnan(peak.base_mean) and peak.found_in == "both"
    assert list(t.columns)[-1] == "found_in" and set(t.found_in) == {"both"}


def _without_closure_rows(src, dst):
    """A copy of a run folder as written before every facility that can close had its
    closure KPIs: the crossing's disruption rows left out."""
    shutil.copytree(src, dst)
    p = dst / "kpis.json"
    recs = [r for r in json.loads(p.read_text()) if not r["name"].startswith("disruption_")]
    p.write_text(json.dumps(recs))


def test_rows_in_one_folder_only_are_shown_and_kept(pair, tmp_path, capsys):
    old = tmp_path / "old_base"
    _without_closure_rows(pair / "base", old)
    out = tmp_path / "cmp"
    assert main(["compare", str(old), str(pair / "other"), "--out", str(out),
                 "--kpi", "disruption_boxes_delayed:gate"]) == 0
    lines = capsys.readouterr().out.splitlines()
    t = pd.read_csv(out / "comparison.csv")
    caught = t[(t.name == "disruption_boxes_delayed") & (t.scope == "gate")].iloc[0]
    assert caught.found_in == "other" and caught.n_pairs == 0
    assert math.isnan(caught.base_mean) and math.isnan(caught.diff_mean)  # empty, not 0
    assert caught.other_mean > 0
    assert lines[1:3] == [
        "  boxes caught by closures — gate (containers)             2024  other "
        f"{caught.other_mean:,.0f}; the base has no such row",
        "  KPI rows in one folder only: 0 base, 5 other (comparison.csv, column found_in)"]
    assert lines[3].startswith("  (no such row: that folder's scenario lacks the element")
    man = json.loads((out / "manifest.json").read_text())
    assert man["only_in_other"] == [[n, "2024", "gate"] for n in sorted(RESILIENCE)]
    assert sorted(t.loc[t.found_in == "other", "name"]) == sorted(RESILIENCE)
    recs = json.loads((out / "comparison.json").read_text())
    assert {r["found_in"] for r in recs} == {"both", "other"}
    facts = dict(comparison_facts(open_folder(out, {"comparison"})))
    assert facts["KPI rows in one folder only"] == ("0 in the base, 5 in the other "
                                                    "(comparison.csv, column found_in)")
    # without a focus: counted, and the first of them shown with their values
    assert main(["compare", str(old), str(pair / "other"), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("  KPI rows in one folder only: 0 base, 5 other (comparison.csv, column "
                     "found_in)")
    assert lines[at - 1] == "  (the rows of the elements whose inputs differ: --scope gate)"
    assert lines[at + 1].startswith("  boxes caught by closures — gate (containers)")
    assert lines[at + 1].endswith("; the base has no such row")
    assert lines[at + 5].startswith("  closures not recovered from by the end — gate")


def test_the_report_names_the_element_a_dated_change_touches(pair, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(pair / "base"), str(pair / "other"), "--out", str(out),
                 "--scope", "gate", "--quiet"]) == 0
    facts = dict(comparison_facts(open_folder(out, {"comparison"})))
    assert facts["elements whose inputs differ"] == "gate (a dated change)"
    assert facts["KPI rows in one folder only"] == ("0 in the base, 0 in the other "
                                                    "(comparison.csv, column found_in)")
    assert main(["report", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert "gate (a dated change)" in html and "none: no value in the base" in html
    capsys.readouterr()


def test_dated_changes_are_traced_to_their_elements():
    same = {"date": "2024-01-01", "set": {"nodes.gate.crossing.cranes": 3}}
    base = [same]
    other = [same, {"date": "2030-01-06", "close": "aktau", "days": 21},
             {"date": "2030-02-01", "set": {"links.a_b.train_paths_per_day": 60,
                                            "demand.scale": 1.2}},
             {"date": "2030-03-01", "shares": {"west": {"main": 1.0}}}]
    assert dated_elements(base, other) == ["a_b", "aktau", "west"]
    assert dated_elements(other, base) == ["a_b", "aktau", "west"]  # lacked either way
    assert dated_elements(base, base) == [] and dated_elements(None, []) == []
    assert dated_elements([], [{"date": "2030-01-01", "set": {"demand.scale": 2}}]) == []


def test_a_focus_that_selects_nothing_is_an_error(pair, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(pair / "base"), str(pair / "other"), "--out", str(out),
                 "--scope", "alpha_gate", "--kpi", "disruption_boxes_delayed",
                 "--kpi", "border_dwell_hours_mean:gate"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: <command line>: --kpi[0]: 'disruption_boxes_delayed' has no row with --scope "
        "'alpha_gate' (the scopes of 'disruption_boxes_delayed': gate)",
        "error: <command line>: --kpi[1]: 'border_dwell_hours_mean:gate': scope 'gate' is not "
        "among --scope 'alpha_gate' (a row shown matches a --kpi and a --scope)"]
    assert not out.exists()


def test_the_belarus_closure_against_growth_shows_the_closures_rows(tmp_path, capsys):
    """The user's case, on three months: growth_2030 has no Brest closure, so before its
    rows were written everywhere compare showed nothing for --kpi disruption_boxes_delayed
    --scope brest."""
    span = ["--horizon", "2025-09-01:2025-12-01", "--quiet"]
    for name in ("growth_2030", "belarus_closure"):
        assert main(["run", str(ROOT / "scenarios" / f"{name}.toml"), *span,
                     "--out", str(tmp_path / name)]) == 0
    capsys.readouterr()
    out = tmp_path / "cmp"
    assert main(["compare", str(tmp_path / "growth_2030"), str(tmp_path / "belarus_closure"),
                 "--scope", "brest", "--kpi", "disruption_boxes_delayed",
                 "--kpi", "disruption_peak_backlog", "--kpi",
                 "disruption_recovery_hours_mean", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    t = pd.read_csv(out / "comparison.csv").set_index(["name", "scope"])
    caught = t.loc[("disruption_boxes_delayed", "brest")]
    assert caught.base_mean == 0 and caught.other_mean > 1000
    assert lines[1] == ("  boxes caught by closures — brest (containers)            "
                        f"2025 Sep–Nov  {caught.other_mean:>10,.0f}")
    assert re.fullmatch(r"  peak backlog after a closure — brest \(containers\) +2025 Sep–Nov"
                        r"  other [\d,]+; base: no value", lines[2]), lines[2]
    assert re.fullmatch(r"  mean recovery time after a closure — brest \(hours\) +2025 "
                        r"Sep–Nov  other [\d,]+; base: no value", lines[3]), lines[3]
    assert "KPI rows in one folder only" not in "\n".join(lines)


def test_the_report_says_why_a_row_with_values_on_both_sides_has_no_difference():
    # (each side valued, but never in the same replication: no pair to difference)
    nan = math.nan
    assert _no_difference("both", 3.0, 5.0, nan) == "none: no replication has both values"
    assert _no_difference("both", 3.0, 5.0, 2.0) is None
    assert _no_difference("both", nan, 5.0, nan) == "none: no value in the base"
    assert _no_difference("base", nan, nan, nan) == "none: the other has no such row"
