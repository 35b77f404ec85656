"""A calibration's folder (``--out``): ``manifest.json`` (kind 'calibration', the inputs its
evaluations depend on and their fingerprint), ``evaluations.jsonl`` (one line per
evaluation, appended as it completes), the report, the calibrated scenario and, after
ABC, the posterior.

An evaluation depends on the targets it is scored against (what the score reads of them,
not their words), the free parameters' paths, the base scenario (by its resolved
content), the seed, the replications and the package's version: :func:`calibration_inputs`
names them. :func:`prepare_folder` lets a folder be resumed only by a calibration of the
same inputs (its log would otherwise be read back as if it were this one's), never writes
into another kind of folder, and clears a folder of its own kind on ``restart``, with the
checks and words every study shares (:func:`sim.study.folders.prepare_study_folder`).
The folder and its manifest are made when the first evaluation is kept (:func:`keep`), so
a calibration that stops before it leaves nothing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sim import __version__
from sim.io.atomic import write_text_atomic
from sim.io.bundle import config_hash, dumps
from sim.study.calibration.inputs import Parameters, Targets
from sim.study.folders import StudyFolder, prepare_study_folder, version_change

FOLDER_FILES = ("manifest.json", "evaluations.jsonl", "report.json", "report.md",
                "calibrated.toml", "posterior.parquet", "posterior.json", "report.html")
STUDY = StudyFolder("calibration", "calibration", "manifest.json", FOLDER_FILES)

# how each of the inputs is named when a folder holds a calibration of other ones
INPUT_NAMES = {"targets": "the targets", "parameters": "the free parameters' paths",
               "base_scenario": "the base scenario", "seed": "--seed",
               "replications": "--replications", "version": "the corridor-sim version"}


def _digest(value: object) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def scored(targets: Targets) -> dict:
    """What an evaluation's score reads of each target (``fit.evaluate``): the KPI, its
    period and scope, the year a relative change is from, the published value, its
    standard error (``sd``, or half the ``tolerance``) and its weight. Not its unit (the
    KPI's, checked when the targets are read), role, definition or source, which the
    report shows as the targets say them now: editing them keeps a folder resumable."""
    return {tid: {"kpi": t.kpi, "period": t.period, "scope": t.scope,
                  "relative_to": t.relative_to, "value": t.value, "sigma": t.sigma,
                  "weight": t.weight} for tid, t in targets.targets.items()}


def calibration_inputs(targets: Targets, params: Parameters, base_data: dict, seed: int,
                       replications: int) -> dict:
    """What a calibration's evaluations depend on (``base_data``: the base scenario's
    resolved data); the parameters' bounds and priors are not among them (an evaluation is
    of parameter values, whatever range they were drawn from), nor the targets' words
    (:func:`scored`)."""
    return {"targets": _digest(scored(targets)),
            "parameters": _digest({pid: p.paths for pid, p in params.parameters.items()}),
            "base_scenario": config_hash(base_data), "seed": seed,
            "replications": replications, "version": __version__}


def fingerprint(inputs: dict) -> str:
    """One string that tells a calibration's inputs from any other's."""
    return _digest(inputs)


def earlier_inputs(targets: Targets, inputs: dict) -> dict:
    """``inputs`` as calibration folders recorded them until 2026-12 (the targets digested
    whole, their words too): a folder of those is resumed as one of ``inputs``."""
    return {**inputs, "targets": _digest(targets.model_dump(mode="json"))}


def input_changes(was: object, inputs: dict, earlier: dict | None = None) -> list[str] | None:
    """The inputs (in words: :data:`INPUT_NAMES`) that differ from those a folder's
    manifest records (``was``; None: it records none); one recorded as ``earlier`` has it
    counts as the same."""
    if not isinstance(was, dict):
        return None
    same = [inputs, earlier or inputs]
    return [*(INPUT_NAMES.get(k, k) for k in inputs
              if k != "version" and all(was.get(k) != i[k] for i in same)),
            *version_change(was.get("version"))]


def prepare_folder(out: Path, inputs: dict, restart: bool, earlier: dict | None = None) -> None:
    """Check that ``out`` is new, empty or holds a calibration of these ``inputs`` (or of
    the same inputs as an earlier version recorded them, ``earlier``: resume), or clear a
    calibration folder of other inputs (``restart``); ConfigError (one line, naming
    ``--out``) otherwise (:func:`prepare_study_folder`). Creates nothing."""
    prepare_study_folder(out, STUDY, fingerprint(inputs),
                         lambda old: input_changes(old.get("inputs"), inputs, earlier),
                         restart, also=(fingerprint(earlier),) if earlier else ())


def keep(out: Path, record: dict, manifest: dict) -> None:
    """Append one evaluation to ``out/evaluations.jsonl``, first creating the folder and
    writing ``manifest`` when the folder has none."""
    if not (out / "manifest.json").exists():
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / "manifest.json", dumps(manifest))
    with (out / "evaluations.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, allow_nan=True) + "\n")


__all__ = ["FOLDER_FILES", "INPUT_NAMES", "STUDY", "calibration_inputs", "earlier_inputs",
           "fingerprint", "input_changes", "keep", "prepare_folder", "scored"]
