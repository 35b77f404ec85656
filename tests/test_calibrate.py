"""The point fit recovers a parameter from targets the model itself produced, resumes
from its log, and writes a scenario that reproduces the fit."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chi2

import sim.study.calibration.fit as fit_module
from sim.cli import main
from sim.scenario.loading import load_scenario
from sim.study.calibration.fit import (
    Fit,
    abc_around,
    abc_threshold,
    fit,
    noise_allowance,
    prior_values,
    report_markdown,
    write_outputs,
)
from sim.study.calibration.folder import calibration_inputs, earlier_inputs, fingerprint
from sim.study.calibration.inputs import (
    Parameter,
    Targets,
    load_parameters,
    load_targets,
)
from sim.study.replications import run

HERE = Path(__file__).parent
SCALE = 1.15  # the "true" demand scale the fit must find


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("cal")
    shutil.copy(HERE / "scenarios" / "toy.toml", d / "toy.toml")
    truth = run(load_scenario(d / "toy.toml", overrides={"demand.scale": SCALE}),
                replications=3, keep_containers=False)
    created = truth.kpi("containers_created", 2024)
    (d / "targets.toml").write_text(f"""
[targets.created]
kpi = "containers_created"
period = "2024"
value = {created}
unit = "containers"
sd = 60
role = "primary"
definition = "boxes created in 2024 by the toy at demand scale {SCALE}"
source = "the model itself (identifiability test)"
""", encoding="utf-8")
    (d / "parameters.toml").write_text("""
