"""Bad result folders: one line per problem naming the file, exit code 2, no traceback
and no partial figure set (a figure folder already there stays as it was)."""

from __future__ import annotations

import json
import shutil

import pytest

from sim import __version__
from sim.cli import main

from .conftest import TOY


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
        f"error: {tmp_path / 'nope'}: <folder>: no such folder (give a result folder written "
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
    import pandas as pd
    ts = pd.read_parquet(res / "timeseries.parquet").drop(columns="metric")
    ts.to_parquet(res / "timeseries.parquet")
    assert main(["plot", str(res)]) == 2
    assert one_line(capsys).startswith(
        f"error: {res / 'timeseries.parquet'}: <columns>: missing 'metric' (has ")


def test_missing_kpis(res, capsys):
    (res / "kpis.json").unlink()
    assert main(["plot", str(res)]) == 2
    assert one_line(capsys) == (f"error: {res / 'kpis.json'}: missing (a run folder "
                                "has it; write the folder again)")


def test_a_failure_while_drawing_writes_nothing(res, capsys, monkeypatch):
    import sim.plots.run
    assert main(["plot", str(res)]) == 0
    before = sorted(p.name for p in (res / "figures").iterdir())

    def boom(*a, **k):
        raise ValueError("bad data")
    monkeypatch.setattr(sim.plots.run, "utilisation_heatmap", boom)
    capsys.readouterr()
    assert main(["plot", str(res)]) == 2
    assert one_line(capsys) == (f"error: {res}: <files>: cannot draw the figures (ValueError: "
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
    assert one_line(capsys).startswith(
        f"error: {res / 'network.json'}: <records>: not a network record (KeyError: ")


def test_comparison_with_a_damaged_table(tmp_path, capsys):
    d = tmp_path / "cmp"
    d.mkdir()
    (d / "manifest.json").write_text(json.dumps({"kind": "comparison", "bundle_format": 1}))
    (d / "comparison.csv").write_text("name,period\nx,2024\n")
    assert main(["plot", str(d)]) == 2
    assert one_line(capsys).startswith(f"error: {d / 'comparison.csv'}: <columns>: missing "
                                       "'scope', 'unit', ")
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
            f"error: {typo}: <folder>: no such folder (did you mean "
            f"'{tmp_path / 'storm_half'}'?)"], args
