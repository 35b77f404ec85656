"""``corridor table``: many result folders side by side, read back from their files."""

import json
import shutil

import openpyxl
import pandas as pd
import pytest

from sim.cli import main
from sim.io.bundle import write_bundle
from sim.measure.headline import HEADLINE
from sim.measure.labels import kpi_label as label
from sim.scenario.loading import load_scenario
from sim.study.replications import run
from sim.study.table import DEFAULT_ROWS, Selection, wide_table

from .conftest import TOY

SHORT = {"horizon.start": "2024-01-01", "horizon.end": "2024-03-01", "horizon.warmup_days": 0}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """The toy and the toy with 1.5 x its demand (the same scenario name: the columns are
    then named after the folders), 3 replications each, and the toy with another seed."""
    d = tmp_path_factory.mktemp("table")
    base = load_scenario(TOY, overrides=SHORT)
    more = load_scenario(TOY, overrides={**SHORT, "demand.scale": 1.5})
    write_bundle(run(base, replications=3, keep_containers=False), d / "toy")
    write_bundle(run(more, replications=3, keep_containers=False), d / "toy_more")
    write_bundle(run(base, seed=11, replications=2, keep_containers=False), d / "toy_seed11")
    return d


def records(folder):
    return {(r["name"], r["scope"], r["period"]): r
            for r in json.loads((folder / "kpis.json").read_text())}


def test_cells_are_each_folders_own_mean_and_interval(folders):
    paths = [folders / "toy", folders / "toy_more"]
    table, facts = wide_table(paths, Selection(kpis=("containers_created",)))
    assert [s["column"] for s in facts["scenarios"]] == ["toy", "toy_more"]  # same name
    row = table[(table.period == "2024")].iloc[0]
    for p in paths:
        r = records(p)[("containers_created", "all", "2024")]
        assert row[f"{p.name} mean"] == pytest.approx(r["mean"], rel=1e-12)
        assert (row[f"{p.name} ci95_low"], row[f"{p.name} ci95_high"]) == \
            pytest.approx(tuple(r["ci95"]), rel=1e-12)
    # 1.5 x the demand: ~1.5 x the boxes, intervals far apart
    assert row["toy_more mean"] / row["toy mean"] == pytest.approx(1.5, rel=0.05)
    assert row["toy_more ci95_low"] > row["toy ci95_high"]


def test_default_rows_are_the_headline_in_order(folders):
    table, _ = wide_table([folders / "toy", folders / "toy_more"])
    have = list(dict.fromkeys(zip(table.kpi, table.scope)))
    assert have == [k for k in DEFAULT_ROWS if k in set(have)]
    assert ("containers_created", "all") in have and len(have) >= 4
    first = dict(zip(zip(table.kpi, table.scope), table.label))
    assert first[("containers_created", "all")] == "boxes created"  # the headline's label
    assert label("caspian_teu", "kuryk") == "TEU shipped across the Caspian — kuryk"
    assert label("transit_time_days_mean", "middle_corridor_kuryk") == \
        "mean transit time — middle_corridor_kuryk"
    assert {n for n, _s, _l in HEADLINE} <= {n for n, _s in DEFAULT_ROWS}


def test_kpi_scope_and_period_select_rows(folders):
    table, _ = wide_table([folders / "toy", folders / "toy_seed11"],
                          Selection(kpis=("containers_by_crossing:gate",
                                          "containers_delivered"), periods=("2024",)))
    assert list(zip(table.kpi, table.scope, table.period)) == [
        ("containers_by_crossing", "gate", "2024"), ("containers_delivered", "all", "2024")]
    # another seed and fewer replications: still a column of its own, unpaired
    assert table["toy_seed11 mean"].notna().all()