scenario = "toy.toml"
[parameters.scale]
path = "demand.scale"
low = 0.8
high = 1.5
source = "test"
[parameters.customs]
path = "nodes.gate.crossing.customs_dwell_h.mean"
low = 10
high = 40
source = "test: a parameter the target does not see"
""", encoding="utf-8")
    return d


def test_fit_recovers_the_demand_scale_and_resumes(setup):
    d = setup
    targets = load_targets(d / "targets.toml")
    params, _ = load_parameters(d / "parameters.toml")
    res = fit(d / "toy.toml", params, targets, d / "out", replications=3, budget=40)
    assert res.params["scale"] == pytest.approx(SCALE, abs=0.02)
    assert abs(res.report[0]["z"]) < 1
    n_sim = len((d / "out" / "evaluations.jsonl").read_text().splitlines())
    assert 5 < n_sim <= 40
    # the same fit again simulates nothing: every evaluation is read back
    again = fit(d / "toy.toml", params, targets, d / "out", replications=3, budget=40)
    assert again.params == res.params
    assert len((d / "out" / "evaluations.jsonl").read_text().splitlines()) == n_sim
    # the written scenario reproduces the fitted run
    write_outputs(res, d / "toy.toml", params, d / "out", seed=1, replications=3)
    man = json.loads((d / "out" / "manifest.json").read_text())
    assert man["kind"] == "calibration" and man["bundle_format"] == 1 and man["seed"] == 1
    assert man["parameters"]["scale"] == {"paths": ["demand.scale"], "low": 0.8, "high": 1.5,
                                          "prior": "uniform"}
    calibrated = load_scenario(d / "out" / "calibrated.toml")
    assert calibrated.demand.scale == res.params["scale"]
    # its own description, not its base's (a report described it as the base)
    assert calibrated.description.startswith("toy with its free parameters fitted")
    # written as TOML strings whatever the folder's name holds
    odd = d / 'o"u\\t'
    odd.mkdir()
    write_outputs(res, d / "toy.toml", params, odd, seed=1, replications=3)
    assert load_scenario(odd / "calibrated.toml").description.endswith(
        f"report: {odd / 'report.md'})")
    dwell = calibrated.nodes["gate"].crossing.customs_dwell_h
    assert dwell.dist == "lognormal" and dwell.mean == res.params["customs"]
    rep = json.loads((d / "out" / "report.json").read_text())
    assert rep["targets"][0]["target"] == "created"
    assert "| created (primary) |" in (d / "out" / "report.md").read_text()


def test_calibrate_command(setup, capsys):
    d = setup
    out = d / "cli"
    assert main(["calibrate", str(d / "targets.toml"), "--params", str(d / "parameters.toml"),
                 "--out", str(out), "--budget", "6", "--replications", "2", "--workers",
                 "1", "--abc", "4", "--quiet"]) == 0
    assert (out / "calibrated.toml").exists() and (out / "report.md").exists()
    assert (out / "posterior.parquet").exists()
    shown = capsys.readouterr().out
    post = json.loads((out / "posterior.json").read_text())
    assert post["threshold_published_errors"] == pytest.approx(3.841, abs=1e-3)
    assert "wrote" in shown and (
        f"of 4 draws within the 95 % threshold {post['threshold']:.3g} (3.84 from the "
        f"published errors, +{post['threshold'] / 3.841459 - 1:.0%} for the simulation's "
        "noise in the mean of 2 replications)") in shown
    assert main(["calibrate", str(d / "targets.toml"), "--abc-box", "2"]) == 2
    assert capsys.readouterr().err == ("error: <command line>: --abc-box: must be > 0 and "
                                       "<= 1 (got 2)\n")
    assert main(["calibrate", str(d / "targets.toml"), "--params", str(d / "parameters.toml"),
                 "--budget", "0"]) == 2
    assert capsys.readouterr().err == "error: <command line>: --budget: must be >= 1 (got 0)\n"
    assert main(["calibrate", str(d / "nope.toml"), "--params",
                 str(d / "parameters.toml")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {d / 'nope.toml'}: file not "
                                              "found")


def test_abc_keeps_the_draws_consistent_with_the_targets(setup):
    d = setup
    targets = load_targets(d / "targets.toml")
    params, _ = load_parameters(d / "parameters.toml")
    res = fit(d / "toy.toml", params, targets, d / "abc", replications=3, budget=40)
    write_outputs(res, d / "toy.toml", params, d / "abc")
    post = abc_around(res, d / "toy.toml", params, targets, d / "abc", n=24, box=0.2,
                      replications=3)
    assert len(post) == 24 and (d / "abc" / "posterior.parquet").exists()
    files = json.loads((d / "abc" / "manifest.json").read_text())["files"]
    assert {"posterior.parquet", "posterior.json", "evaluations.jsonl"} <= set(files)
    kept = post[post.accepted]
    # one weighted target: chi-square(1) 95 % = 3.84 -> |z| < 1.96, widened by the
    # simulation's noise in the mean of 3 replications; the kept scales sit around the
    # truth, the customs dwell (unseen by the target) spans its whole box
    assert 2 <= len(kept) < 24
    assert abs(kept.scale.mean() - SCALE) < 0.03
    assert kept.customs.max() - kept.customs.min() > 2
    # the allowance: the 24 draws' variances between their replications, pooled, over
    # 3 x 60^2 (the mean of 3 replications against the published sd), read back here
    # from the evaluations the log holds
    meta = json.loads((d / "abc" / "posterior.json").read_text())
    log = [json.loads(x) for x in (d / "abc" / "evaluations.jsonl").read_text().splitlines()]
    by_theta = {json.dumps(r["theta"], sort_keys=True): r for r in log}
    draws = [by_theta[json.dumps({"scale": row.scale, "customs": row.customs},
                                 sort_keys=True)] for row in post.itertuples()]
    s2 = np.mean([np.var(r["report"][0]["values"], ddof=1) for r in draws])
    noise = meta["noise"]
    assert noise["replications"] == 3 and noise["pooled_over_draws"] == 24
    assert noise["targets"]["created"]["sd"] == pytest.approx(np.sqrt(s2))
    assert noise["targets"]["created"]["allowance"] == pytest.approx(s2 / (3 * 60 ** 2))
    assert 0.01 < noise["targets"]["created"]["allowance"] < 2  # the toy's noise shows
    threshold = meta["threshold"]
    assert threshold == pytest.approx(chi2.ppf(0.95, 1) * (1 + s2 / (3 * 60 ** 2)))
    assert meta["threshold_published_errors"] == pytest.approx(chi2.ppf(0.95, 1))
    assert (post.objective[~post.accepted] > threshold).all()
    assert (post.objective[post.accepted] <= threshold).all()
    # the report says it: report.json's ABC part is posterior.json's, report.md a section
    rep = json.loads((d / "abc" / "report.json").read_text())
    assert rep["abc"]["noise"] == noise and rep["abc"]["threshold"] == threshold
    md = (d / "abc" / "report.md").read_text()
    assert (f"{len(kept)} of 24 draws kept: objective within the 95 % threshold "
            f"{threshold:.4g}: 3.841 from the published standard errors alone, raised by "
            f"{threshold / meta['threshold_published_errors'] - 1:.1%} for the "
            "simulation's own noise in the mean of 3 replications") in md
    assert (f"| created | 1 | 60 | {np.sqrt(s2):.3g} | {s2 / (3 * 60 ** 2):.3f} |"
            in md)


def test_run_over_the_posterior(setup, capsys):
    d = setup
    if not (d / "abc" / "posterior.parquet").exists():  # when run on its own
        targets = load_targets(d / "targets.toml")
        params, _ = load_parameters(d / "parameters.toml")
        res = fit(d / "toy.toml", params, targets, d / "abc", replications=3, budget=40)
        abc_around(res, d / "toy.toml", params, targets, d / "abc", n=24, box=0.2,
                   replications=3)
    out = d / "post_run"
    assert main(["run", str(d / "toy.toml"), "--posterior", str(d / "abc"),
                 "--posterior-draws", "3", "--replications", "2", "--out", str(out),
                 "--quiet", "--no-containers", "--workers", "1"]) == 0
    man = json.loads((out / "manifest.json").read_text())
    draws = man["posterior"]["draws"]
    assert len(draws) == min(3, len(draws)) and man["replications"] == 2 * len(draws)
    assert all(set(x) == {"demand.scale", "nodes.gate.crossing.customs_dwell_h.mean"}
               for x in draws)
    kp = json.loads((out / "kpis.json").read_text())
    row = next(r for r in kp if r["name"] == "containers_created" and r["period"] == "2024")
    assert len(row["values"]) == 2 * len(draws)
    # the summary says its replications are draws of the parameters
    capsys.readouterr()
    assert main(["run", str(d / "toy.toml"), "--posterior", str(d / "abc"),
                 "--posterior-draws", "2", "--out", str(d / "post_shown"), "--no-containers",
                 "--workers", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "toy: seed 7, 2 replication(s) (2 posterior draws x 1: the intervals carry the "
        "fitted parameters' uncertainty too); mean [95 % CI]")
    # a folder without a posterior is refused in one line
    assert main(["run", str(d / "toy.toml"), "--posterior", str(d), "--out",
                 str(d / "never"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {d}: --posterior: not a calibration folder with a "
                          "posterior") and err.count("\n") == 1


def _cli(d: Path, out: Path, *more: str, targets: str = "targets.toml") -> int:
    return main(["calibrate", str(d / targets), "--params", str(d / "parameters.toml"),
                 "--out", str(out), "--replications", "2", "--workers", "1", "--quiet",
                 *more])


def test_a_target_the_run_does_not_report_stops_before_anything_is_written(setup, capsys):
    """A scope that names something in the scenario (a node) but nothing the KPI is
    reported for: one line after the first run, and no folder (it used to fit to an
    objective of inf and report nan, with exit code 0)."""
    d = setup
    (d / "unreported.toml").write_text((d / "targets.toml").read_text().replace(
        'kpi = "containers_created"', 'kpi = "border_dwell_hours_mean"').replace(
        'unit = "containers"', 'unit = "hours"\nscope = "alpha"'), encoding="utf-8")
    out = d / "unreported"
    assert _cli(d, out, "--budget", "3", targets="unreported.toml") == 2
    assert capsys.readouterr().err == (
        f"error: {d / 'unreported.toml'}: targets.created.scope: the base scenario reports "
        "no border_dwell_hours_mean for 'alpha' in 2024 (allowed: gate)\n")
    assert not out.exists()


def test_inputs_are_checked_together_before_anything_runs(setup, capsys):
    d = setup
    (d / "late.toml").write_text((d / "targets.toml").read_text().replace(
        'period = "2024"', 'period = "2030"'), encoding="utf-8")
    (d / "twice.toml").write_text((d / "parameters.toml").read_text().replace(
        "nodes.gate.crossing.customs_dwell_h.mean", "demand.scale").replace("low = 10",
                                                                            "low = 0.9"),
        encoding="utf-8")
    out = d / "never"
    assert _cli(d, out, "--budget", "3", targets="late.toml") == 2
    assert capsys.readouterr().err == (f"error: {d / 'late.toml'}: targets.created.period: "
                                       "2030 is outside the horizon (allowed: 2024, run)\n")
    assert main(["calibrate", str(d / "targets.toml"), "--params", str(d / "twice.toml"),
                 "--out", str(out), "--quiet"]) == 2
    assert capsys.readouterr().err == (f"error: {d / 'twice.toml'}: parameters.customs.path: "
                                       "'demand.scale' is set by parameters.scale already (a "
                                       "path is set by one parameter)\n")
    assert not out.exists()


def test_a_folder_resumes_only_a_calibration_of_the_same_inputs(setup, capsys):
    """Its log was read back whatever the targets, seed or replications: a changed target
    was reported with the old published value and the old simulated one."""
    d = setup
    out = d / "resume"
    assert _cli(d, out, "--budget", "2") == 0
    n = len((out / "evaluations.jsonl").read_text().splitlines())
    man = json.loads((out / "manifest.json").read_text())
    assert man["fingerprint"].startswith("sha256:") and man["inputs"]["seed"] == 1
    capsys.readouterr()
    (d / "moved.toml").write_text((d / "targets.toml").read_text().replace(
        "sd = 60", "sd = 50"), encoding="utf-8")
    assert _cli(d, out, "--budget", "2", "--seed", "3", targets="moved.toml") == 2
    assert capsys.readouterr().err == (
        f"error: {out}: --out: holds a calibration of other inputs (changed: the targets, "
        "--seed); rerun with --restart to discard it, or choose another --out\n")
    assert len((out / "evaluations.jsonl").read_text().splitlines()) == n  # untouched
    # the same inputs with a larger budget go on from the log
    assert _cli(d, out, "--budget", "3") == 0
    assert len((out / "evaluations.jsonl").read_text().splitlines()) == n + 1
    # --restart starts again with the new targets
    assert _cli(d, out, "--budget", "2", "--restart", targets="moved.toml") == 0
    rep = json.loads((out / "report.json").read_text())
    assert rep["targets"][0]["sigma"] == 50 and rep["evaluations"] == 2
    assert len((out / "evaluations.jsonl").read_text().splitlines()) == 2


def test_the_targets_words_do_not_stop_a_resume(setup, capsys):
    """The fingerprint digested each target whole, its definition and source too: editing
    that prose forced --restart though no evaluation's score changes. Now it resumes (and
    the report says the new words), while a changed published value is refused."""
    d = setup
    out = d / "reworded"
    assert _cli(d, out, "--budget", "2") == 0
    n = len((out / "evaluations.jsonl").read_text().splitlines())
    text = (d / "targets.toml").read_text()
    (d / "words.toml").write_text(text.replace("boxes created in 2024", "containers made in "
                                               "2024").replace("(identifiability test)",
                                                               "(a new source)").replace(
        'role = "primary"', 'role = "secondary"').replace("sd = 60", "tolerance = 120"),
        encoding="utf-8")
    assert _cli(d, out, "--budget", "2", targets="words.toml") == 0  # all read back
    assert len((out / "evaluations.jsonl").read_text().splitlines()) == n
    row = json.loads((out / "report.json").read_text())["targets"][0]
    assert row["definition"].startswith("containers made in 2024")
    assert row["source"] == "the model itself (a new source)" and row["role"] == "secondary"
    capsys.readouterr()
    (d / "valued.toml").write_text(re.sub(r"value = ([\d.]+)", lambda m: f"value = "
                                          f"{float(m[1]) + 1}", text), encoding="utf-8")
    assert _cli(d, out, "--budget", "3", targets="valued.toml") == 2
    assert capsys.readouterr().err == (
        f"error: {out}: --out: holds a calibration of other inputs (changed: the "
        "targets); rerun with --restart to discard it, or choose another --out\n")
    # what else the score reads is in the fingerprint
    for field, edit in (("weight", 'role = "primary"\nweight = 0.5'),
                        ("scope", 'role = "primary"\nscope = "gate"'),
                        ("sigma", 'role = "primary"\nsd = 61')):
        changed = text.replace('role = "primary"', edit)
        if field == "sigma":
            changed = changed.replace("sd = 60\n", "")
        assert scored_digest(changed, d) != scored_digest(text, d), field


def scored_digest(text: str, d: Path) -> str:
    (d / "digested.toml").write_text(text, encoding="utf-8")
    params, _ = load_parameters(d / "parameters.toml")
    return calibration_inputs(load_targets(d / "digested.toml"), params, {}, 1, 1)["targets"]


def test_a_folder_fingerprinted_by_an_earlier_version_resumes(setup, capsys):
    """Folders written before the targets' words left the fingerprint record the targets
    digested whole: the same targets resume them, and only what else changed is named."""
    d = setup
    out = d / "earlier"
    assert _cli(d, out, "--budget", "2") == 0
    n = len((out / "evaluations.jsonl").read_text().splitlines())
    man = json.loads((out / "manifest.json").read_text())
    was = earlier_inputs(load_targets(d / "targets.toml"), man["inputs"])
    assert was["targets"] != man["inputs"]["targets"]
    (out / "manifest.json").write_text(json.dumps({**man, "inputs": was,
                                                   "fingerprint": fingerprint(was)}))
    capsys.readouterr()
    assert _cli(d, out, "--budget", "2", "--seed", "4") == 2
    assert "(changed: --seed);" in capsys.readouterr().err
    assert _cli(d, out, "--budget", "3") == 0
    assert len((out / "evaluations.jsonl").read_text().splitlines()) == n + 1
    man = json.loads((out / "manifest.json").read_text())  # written anew: today's digest
    assert man["inputs"]["targets"] != was["targets"]
    assert _cli(d, out, "--budget", "3") == 0


def test_paths_hold_from_any_working_directory(setup, tmp_path, monkeypatch, capsys):
    """The manifest recorded the base scenario as the command's working directory saw it
    ('calib/../scen/toy.toml'); it records it, and the parameters file, resolved, as a
    sweep's and an optimisation's manifests record their spec."""
    (tmp_path / "scen").mkdir()
    (tmp_path / "calib").mkdir()
    shutil.copy(setup / "toy.toml", tmp_path / "scen" / "toy.toml")
    (tmp_path / "calib" / "free.toml").write_text((setup / "parameters.toml").read_text(
        ).replace('scenario = "toy.toml"', 'scenario = "../scen/toy.toml"'), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = ["calibrate", str(setup / "targets.toml"), "--params", "calib/free.toml", "--out",
            "out", "--budget", "2", "--replications", "1", "--workers", "1", "--quiet"]
    assert main([*args, "--save", "calib/calibrated.toml"]) == 0
    man = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert man["base_scenario"] == str((tmp_path / "scen" / "toy.toml").resolve())
    assert man["parameters_path"] == str((tmp_path / "calib" / "free.toml").resolve())
    # calibrated.toml names the parameters file it was fitted with (it always named
    # calibration/parameters.toml), as the command line it records does
    for written in (tmp_path / "out" / "calibrated.toml", tmp_path / "calib" / "calibrated.toml"):
        text = written.read_text(encoding="utf-8")
        assert "\n# fitted values of the free parameters (calib/free.toml)\n" in text, text
    n = len((tmp_path / "out" / "evaluations.jsonl").read_text().splitlines())
    # from elsewhere: the report names the base scenario as it is, the fit resumes
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert main(["report", str(tmp_path / "out")]) == 0
    assert str((tmp_path / "scen" / "toy.toml").resolve()) in (
        tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert main(["calibrate", str(setup / "targets.toml"), "--params",
                 str(tmp_path / "calib" / "free.toml"), "--out", str(tmp_path / "out"),
                 "--budget", "2", "--replications", "1", "--workers", "1", "--quiet"]) == 0
    assert len((tmp_path / "out" / "evaluations.jsonl").read_text().splitlines()) == n
    assert "fitted values of the free parameters (" + str(tmp_path / "calib" / "free.toml") \
        in (tmp_path / "out" / "calibrated.toml").read_text(encoding="utf-8")
    assert load_scenario(tmp_path / "calib" / "calibrated.toml").name == "calibrated"


def test_a_folder_of_another_kind_is_never_written_into(setup, capsys):
    d = setup
    run_dir = d / "a_run"
    run_dir.mkdir()
    (run_dir / "manifest.json").write_text('{"kind": "run"}')
    (run_dir / "kpis.json").write_text("[]")
    assert _cli(d, run_dir, "--budget", "2", "--restart") == 2
    assert capsys.readouterr().err == (f"error: {run_dir}: --out: holds a run folder, not "
                                       "a calibration; choose another --out\n")
    assert json.loads((run_dir / "manifest.json").read_text()) == {"kind": "run"}
    old = d / "old_calibration"  # written before the folders recorded their inputs
    old.mkdir()
    (old / "manifest.json").write_text('{"kind": "calibration"}')
    (old / "evaluations.jsonl").write_text("")
    assert _cli(d, old, "--budget", "2") == 2
    assert capsys.readouterr().err == (
        f"error: {old}: --out: holds a calibration whose manifest.json does not record "
        "its inputs (written by an earlier version), so it cannot be resumed safely; rerun "
        "with --restart to discard it, or choose another --out\n")
    notes = d / "notes"
    notes.mkdir()
    (notes / "mine.txt").write_text("keep")
    assert _cli(d, notes, "--budget", "2", "--restart") == 2
    assert capsys.readouterr().err == (f"error: {notes}: --out: holds files but is not a "
                                       "calibration folder (no manifest.json); give an empty "
                                       "or new folder\n")
    assert (notes / "mine.txt").read_text() == "keep"


def test_an_interrupted_calibration_says_what_it_kept(setup, capsys, monkeypatch):
    """Ctrl-C used to print 'nothing was written' while the evaluations so far were kept
    (and are resumed)."""
    d = setup
    out = d / "interrupted"
    real, calls = fit_module.evaluate, []

    def evaluate_then_interrupt(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(fit_module, "evaluate", evaluate_then_interrupt)
    assert _cli(d, out, "--budget", "6") == 130
    assert capsys.readouterr().err == (
        f"interrupted: the 2 evaluation(s) so far are kept in {out / 'evaluations.jsonl'}; "
        "run the same command again to resume\n")
    # interrupted before the first evaluation is kept: nothing is written
    monkeypatch.setattr(fit_module, "evaluate", lambda *a, **k: (_ for _ in ()).throw(
        KeyboardInterrupt()))
    assert _cli(d, d / "early", "--budget", "6") == 130
    assert capsys.readouterr().err == "interrupted; nothing was written\n"
    assert not (d / "early").exists()


def test_the_report_gives_units_plain_numbers_and_whether_the_fit_converged(setup):
    """report.md showed 2.11e+05 for 211,000, no unit, and no word on whether the fit
    had converged or stopped at the budget."""
    d = setup
    targets = load_targets(d / "targets.toml")
    params, _ = load_parameters(d / "parameters.toml")
    short = fit(d / "toy.toml", params, targets, d / "short", replications=2, budget=2)
    assert not short.converged
    write_outputs(short, d / "toy.toml", params, d / "short")
    text = (d / "short" / "report.md").read_text()
    assert ("after 2 evaluations; stopped at the budget before converging: a larger "
            "--budget with the same command goes on from here") in text
    assert ("| target | weight | published ± 2 SE | simulated mean [95 % CI] | unit | residual "
            "| z |") in text
    row = next(line for line in text.splitlines() if line.startswith("| created"))
    value = float(targets.targets["created"].value)
    assert row.startswith(f"| created (primary) | 1 | {value:,.0f} ± 120 | ")
    assert "| containers |" in row and "e+" not in row
    assert json.loads((d / "short" / "report.json").read_text())["converged"] is False
    # one parameter and a target the toy cannot meet (the objective's floor stays high,
    # so its relative tolerance is met): Powell converges well within its budget
    (d / "floor.toml").write_text((d / "targets.toml").read_text() + """
