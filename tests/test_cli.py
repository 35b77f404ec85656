"""Every CLI command in-process: exit codes, output, files, and bad input."""

import json
import re

import pytest

from sim import __version__
from sim.cli import main

from .conftest import TOY


def test_help_shows_examples(capsys):
    for cmd in ("check", "run", "compare", "calibrate", "plot", "report"):
        with pytest.raises(SystemExit) as e:
            main([cmd, "--help"])
        assert e.value.code == 0
        assert "examples:" in capsys.readouterr().out


def test_help_examples_continue_on_their_own_lines(capsys, monkeypatch):
    """An example too long for a line goes on with a trailing backslash and an indented
    line (no run of spaces where the source text's line ended), and every command's help
    keeps to 100 columns (the widest: optimize's example)."""
    monkeypatch.setenv("COLUMNS", "80")  # (argparse wraps the options to the terminal)
    commands = ("check", "run", "warmup", "compare", "sweep", "appraise", "table", "optimize",
                "schema", "sources", "calibrate", "analyze", "plot", "report")
    for cmd in commands:
        with pytest.raises(SystemExit):
            main([cmd, "--help"])
        lines = capsys.readouterr().out.splitlines()
        assert not [line for line in lines if re.search(r"\S {3,}--", line)], cmd
        assert max(map(len, lines)) <= 100, cmd
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("  corridor run scenarios/baseline.toml --precision 0.02 --precision-kpi "
                     "caspian_teu@2024 \\")
    assert lines[at + 1] == ("      --precision-kpi transit_time_days_mean:middle_corridor@2024 "
                             "--no-containers")
    assert max(map(len, lines)) <= 90


def test_no_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as e:
        main([])
    assert e.value.code == 2


def test_check_prints_a_summary(capsys):
    assert main(["check", str(TOY)]) == 0
    out = capsys.readouterr().out
    assert "scenario toy" in out and "china -> europe" in out and "36,500" in out
    assert out.strip().endswith("ok: no problems found")


def test_check_with_set(capsys):
    assert main(["check", str(TOY), "--set", "demand.scale=2"]) == 0
    assert "73,000" in capsys.readouterr().out


def test_check_bad_file_exit_2_one_line_per_problem(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{TOY}"\n[horizon]\nstrat = 2024-01-01\n'
                   '[nodes.gate.crossing]\ncranes = 0\n')
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert err[0].endswith("horizon.strat: unknown key (did you mean 'start'?)")
    assert err[1].endswith("nodes.gate.crossing.cranes: must be > 0 (got 0)")
    assert all(line.startswith("error: ") for line in err)


def test_run_writes_a_result_folder(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", str(TOY), "--out", str(out), "--seed", "4", "--quiet"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "containers.parquet", "kpis.csv", "kpis.json", "manifest.json", "network.json",
        "timeseries.parquet"]
    net = json.loads((out / "network.json").read_text())
    assert net["nodes"]["gate"] == {"name": "Gate crossing", "kind": "border", "country": "KZ",
                                    "lon": 80.0, "lat": 45.0}
    assert net["links"][0] == {"id": "alpha_gate", "from": "alpha", "to": "gate",
                               "mode": "rail", "length_km": 2000.0,
                               "scopes": ["alpha_gate:alpha>gate", "alpha_gate:gate>alpha"]}
    man = json.loads((out / "manifest.json").read_text())
    assert man["kind"] == "run" and man["seed"] == 4 and man["scenario"] == "toy"
    assert man["config_hash"].startswith("sha256:")
    assert man["config"]["demand"]["flows"]["west"]["containers_per_year"] == 36500
    kpis = json.loads((out / "kpis.json").read_text())
    assert {"name", "period", "scope", "unit", "mean", "ci95", "values"} == set(kpis[0])
    # --quiet: no summary, only where the folder went (with --set, a name of its hash)
    assert capsys.readouterr().out.startswith(f"wrote {out}/ in ")


def test_a_run_records_its_scenario_file_wherever_it_was_run_from(tmp_path, monkeypatch):
    # the scenario given relative to the working folder is recorded resolved, so a report
    # read from another folder (corridor report RUN --sweep S) still finds it
    monkeypatch.chdir(TOY.parent)
    out = tmp_path / "res"
    assert main(["run", TOY.name, "--out", str(out), "--quiet",
                 "--horizon", "2024-01-01:2024-02-01", "--no-containers"]) == 0
    man = json.loads((out / "manifest.json").read_text())
    assert man["scenario_path"] == str(TOY.resolve())


