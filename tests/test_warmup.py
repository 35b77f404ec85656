"""The doubling test of a warm-up (``corridor warmup``, sim.study.warmup): Welch's
interval by hand, the Bonferroni widening, a warm-up too short for the toy's transit
caught and a long enough one passed, and bad settings refused one line each."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli import main
from sim.cli.tables import warmup_summary
from sim.measure.stats import welch_half_width
from sim.scenario.loading import load_scenario
from sim.study.replications import run
from sim.study.warmup import COLUMNS, WarmupCheck, _compared, check_warmup, default_days

from .conftest import TOY


def test_welch_half_width_against_scipy():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0, 8.0])
    # by hand: variances of the means 1/3 and 5/3, Welch-Satterthwaite dof 4 / (1/18 +
    # 25/27) = 4.0755
    dof = 4.0 / ((1 / 3) ** 2 / 2 + (5 / 3) ** 2 / 3)
    assert dof == pytest.approx(4.0755, abs=1e-4)
    want = stats.t.ppf(0.975, dof) * math.sqrt(2.0)
    assert welch_half_width(a, b, 0.95) == pytest.approx(want, rel=1e-9)
    assert welch_half_width(a, a[:1]) != welch_half_width(a, a[:1])  # NaN: one value
    assert welch_half_width(np.ones(3), np.ones(5)) == 0.0


def _kpis(rows):
    return pd.DataFrame([{"name": n, "scope": s, "period": "2024 Jan", "values": v}
                         for n, s, v in rows])


def test_the_intervals_are_widened_for_the_number_of_kpis():
    """Two KPIs: each interval at 1 - 0.05 / 2; the one whose interval excludes zero is
    flagged, the other not."""
    w = {"containers_created": [100.0, 102.0, 98.0, 101.0],
         "containers_delivered": [50.0, 55.0, 45.0, 52.0]}
    ref = {"containers_created": [110.0, 111.0, 109.0, 112.0],
           "containers_delivered": [51.0, 56.0, 46.0, 50.0]}
    rows = _compared(10, _kpis([(n, "all", v) for n, v in w.items()]),
                     _kpis([(n, "all", v) for n, v in ref.items()]))
    assert [r[1] for r in rows] == ["containers_created", "containers_delivered"]
    for _w, name, _scope, _label, _period, _m, _rm, diff, low, high, _st, _differs in rows:
        a, b = np.array(w[name]), np.array(ref[name])
        half = welch_half_width(a, b, 1 - 0.05 / 2)
        assert half > welch_half_width(a, b, 0.95)
        d = a.mean() - b.mean()
        assert (diff, low, high) == pytest.approx((d, d - half, d + half))
    assert [r[-1] for r in rows] == [True, False]


def test_default_days():
    assert default_days(120) == [120, 240]
    assert default_days(0) == [0, 90]


def test_a_kpi_missing_with_a_warmup_differs_and_one_without_spread_is_untested():
    """No box of a route delivered in the window with the short warm-up: the KPI has no
    value there and counts as differing; deterministic counts that differ by a box with
    no spread cannot be judged; equal ones with no spread are the same."""
    w = [("containers_created", "all", [100.0, 100.0, 100.0]),
         ("containers_delivered", "all", [7.0, 7.0, 7.0])]
    ref = [("containers_created", "all", [101.0, 101.0, 101.0]),
           ("containers_delivered", "all", [7.0, 7.0, 7.0]),
           ("transit_time_days_mean", "middle_corridor", [44.0, 41.0, 47.0])]
    rows = {r[1]: r for r in _compared(0, _kpis(w), _kpis(ref))}
    assert [(n, r[10], r[11]) for n, r in rows.items()] == [
        ("containers_created", "untested", False), ("containers_delivered", "same", False),
        ("transit_time_days_mean", "missing", True)]
    table = pd.DataFrame(list(rows.values()), columns=COLUMNS)
    text = warmup_summary(table, "s", ("2024-01-01", "2024-02-01"), 90, 3, 1)
    assert "transit time, Middle Corridor (days)" in text and "no value*" in text
    assert ("  0 days: too short: 1 of 3 KPIs differ from 90 days (transit time, Middle "
            "Corridor (days) (no value))") in text
    assert "    not tested (fewer than 2 values, or no spread): boxes created" in text
    assert WarmupCheck(table, 90, (None, None), 3, 1).too_short() == {
        0: ["transit time, Middle Corridor (days)"]}


def test_each_warmup_runs_replications_of_its_own(monkeypatch):
    """Warm-up k takes replications k*R .. k*R+R-1: no two share random numbers, as
    Welch's interval for independent samples assumes."""
    import sim.study.warmup as wu
    seen = []
    real = wu.run

    def spy(s, **kw):
        seen.append((s.horizon.warmup_days, kw["first_replication"], kw["replications"]))
        return real(s, **kw)
    monkeypatch.setattr(wu, "run", spy)
    check_warmup(TOY, [30, 0, 15], window_days=10, replications=2)
    assert seen == [(0, 0, 2), (15, 2, 2), (30, 4, 2)]