[targets.far]
kpi = "containers_created"
period = "run"
value = 0
unit = "containers"
sd = 600
definition = "a figure the toy cannot meet"
source = "test"
""", encoding="utf-8")
    (d / "one_parameter.toml").write_text((d / "parameters.toml").read_text().split(
        "[parameters.customs]")[0], encoding="utf-8")
    one_param, _ = load_parameters(d / "one_parameter.toml")
    whole = fit(d / "toy.toml", one_param, load_targets(d / "floor.toml"), d / "floor",
                replications=2, budget=60)
    assert whole.converged and whole.evaluations < 60
    assert report_markdown(whole).splitlines()[2].endswith(
        f"after {whole.evaluations} evaluations; converged")
    one = fit(d / "toy.toml", params, targets, d / "one", replications=1, budget=1)
    assert "No interval: one replication per evaluation" in report_markdown(one)


def test_abc_draws_from_each_prior_within_the_box():
    """The priors of the parameters file were read and checked but ABC drew every
    parameter uniformly in its box whatever its prior."""
    u = (np.arange(1000) + 0.5) / 1000
    uniform = Parameter(path="x", low=0, high=10, source="t")
    assert np.median(prior_values(uniform, u, 2.0, 4.0)) == pytest.approx(3.0, abs=0.01)
    logu = Parameter(path="x", low=0.1, high=100, prior="loguniform", source="t")
    v = prior_values(logu, u, 1.0, 100.0)
    assert np.median(v) == pytest.approx(10.0, rel=0.02) and v.min() >= 1 and v.max() <= 100
    normal = Parameter(path="x", low=0, high=10, prior="normal", mean=2.0, sd=0.5,
                       source="t")
    v = prior_values(normal, u, 1.0, 6.0)
    # the normal cut at 1 (2 sd below) and 6: its median 2.014, 97.7 % below 3
    assert np.median(v) == pytest.approx(2.014, abs=0.002) and v.min() >= 1 and v.max() <= 6
    assert np.mean(v < 3) == pytest.approx(0.977, abs=0.003)


def test_save_is_checked_before_the_fit(setup, capsys):
    """--save into a missing folder, or onto a folder, was a traceback after the whole
    fit."""
    d = setup
    assert _cli(d, d / "never", "--save", str(d / "nowhere" / "cal.toml")) == 2
    assert capsys.readouterr().err == (f"error: <command line>: --save: no folder "
                                       f"'{d / 'nowhere'}' to write it in (create it first)\n")
    assert _cli(d, d / "never", "--save", str(d)) == 2
    assert capsys.readouterr().err == (f"error: <command line>: --save: '{d}' is a folder "
                                       "(give a file, e.g. my/calibrated.toml)\n")
    assert not (d / "never").exists()


def test_a_report_row_in_full():
    row = {"target": "t", "role": "primary", "weight": 1.0, "value": 211000.0, "sigma": 2110.0,
           "simulated_mean": 213125.4, "ci95": [208225.0, 217310.0], "values": [1, 2],
           "unit": "containers", "residual": 2125.4, "z": 1.2, "definition": "d"}
    share = {**row, "target": "s", "value": 0.85, "sigma": 0.01, "simulated_mean": 0.8462,
             "ci95": [0.8401, 0.8523], "unit": "fraction", "residual": -0.0038, "z": -0.38}
    unfitted = {**row, "target": "u", "role": "secondary", "weight": 0.0, "z": 5.47,
                "definition": "a known miss"}
    text = report_markdown(Fit({}, 1.05, 3, [row, share, unfitted], converged=False))
    assert "| t (primary) | 1 | 211,000 ± 4,220 | 213,125 [208,225, 217,310] | containers | " \
           "+2,125 | +1.20 |" in text
    assert "| s (primary) | 1 | 0.85 ± 0.02 | 0.846 [0.84, 0.852] | fraction | -0.0038 | " \
           "-0.38 |" in text
    assert "| u (secondary) | 0 | 211,000" in text
    assert "- **u** (z +5.47; weight 0: shown, not fitted): a known miss" in text


def test_abc_draws_a_parameter_from_its_prior(setup):
    d = setup
    (d / "normal.toml").write_text((d / "parameters.toml").read_text().replace(
        'source = "test: a parameter', 'prior = "normal"\nmean = 20\nsd = 1\n'
        'source = "test: a parameter'), encoding="utf-8")
    params, _ = load_parameters(d / "normal.toml")
    targets = load_targets(d / "targets.toml")
    centre = Fit({"scale": 1.15, "customs": 25.0}, 0.0, 0, [])
    post = abc_around(centre, d / "toy.toml", params, targets, d / "normal_abc", n=6,
                      box=0.5, replications=1)
    # a uniform draw in the box (10 to 40) would spread far beyond 20 +- 3
    assert post.customs.between(17, 23).all() and post.customs.std() > 0.3
    assert json.loads((d / "normal_abc" / "posterior.json").read_text())["priors"] == {
        "scale": "uniform", "customs": "normal"}


def test_the_abc_threshold_is_the_weighted_objective_s_quantile():
    """ABC kept draws under the chi-square quantile with as many degrees of freedom as
    targets, whatever their weights: 22.4 for the calibration's thirteen targets weighted
    1 to 0.25, whose objective's 95 % quantile is 12.7 (a researcher's first hour found
    10 of 10 draws kept). Equal weights give the chi-square exactly; unequal ones the
    weighted sum's quantile, checked by simulation."""
    assert abc_threshold([1.0] * 13) == pytest.approx(chi2.ppf(0.95, 13))
    assert abc_threshold([1.0]) == pytest.approx(3.841, abs=1e-3)
    w = np.array([1.0] * 3 + [0.5] * 6 + [0.25] * 4)
    sims = np.random.default_rng(3).chisquare(1, (400_000, len(w))) @ w
    assert abc_threshold(list(w)) == pytest.approx(np.quantile(sims, 0.95), rel=0.01)
    assert abc_threshold(list(w)) < 0.6 * chi2.ppf(0.95, len(w))