def test_run_summary_and_no_containers(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", str(TOY), "--out", str(out), "--no-containers",
                 "--replications", "2"]) == 0
    assert not (out / "containers.parquet").exists()
    text = capsys.readouterr().out
    assert "transit boxes China->Europe via KZ" in text and f"wrote {out}" in text
    rec = json.loads((out / "kpis.json").read_text())
    created = next(r for r in rec if r["name"] == "containers_created" and r["period"] == "run")
    assert len(created["values"]) == 2 and created["ci95"] is not None


def test_run_replaces_an_earlier_result_folder(tmp_path):
    out = tmp_path / "res"
    assert main(["run", str(TOY), "--out", str(out), "--quiet", "--seed", "1"]) == 0
    assert main(["run", str(TOY), "--out", str(out), "--quiet", "--seed", "2"]) == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["res"]  # no temporary folders left


def test_run_refuses_to_overwrite_a_folder_that_is_not_a_result(tmp_path, capsys):
    keep = tmp_path / "mywork"
    keep.mkdir()
    (keep / "notes.txt").write_text("precious")
    assert main(["run", str(TOY), "--out", str(keep), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {keep}: --out: exists and is not a result folder (choose another " \
                  "folder, or remove it)\n"
    assert (keep / "notes.txt").read_text() == "precious"


def test_run_bad_scenario_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\n[horizon\n")
    out = tmp_path / "res"
    assert main(["run", str(bad), "--out", str(out)]) == 2
    assert capsys.readouterr().err == (f"error: {bad}: invalid TOML at line 2, column 9 "
                                       "(expected ']' at the end of a table declaration)\n")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


@pytest.mark.parametrize("args, message", [
    (["--replications", "0"], "error: <command line>: --replications: must be >= 1 (got 0)"),
    (["--seed", "-3"], "error: <command line>: --seed: must be >= 0 (got -3)"),
    (["--workers", "0"], "error: <command line>: --workers: must be >= 1 (got 0)"),
    (["--set", "demand.scale"], "error: --set: demand.scale: override 'demand.scale' must "
                                "look like path.to.key=value"),
])
def test_run_bad_arguments(tmp_path, capsys, args, message):
    assert main(["run", str(TOY), "--out", str(tmp_path / "r"), *args]) == 2
    assert capsys.readouterr().err.strip() == message


def test_interrupted_run_leaves_nothing(tmp_path, monkeypatch, capsys):
    import sim.cli.commands.run as run_command  # where the command looks `run` up

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(run_command, "run", interrupted)
    assert main(["run", str(TOY), "--out", str(tmp_path / "r")]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_interrupt_while_writing_leaves_no_partial_folder(tmp_path, monkeypatch):
    import pandas as pd

    def boom(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    assert main(["run", str(TOY), "--out", str(tmp_path / "r"), "--quiet"]) == 130
    assert list(tmp_path.iterdir()) == []


def test_plot_draws_a_run_folder(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", str(TOY), "--out", str(out), "--quiet"]) == 0
    assert main(["plot", str(out)]) == 0
    names = sorted(p.name for p in (out / "figures").iterdir())
    assert names == [f"{n}.png" for n in (
        "corridor_map", "monthly_boxes_by_crossing", "queue_by_facility",
        "throughput_by_crossing", "throughput_by_route", "transit_time_by_corridor",
        "transit_time_by_route", "utilisation_heatmap", "yard_by_facility")]
    assert all((out / "figures" / n).stat().st_size > 10_000 for n in names)
    assert main(["plot", str(out), "--out", str(tmp_path / "svg"), "--format", "svg"]) == 0
    assert (tmp_path / "svg" / "monthly_boxes_by_crossing.svg").read_text().startswith("<?xml")


def test_plot_refuses_a_folder_that_is_not_a_result(tmp_path, capsys):
    assert main(["plot", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (f"error: {tmp_path}: manifest.json: not a result folder "
                                       "(no manifest.json; make one with 'corridor run', "
                                       "'corridor compare', 'corridor calibrate', "
                                       "'corridor sweep', 'corridor appraise' or "
                                       "'corridor optimize')\n")


def test_plot_truncated_parquet_leaves_no_figures(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", str(TOY), "--out", str(out), "--quiet", "--no-containers"]) == 0
    ts = out / "timeseries.parquet"
    ts.write_bytes(ts.read_bytes()[:200])
    assert main(["plot", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {ts}: not a readable Parquet file, truncated or "
                          "damaged (") and err.count("\n") == 1
    assert not (out / "figures").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


def test_usage_errors_are_one_line(capsys):
    with pytest.raises(SystemExit) as e:
        main(["run", str(TOY), "--seed", "abc"])
    assert e.value.code == 2
    assert capsys.readouterr().err == ("error: <command line>: corridor run: argument --seed: "
                                       "invalid int value: 'abc' (see 'corridor run --help')\n")


def test_run_with_set_does_not_overwrite_the_plain_result(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(TOY), "--quiet", "--no-containers"]) == 0
    assert main(["run", str(TOY), "--quiet", "--no-containers", "--set", "demand.scale=2"]) == 0
    names = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert names[0] == "toy" and names[1].startswith("toy-") and len(names) == 2
    base = json.loads((tmp_path / "results" / "toy" / "manifest.json").read_text())
    assert base["config"]["demand"]["scale"] == 1.0


def test_run_refuses_a_result_folder_holding_other_files(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", str(TOY), "--out", str(out), "--quiet", "--no-containers"]) == 0
    (out / "notes.txt").write_text("mine")
    assert main(["run", str(TOY), "--out", str(out), "--quiet"]) == 2
    assert capsys.readouterr().err == (f"error: {out}: --out: is a result folder that also "
                                       "holds notes.txt (choose another folder, or remove it)\n")
    assert (out / "notes.txt").read_text() == "mine"


def test_plot_errors_for_missing_or_non_folder(tmp_path, capsys):
    assert main(["plot", str(tmp_path / "nope")]) == 2
    f = tmp_path / "f.toml"
    f.write_text("x = 1")
    assert main(["plot", str(f)]) == 2
    err = capsys.readouterr().err.splitlines()
    made = ("'corridor run', 'corridor compare', 'corridor calibrate', 'corridor sweep', "
            "'corridor appraise' or 'corridor optimize'")
    assert err == [f"error: {tmp_path / 'nope'}: no such folder (give a result folder "
                   f"written by {made})",
                   f"error: {f}: not a folder (give a result folder written by "
                   f"{made})"]


def test_summary_shows_confidence_intervals(tmp_path, capsys):
    assert main(["run", str(TOY), "--out", str(tmp_path / "r"), "--replications", "3",
                 "--no-containers"]) == 0
    out = capsys.readouterr().out
    assert "mean [95 % CI]" in out
    row = next(line for line in out.splitlines() if "boxes created" in line)
    assert row.count("[") == 1 and row.count(",") >= 2


def test_run_checks_the_output_folder_before_simulating(tmp_path, capsys, monkeypatch):
    import sim.cli.commands.run as run_command  # where the command looks `run` up
    f = tmp_path / "file.txt"
    f.write_text("x")

    def must_not_run(*a, **k):
        raise AssertionError("simulated despite a bad --out")
    monkeypatch.setattr(run_command, "run", must_not_run)
    assert main(["run", str(TOY), "--out", str(f / "x")]) == 2
    assert capsys.readouterr().err == (f"error: {f / 'x'}: --out: cannot be created: {f} is a "
                                       "file, not a folder\n")


@pytest.mark.parametrize("scenario", [TOY, TOY.parent / "toy_sea.toml"],
                         ids=["land", "sea"])
def test_kpis_do_not_depend_on_the_number_of_workers(tmp_path, scenario):
    one, two = tmp_path / "w1", tmp_path / "w2"
    assert main(["run", str(scenario), "--out", str(one), "--replications", "3", "--workers",
                 "1", "--quiet", "--no-containers"]) == 0
    assert main(["run", str(scenario), "--out", str(two), "--replications", "3", "--workers",
                 "2", "--quiet", "--no-containers"]) == 0
    for name in ("kpis.json", "kpis.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes()


def test_check_summarises_choice_disruptions_and_timeline(capsys):
    assert main(["check", str(TOY), "--set",
                 'timeline=[{date=2024-02-01, close="gate", days=3}]', "--set",
                 'nodes.gate.disruptions=[{kind="gale", events_per_year=4, '
                 'duration_h={dist="constant", value=30}}]']) == 0
    out = capsys.readouterr().out
    assert "  choice    fixed route shares per flow" in out
    assert "  disrupt   gate gale 4/yr x 30 h" in out
    assert "  timeline  2024-02-01: close gate for 3 days" in out


def test_every_command_resolves_to_its_function():
    """The parser's commands, the help summaries and the command table agree, in order;
    each entry names a function of its own module."""
    import argparse

    from sim.cli.commands import COMMANDS, resolve
    from sim.cli.help import EXAMPLES, SUMMARY
    from sim.cli.parser import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert list(sub.choices) == list(COMMANDS) == list(SUMMARY) == list(EXAMPLES)
    for name, ref in COMMANDS.items():
        fn = resolve(name)
        assert callable(fn) and f"{fn.__module__}:{fn.__name__}" == ref
        assert fn.__module__ == f"sim.cli.commands.{name}"


def _loaded_after(args: list[str]) -> set[str]:
    """The modules loaded by ``corridor ARGS`` in a fresh interpreter."""
    import subprocess
    import sys
    code = ("import sys\nfrom sim.cli import main\ntry:\n    main(sys.argv[1:])\n"
            "except SystemExit:\n    pass\nprint(' '.join(sys.modules), file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                       check=False)
    return set(r.stderr.split())


def test_help_and_check_load_only_what_they_need():
    """A command's modules are imported when it runs: --help loads no layer of the model,
    check loads the scenario layer but no simulation, study or figure."""
    heavy = {"simpy", "matplotlib", "sim.engine", "sim.study", "sim.plots", "sim.report"}
    loaded = _loaded_after(["--help"])
    assert "sim.cli.parser" in loaded
    assert not loaded & (heavy | {"pandas", "pydantic", "sim.scenario", "sim.cli.commands.run"})
    loaded = _loaded_after(["check", str(TOY)])
    assert "sim.cli.commands.check" in loaded and "sim.scenario.summary" in loaded
    assert not loaded & (heavy | {"sim.cli.commands.run"})


def test_run_loads_pandas_only_once_the_runs_model_is_freed(tmp_path):
    """corridor run builds, runs and measures a replication (KPIs, the daily series, the
    containers' columns) without pandas and pyarrow, which cost ~70 MB of a run's peak
    memory: they are first imported to make the frames and write the folder, when no model
    is alive any more (a model lives in reference cycles until ``models_freed`` collects
    them)."""
    import subprocess
    import sys
    code = ("import sys, weakref\nimport sim.engine.model as M\nfrom sim.cli import main\n"
            "alive, made, seen = weakref.WeakSet(), [], []\ninit = M.Model.__init__\n"
            "def spy(self, *a, **k):\n    alive.add(self)\n    made.append(1)\n    init(self, *a, **k)\n"
            "M.Model.__init__ = spy\n"
            "class Watch:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name in ('pandas', 'pyarrow'):\n"
            "            seen.append(f'{name}:{len(made)}:{len(alive)}')\n"
            "sys.meta_path.insert(0, Watch())\nrc = main(sys.argv[1:])\n"
            "print(rc, sorted(set(seen)))")
    r = subprocess.run([sys.executable, "-c", code, "run", str(TOY), "--quiet",
                        "--out", str(tmp_path / "run")], capture_output=True, text=True,
                       check=False)
    # each first imported after the run's one model was made (1) and when none is alive (0)
    assert r.stdout.splitlines()[-1] == "0 ['pandas:1:0', 'pyarrow:1:0']", r.stderr[-2000:]
    assert (tmp_path / "run" / "containers.parquet").exists()


def test_python_m_sim_cli_is_the_corridor_command():
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "sim.cli", "--version"], capture_output=True,
                       text=True, check=False)
    assert r.returncode == 0 and r.stdout == f"corridor-sim {__version__}\n"
