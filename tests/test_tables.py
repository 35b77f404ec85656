"""The text the commands print, from hand-made tables: no argument parsing, no runs."""

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from sim.cli.tables import (
    abc_summary,
    comparison_summary,
    fmt,
    indices_summary,
    parameter_values,
    row_format,
    run_summary,
    sig,
    sweep_summary,
)

NAN = math.nan


@pytest.mark.parametrize("v, shown", [
    (NAN, "–"), (0.12345, "0.123"), (-0.5, "-0.500"), (1.0, "1.0"), (99.94, "99.9"),
    (100.0, "100"), (-1813.4, "-1,813"), (1234567.8, "1,234,568")])
def test_fmt(v, shown):
    assert fmt(v) == shown


@pytest.mark.parametrize("v, shown", [
    (NAN, "–"), (1.01, "1.01"), (0.0696, "0.0696"), (-1.333, "-1.33"), (999.4, "999"),
    (6040.0, "6,040"), (0.0, "0")])
def test_sig_keeps_three_significant_digits(v, shown):
    assert sig(v) == shown


def test_row_format_follows_the_largest_value():
    assert row_format([0.2, 150.0])(0.2) == "0"
    assert row_format([0.2, -3.0])(0.2) == "0.2"
    assert row_format([0.2, 0.5])(0.2) == "0.200"


def kpi_rows(rows):
    return pd.DataFrame(rows, columns=["name", "period", "scope", "mean", "ci95_low",
                                       "ci95_high"])


def test_run_summary_one_replication():
    k = kpi_rows([
        ("containers_created", "2024", "all", 6077.0, NAN, NAN),
        ("containers_created", "2025", "all", 6100.4, NAN, NAN),
        ("containers_delivered", "2024", "all", 6000.0, NAN, NAN),
        ("transit_time_days_mean", "2025", "northern", 8.26, NAN, NAN),
        ("containers_created", "run", "all", 12177.0, NAN, NAN),
        ("containers_in_system", "run", "all", 861.6, NAN, NAN),
    ])
    assert run_summary(k, "toy", 7, 1).splitlines() == [
        "toy: seed 7, 1 replication(s)",
        "  KPI                                        2024   2025",
        "  boxes created                             6,077  6,100",
        "  boxes delivered                           6,000      –",
        "  transit time, northern route (days)           –    8.3",
        "  boxes still in the system at the end: 862",
    ]


def test_run_summary_of_a_posterior_says_its_replications_are_draws():
    """A run over a calibration's posterior read '3 replication(s)' like any run, though
    its intervals carry the fitted parameters' uncertainty too."""
    k = kpi_rows([("containers_created", "2024", "all", 6077.0, 5992.0, 6162.0)])
    posterior = {"draws": [{"demand.scale": 1.0}] * 3, "replications_per_draw": 2}
    assert run_summary(k, "toy", 7, 6, posterior=posterior).splitlines()[0] == (
        "toy: seed 7, 6 replication(s) (3 posterior draws x 2: the intervals carry the "
        "fitted parameters' uncertainty too); mean [95 % CI]")


def test_run_summary_with_intervals_and_precision():
    k = kpi_rows([
        ("containers_created", "2024", "all", 6077.0, 5992.0, 6162.0),
        ("kz_share_china_europe_land", "2024", "all", 1.0, 1.0, 1.0),
        ("caspian_teu", "2024", "all", NAN, NAN, NAN),  # no Caspian: no row
    ])
    precision = {"target": 0.05, "reached": False, "replications": 5,
                 "widest": {"relative_half_width": 0.0712,
                            "kpi": ["containers_created", "2024", "all"]}}
    text = run_summary(k, "toy", 7, 5, precision)
    assert text.splitlines() == [
        "toy: seed 7, 5 replication(s); mean [95 % CI]",
        "  KPI                                                       2024",
        "  KZ share of China->Europe land boxes            1.0 [1.0, 1.0]",
        "  boxes created                             6,077 [5,992, 6,162]",
        "  precision 5.0%: NOT reached after 5 replications (widest half-width 7.12% for "
        "containers_created 2024 all)",
    ]
    assert "TEU shipped" not in text and "still in the system" not in text