def test_command_writes_csv_spreadsheet_and_figure(folders, tmp_path, capsys):
    out = tmp_path / "tab"
    args = ["table", str(folders / "toy"), str(folders / "toy_more"), "--period", "2024",
            "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "boxes created" in printed and f"wrote {out}/" in printed
    # the labels read from the left edge, each under the header's "KPI"
    lines = printed.splitlines()
    assert lines[0].startswith("  KPI ")
    assert any(x.startswith("  boxes created ") for x in lines)
    assert sorted(p.name for p in out.iterdir()) == ["figures", "manifest.json", "table.csv",
                                                    "table.xlsx"]
    assert [p.name for p in (out / "figures").iterdir()] == ["table_2024.png"]
    csv = pd.read_csv(out / "table.csv")
    book = openpyxl.load_workbook(out / "table.xlsx", read_only=True)
    assert book.sheetnames == ["summary", "numbers", "scenarios"]
    numbers = pd.read_excel(out / "table.xlsx", sheet_name="numbers")
    pd.testing.assert_frame_equal(numbers, csv, check_dtype=False)
    summary = pd.read_excel(out / "table.xlsx", sheet_name="summary")
    cell = summary.loc[summary.label == "boxes created", "toy"].iloc[0]
    mean = csv.loc[csv.kpi == "containers_created", "toy mean"].iloc[0]
    assert cell.startswith(f"{mean:,.0f} [")  # 'mean [low, high]'
    man = json.loads((out / "manifest.json").read_text())
    assert man["kind"] == "table" and [s["folder"] for s in man["scenarios"]] == [
        str(folders / "toy"), str(folders / "toy_more")]
    assert main([*args, "--quiet"]) == 0  # a table folder replaces itself
    assert capsys.readouterr().out.strip() == f"wrote {out}/ (table.csv, table.xlsx, figures/)"


@pytest.mark.parametrize("extra, line", [
    (["--kpi", "containers_creatd"], "--kpi[0]: no KPI named 'containers_creatd' in these "
     "folders (did you mean 'containers_created'?)"),
    (["--kpi", "containers_by_crossing:gat"], "--kpi[0]: 'containers_by_crossing' has no "
     "scope 'gat' in these folders (did you mean 'gate'?)"),
    (["--period", "2031"], "--period[0]: no period '2031' in these folders (they have 2024, "
     "run)"),
    (["--kpi", "containers_in_system", "--period", "2024"], "none of the KPIs asked for is "
     "in these folders for these periods (see --kpi, --period)"),
])
def test_bad_selection_is_one_line_exit_2(folders, tmp_path, capsys, extra, line):
    out = tmp_path / "tab"
    assert main(["table", str(folders / "toy"), *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: <command line>: {line}"]
    assert not out.exists()  # nothing half-written


def test_bad_folders_are_refused(folders, tmp_path, capsys):
    assert main(["table", str(folders / "toy"), str(tmp_path / "nope"), "--out",
                 str(tmp_path / "t")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: {tmp_path / 'nope'}: no such folder (give a result folder "
        "written by 'corridor run')")
    assert main(["table", str(folders / "toy"), str(folders / "toy"), "--out",
                 str(tmp_path / "t")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: {folders / 'toy'}: given twice (give each result folder once)")
    assert main(["table", str(folders / "toy"), "--out", str(folders / "toy")]) == 2
    assert "--out: is one of the folders tabled" in capsys.readouterr().err
    assert main(["table", str(folders / "toy"), "--out", "/proc/no/such"]) == 2  # no traceback
    assert capsys.readouterr().err.strip() == ("error: /proc/no/such: --out: cannot write the "
                                               "table folder (No such file or directory); "
                                               "nothing was written")
    with pytest.raises(SystemExit) as e:
        main(["table", "--help"])
    assert e.value.code == 0 and "examples:" in capsys.readouterr().out


def test_the_same_scenario_twice_gets_two_columns(folders, tmp_path):
    # the same scenario in two folders of the same name (before and after a change):
    # each column its own folder's numbers, told apart by the parent folder
    twin = tmp_path / "other" / "toy"
    twin.parent.mkdir()
    shutil.copytree(folders / "toy_more", twin)
    table, facts = wide_table([folders / "toy", twin], Selection(kpis=("containers_created",),
                                                                   periods=("2024",)))
    cols = [s["column"] for s in facts["scenarios"]]
    assert cols == [f"{folders.name}/toy", "other/toy"]
    r = table.iloc[0]
    assert r[f"{folders.name}/toy mean"] == records(folders / "toy")[
        ("containers_created", "all", "2024")]["mean"]
    assert r["other/toy mean"] == records(folders / "toy_more")[
        ("containers_created", "all", "2024")]["mean"]


@pytest.mark.parametrize("columns", [90, 400])
def test_the_printed_table_fits_the_terminal(folders, tmp_path, capsys, monkeypatch, columns):
    # (it printed ~115 columns for two folders, whatever the terminal: wrapped lines)
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(["table", str(folders / "toy"), str(folders / "toy_more"), "--period",
                 "2024", "--out", str(tmp_path / "tab")]) == 0
    lines = capsys.readouterr().out.splitlines()[:-1]  # (the last: "wrote ...")
    assert max(map(len, lines)) <= columns
    heads = [x for x in lines if x.startswith("  KPI ")]
    created = [x for x in lines if x.startswith("  boxes created ")]
    if columns == 400:  # both scenarios side by side
        assert len(heads) == len(created) == 1 and heads[0].split()[-2:] == ["toy", "toy_more"]
    else:  # a block per scenario, each with its header and its rows
        assert len(heads) == len(created) == 2
        assert [h.split()[-1] for h in heads] == ["toy", "toy_more"]
