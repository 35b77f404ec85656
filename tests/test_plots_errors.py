"""Bad result folders: one line per problem naming the file, exit code 2, no traceback
and no partial figure set (a figure folder already there stays as it was)."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest

from sim import __version__
from sim.cli import main
from sim.io.folders import Folder
from sim.plots.appraisal import present_values
from sim.plots.network_map import map_frames
from sim.plots.optimize import optimize_tables
from sim.plots.sweep import sweep_tables
from sim.scenario.problems import ConfigError

from .conftest import TOY
from .test_plots import write_calibration


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("run") / "res"
    assert main(["run", str(TOY), "--out", str(d), "--quiet"]) == 0
    return d


@pytest.fixture
def res(run_dir, tmp_path):
    """A fresh copy of the toy's result folder, to damage."""
    d = tmp_path / "res"
    shutil.copytree(run_dir, d)
    return d


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.rstrip("\n")


def test_not_a_result_folder(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("x")
    assert main(["plot", str(tmp_path)]) == 2
    assert one_line(capsys) == (
        f"error: {tmp_path}: manifest.json: not a result folder (no manifest.json; make one "
        "with 'corridor run', 'corridor compare', 'corridor calibrate', 'corridor sweep', "
        "'corridor appraise' or 'corridor optimize')")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_missing_and_not_a_folder(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert one_line(capsys) == (
        f"error: {tmp_path / 'nope'}: no such folder (give a result folder written "
        "by 'corridor run', 'corridor compare', 'corridor calibrate', 'corridor sweep', "
        "'corridor appraise' or 'corridor optimize')")


def test_incompatible_version(res, capsys):
    man = json.loads((res / "manifest.json").read_text())
    man["bundle_format"], man["package_version"] = 7, "9.0.0"
    (res / "manifest.json").write_text(json.dumps(man))
    assert main(["plot", str(res)]) == 2
    assert one_line(capsys) == (
        f"error: {res / 'manifest.json'}: bundle_format: 7 is not a format corridor-sim {__version__} "
        "reads (it reads 1; the folder was written by version 9.0.0): write the folder again "
        "with this version")
    assert not (res / "figures").exists()


def test_unknown_kind_with_a_hint(res, capsys):
    man = json.loads((res / "manifest.json").read_text())
    man["kind"] = "comparsion"
    (res / "manifest.json").write_text(json.dumps(man))
    assert main(["plot", str(res)]) == 2
    assert one_line(capsys) == (
        f"error: {res / 'manifest.json'}: kind: 'comparsion' folders cannot be drawn by this "
        "version (allowed: 'appraisal', 'calibration', 'comparison', 'optimization', 'run', "
        "'sweep'; did you mean 'comparison'?)")


def test_unreadable_manifest(res, capsys):
    (res / "manifest.json").write_text("{ not json")
    assert main(["report", str(res)]) == 2
    assert one_line(capsys).startswith(
        f"error: {res / 'manifest.json'}: unreadable manifest (")
    assert not (res / "report.html").exists()


@pytest.mark.parametrize("name", ["timeseries.parquet", "containers.parquet"])
def test_truncated_parquet_leaves_the_figures_as_they_were(res, capsys, name):
    assert main(["plot", str(res)]) == 0
    before = {p.name: p.read_bytes() for p in (res / "figures").iterdir()}
    capsys.readouterr()
    f = res / name
    f.write_bytes(f.read_bytes()[:300])
    assert main(["plot", str(res)]) == 2
    assert one_line(capsys).startswith(
        f"error: {f}: not a readable Parquet file, truncated or damaged (")
    after = {p.name: p.read_bytes() for p in (res / "figures").iterdir()}
    assert after == before
    assert sorted(p.name for p in res.parent.iterdir()) == ["res"]  # no temporary folder


def test_missing_column(res, capsys):
    ts = pd.read_parquet(res / "timeseries.parquet").drop(columns="metric")
    ts.to_parquet(res / "timeseries.parquet")
    assert main(["plot", str(res)]) == 2
    assert one_line(capsys) == (
        f"error: {res / 'timeseries.parquet'}: missing column 'metric' (it has "
        "replication, date, facility, kind, value); written by another version of 'corridor run'? "
        "write the folder again")


def test_missing_kpis(res, capsys):
    (res / "kpis.json").unlink()
    assert main(["plot", str(res)]) == 2
    assert one_line(capsys) == (f"error: {res / 'kpis.json'}: missing (a run folder "
                                "has it; write the folder again)")


KPI = {"name": "throughput", "period": "2024", "scope": "all", "mean": 1.0}


@pytest.mark.parametrize("records, path, message", [
    ({"a": KPI}, "", "expected a list of KPI records"),
    ([KPI, "x"], "[1]: ", "not a KPI record (expected a table with name, period, scope and "
                          "mean; got 'x'); write the folder again"),
    ([KPI, KPI, {**KPI, "mean": None}, {"name": "x", "period": "2024", "scope": "all"}],
     "[3].mean: ", "missing (a KPI record has name, period, scope and mean); write the "
                   "folder again"),
    ([{**KPI, "mean": "high"}], "[0].mean: ", "expected a number or null (got 'high'); write "
                                             "the folder again"),
    ([{**KPI, "ci95": [0.5]}], "[0].ci95: ", "expected [low, high] or null (got [0.5]); write "
                                            "the folder again"),
], ids=["not-a-list", "not-a-record", "no-mean", "mean-a-word", "one-bound"])
def test_a_damaged_kpi_record_is_named_by_its_place(tmp_path, records, path, message):
    """A bad record of kpis.json is named by its 0-based place in the list, and the field."""
    (tmp_path / "kpis.json").write_text(json.dumps(records))
    line = f"error: {tmp_path / 'kpis.json'}: {path}{message}"
    with pytest.raises(ConfigError, match=rf"\A{re.escape(line)}\Z"):
        Folder(tmp_path, "run", {}).kpis()


def test_a_damaged_kpi_record_stops_the_figures(res, capsys):
    recs = json.loads((res / "kpis.json").read_text())
    del recs[5]["scope"]
    (res / "kpis.json").write_text(json.dumps(recs))
    assert main(["plot", str(res)]) == 2
    assert one_line(capsys) == (f"error: {res / 'kpis.json'}: [5].scope: missing (a KPI "
                                "record has name, period, scope and mean); write the folder "
                                "again")
    assert not (res / "figures").exists()


def test_a_failure_while_drawing_writes_nothing(res, capsys, monkeypatch):
    import sim.plots.run
    assert main(["plot", str(res)]) == 0
    before = sorted(p.name for p in (res / "figures").iterdir())

    def boom(*a, **k):
        raise ValueError("bad data")
    monkeypatch.setattr(sim.plots.run, "utilisation_heatmap", boom)
    capsys.readouterr()
    assert main(["plot", str(res)]) == 2
    assert one_line(capsys) == (f"error: {res}: cannot draw the figures (ValueError: "
                                "bad data); no figures were written")
    assert sorted(p.name for p in (res / "figures").iterdir()) == before
    assert sorted(p.name for p in res.parent.iterdir()) == ["res"]


def test_out_holding_other_files_is_refused(res, tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    assert main(["plot", str(res), "--out", str(mine)]) == 2
    assert one_line(capsys) == (f"error: {mine}: --out: holds files other than figures "
                                "(notes.txt); choose another --out")
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_report_out_is_a_folder(res, tmp_path, capsys):
    assert main(["report", str(res), "--out", str(tmp_path)]) == 2
    assert one_line(capsys) == (f"error: {tmp_path}: --out: is a folder (give the HTML "
                                "file's name, e.g. report.html)")


def test_damaged_network_file(res, capsys):
    (res / "network.json").write_text(json.dumps({"nodes": {"a": {"kind": "port"}},
                                                  "links": []}))
    assert main(["plot", str(res)]) == 2
    assert one_line(capsys) == (
        f"error: {res / 'network.json'}: nodes.a.lon: missing (a node has kind, lon and lat); "
        "run the scenario again")


NODE = {"kind": "port", "lon": 50.0, "lat": 44.0}
LINK = {"id": "ab", "from": "a", "to": "b", "mode": "rail", "scopes": ["ab:0", "ab:1"]}
NODES = {"a": NODE, "b": NODE}


@pytest.mark.parametrize("network, line", [
    ([], "not a network record (expected a JSON object of nodes and links)"),
    ({"links": []}, "nodes: missing"),
    ({"nodes": [], "links": []}, "nodes: expected a table of nodes by id"),
    ({"nodes": NODES}, "links: missing"),
    ({"nodes": NODES, "links": {}}, "links: expected a list of links"),
    ({"nodes": {"a": NODE, "b": 3}, "links": []},
     "nodes.b: not a node record (expected a table of kind, lon and lat)"),
    ({"nodes": {"a": NODE, "b": {"kind": "port", "lon": 1}}, "links": []},
     "nodes.b.lat: missing (a node has kind, lon and lat)"),
    ({"nodes": {"a": {**NODE, "lon": "east"}}, "links": []},
     "nodes.a.lon: expected a number (got 'east')"),
    ({"nodes": NODES, "links": [LINK, "ba"]},
     "links[1]: not a link record (expected a table of id, from, to, mode and scopes)"),
    ({"nodes": NODES, "links": [LINK, LINK, {**LINK, "to": None}, {"id": "x", "from": "a"}]},
     "links[3].to: missing (a link has id, from, to, mode and scopes)"),
    ({"nodes": NODES, "links": [{**LINK, "scopes": "ab:0"}]},
     "links[0].scopes: expected a list of names (got 'ab:0')"),
    ({"nodes": NODES, "links": [LINK, {**LINK, "from": "b", "to": "c"}]},
     "links[1].to: unknown node 'c'"),
], ids=["not-an-object", "no-nodes", "nodes-a-list", "no-links", "links-a-table",
        "node-not-a-table", "node-without-lat", "lon-a-word", "link-not-a-table",
        "link-without-to", "scopes-a-word", "to-an-unknown-node"])
def test_a_damaged_network_record_is_named_by_its_place(network, line):
    """What the map cannot read of network.json, named by its dotted path: a node by its
    id, a link by its 0-based place in the list."""
    empty = pd.DataFrame(columns=["name", "period", "scope", "mean"])
    full = f"error: net.json: {line}; run the scenario again"
    with pytest.raises(ConfigError, match=rf"\A{re.escape(full)}\Z"):
        map_frames(network, empty, pd.DataFrame(), "2024", "net.json")


def test_comparison_with_a_damaged_table(tmp_path, capsys):
    d = tmp_path / "cmp"
    d.mkdir()
    (d / "manifest.json").write_text(json.dumps({"kind": "comparison", "bundle_format": 1}))
    (d / "comparison.csv").write_text("name,period\nx,2024\n")
    assert main(["plot", str(d)]) == 2
    assert one_line(capsys) == (
        f"error: {d / 'comparison.csv'}: missing columns 'scope', 'unit', 'base_mean', "
        "'other_mean', 'diff_mean', 'diff_ci95_low', 'diff_ci95_high', 'rel_change' (it has "
        "name, period); written by another version of 'corridor compare'? write the folder "
        "again")
    assert not (d / "figures").exists()


def test_an_unknown_kind_is_refused_with_the_kinds_allowed(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "sweeps", "bundle_format": 1}))
    assert main(["plot", str(tmp_path)]) == 2
    assert one_line(capsys) == (
        f"error: {tmp_path / 'manifest.json'}: kind: 'sweeps' folders cannot be drawn by this "
        "version (allowed: 'appraisal', 'calibration', 'comparison', 'optimization', 'run', "
        "'sweep'; did you mean 'sweep'?)")



def test_manifest_without_a_key_the_figures_need(tmp_path, capsys):
    d = tmp_path / "sw"
    d.mkdir()
    (d / "sweep.json").write_text(json.dumps({"kind": "sweep", "sweep_format": 1}))
    assert main(["plot", str(d)]) == 2
    assert one_line(capsys).startswith(f"error: {d / 'sweep.json'}: method: missing (a sweep "
                                       "manifest has it")
    r = tmp_path / "run"
    r.mkdir()
    (r / "manifest.json").write_text(json.dumps({"kind": "run", "bundle_format": 1,
                                                 "scenario": "x"}))
    assert main(["plot", str(r)]) == 2
    assert one_line(capsys).startswith(f"error: {r / 'manifest.json'}: horizon: missing")
    assert not (r / "figures").exists()


def test_a_mistyped_folder_gets_the_nearest_one_beside_it(tmp_path, capsys):
    """A result folder's name mistyped (stormhalf for storm_half): plot, report, compare
    and analyze name the folder beside it that is nearest."""
    (tmp_path / "storm_half").mkdir()
    typo = tmp_path / "stormhalf"
    for args in (["plot", str(typo)], ["report", str(typo)], ["analyze", str(typo)],
                 ["compare", str(typo), str(tmp_path / "storm_half")]):
        assert main(args) == 2
        assert capsys.readouterr().err.splitlines() == [
            f"error: {typo}: no such folder (did you mean "
            f"'{tmp_path / 'storm_half'}'?)"], args


def test_a_calibration_posterior_without_its_accepted_column(tmp_path, capsys):
    cal = tmp_path / "cal"
    write_calibration(cal)
    post = pd.read_parquet(cal / "posterior.parquet").drop(columns="accepted")
    post.to_parquet(cal / "posterior.parquet", index=False)
    assert main(["plot", str(cal)]) == 2
    assert one_line(capsys) == (
        f"error: {cal / 'posterior.parquet'}: missing column 'accepted' (it has scale, "
        "customs, objective); written by another version of 'corridor calibrate'? write the "
        "folder again")
    assert not (cal / "figures").exists()


def _cashflows(d):
    (d / "cashflows.csv").write_text("year,item,usd\n2030,time,1.0\n")
    return present_values(Folder(d, "appraisal", {}))


def _evaluations(d):
    cols = ["candidate", "stage", "replications", "cost_usd", "objective", "objective_ci_low",
            "objective_ci_high", *(f"mean:y{i}" for i in range(7))]
    pd.DataFrame({c: [1.0] for c in cols}).to_parquet(d / "evaluations.parquet")
    return optimize_tables(Folder(d, "optimization", {}))


def test_a_sweep_not_analysed_yet_says_to_analyse_it(tmp_path):
    with pytest.raises(ConfigError, match=rf"\Aerror: {re.escape(str(tmp_path))}/indices\.csv: "
                       rf"missing \(run 'corridor analyze {re.escape(str(tmp_path))}' first\)\Z"):
        sweep_tables(Folder(tmp_path, "sweep", {"method": "morris"}))


def _indices(d):
    (d / "indices.csv").write_text("output,parameter,index,value\ny,a,mu_star,1.0\n")
    return sweep_tables(Folder(d, "sweep", {"method": "morris"}))


@pytest.mark.parametrize("read, message", [
    (_cashflows, "cashflows.csv: missing columns 'category', 'replication', 'pv_usd' (it has "
                 "year, item, usd); written by another version of 'corridor appraise'? write "
                 "the folder again"),
    (_evaluations, "evaluations.parquet: missing columns 'feasible', 'status' (it has "
                   "candidate, stage, replications, cost_usd, objective, objective_ci_low, "
                   "objective_ci_high, mean:y0, mean:y1, mean:y2, mean:y3, mean:y4, ... (14 in "
                   "all)); written by another version of 'corridor optimize'? write the folder "
                   "again"),
    (_indices, "indices.csv: missing columns 'ci95_low', 'ci95_high' (it has output, "
               "parameter, index, value); run 'corridor analyze {d}' again"),
], ids=["appraisal", "optimization", "sweep"])
def test_a_table_without_columns_the_figures_need(tmp_path, read, message):
    """One rule for every table file: a whole-file problem naming the columns missing, the
    ones the file has (at most twelve) and what to do."""
    line = f"error: {tmp_path / message.format(d=tmp_path)}"
    with pytest.raises(ConfigError, match=rf"\A{re.escape(line)}\Z"):
        read(tmp_path)
