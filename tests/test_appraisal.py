"""``corridor appraise`` on synthetic result folders worked by hand: which KPI feeds
which benefit, the years after the horizon, common random numbers (the paired interval
narrower than the unpaired one), the appraisal folder with its figures and report, and
every bad costs file pinned to its one-line error."""

import json
import math
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.measure.stats import t_interval
from sim.plots.appraisal import npv_distribution, waterfall
from sim.plots.kinds import read_folder, save_figure_set
from sim.report import write_report
from sim.scenario.problems import ConfigError
from sim.study.appraisal.appraise import appraise, switching_value
from sim.study.appraisal.folder import summary_rows, switching_text
from sim.study.appraisal.schema import load_costs

COSTS = """
[appraisal]
price_year = 2024
base_year = 2025
first_year = 2025
period_years = {period}
beyond_horizon = "{beyond}"

[appraisal.discount]
rate = {rate}
source = "test"

[value_of_time]
usd_per_teu_day = 100
source = "test"

[carbon]
usd_per_t = 60
source = "test"

[margin]
usd_per_teu = 50
corridors = ["mc"]
source = "test"

[[items]]
name = "quay"
year = 2025
capex_usd = 1.0e6
source = "test"
"""


def costs_file(tmp_path, period=1, rate=0.0, beyond="hold_last", extra=""):
    p = tmp_path / "costs.toml"
    p.write_text(COSTS.format(period=period, rate=rate, beyond=beyond) + extra,
                 encoding="utf-8")
    return p