def comparison_rows(rows):
    return pd.DataFrame(rows, columns=["name", "period", "scope", "base_mean", "other_mean",
                                       "diff_mean", "diff_ci95_low", "diff_ci95_high",
                                       "rel_change"])


def facts(base="toy", other="toy_more", only_in_base=(), only_in_other=()):
    return {"base": {"scenario": base, "folder": "results/a"},
            "other": {"scenario": other, "folder": "results/b"},
            "seed": 7, "pairs": 3, "only_in_base": list(only_in_base),
            "only_in_other": list(only_in_other)}


def test_comparison_summary_counts_untouched_rows():
    t = comparison_rows([
        ("transit_containers_china_central_asia", "2024", "all", 6053.0, 7866.0, 1813.4,
         1662.0, 1965.0, 0.2996),
        ("transit_containers_china_central_asia", "run", "all", 1.0, 2.0, 1.0, 0.5, 1.5,
         1.0),  # the whole run is not a reported year
        ("kz_share_china_europe_land", "2024", "all", 1.0, 1.0, 0.0, 0.0, 0.0, 0.0),
        ("caspian_teu", "2024", "all", NAN, NAN, NAN, NAN, NAN, NAN),
        # the same sums taken in another order: identical to 1e-9, not a change
        ("caspian_teu", "2024", "aktau", 69990.0, 69990.0, 1.1e-13, -2e-13, 3e-13, 0.0),
        ("transit_time_days_mean", "2024", "northern", 8.3, 8.2, -0.086, NAN, NAN, NAN),
        ("containers_created", "2024", "all", 1.0, 9.0, 8.0, 7.0, 9.0, 8.0),  # no headline
        # one format a row: its interval's end at -51.8 in whole numbers as its mean
        ("containers_held", "2024", "all", 5000.0, 2230.0, -2770.0, -5489.0, -51.8, -0.554),
        # the other scenario has none of these boxes: no difference, not a zero one
        ("transit_time_days_mean", "2024", "middle_corridor", 20.8, NAN, NAN, NAN, NAN, NAN),
    ])
    assert comparison_summary(t, facts(only_in_other=["x"])).splitlines() == [
        "toy_more - toy: seed 7, 3 paired replication(s); mean difference [95 % CI] "
        "(relative)",
        "  transit boxes China->Europe via KZ                       2024       1,813 "
        "[1,662, 1,965] (+30.0%)",
        "  transit time, northern route (days)                      2024      -0.086",
        "  transit time, Middle Corridor (days)                     2024  base 20.8; other: "
        "no value",
        "  boxes held at their origin                               2024      -2,770 "
        "[-5,489, -52] (-55.4%)",
        "  (2 more of these rows are identical in every replication)",
        "  (1 more of these rows have no value in either folder, e.g. a mean over no boxes)",
        "  KPI rows in one folder only: 0 base, 1 other (comparison.csv, column found_in)",
        "  (no value: undefined in every replication compared, as a peak backlog or a "
        "recovery time where",
        "   nothing closed, or a mean over no boxes)",
    ]