def test_a_warmup_shorter_than_the_toys_transit_is_caught_and_a_longer_one_passes():
    """The toy's boxes take ~7 days from origin to destination: with no warm-up its
    first 30 days deliver ~1,000 fewer boxes than with 30 days; 15 days is enough."""
    short = check_warmup(TOY, [0, 30], window_days=30, replications=4)
    assert short.reference_days == 30 and short.too_short().keys() == {0}
    assert "boxes delivered" in short.too_short()[0]
    row = short.table[short.table["name"] == "containers_delivered"].iloc[0]
    assert -1300 < row["diff"] < -700 and row["diff_high"] < 0
    assert short.longest_transit is not None and 6 < short.longest_transit[0] < 8
    enough = check_warmup(TOY, [15, 30], window_days=30, replications=4)
    assert enough.too_short() == {}
    assert set(enough.table["warmup_days"]) == {15}


def test_corridor_warmup_prints_its_verdicts_and_writes_the_table(tmp_path, capsys):
    out = tmp_path / "deep" / "w.csv"
    assert main(["warmup", str(TOY), "--days", "0", "15", "30", "--window", "30",
                 "--replications", "4", "--quiet", "--workers", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert lines[0].startswith("toy: warm-up test over 2024-01-01 .. 2024-01-31")
    assert lines[3].split() == ["KPI", "0", "days", "15", "days"]
    assert any(x.startswith("  0 days: too short: 2 of 6 KPIs differ from 30 days") for x in lines)
    assert "  15 days: no KPI differs from 30 days beyond chance (6 KPIs)" in lines
    assert any(x.startswith("    but 0 days is shorter than the longest expected transit")
               for x in lines)
    assert not any(x.startswith("    but 15 days") for x in lines)
    t = pd.read_csv(out)
    assert set(t["warmup_days"]) == {0, 15} and t["differs"].sum() == 2
    assert f"wrote {out}" in text


def test_bad_settings_are_refused_one_line_each(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["warmup", str(TOY), "--days", "-5", "-5", "--window", "0",
                 "--replications", "1", "--out", str(blocker / "w.csv")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "error: <command line>: --days: needs at least two different warm-ups to compare "
        "(got [-5])",
        "error: <command line>: --days: warm-ups are days >= 0 (got -5)",
        "error: <command line>: --window: must be 1 to 366 days (got 0)",
        "error: <command line>: --replications: needs at least 2 to measure the spread "
        "(got 1)",
        f"error: {blocker / 'w.csv'}: --out: cannot be created: {blocker} is a file, not a "
        "folder"]
    assert blocker.read_text() == "x"  # untouched


def test_a_bad_scenario_is_refused_before_any_run(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{TOY}"\nname = "bad"\n[horizon]\nwarmup_dayz = 3\n')
    assert main(["warmup", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: horizon.warmup_dayz:")
    with pytest.raises(SystemExit, match="2"):
        main(["warmup", str(TOY), "--days"])


def test_the_window_stays_in_the_first_reported_year(tmp_path):
    late = tmp_path / "late.toml"
    late.write_text(f'extends = "{TOY}"\nname = "late"\n[horizon]\nstart = 2023-12-20\n'
                    'end = 2024-03-01\n')
    check = check_warmup(late, [15, 30], window_days=60, replications=2)
    assert check.window[1].isoformat() == "2024-01-01"
    assert set(check.table["period"]) == {"2023 Dec 20–31"}


@pytest.mark.parametrize("extra, line", [
    (["--seed", "-1"], "error: <command line>: --seed: must be >= 0 (got -1)"),
    (["--workers", "0"], "error: <command line>: --workers: must be >= 1 (got 0)"),
])
def test_a_bad_seed_or_worker_count_is_refused(extra, line, capsys):
    assert main(["warmup", str(TOY), *extra]) == 2
    assert capsys.readouterr().err.splitlines() == [line]


def test_an_out_that_is_a_folder_is_refused_before_any_run(tmp_path, capsys):
    assert main(["warmup", str(TOY), "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: {tmp_path}: --out: is a folder (give a file name, e.g. "
        "results/warmup.csv)"]


def test_a_first_replication_gives_that_replications_numbers():
    s = load_scenario(TOY, overrides={"horizon.end": "2024-01-20"})
    three = run(s, replications=3, keep_containers=False).kpis
    third = run(s, replications=1, first_replication=2, keep_containers=False).kpis
    def transit(k):
        return k[(k["name"] == "transit_time_days_mean") & (k["period"] == "2024")
                 ]["values"].iloc[0]
    assert transit(three)[2] == transit(third)[0]
    assert transit(three)[0] != transit(third)[0]
