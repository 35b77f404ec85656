"""The experiment layer: confidence intervals that cover, common random numbers that make
paired comparisons sharp, and the comparison of two result folders."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from sim.cli import main
from sim.engine.model import Model
from sim.io.bundle import dumps, kpi_records, write_bundle
from sim.measure import kpis
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.study.compare import compare
from sim.study.replications import run, summarise, widest

from .conftest import HERE, TOY

TOY_SEA = HERE / "scenarios" / "toy_sea.toml"


@pytest.mark.slow
def test_confidence_intervals_cover_a_known_mean_about_95_percent_of_the_time():
    # 10 days of Poisson arrivals at 3,660 boxes a year, flat season: 100 boxes expected
    # in the reported days (the demand spreads each year's volume exactly). 400
    # experiments of 5 replications each: a 95 % t-interval covers 100 in 95 % of them
    # (binomial sd 1.1 points); a z-interval (too narrow for n = 5) would cover ~88 %.
    s = load_scenario(TOY, overrides={"horizon.start": "2024-01-01",
                                      "horizon.end": "2024-01-11", "horizon.warmup_days": 0,
                                      "demand.flows.west.containers_per_year": 3660})
    key = ("containers_created", "2024", "all")
    hits = 0
    for e in range(400):  # replications as run() makes them, summarised as run() does
        per_rep = [{key: kpis.compute(Model(s, 1000 + e, r).run())[key]} for r in range(5)]
        row = summarise(per_rep).iloc[0]
        hits += row.ci95_low <= 100 <= row.ci95_high
    assert 0.92 <= hits / 400 <= 0.98, hits


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The sea toy (five ferries) and a variant with customs at the east port 10 h instead
    of 12 h on average, 6 replications each, same seed; written as result folders."""
    d = tmp_path_factory.mktemp("cmp")
    base = load_scenario(TOY_SEA, overrides={"services.ferry.fleet": 5})
    other = load_scenario(TOY_SEA, overrides={
        "services.ferry.fleet": 5,
        "nodes.east.port.customs_dwell_h": {"dist": "lognormal", "mean": 10, "cv": 0.5}})
    write_bundle(run(base, replications=6, keep_containers=False), d / "base")
    write_bundle(run(other, replications=6, keep_containers=False), d / "other")
    return d


def test_paired_interval_is_much_narrower_than_unpaired(pair):
    table, facts = compare(pair / "base", pair / "other")
    assert facts["pairs"] == 6 and facts["seed"] == 7
    row = table[(table.name == "transit_time_days_mean") & (table.scope == "middle_corridor")
                & (table.period == "2024")].iloc[0]
    paired = (row.diff_ci95_high - row.diff_ci95_low) / 2
    assert row.diff_mean < 0  # faster customs, shorter transit
    # measured: paired half-width ~0.004 days against ~0.1 unpaired
    assert paired < 0.2 * row.unpaired_ci95_half_width, (paired, row.unpaired_ci95_half_width)
    # upstream of the change nothing differs: the same boxes cross the sea at the same
    # hours, so the paired difference is exactly zero
    sea = table[(table.name == "teu_by_service") & (table.scope == "ferry")]
    assert (sea.diff_mean == 0).all() and (sea.diff_ci95_high == 0).all()


def test_paired_difference_is_the_mean_of_per_replication_differences(pair):
    table, _ = compare(pair / "base", pair / "other")
    key = ("caspian_teu", "2024", "all")
    b = {tuple(r[k] for k in ("name", "period", "scope")): r["values"]
         for r in json.loads((pair / "base" / "kpis.json").read_text())}[key]
    o = {tuple(r[k] for k in ("name", "period", "scope")): r["values"]
         for r in json.loads((pair / "other" / "kpis.json").read_text())}[key]
    row = table[(table.name == key[0]) & (table.period == key[1]) & (table.scope == key[2])]
    assert row.diff_mean.iloc[0] == pytest.approx(np.mean(np.subtract(o, b)))
    assert row.rel_change.iloc[0] == pytest.approx(np.mean(np.subtract(o, b)) / np.mean(b))


