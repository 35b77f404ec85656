"""The checks of a study's --out before it starts (sim.study.folders.prepare_study_folder),
shared by the sweep, the optimisation and the calibration: each folder the three refuse,
refused with the same words naming the study, and nothing of a folder not the study's
ever removed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sim import __version__
from sim.scenario.problems import ConfigError
from sim.study.calibration.folder import STUDY as CALIBRATION
from sim.study.calibration.folder import input_changes
from sim.study.folders import StudyFolder, prepare_study_folder, spec_changes
from sim.study.optimize.folder import STUDY as OPTIMISATION
from sim.study.sweeps.folder import STUDY as SWEEP

STUDIES = [(SWEEP, "a sweep"), (OPTIMISATION, "an optimisation"),
           (CALIBRATION, "a calibration")]
IDS = ["sweep", "optimisation", "calibration"]


def prepare(out: Path, study: StudyFolder, restart: bool = False,
            changed=lambda old: ["--seed"], also: tuple[str, ...] = ()) -> bool:
    return prepare_study_folder(out, study, "sha256:new", changed, restart, also)


def refused(out: Path, study: StudyFolder, restart: bool = False, changed=lambda old: [
        "--seed"]) -> str:
    with pytest.raises(ConfigError) as e:
        prepare(out, study, restart, changed)
    assert len(e.value.problems) == 1
    return e.value.problems[0].line()


def manifest(out: Path, study: StudyFolder, **fields) -> None:
    out.mkdir(exist_ok=True)
    (out / study.manifest).write_text(json.dumps({"kind": study.kind, **fields}))


def data_file(study: StudyFolder) -> str:
    return next(f for f in study.files if f != study.manifest)


@pytest.mark.parametrize(("study", "a"), STUDIES, ids=IDS)
def test_new_empty_and_not_a_folder(tmp_path, study, a):
    assert prepare(tmp_path / "new", study) is False
    assert not (tmp_path / "new").exists()  # creates nothing
    (tmp_path / "empty").mkdir()
    assert prepare(tmp_path / "empty", study) is False
    (tmp_path / "file").write_text("x")
    assert refused(tmp_path / "file", study, restart=True) == (
        f"error: {tmp_path / 'file'}: --out: exists and is not a folder (give a new or empty "
        f"folder, or one holding {a} to resume)")


@pytest.mark.parametrize(("study", "a"), STUDIES, ids=IDS)
def test_resumes_its_own_inputs_and_names_what_changed(tmp_path, study, a):
    out = tmp_path / "o"
    manifest(out, study, fingerprint="sha256:new")
    (out / data_file(study)).write_text("kept")
    assert prepare(out, study) is True
    assert (out / data_file(study)).read_text() == "kept"
    # the same inputs fingerprinted by an earlier version resume too
    manifest(out, study, fingerprint="sha256:old")
    assert prepare(out, study, also=("sha256:old",)) is True
    assert refused(out, study) == (
        f"error: {out}: --out: holds {a} of other inputs (changed: --seed); rerun with "
        "--restart to discard it, or choose another --out")
    assert refused(out, study, changed=lambda old: []).endswith(
        "(changed: the folder format); rerun with --restart to discard it, or choose "
        "another --out")
    assert refused(out, study, changed=lambda old: None) == (
        f"error: {out}: --out: holds {a} whose {study.manifest} does not record its inputs "
        "(written by an earlier version), so it cannot be resumed safely; rerun with "
        "--restart to discard it, or choose another --out")
    assert (out / data_file(study)).read_text() == "kept"
    # --restart clears the study's files, the manifest with them, and nothing else
    (out / "mine.txt").write_text("keep")
    (out / "figures").mkdir()
    assert prepare(out, study, restart=True) is False
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]


@pytest.mark.parametrize(("study", "a"), STUDIES, ids=IDS)
def test_another_kind_is_never_written_into(tmp_path, study, a):
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text('{"kind": "run"}')
    (run / "kpis.json").write_text("[]")
    for restart in (False, True):
        assert refused(run, study, restart) == (
            f"error: {run}: --out: holds a run folder, not {a}; choose another --out")
    other = OPTIMISATION if study is not OPTIMISATION else CALIBRATION
    opt = tmp_path / "other"
    manifest(opt, other, fingerprint="sha256:new")
    (opt / data_file(other)).write_text("kept")
    held = "an optimisation" if other is OPTIMISATION else "a calibration"
    assert refused(opt, study, restart=True) == (
        f"error: {opt}: --out: holds {held} folder, not {a}; choose another --out")
    nameless = tmp_path / "nameless"
    nameless.mkdir()
    (nameless / study.manifest).write_text('{"fingerprint": "sha256:new"}')
    assert refused(nameless, study, restart=True) == (
        f"error: {nameless}: --out: holds a folder whose {study.manifest} names no kind, "
        f"not {a}; choose another --out")
    assert sorted(p.name for p in run.iterdir()) == ["kpis.json", "manifest.json"]
    assert (opt / data_file(other)).read_text() == "kept"
    assert (nameless / study.manifest).exists()


@pytest.mark.parametrize(("study", "a"), STUDIES, ids=IDS)
def test_files_without_a_manifest(tmp_path, study, a):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "mine.txt").write_text("keep")
    (notes / data_file(study)).write_text("x")
    for restart in (False, True):
        assert refused(notes, study, restart) == (
            f"error: {notes}: --out: holds files but is not {a} folder (no "
            f"{study.manifest}); give an empty or new folder")
    assert (notes / "mine.txt").read_text() == "keep"
    # a study's files but no manifest: kept unless --restart
    orphan = tmp_path / "orphan"
    orphan.mkdir()
    (orphan / data_file(study)).write_text("x")
    assert refused(orphan, study) == (
        f"error: {orphan}: --out: holds {a}'s files but no {study.manifest}, so what they "
        "hold is unknown; rerun with --restart to discard them, or choose another --out")
    assert (orphan / data_file(study)).exists()
    assert prepare(orphan, study, restart=True) is False
    assert not any(orphan.iterdir())
    # only a temporary file (killed while the manifest was being written): cleared
    (orphan / f".{study.manifest}.abc123").write_text("{")
    assert prepare(orphan, study) is False
    assert not any(orphan.iterdir())


@pytest.mark.parametrize(("study", "a"), STUDIES, ids=IDS)
def test_an_unreadable_manifest(tmp_path, study, a):
    out = tmp_path / "o"
    out.mkdir()
    man = out / study.manifest
    for text, why in (("{", r"unreadable \(Expecting .*\)"),
                      ("[1]", r"unreadable \(not a JSON object\)")):
        man.write_text(text)
        (out / data_file(study)).write_text("x")
        line = refused(out, study)
        assert line.startswith(f"error: {man}: "), line
        assert line.endswith(f", so the {study.noun} in this folder cannot be resumed; rerun "
                             "with --restart to start it again, or choose another --out"), line
        assert re.search(why, line), line
        # --restart starts again when everything there is the study's
        assert prepare(out, study, restart=True) is False
        assert not any(out.iterdir())
    # ... and never when something is not
    man.write_text("{")
    (out / "mine.txt").write_text("keep")
    line = refused(out, study, restart=True)
    assert line.endswith(f", and the folder holds files that are not {a}'s; choose another "
                         "--out"), line
    assert (out / "mine.txt").exists() and man.exists()


def test_a_sweep_folder_is_named_as_one_by_the_others(tmp_path):
    """A sweep's manifest is sweep.json: another study given its folder names it."""
    out = tmp_path / "s"
    manifest(out, SWEEP, fingerprint="x")
    (out / "runs.sqlite").write_text("")
    for study, a in STUDIES[1:]:
        assert refused(out, study, restart=True) == (
            f"error: {out}: --out: holds a sweep folder, not {a}; choose another --out")


def test_what_changed_is_named():
    old = {"spec": {"scenario": "a.toml", "samples": 5, "seed": 1}, "base_config_hash": "h",
           "package_version": __version__}
    assert spec_changes(old, "h", {"scenario": "b.toml", "samples": 5, "seed": 1}) == []
    assert spec_changes(old, "g", {"scenario": "a.toml", "samples": 6}) == [
        "the base scenario", "samples", "seed"]
    assert spec_changes({**old, "package_version": "0.0.1"}, "h", old["spec"]) == [
        f"corridor-sim 0.0.1 -> {__version__}"]
    assert spec_changes({"base_config_hash": "h"}, "h", old["spec"]) is None
    inputs = {"targets": "t", "parameters": "p", "base_scenario": "b", "seed": 1,
              "replications": 3, "version": __version__}
    assert input_changes(dict(inputs), inputs) == []
    assert input_changes({**inputs, "targets": "u", "seed": 2, "version": "0.0.1"},
                         inputs) == ["the targets", "--seed",
                                     f"corridor-sim 0.0.1 -> {__version__}"]
    assert input_changes(None, inputs) is None