def one_sided_rows():
    """A comparison of a closure with no closure: its boxes caught paired against the
    base's 0, its peak backlog undefined in the base, a port only the other has."""
    t = comparison_rows([
        ("disruption_boxes_delayed", "2030", "brest", 0.0, 11843.0, 11843.0, 11000.0,
         12686.0, NAN),
        ("disruption_peak_backlog", "2030", "brest", NAN, 9120.0, NAN, NAN, NAN, NAN),
        ("caspian_teu", "2029", "kuryk_ct", NAN, 900.0, NAN, NAN, NAN, NAN),
        ("caspian_teu", "2030", "kuryk_ct", NAN, 12345.0, NAN, NAN, NAN, NAN),
        ("port_dwell_hours_mean", "2030", "kuryk_ct", NAN, 61.0, NAN, NAN, NAN, NAN),
        ("containers_lost", "2030", "all", 300.0, NAN, NAN, NAN, NAN, NAN),
        ("transit_time_days_mean", "2030", "kuryk_ct_route", NAN, NAN, NAN, NAN, NAN, NAN),
    ])
    return t.assign(unit="", found_in=["both", "both", "other", "other", "other", "base",
                                       "other"])


def test_a_row_only_the_base_has_is_named_the_bases_even_with_no_value():
    # (a port only the base has, with no boxes: its dwell undefined; the side is the
    # folder with the row, not the side with a value)
    t = comparison_rows([("port_dwell_hours_mean", "2026", "kuryk_ct", NAN, NAN, NAN, NAN,
                          NAN, NAN)]).assign(unit="", found_in=["base"])
    f = facts(only_in_base=[["port_dwell_hours_mean", "2026", "kuryk_ct"]], only_in_other=[])
    f["focus"] = {"kpis": [], "scopes": ["kuryk_ct"]}
    assert comparison_summary(t, f).splitlines()[1] == (
        "  port: mean time in port — kuryk_ct                       2026  base –; the other "
        "has no such row")


def test_comparison_summary_shows_rows_with_no_pair_and_why():
    t = one_sided_rows()
    f = facts(only_in_base=[["containers_lost", "2030", "all"]],
              only_in_other=[["caspian_teu", "2029", "kuryk_ct"],
                             ["caspian_teu", "2030", "kuryk_ct"],
                             ["port_dwell_hours_mean", "2030", "kuryk_ct"],
                             ["transit_time_days_mean", "2030", "kuryk_ct_route"]])
    f["focus"] = {"kpis": [], "scopes": ["brest"]}
    assert comparison_summary(t, f).splitlines()[1:] == [
        "  boxes caught by closures — brest                         2030      11,843 "
        "[11,000, 12,686]",
        "  peak backlog after a closure — brest                     2030  other 9,120; base: "
        "no value",
        "  KPI rows in one folder only: 1 base, 4 other (comparison.csv, column found_in)",
        "  (no value: undefined in every replication compared, as a peak backlog or a "
        "recovery time where",
        "   nothing closed, or a mean over no boxes)"]
    # with no focus: the headline (the base's lost boxes: the other has no such row),
    # then the first rows in one folder only, each with its last year
    f.pop("focus")
    lines = comparison_summary(t, f).splitlines()
    assert lines[1:6] == [
        "  boxes lost (to sea or refused)                           2030  base 300; the "
        "other has no such row",
        "  KPI rows in one folder only: 1 base, 4 other (comparison.csv, column found_in)",
        "  TEU shipped across the Caspian — kuryk_ct                2030  other 12,345; the "
        "base has no such row",
        "  port: mean time in port — kuryk_ct                       2030  other 61.0; the "
        "base has no such row",
        # in one folder only and undefined there too: no value shown, not 'nan'
        "  mean transit time — kuryk_ct_route                       2030  other –; the base "
        "has no such row"]
    assert lines[6].startswith("  (no such row: that folder's scenario lacks the element")
    assert comparison_summary(t, f, one_sided=1).splitlines()[3:5] == [
        "  TEU shipped across the Caspian — kuryk_ct                2030  other 12,345; the "
        "base has no such row",
        "  ... 2 more (KPI, scope) pairs in one folder only (comparison.csv)"]