def test_compare_command_writes_its_folder(pair, capsys):
    out = pair / "cmp"
    assert main(["compare", str(pair / "base"), str(pair / "other"), "--out", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "6 paired replication(s)" in shown and "transit time, Middle Corridor (days)" \
        in shown
    man = json.loads((out / "manifest.json").read_text())
    assert man["kind"] == "comparison" and man["pairs"] == 6
    recs = json.loads((out / "comparison.json").read_text())
    assert {"name", "period", "scope", "diff_mean", "diff_ci95", "rel_change"} <= set(recs[0])
    assert (out / "comparison.csv").read_text().startswith("name,period,scope,unit,")
    # run again: the comparison folder is replaced, not refused
    assert main(["compare", str(pair / "base"), str(pair / "other"), "--out", str(out),
                 "--quiet"]) == 0


def _edit(folder, name, fn):
    p = folder / name
    p.write_text(fn(p.read_text()))


@pytest.mark.parametrize("breaks, line", [
    (lambda d: _edit(d, "manifest.json", lambda t: t.replace('"seed": 7', '"seed": 8')),
     "{o}/manifest.json: seed: 8 differs from the base's 7; paired differences need the "
     "same seed (run both with --seed)"),
    (lambda d: _edit(d, "manifest.json", lambda t: t.replace('"end": "2024-03-01"',
                                                             '"end": "2024-04-01"')),
     "{o}/manifest.json: horizon: {{'start': '2024-01-01', 'end': '2024-04-01', "
     "'warmup_days': 10}} differs from the base's {{'start': '2024-01-01', 'end': "
     "'2024-03-01', 'warmup_days': 10}}; periods would not match"),
    (lambda d: (d / "kpis.json").unlink(),
     "{o}/kpis.json: missing (not a result folder written by 'corridor run')"),
    (lambda d: _edit(d, "kpis.json", lambda t: t[: len(t) // 2]),
     "{o}/kpis.json: not valid JSON"),
    (lambda d: _edit(d, "manifest.json", lambda t: t.replace('"kind": "run"',
                                                             '"kind": "sweep"')),
     "{o}/manifest.json: kind: 'sweep' is not a run folder (compare two folders written by "
     "'corridor run')"),
])
def test_bad_folders_are_refused_in_one_line(pair, tmp_path, capsys, breaks, line):
    import shutil
    other = tmp_path / "other"
    shutil.copytree(pair / "other", other)
    breaks(other)
    with pytest.raises(ConfigError) as e:
        compare(pair / "base", other)
    want = "error: " + line.format(o=other)
    assert str(e.value).startswith(want), str(e.value)
    assert len(e.value.problems) == 1
    assert main(["compare", str(pair / "base"), str(other), "--out",
                 str(tmp_path / "never")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(want) and err.count("\n") == 1
    assert not (tmp_path / "never").exists()


def test_compare_refuses_a_missing_folder(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "nope"), str(tmp_path), "--out",
                 str(tmp_path / "x")]) == 2
    assert re.fullmatch(r"error: .*nope: no such folder \(give a result folder "
                        r"written by 'corridor run'\)\n", capsys.readouterr().err)


def test_precision_adds_replications_until_the_half_width_is_small():
    s = load_scenario(TOY_SEA)
    res = run(s, precision=0.01, keep_containers=False)
    p = res.extra["precision"]
    assert p["reached"] and p["widest"]["relative_half_width"] <= 0.01
    assert res.replications == p["replications"] > 3
    # the same as asking for that many replications outright (replication r never
    # depends on how many run)
    same = run(s, replications=res.replications, keep_containers=False)
    assert dumps(kpi_records(same)) == dumps(kpi_records(res))
    # and it stops at the cap, saying so
    capped = run(s, precision=0.0001, max_replications=4, keep_containers=False)
    assert capped.replications == 4 and not capped.extra["precision"]["reached"]


def test_precision_watches_the_kpis_asked_for():
    """A KPI the default list does not watch (boxes created: Poisson, noisier than the
    transit time the toy's headline has) sets the replications when asked for, in the
    year asked for; it is the one that was widest."""
    s = load_scenario(TOY_SEA)
    asked = run(s, precision=0.01, keep_containers=False,
                watched=[("containers_created", "all", "2024")])
    p = asked.extra["precision"]
    assert p["reached"] and p["watched"] == [["containers_created", "all", "2024"]]
    assert p["widest"]["kpi"][0] == "containers_created"
    assert widest(asked.kpis, [("containers_created", "all", "2023")]) == (0.0, None)
    assert widest(asked.kpis, [("containers_created", "all")])[1][0] == "containers_created"


def test_a_kpi_asked_for_without_a_yearly_value_is_not_reached(tmp_path, capsys):
    """A KPI the run reports for the whole run only, or a scope without such boxes, has no
    interval to narrow: the precision is NOT reached and the summary names it (it read
    'reached' with nothing measured)."""
    assert main(["run", str(TOY_SEA), "--out", str(tmp_path / "r"), "--no-containers",
                 "--precision", "0.01", "--replications", "3", "--max-replications", "4",
                 "--precision-kpi", "background_offered", "--precision-kpi",
                 "containers_delivered@2024"]) == 0
    out = capsys.readouterr().out
    assert "  precision 1.0%: NOT reached after 3 replications" in out
    assert "    no yearly value to measure in this run: background_offered:all\n" in out
    man = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert man["precision"]["unmeasured"] == [["background_offered", "all"]]


@pytest.mark.parametrize("args, line", [
    (["--precision", "0"], "error: <command line>: --precision: must be a fraction of the "
     "mean, > 0 and < 1 (got 0; 0.02 is 2 %)"),
    (["--precision", "2"], "error: <command line>: --precision: must be a fraction of the "
     "mean, > 0 and < 1 (got 2; 0.02 is 2 %)"),
    (["--precision", "0.05", "--replications", "5", "--max-replications", "4"],
     "error: <command line>: --max-replications: must be >= 5 (the replications to start "
     "with; got 4)"),
    (["--precision-kpi", "containers_delivered"], "error: <command line>: --precision-kpi: "
     "needs --precision (the half-width to reach, e.g. 0.02)"),
    (["--precision", "0.05", "--precision-kpi", "containers_deliverd"],
     "error: <command line>: --precision-kpi[0]: unknown KPI 'containers_deliverd' (did you "
     "mean 'containers_delivered'?)"),
    (["--precision", "0.05", "--precision-kpi", "containers_delivered@2030"],
     "error: <command line>: --precision-kpi[0]: 2030 is outside the horizon (allowed: "
     "2024)"),
    (["--precision", "0.05", "--precision-kpi", "transit_time_days_mean:gaet"],
     "error: <command line>: --precision-kpi[0]: scope 'gaet' names nothing in the "
     "scenario (did you mean 'gate'?)"),
])
def test_precision_arguments_are_checked(tmp_path, capsys, args, line):
    assert main(["run", str(TOY_SEA), "--out", str(tmp_path / "r"), *args]) == 2
    assert capsys.readouterr().err == line + "\n"
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("breaks, line", [
    (lambda d: _edit(d, "manifest.json", lambda t: t.replace('"replications": 6',
                                                             '"replications": "6"')),
     "{o}/manifest.json: replications: must be a whole number >= 1 (got '6'); the folder is "
     "damaged"),
    (lambda d: _edit(d, "kpis.json", lambda t: "[]"),
     "{o}/kpis.json: no KPI records (a run folder's kpis.json lists them)"),
    (lambda d: _edit(d, "kpis.json", lambda t: json.dumps(
        [{**r, "values": r["values"][:2]} for r in json.loads(t)])),
     "{o}/kpis.json: [0]: values: expected a list of 6 (one per replication; got 2 values)"),
    (lambda d: _edit(d, "kpis.json", lambda t: json.dumps(
        [{**r, "values": ["x"] * 6} for r in json.loads(t)])),
     "{o}/kpis.json: [0]: values: expected numbers or null"),
    (lambda d: _edit(d, "kpis.json", lambda t: json.dumps(
        [{**r, "name": ["a"]} for r in json.loads(t)])),
     "{o}/kpis.json: [0]: name: expected a string (got ['a'])"),
])
def test_damaged_folders_are_refused_in_one_line(pair, tmp_path, capsys, breaks, line):
    import shutil
    other = tmp_path / "other"
    shutil.copytree(pair / "other", other)
    breaks(other)
    assert main(["compare", str(pair / "base"), str(other), "--out",
                 str(tmp_path / "never")]) == 2
    assert capsys.readouterr().err == "error: " + line.format(o=other) + "\n"
    assert not (tmp_path / "never").exists()


def test_compare_never_overwrites_a_run(pair, tmp_path, capsys):
    assert main(["compare", str(pair / "base"), str(pair / "other"), "--out",
                 str(pair / "other")]) == 2
    assert capsys.readouterr().err == (f"error: {pair / 'other'}: --out: is one of the folders "
                                       "compared (choose another folder for the comparison)\n")
    import shutil
    run_copy = tmp_path / "a_run"
    shutil.copytree(pair / "base", run_copy)
    assert main(["compare", str(pair / "base"), str(pair / "other"), "--out",
                 str(run_copy)]) == 2
    assert capsys.readouterr().err == (f"error: {run_copy}: --out: is a 'run' result folder, "
                                       "which a 'comparison' folder does not replace\n")
    assert (run_copy / "kpis.json").exists()


def test_unequal_replications_pair_the_common_ones(pair, tmp_path):
    # a folder of 3 replications against one of 6: replications 0-2 are paired, and they
    # are the same draws as the first three of the six
    three = tmp_path / "three"
    write_bundle(run(load_scenario(TOY_SEA, overrides={"services.ferry.fleet": 5}),
                     replications=3, keep_containers=False), three)
    table, facts = compare(three, pair / "base")
    assert facts["pairs"] == 3
    d = table.diff_mean.dropna()  # KPIs undefined in a replication have no difference
    assert len(d) > 50 and (d == 0).all()  # the same scenario and seed: identical pairs