def run_folder(path, name, kpis, n, years=(2025,), end=None):
    """A run folder with ``kpis``: {(name, scope): per-year list of per-replication
    values}, simulated over ``years`` (or to ``end``, a date); routes r_mc (corridor mc)
    and r_north (corridor north)."""
    path.mkdir(parents=True)
    man = {"kind": "run", "bundle_format": 1, "scenario": name, "seed": 1,
           "replications": n, "horizon": {"start": f"{min(years)}-01-01",
                                          "end": end or f"{max(years) + 1}-01-01",
                                          "warmup_days": 0},
           "config": {"routes": {"r_mc": {"corridor": "mc"},
                                 "r_north": {"corridor": "north"}}}}
    recs = []
    for (kpi, scope), by_year in kpis.items():
        for y, values in zip(years, by_year):
            recs.append({"name": kpi, "period": str(y), "scope": scope, "unit": "",
                         "mean": float(np.mean(values)), "ci95": None,
                         "values": [float(v) for v in values]})
    (path / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    (path / "kpis.json").write_text(json.dumps(recs), encoding="utf-8")
    return path


def kpis(teu_mc, t_mc, usd_mc, co2, teu_north=(5000,), t_north=(20,), usd_north=(3000,),
         n=2):
    """The KPIs of one year, the same in each of ``n`` replications unless given per
    replication."""
    def rep(v):
        return [list(v) if len(v) == n else [v[0]] * n]
    return {("teu_by_route", "r_mc"): rep(teu_mc), ("teu_by_route", "r_north"): rep(teu_north),
            ("transit_time_days_mean", "mc"): rep(t_mc),
            ("transit_time_days_mean", "north"): rep(t_north),
            ("cost_usd_per_feu_mean", "mc"): rep(usd_mc),
            ("cost_usd_per_feu_mean", "north"): rep(usd_north),
            ("co2e_t_total", "all"): rep(co2)}


@pytest.fixture
def pair(tmp_path):
    cf = run_folder(tmp_path / "cf", "base", kpis((1000,), (30,), (4000,), (500,)), 2)
    p = run_folder(tmp_path / "p", "project", kpis((1200,), (25,), (3800,), (450,)), 2)
    return p, cf


def test_benefits_by_hand(tmp_path, pair):
    # mc: 1/2 (1,000 + 1,200) = 1,100 TEU x (30 - 25) days = 5,500 TEU-days x 100 USD =
    #     550,000; shippers: 1,100 TEU x (4,000 - 3,800) / 2 USD/TEU = 110,000
    # north: unchanged, nothing; CO2e: (500 - 450) t x 60 = 3,000
    # margin: (1,200 - 1,000) TEU on mc x 50 = 10,000 (north is not a margin corridor)
    # one year at 0 %: NPV = 673,000 - 1,000,000 = -327,000; BCR 0.673
    p, cf = pair
    r = appraise(p, cf, costs_file(tmp_path))
    row = r.per_replication.iloc[0]
    assert row["pv_time_usd"] == pytest.approx(550_000)
    assert row["pv_shipper_cost_usd"] == pytest.approx(110_000)
    assert row["pv_co2e_usd"] == pytest.approx(3_000)
    assert row["pv_margin_usd"] == pytest.approx(10_000)
    assert row["npv_usd"] == pytest.approx(-327_000)
    assert row["bcr"] == pytest.approx(0.673)
    assert row["annual_benefits_usd"] == pytest.approx(673_000)
    assert r.quantities["box_days_saved"][0, 0] == pytest.approx(5_500)
    assert r.summary()["p_npv_positive"] == 0.0


def test_the_value_of_time_that_decides_by_hand(tmp_path, pair):
    # the economist's review: the appraisal valued a TEU-day at 179 USD, the model's
    # shippers choose by 25, and the Kuryk terminal's NPV turns on it. By hand (the pair
    # above, VoT 100): without the time benefit the NPV is -327,000 - 550,000 = -877,000,
    # and 5,500 TEU-days are saved: the mean NPV is zero at 877,000 / 5,500 = 159.45 USD
    # per TEU-day; at the shippers' 25 it is -877,000 + 25 x 5,500 = -739,500
    p, cf = pair
    for folder in (p, cf):
        man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        man["config"]["route_choice"] = {"value_of_time_usd_per_teu_day": 25.0}
        (folder / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    r = appraise(p, cf, costs_file(tmp_path))
    s = r.summary()
    assert s["switching_value_of_time"]["mean"] == pytest.approx(877_000 / 5_500)
    assert s["switching_value_of_time"]["ci95"] == pytest.approx([877_000 / 5_500] * 2)
    assert s["npv_at_model_value_of_time_usd"]["mean"] == pytest.approx(-739_500)
    assert s["model_values_of_time_usd_per_teu_day"] == {"scenario": 25.0,
                                                         "counterfactual": 25.0}
    assert not r.warnings and not any("route_choice" in n for n in r.notes)
    rows = dict(summary_rows(r))
    assert rows["value of time at which the mean NPV is zero, USD per TEU-day"] == (
        "159 [159, 159] (the appraisal's: 100)")
    assert rows["NPV at the model shippers' value of time (25 USD per TEU-day), USD"] == (
        "-0.7m [-0.7m, -0.7m]")


def set_value_of_time(folder, value):
    """A run folder's resolved route_choice.value_of_time_usd_per_teu_day (None: unset)."""
    man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if value is not None:
        man["config"]["route_choice"] = {"value_of_time_usd_per_teu_day": value}
    (folder / "manifest.json").write_text(json.dumps(man), encoding="utf-8")


@pytest.mark.parametrize("cf_value,cf_text", [(40.0, "40 USD per TEU-day"),
                                              (None, "not set")])
def test_no_npv_at_the_model_value_of_time_when_the_two_folders_differ(
        tmp_path, pair, capsys, cf_value, cf_text):
    """The row read the scenario's value alone: with the counterfactual's shippers
    choosing by another (or none), it named one value as both's. Do-something and
    do-minimum must share their behavioural values, so the row is refused, both values
    named, and the pair warned of."""
    p, cf = pair
    set_value_of_time(p, 25.0)
    set_value_of_time(cf, cf_value)
    costs = costs_file(tmp_path)
    r = appraise(p, cf, costs)
    assert "npv_at_model_value_of_time_usd" not in r.per_replication
    assert r.facts["model_value_of_time_usd_per_teu_day"] is None
    why = (f"25 USD per TEU-day in the scenario, {cf_text} in the counterfactual: their "
           "shippers choose routes by different values of time, so part of what is "
           "appraised is that difference, not the project; the NPV at the model shippers' "
           "value of time is not given (run both with the same value)")
    row = ("NPV at the model shippers' value of time, USD", f"– (25 USD per TEU-day in the "
           f"scenario, {cf_text} in the counterfactual: no one value; see the warning)")
    assert row in summary_rows(r)
    assert main(["appraise", str(p), str(cf), "--costs", str(costs), "--out",
                 str(tmp_path / "a")]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"warning: {p / 'manifest.json'}: config.route_choice."
                                f"value_of_time_usd_per_teu_day: {why}"]
    assert any(line.strip().startswith(row[0]) and line.endswith(f"  {row[1]}")
               for line in out.splitlines())
    assert "WARNING" not in out
    s = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    assert s["model_values_of_time_usd_per_teu_day"] == {"scenario": 25.0,
                                                         "counterfactual": cf_value}
    assert "npv_at_model_value_of_time_usd" not in s
    report = (tmp_path / "a" / "report.md").read_text(encoding="utf-8")
    assert f"| {row[0]} | {row[1]} |" in report
    assert f"- WARNING: route_choice.value_of_time_usd_per_teu_day: {why}" in report


def test_the_switching_value_interval_is_where_the_npv_interval_holds_zero():
    """Fieller's set, against the t-interval of the mean NPV at its ends: zero sits on
    one edge of it at each end, inside it between them and outside beyond."""
    rng = np.random.default_rng(7)
    box_days = rng.normal(5_000, 1_500, 10)
    rest = -400_000 + 30 * (box_days - 5_000) + rng.normal(0, 150_000, 10)
    sw = switching_value(rest, box_days)
    lo, hi = sw["ci95"]
    assert sw["bounded"] and lo < sw["mean"] < hi
    assert sw["mean"] == pytest.approx(-rest.mean() / box_days.mean())
    for v, edge in ((lo, 2), (hi, 1)):  # at lo the interval's top is 0, at hi its bottom
        assert t_interval(rest + v * box_days)[edge] == pytest.approx(0, abs=1e-6)
    for v, inside in ((lo - 5, False), ((lo + hi) / 2, True), (hi + 5, False)):
        _m, a, b, _n = t_interval(rest + v * box_days)
        assert (a <= 0 <= b) == inside
    flat = switching_value(rest, rng.normal(0, 1_000, 10))  # no clear time saved
    assert flat["ci95"] is None and not flat["bounded"]


def _holds_zero(rest, box_days, v) -> bool:
    _m, lo, hi, _n = t_interval(rest + v * box_days)
    return lo <= 0 <= hi


def test_the_switching_value_where_time_is_lost_or_its_set_is_two_rays():
    """The edge cases of Fieller's set. Time lost on the mean (the terminal against the
    Black Sea relief): the NPV is zero at -a/b all the same, and above zero only below it
    when that is positive; it printed '- (no time saved on the mean)'. A set unbounded
    because the time saved is unclear is every value outside an interval (qa < 0), whose
    ends it printed not; with one replication there is no set, and it printed
    'unbounded: the time saved is not clearly above zero'."""
    rng = np.random.default_rng(11)
    lost = -rng.normal(5_000, 1_000, 10)        # TEU-days lost, clearly
    rest = 400_000 + rng.normal(0, 100_000, 10)
    sw = switching_value(rest, lost)
    assert sw["time"] == "lost" and sw["bounded"]
    assert sw["mean"] == pytest.approx(-rest.mean() / lost.mean()) and sw["mean"] > 0
    lo, hi = sw["ci95"]
    for v, inside in ((lo - 1, False), (lo + 1, True), (hi - 1, True), (hi + 1, False)):
        assert _holds_zero(rest, lost, v) == inside
    assert switching_text(sw, 179) == (
        f"{sw['mean']:,.0f} [{lo:,.0f}, {hi:,.0f}] (time is lost on the mean: the mean NPV "
        "is above zero only below this value; the appraisal's: 179)")
    below = switching_value(rest - 800_000, lost)   # a < 0, time lost: never pays
    assert below["mean"] < 0 and "below zero at any value of time" in switching_text(
        below, 179)
    # unclear time saved: the set is two rays, every value outside (lo, hi)
    unclear = np.array([2_500.0, -1_500, 1_200, -600])
    rest = np.array([-80_000.0, -130_000, -90_000, -110_000])
    sw = switching_value(rest, unclear)
    assert sw["ci95"] is None and not sw["bounded"] and sw["time"] == "saved"
    lo, hi = sw["outside"]
    assert lo < hi and not lo < sw["mean"] < hi
    for v, holds in ((lo - 1, True), (lo + 1, False), (hi - 1, False), (hi + 1, True),
                     (hi + 1e6, True)):
        assert _holds_zero(rest, unclear, v) == holds
    assert switching_text(sw, 179) == (
        f"{sw['mean']:,.0f} [unbounded: any value outside {lo:,.0f} to {hi:,.0f}; the time "
        "saved is not clearly above zero] (the appraisal's: 179)")
    one = switching_value(rest[:1], unclear[:1])
    assert one["ci95"] is None and one["outside"] is None
    assert switching_text(one, 179) == f"{one['mean']:,.0f} (the appraisal's: 179)"
    nan = switching_value(np.array([1.0, math.nan, 2.0]), np.array([3.0, 4.0, 5.0]))
    assert nan["mean"] is None and nan["ci95"] is None and nan["outside"] is None
    # time saved and the NPV above zero without it: it pays at any value of time
    paying = switching_value(np.full(3, 1e6) + [0, 1, 2], np.array([10.0, 11, 12]))
    assert paying["mean"] < 0 and switching_text(paying, 25).endswith(
        "(the mean NPV is above zero at any value of time; the appraisal's: 25)")


def test_a_year_simulated_in_part_counts_no_benefit(tmp_path):
    # two months of 2025 labelled "2025" (a run without --horizon): not a year of
    # benefits, and never held for the years after (before, it counted as the whole year)
    cf = run_folder(tmp_path / "cf", "base", kpis((1000,), (30,), (4000,), (500,)), 2,
                    end="2025-03-01")
    p = run_folder(tmp_path / "p", "project", kpis((1200,), (25,), (3800,), (450,)), 2,
                   end="2025-03-01")
    with pytest.raises(ConfigError, match=rf"\Aerror: {re.escape(str(p))}: no simulated year "
                       r"in common with the counterfactual\Z"):
        appraise(p, cf, costs_file(tmp_path, period=3))


def test_years_after_the_horizon_held_or_not(tmp_path, pair):
    # 3 years at 10 %: the one simulated year (673,000) held in 2026 and 2027:
    # 673,000 x (1 + 1/1.1 + 1/1.21) = 673,000 x 2.735537 = 1,841,017; less 1,000,000
    p, cf = pair
    held = appraise(p, cf, costs_file(tmp_path, period=3, rate=0.1))
    assert held.per_replication["npv_usd"][0] == pytest.approx(841_016.5, abs=1)
    # the benefits' PV as a constant yearly sum over the 3 years: 673,000 itself (each
    # year brings it), which a yearly cost may take before the NPV is negative
    assert held.per_replication["annual_benefits_usd"][0] == pytest.approx(673_000)
    none = appraise(p, cf, costs_file(tmp_path, period=3, rate=0.1, beyond="none"))
    assert none.per_replication["npv_usd"][0] == pytest.approx(-327_000)
    # benefits in 2025 only: 673,000 / 2.735537 = 246,022 a year over the three
    assert none.per_replication["annual_benefits_usd"][0] == pytest.approx(246_022, abs=1)
    # EIRR of -327,000 then... (-1,000,000 + 673,000, 673,000, 673,000): positive root
    rate = held.per_replication["eirr"][0]
    flows = np.array([673_000 - 1_000_000, 673_000, 673_000])
    assert np.sum(flows / (1 + rate) ** np.arange(3)) == pytest.approx(0, abs=1e-3)
    assert math.isnan(none.per_replication["eirr"][0])   # one negative flow: no rate


def test_crn_interval_narrower_than_unpaired(tmp_path):
    # the replications share a large common noise (the weather, the demand drawn): the
    # transit times move together in both scenarios, and the project saves 5 days +- a
    # little; paired NPVs differ little, cross pairs (independent streams) a lot
    rng = np.random.default_rng(3)
    n = 8
    common = rng.normal(0, 6, n)
    t_cf = 30 + common
    t_p = 25 + common + rng.normal(0, 0.5, n)
    cf = run_folder(tmp_path / "cf", "base", kpis((1000,), t_cf, (4000,), (500,), n=n), n)
    p = run_folder(tmp_path / "p", "project", kpis((1000,), t_p, (4000,), (500,), n=n), n)
    s = appraise(p, cf, costs_file(tmp_path)).summary()
    paired = s["npv_usd"]["ci95_half_width"]
    unpaired = s["npv_usd"]["unpaired_ci95_half_width"]
    assert paired < unpaired / 5
    # the paired mean: 1,000 TEU x mean saving x 100 USD - 1,000,000
    assert s["npv_usd"]["mean"] == pytest.approx(1000 * np.mean(t_cf - t_p) * 100 - 1e6)


def test_cli_writes_the_folder_plot_and_report(tmp_path, pair, capsys):
    p, cf = pair
    out = tmp_path / "appraisal"
    assert main(["appraise", str(p), str(cf), "--costs", str(costs_file(tmp_path)),
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "NPV, USD" in text and "P(NPV > 0)" in text and f"wrote {out}/" in text
    for name in ("manifest.json", "cashflows.csv", "replications.csv", "quantities.csv",
                 "summary.json", "summary.csv", "report.md"):
        assert (out / name).is_file()
    assert json.loads((out / "manifest.json").read_text())["kind"] == "appraisal"
    # again into the same folder: an appraisal folder is replaced
    assert main(["appraise", str(p), str(cf), "--costs", str(costs_file(tmp_path)),
                 "--out", str(out), "--quiet"]) == 0
    folder = read_folder(out)
    written = save_figure_set(folder, out / "figures")
    assert {f.name for f in written} == {"npv_distribution.png",
                                         "cost_benefit_waterfall.png"}
    html = write_report(folder, out / "report.html").read_text(encoding="utf-8")
    assert "Appraisal: project against base" in html and "npv_distribution" in html
    assert main(["plot", str(out)]) == 0
    assert main(["report", str(out)]) == 0


def test_cli_refuses_folders_of_another_seed(tmp_path, pair, capsys):
    p, cf = pair
    man = json.loads((cf / "manifest.json").read_text())
    man["seed"] = 2
    (cf / "manifest.json").write_text(json.dumps(man))
    assert main(["appraise", str(p), str(cf), "--costs", str(costs_file(tmp_path)),
                 "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "seed: 1 differs from the counterfactual's 2" in err[0]


def test_cli_refuses_folders_of_other_posterior_draws(tmp_path, pair, capsys):
    p, cf = pair
    man = json.loads((p / "manifest.json").read_text())
    man["posterior"] = {"draws": [{"x": 1.0}], "replications_per_draw": 2}
    (p / "manifest.json").write_text(json.dumps(man))
    assert main(["appraise", str(p), str(cf), "--costs", str(costs_file(tmp_path)),
                 "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "posterior: the folders ran different posterior draws" in err[0]


def test_missing_cost_kpis_named(tmp_path, capsys):
    k = kpis((1000,), (30,), (4000,), (500,))
    del k[("cost_usd_per_feu_mean", "mc")], k[("cost_usd_per_feu_mean", "north")]
    cf = run_folder(tmp_path / "cf", "base", k, 2)
    p = run_folder(tmp_path / "p", "project", k, 2)
    with pytest.raises(ConfigError, match=r"cost_usd_per_feu_mean: no rows \(the scenario "
                       r"has no \[costs\] table\): the benefit 'shipper_cost' needs them; set "
                       r"benefits.shipper_cost = false"):
        appraise(p, cf, costs_file(tmp_path))
    # switched off, it appraises
    appraise(p, cf, costs_file(tmp_path, extra="\n[benefits]\nshipper_cost = false\n"))


def test_time_saved_read_by_departure(tmp_path):
    # the same folders with the boxes that left in the year read apart: mc 32 days in the
    # counterfactual and 26 in the project by departure (30 and 25 by delivery):
    # 1,100 TEU x 6 days x 100 USD = 660,000 (550,000 by delivery)
    def with_km(t_mc):
        k = kpis((1000,), (30,), (4000,), (500,))
        k[("transit_time_days_km", "mc")] = [[t_mc] * 2]
        k[("transit_time_days_km", "north")] = [[20] * 2]
        return k
    cf = run_folder(tmp_path / "cf", "base", with_km(32), 2)
    p_k = with_km(26)
    for name, v in (("teu_by_route", 1200), ("transit_time_days_mean", 25)):
        p_k[(name, "r_mc" if name == "teu_by_route" else "mc")] = [[v] * 2]
    p = run_folder(tmp_path / "p", "project", p_k, 2)
    extra = '\n[benefits]\ntransit = "departed"\n'
    dep = appraise(p, cf, costs_file(tmp_path, extra=extra))
    assert dep.per_replication["pv_time_usd"][0] == pytest.approx(660_000)
    dlv = appraise(p, cf, costs_file(tmp_path))
    assert dlv.per_replication["pv_time_usd"][0] == pytest.approx(550_000)


def test_time_saved_by_departure_needs_the_kpi(tmp_path, pair):
    p, cf = pair  # folders without transit_time_days_km
    with pytest.raises(ConfigError, match=r"transit_time_days_km: no rows: the benefit "
                       r"'time' needs them; set benefits.time = false"):
        appraise(p, cf, costs_file(tmp_path, extra='\n[benefits]\ntransit = "departed"\n'))


@pytest.mark.parametrize("old, new, message", [
    ("usd_per_teu_day = 100", "usd_per_teu_dy = 100",
     r"costs.toml: value_of_time.usd_per_teu_dy: unknown key \(did you mean "
     r"'usd_per_teu_day'\?\)"),
    ("rate = 0.0", "rate = -0.05",
     r"costs.toml: appraisal.discount.rate: must be >= 0 \(got -0.05\)$"),
    ("\nyear = 2025", "\nyear = 2019",
     r"costs.toml: items\[0\].year: 2019 is outside the appraisal period 2025-2025 "
     r"\(move the item or the period\)$"),
    ('capex_usd = 1.0e6\nsource = "test"', "capex_usd = 1.0e6",
     r"costs.toml: items\[0\].source: required field is missing$"),
    ("rate = 0.0", 'rate = "5%"',
     r"costs.toml: appraisal.discount.rate: expected a number \(got '5%'\); write e.g. "
     r"rate = 0.05$"),
    ('corridors = ["mc"]', 'corridors = "mc"',
     r"costs.toml: margin.corridors: expected an array \(got 'mc'\); write e.g. "
     r'corridors = \["middle_corridor"\]$'),
    ('beyond_horizon = "hold_last"', 'beyond_horizon = "hold_lst"',
     r"costs.toml: appraisal.beyond_horizon: 'hold_lst' is not allowed \(did you mean "
     r"'hold_last'\?\)$"),
    ("rate = 0.0\n", "rate = 10\n",
     r"costs.toml: appraisal.discount.rate: is a fraction a year: 0.1 for 10 % \(got "
     r"10\)$"),
    ('[margin]', '[benefits]\ntransit = "departure"\n\n[margin]',
     r"costs.toml: benefits.transit: 'departure' is not allowed \(did you mean "
     r"'departed'\?\)$"),
])
def test_bad_costs_file_one_line(tmp_path, old, new, message):
    p = costs_file(tmp_path)
    text = p.read_text()
    assert old in text
    p.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigError, match=message.rstrip("$")) as e:
        load_costs(p)
    # one line, the problem's own (a misspelt key also leaves the right one missing)
    assert len(e.value.problems) == (2 if "unknown key" in message else 1)
    assert all("\n" not in pr.line() for pr in e.value.problems)


def test_margin_corridor_unknown(tmp_path, pair):
    p, cf = pair
    c = costs_file(tmp_path)
    c.write_text(c.read_text().replace('corridors = ["mc"]', 'corridors = ["mcc"]'))
    with pytest.raises(ConfigError, match=r"margin.corridors\[0\]: 'mcc' is no corridor of "
                       r"the scenarios \(did you mean 'mc'\?\)"):
        appraise(p, cf, c)


def test_the_kuryk_costs_file_is_valid():
    costs, _ = load_costs("scenarios/appraisal/kuryk_terminal.toml")
    assert costs.appraisal.years[0] == 2025 and len(costs.items) == 2  # (no ships: moved)


@pytest.mark.parametrize("path", ["scenarios/appraisal/kuryk_terminal.toml",
                                  "scenarios/appraisal/batumi_relief.toml"])
def test_the_sea_co2e_is_a_whole_voyage_as_the_rail_is(path):
    # the model's rail CO2e is well to wheel over the whole trip (~1,800 kg per TEU on the
    # Northern route), so the sea's must be too: GLEC's published container lanes, 80.4
    # to 89.4 g CO2e/TEU-km (corridor-facts-economics §4), over Shanghai -> Rotterdam,
    # 10,600 nm via Suez or 13,800 via the Cape (§2). UTLC's 318.9 kg/TEU (16 g/TEU-km)
    # is not on that basis (docs/sources-economics.md §1a)
    costs, _ = load_costs(path)
    kg = costs.carbon.sea_kg_per_teu
    assert kg is not None
    per_km = [kg * 1000 / (nm * 1.852) for nm in (10_600, 13_800)]
    assert any(80.4 <= g <= 89.4 for g in per_km), per_km


def test_the_black_sea_relief_costs_file_compares_with_the_kuryk_one():
    relief, _ = load_costs("scenarios/appraisal/batumi_relief.toml")
    kuryk, _ = load_costs("scenarios/appraisal/kuryk_terminal.toml")
    for part in ("appraisal", "value_of_time", "carbon", "margin", "benefits"):
        assert getattr(relief, part) == getattr(kuryk, part), part
    ship, = relief.items
    assert ship.capex_usd == 0 and ship.opex_first == 2025


def test_crn_narrows_the_interval_on_model_runs(tmp_path):
    # the toy sea corridor with costs, and the same with customs at the east port 10 h
    # instead of 12 h on average (6 replications each, same seed): the customs saving
    # is worth ~2 h x the boxes; the paired interval is far narrower than the unpaired
    from sim.io.bundle import write_bundle
    from sim.scenario.loading import load_scenario
    from sim.study.replications import run

    from .conftest import HERE
    toy = HERE / "scenarios" / "toy_costs.toml"
    year = {"horizon.start": "2024-01-01", "horizon.end": "2025-01-01"}  # a whole year
    base = load_scenario(toy, overrides={**year, "services.ferry.fleet": 5})
    other = load_scenario(toy, overrides={
        **year, "services.ferry.fleet": 5,
        "nodes.east.port.customs_dwell_h": {"dist": "lognormal", "mean": 10, "cv": 0.5}})
    write_bundle(run(base, replications=6, keep_containers=False), tmp_path / "b")
    write_bundle(run(other, replications=6, keep_containers=False), tmp_path / "o")
    c = costs_file(tmp_path, period=10, rate=0.05)
    c.write_text(c.read_text().replace('["mc"]', '["middle_corridor"]')
                 .replace("base_year = 2025\nfirst_year = 2025",
                          "base_year = 2024\nfirst_year = 2024")
                 .replace("year = 2025\ncapex", "year = 2024\ncapex"))
    r = appraise(tmp_path / "o", tmp_path / "b", c)
    s = r.summary()
    assert r.simulated == [2024]
    assert s["pv_time_usd"]["ci95"][0] > 0                      # the time saved shows
    assert s["npv_usd"]["ci95_half_width"] < s["npv_usd"]["unpaired_ci95_half_width"] / 5


def test_help_shows_examples(capsys):
    with pytest.raises(SystemExit) as e:
        main(["appraise", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "corridor appraise results/kuryk_terminal" in out
    # --costs is required: a usage error in one line
    with pytest.raises(SystemExit) as e:
        main(["appraise", "a", "b"])
    assert e.value.code == 2
    assert "--costs" in capsys.readouterr().err


def test_runs_before_the_appraisal_period_are_warned_of(tmp_path, capsys):
    """Runs of 2024 appraised over 2025-2027: no simulated year in the period, so every
    benefit is 2024's held; said as a warning on stderr (a new user's 2023-24 runs gave an
    NPV from nothing but held benefits and a note), and the discounting convention is in
    the headline."""
    cf = run_folder(tmp_path / "cf", "base", kpis((1000,), (30,), (4000,), (500,)), 2,
                    years=(2024,))
    p = run_folder(tmp_path / "p", "project", kpis((1200,), (25,), (3800,), (450,)), 2,
                   years=(2024,))
    costs = costs_file(tmp_path, period=3, rate=0.1)
    assert main(["appraise", str(p), str(cf), "--costs", str(costs), "--out",
                 str(tmp_path / "a")]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"warning: {costs}: appraisal.first_year: no simulated year (2024-2024) falls in the "
        "appraisal period 2025-2027: every benefit is the last simulated year's, held (run "
        "the scenarios over the period, or set the period to them)"]
    assert "WARNING" not in out
    assert "discounted at 10.0% to 2025 (a year's flows times (1 + r)^-(year - 2025))" in out
    assert "2025's count in full" in (tmp_path / "a" / "report.md").read_text()


def test_runs_in_the_period_give_no_warning(tmp_path, pair, capsys):
    p, cf = pair
    assert main(["appraise", str(p), str(cf), "--costs", str(costs_file(tmp_path, period=3)),
                 "--out", str(tmp_path / "a"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("rates, median, between, above", [
    ([math.nan, 0.05, 0.2, math.inf, math.inf], 0.2, [0.2, 0.2], 3),
    ([math.nan, math.nan, math.inf, math.inf], None, ["-inf", "inf"], 2),
    ([0.05, 0.15], 0.10, [0.05, 0.15], 1),
    ([math.nan, math.inf, math.inf], "inf", ["inf", "inf"], 2),
])
def test_the_eirr_median_counts_every_replication(tmp_path, rates, median, between, above):
    """Never repays ranks lowest, repays at once highest: the median is over every
    replication, not over those with a rate (a banker's complaint: 16 % 'over the 4 with
    a rate' of 10), and the count above the discount rate (10 %) counts both edges."""
    n = len(rates)
    cf = run_folder(tmp_path / "cf", "base", kpis((1000,), (30,), (4000,), (500,), n=n), n)
    p = run_folder(tmp_path / "p", "project", kpis((1200,), (25,), (3800,), (450,), n=n), n)
    r = appraise(p, cf, costs_file(tmp_path, period=3, rate=0.1))
    r.per_replication["eirr"] = rates
    e = r.summary()["eirr"]
    assert e["median"] == (pytest.approx(median) if isinstance(median, float) else median)
    assert e["median_between"] == [pytest.approx(b) if isinstance(b, float) else b
                                   for b in between]
    assert e["above_discount_rate"] == above
    row = dict(summary_rows(r))["EIRR, median of all replications"]
    assert row.endswith(f"; above the 10.0% discount rate in {above} of {n}")
    if median is None:
        assert row.startswith("between none (never repays) and over 1,000 %")
    mean = dict(summary_rows(r))["EIRR"]
    if all(math.isfinite(x) for x in rates):   # a mean only over every replication
        assert mean.startswith("10.0% [")
    else:
        assert re.fullmatch(r"no mean: (\d never repays?, )?\d repay at once \(over "
                            r"1,000 %\) \(the median below counts them\)", mean), mean


def test_the_figures_leave_room_for_their_labels_and_count_whole_replications():
    ax = waterfall(pd.Series({"time": 125.5e6, "capex": -96e6}))
    lo, hi = ax.get_ylim()
    assert lo == 0 and hi >= 125.5 + 0.1 * 125.5 - 1e-9  # the +125.5 label above its bar
    ax2 = npv_distribution(np.array([-6e6, 4e6, 12e6, 110e6]))
    ticks = [t for t in ax2.get_yticks() if ax2.get_ylim()[0] <= t <= ax2.get_ylim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)
    plt.close("all")
