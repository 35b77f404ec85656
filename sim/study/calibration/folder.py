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
from sim.io.manifest import read_manifest
from sim.scenario.problems import WHOLE_FILE, ConfigError, Problem
from sim.study.calibration.inputs import Parameters, Targets
from sim.study.folders import clear_study, holds_only

FOLDER_FILES = ("manifest.json", "evaluations.jsonl", "report.json", "report.md",
                "calibrated.toml", "posterior.parquet", "posterior.json", "report.html")

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


def prepare_folder(out: Path, inputs: dict, restart: bool) -> None:
    """Check that ``out`` is new, empty or holds a calibration of these ``inputs``
    (resume), or clear a calibration folder of other inputs (``restart``); ConfigError
    (one line, naming ``--out``) otherwise. Creates nothing."""
    man = out / "manifest.json"
    if out.exists() and not out.is_dir():
        raise ConfigError([Problem(str(out), "--out", "exists and is not a folder")])
    entries = list(out.iterdir()) if out.is_dir() else []
    if not entries:
        return
    if not man.exists():
        if not all(holds_only(e, FOLDER_FILES) for e in entries):
            raise ConfigError([Problem(str(out), "--out", "holds files but is not a "
                                       "calibration folder (no manifest.json); give an empty "
                                       "or new folder")])
        if not restart:
            raise ConfigError([Problem(str(out), "--out", "holds a calibration's files but "
                                       "no manifest.json (written by an earlier version), so "
                                       "what they were fitted to is unknown; rerun with "
                                       "--restart to discard them, or choose another --out")])
        clear_study(out, FOLDER_FILES, "manifest.json")
        return
    try:
        old = read_manifest(man)
    except (OSError, ValueError) as e:
        raise ConfigError([Problem(str(man), WHOLE_FILE, f"unreadable ({e}); rerun with "
                                   "--restart to start the calibration again")]) from None
    kind = old.get("kind") if isinstance(old, dict) else None
    if kind != "calibration":
        raise ConfigError([Problem(str(out), "--out", f"holds a {kind or 'other'} folder, "
                                   "not a calibration; choose another --out")])
    if restart:
        clear_study(out, FOLDER_FILES, "manifest.json")
        return
    if old.get("fingerprint") == fingerprint(inputs):
        return
    was = old.get("inputs")
    if not isinstance(was, dict):
        raise ConfigError([Problem(str(out), "--out", "holds a calibration written before "
                                   "calibration folders recorded their inputs, so it cannot "
                                   "be resumed safely; rerun with --restart to discard it, "
                                   "or choose another --out")])
    changed = [INPUT_NAMES.get(k, k) for k in inputs if was.get(k) != inputs[k]]
    raise ConfigError([Problem(str(out), "--out", "holds a calibration of other inputs "
                               f"(changed: {', '.join(changed) or 'the folder format'}); "
                               "rerun with --restart to discard it, or choose another "
                               "--out")])


def keep(out: Path, record: dict, manifest: dict) -> None:
    """Append one evaluation to ``out/evaluations.jsonl``, first creating the folder and
    writing ``manifest`` when the folder has none."""
    if not (out / "manifest.json").exists():
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / "manifest.json", dumps(manifest))
    with (out / "evaluations.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, allow_nan=True) + "\n")


__all__ = ["FOLDER_FILES", "calibration_inputs", "fingerprint", "keep", "prepare_folder"]