SWEEP_SPEC = """
model = "sim.study.sweeps.testfunctions:ishigami"
method = "lhs"
samples = 4
replications = 1
outputs = ["y"]
""" + "".join(f'[[parameters]]\npath = "x{i}"\nlow = -1.0\nhigh = 1.0\n' for i in (1, 2, 3))

OPTIMIZE_SPEC = """
model = "sim.study.sweeps.testfunctions:build_to_target"
budget = 2
replications = 1
[confirm]
candidates = 0
[[decisions]]
path = "ships"
low = 0
high = 3
cost_per_unit_usd = 4
source = "assumption: a toy"
[[decisions]]
path = "berths"
low = 0
high = 3
cost_per_unit_usd = 5
source = "assumption: a toy"
[[constraints]]
output = "wait"
max = 20
"""


def test_off_a_terminal_calibrate_shows_no_progress_as_sweep_and_optimize(setup, tmp_path,
                                                                          capsys):
    """The three long studies draw a progress bar on a terminal only (--quiet: none
    there either); off one (a log file, a pipe, as here) they write no progress at all,
    neither a bar nor periodic lines: stderr holds only warnings and errors."""
    d = setup
    assert main(["calibrate", str(d / "targets.toml"), "--params", str(d / "parameters.toml"),
                 "--out", str(tmp_path / "c"), "--budget", "2", "--replications", "1",
                 "--workers", "1", "--abc", "2"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "# Calibration report" in out
    (tmp_path / "sweep.toml").write_text(SWEEP_SPEC, encoding="utf-8")
    assert main(["sweep", str(tmp_path / "sweep.toml"), "--out", str(tmp_path / "s"),
                 "--workers", "1"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "4 runs" in out
    (tmp_path / "opt.toml").write_text(OPTIMIZE_SPEC, encoding="utf-8")
    assert main(["optimize", str(tmp_path / "opt.toml"), "--out", str(tmp_path / "o"),
                 "--workers", "1"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "wrote" in out


# the calibration's weighted targets (weights 1 to 0.25) with the ratio of each one's sd
# between replications to its published standard error as in a 3-replication calibration
# of December 2026 (the northern corridor's boxes and growth about 1, the minor ones ~0)
WEIGHTS = np.array([1.0] * 3 + [0.5] * 6 + [0.25] * 4)
NOISE_RATIO = np.array([1.04, 1.0, 0.66, 0.66, 0.39, 0.39, 0.13, 0.13, 0.06, 0.04, 0.03,
                        0.53, 0.96])


def _targets(sigmas: list[float], weights: list[float]) -> Targets:
    return Targets.model_validate({"targets": {
        f"t{i}": {"kpi": "containers_created", "period": "2024", "value": 0.0,
                  "unit": "containers", "sd": sd, "weight": w, "definition": "d",
                  "source": "s"} for i, (sd, w) in enumerate(zip(sigmas, weights))}})


def _record(values: list[list[float]]) -> dict:
    return {"report": [{"target": f"t{i}", "values": v} for i, v in enumerate(values)]}


def test_without_noise_the_abc_threshold_is_the_published_errors_one():
    """Replications that agree (s = 0) leave the threshold as it was before the
    simulation's noise was allowed for."""
    targets = _targets([60.0, 0.01, 2.0], [1.0, 0.5, 0.25])
    same = [_record([[6000.0] * 3, [0.85] * 3, [19.0] * 3]) for _ in range(4)]
    noise = noise_allowance(same, targets, 3)
    assert noise is not None and all(v["sd"] == 0 and v["allowance"] == 0
                                     for v in noise.values())
    w = [1.0, 0.5, 0.25]
    assert abc_threshold(w, allowances=[v["allowance"] for v in noise.values()]) == \
        abc_threshold(w)
    assert abc_threshold(list(WEIGHTS), allowances=[0.0] * 13) == abc_threshold(list(WEIGHTS))


def test_the_noise_is_pooled_over_the_draws():
    """s^2 is the draws' variances between replications weighted by their degrees of
    freedom; a value the model did not produce (NaN) and a target of weight 0 are left
    out; one replication per evaluation gives no estimate."""
    targets = _targets([10.0, 1.0, 5.0], [1.0, 0.5, 0.0])
    recs = [_record([[0.0, 2.0, 4.0], [1.0, 1.0, math.nan], [0.0, 9.0]]),
            _record([[10.0, 10.0, 16.0], [3.0, 5.0, 7.0], [0.0, 9.0]])]
    noise = noise_allowance(recs, targets, 3)
    assert noise is not None and set(noise) == {"t0", "t1"}
    # t0: (8 + 24) / (2 + 2) = 8; t1: (0 + 8) / (1 + 2)
    assert noise["t0"]["sd"] == pytest.approx(math.sqrt(8.0))
    assert noise["t0"]["allowance"] == pytest.approx(8.0 / (3 * 100.0))
    assert noise["t1"]["sd"] == pytest.approx(math.sqrt(8.0 / 3))
    assert noise["t1"]["weight"] == 0.5 and noise["t1"]["sigma"] == 1.0
    assert noise_allowance([_record([[1.0], [2.0], [3.0]])], targets, 1) is None


def test_the_abc_threshold_allows_for_the_simulation_s_noise():
    """Where the fit is right the objective's terms are ((mean of R replications -
    published) / SE)^2 with the published figure off by its SE and the mean off by
    s / sqrt(R): simulated here, replication by replication. The threshold counted the
    SE alone, so it kept 89 % of right parameter sets, not 95 %; with each weight times
    1 + s^2 / (R SE^2) Satterthwaite's approximation keeps 95 %. The tolerance, 0.005, is
    15 Monte Carlo standard errors of the coverage (0.00034 with 400,000 draws) and
    covers Satterthwaite's own error for these weights (about 0.001 here); leaving the
    noise out is 0.058 off, dividing it by R twice (s^2 / (R^2 SE^2)) 0.035."""
    sigma = np.array([2110, 0.0075, 0.01, 3560, 5500, 7677.5, 1974, 448400, 36500, 10, 2,
                      5, 2.0])
    s, r, n = NOISE_RATIO * sigma, 3, 400_000
    rng = np.random.default_rng(11)
    published = rng.normal(0.0, sigma, (n, len(sigma)))
    mean = sum(rng.normal(0.0, s, (n, len(sigma))) for _ in range(r)) / r
    q = ((mean - published) / sigma) ** 2 @ WEIGHTS
    now = abc_threshold(list(WEIGHTS), allowances=list(s ** 2 / (r * sigma ** 2)))
    before = abc_threshold(list(WEIGHTS))
    assert np.mean(q <= now) == pytest.approx(0.95, abs=0.005)
    assert now == pytest.approx(np.quantile(q, 0.95), rel=0.01)
    assert np.mean(q <= before) < 0.92  # the old threshold: measurably strict
    assert before == pytest.approx(12.72, abs=0.01) and now / before > 1.15


def test_abc_keeps_a_draw_the_published_errors_alone_would_reject(setup, monkeypatch):
    """Each draw scored 4.0 (above chi-square(1)'s 3.84) with replications 60 apart
    around the mean (sd 60, as the published sd): the allowance 60^2 / (3 x 60^2) = 1/3
    raises the threshold to 3.84 x 4/3 = 5.12, and every draw is kept."""
    d = setup
    targets = load_targets(d / "targets.toml")
    params, _ = load_parameters(d / "parameters.toml")

    def scored(base, base_path, params, theta, targets, *a, **k):
        return {"theta": theta, "objective": 4.0, "report": [
            {"target": "created", "values": [940.0, 1000.0, 1060.0]}]}

    monkeypatch.setattr(fit_module, "evaluate", scored)
    post = abc_around(Fit({"scale": 1.15, "customs": 25.0}, 0.0, 0, []), d / "toy.toml",
                      params, targets, d / "fixed_noise", n=5, box=0.2, replications=3)
    assert post.attrs["threshold"] == pytest.approx(chi2.ppf(0.95, 1) * 4 / 3)
    assert post.attrs["threshold_published_errors"] == pytest.approx(chi2.ppf(0.95, 1))
    assert post.accepted.all()
    meta = json.loads((d / "fixed_noise" / "posterior.json").read_text())
    assert meta["accepted"] == 5 and meta["noise"]["targets"]["created"] == {
        "weight": 1.0, "sd": 60.0, "sigma": 60.0, "allowance": pytest.approx(1 / 3)}
    assert not (d / "fixed_noise" / "report.json").exists()  # no fit's report: none added