def test_comparison_summary_lists_a_dated_change_by_itself():
    f = facts()
    f["inputs_differ"] = [{"path": "timeline", "base": "(not set)",
                           "other": "2030-01-06 close=aktau, days=21"},
                          {"path": "timeline", "base": "2028-01-01 set={'x': 1}",
                           "other": "(not set)"},
                          {"path": "demand.scale", "base": 1.0, "other": 1.5}]
    assert comparison_summary(comparison_rows([]), f).splitlines()[-4:] == [
        "inputs that differ (3):",
        "  timeline: + 2030-01-06 close=aktau, days=21",
        "  timeline: - 2028-01-01 set={'x': 1}",
        "  demand.scale: 1.0 -> 1.5"]


def test_comparison_of_two_variants_names_the_folders():
    t = comparison_rows([])
    assert comparison_summary(t, facts(other="toy")) == (
        "results/b - results/a: seed 7, 3 paired replication(s); mean difference [95 % CI] "
        "(relative)")


def test_abc_summary():
    draws = pd.DataFrame({"accepted": [True, False, True], "scale": [1.2091, 0.9, 1.0987],
                          "customs": [12.0, 30.0, 39.5]})
    draws.attrs["threshold"] = 3.841459
    assert abc_summary(draws, ["scale", "customs"]) == (
        "ABC: 2 of 3 draws within the 95 % threshold 3.84; kept ranges: "
        "scale 1.099..1.209, customs 12..39.5")
    none = draws.assign(accepted=False)
    assert abc_summary(none, ["scale"]) == ("ABC: 0 of 3 draws within the 95 % "
                                            "threshold 3.84")
    # the threshold allows for the simulation's noise in the mean of the replications
    none.attrs.update(threshold=4.577, threshold_published_errors=3.841459,
                      noise_replications=3)
    assert abc_summary(none, ["scale"]) == (
        "ABC: 0 of 3 draws within the 95 % threshold 4.58 (3.84 from the published errors, "
        "+19% for the simulation's noise in the mean of 3 replications)")
    none.attrs.update(threshold=3.841459, noise_replications=None)
    assert abc_summary(none, ["scale"]) == (
        "ABC: 0 of 3 draws within the 95 % threshold 3.84 (from the published errors alone: "
        "one replication per evaluation gives no estimate of the simulation's noise)")


def test_parameter_values():
    assert parameter_values({"scale": 1.2326219, "customs": 24.0}).splitlines() == [
        "  scale                          1.23262", "  customs                        24"]
    assert parameter_values({}) == ""


def test_sweep_summary():
    counts = SimpleNamespace(runs=6, resumed=2, ran=4, failed=1, failed_total=3,
                             wall_s=12.345)
    assert sweep_summary("oat", 3, 2, counts) == (
        "sweep oat: 3 design points x 2 replication(s) = 6 runs; 2 already done, 4 run now "
        "in 12.3 s (1 of them failed; 3 failed in all)")


def test_indices_summary():
    cols = ["output", "method", "parameter", "index", "value", "ci95_low", "ci95_high",
            "rep_low", "rep_high"]
    t = pd.DataFrame([
        ("util", "oat", "cranes", "swing", -0.139, -0.152, -0.126, -0.14, -0.138),
        ("util", "oat", "cranes", "elasticity", -1.333, NAN, NAN, NAN, NAN),
        ("util", "oat", "(all)", "noise_share", 0.01, NAN, NAN, NAN, NAN),
        ("boxes", "oat", "cranes", "swing", 6040.0, NAN, NAN, 6040.0, 6040.0),
    ], columns=cols)
    assert indices_summary(t, "oat", {"util": 0.01, "boxes": NAN}).splitlines() == [
        "util (oat; replication noise 1.0% of the variance of the point means)",
        "  cranes                             swing           -0.139 [-0.152, -0.126]  "
        "(one replication: -0.14..-0.138)",
        "  cranes                             elasticity       -1.33",
        "boxes (oat; replication noise n/a of the variance of the point means)",
        "  cranes                             swing            6,040  "
        "(one replication: 6,040..6,040)",
    ]
    assert indices_summary(t.iloc[:0], "oat", {}) == ""
