"""A calibration's folder (``--out``): ``manifest.json`` (kind 'calibration', the inputs its
evaluations depend on and their fingerprint), ``evaluations.jsonl`` (one line per
evaluation, appended as it completes), the report, the calibrated scenario and, after
ABC, the posterior.

An evaluation depends on the targets it is scored against, the free parameters' paths, the
base scenario (by its resolved content), the seed, the replications and the package's
version: :func:`calibration_inputs` names them. :func:`prepare_folder` lets a folder be
resumed only by a calibration of the same inputs (its log would otherwise be read back as
if it were this one's), never writes into another kind of folder, and clears a folder of
its own kind on ``restart``. The folder and its manifest are made when the first
evaluation is kept (:func:`keep`), so a calibration that stops before it leaves nothing.
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


def calibration_inputs(targets: Targets, params: Parameters, base_data: dict, seed: int,
                       replications: int) -> dict:
    """What a calibration's evaluations depend on (``base_data``: the base scenario's
    resolved data); the parameters' bounds and priors are not among them (an evaluation is
    of parameter values, whatever range they were drawn from)."""
    return {"targets": _digest(targets.model_dump(mode="json")),
            "parameters": _digest({pid: p.paths for pid, p in params.parameters.items()}),
            "base_scenario": config_hash(base_data), "seed": seed,
            "replications": replications, "version": __version__}


def fingerprint(inputs: dict) -> str:
    """One string that tells a calibration's inputs from any other's."""
    return _digest(inputs)


def input_changes(was: object, inputs: dict) -> list[str] | None:
    """The inputs (in words: :data:`INPUT_NAMES`) that differ from those a folder's
    manifest records (``was``; None: it records none)."""
    if not isinstance(was, dict):
        return None
    return [*(INPUT_NAMES.get(k, k) for k in inputs if k != "version" and was.get(k) != inputs[k]),
            *version_change(was.get("version"))]


def prepare_folder(out: Path, inputs: dict, restart: bool) -> None:
    """Check that ``out`` is new, empty or holds a calibration of these ``inputs``
    (resume), or clear a calibration folder of other inputs (``restart``); ConfigError
    (one line, naming ``--out``) otherwise (:func:`prepare_study_folder`). Creates
    nothing."""
    prepare_study_folder(out, STUDY, fingerprint(inputs),
                         lambda old: input_changes(old.get("inputs"), inputs), restart)


def keep(out: Path, record: dict, manifest: dict) -> None:
    """Append one evaluation to ``out/evaluations.jsonl``, first creating the folder and
    writing ``manifest`` when the folder has none."""
    if not (out / "manifest.json").exists():
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / "manifest.json", dumps(manifest))
    with (out / "evaluations.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, allow_nan=True) + "\n")


__all__ = ["FOLDER_FILES", "INPUT_NAMES", "STUDY", "calibration_inputs", "fingerprint",
           "input_changes", "keep", "prepare_folder"]
