"""A sweep spec read and checked, ready to run (:func:`load_sweep` -> :class:`Sweep`).

The checks come in three rounds, each reporting every problem at once (ConfigError with
one line per problem): the spec on its own (names, paths, outputs, the method's own rules,
the number of runs), then against its base — the scenario (every path names a number, the
outputs name KPIs in the horizon, the scenario is valid at both ends of every range) or
the model function (importable, callable) — and last the design is made and the
fingerprint that tells this sweep from any other is computed.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim import __version__
from sim.engine.output import Calendar
from sim.io.bundle import config_hash
from sim.measure.kpis import KPIS, output_problem
from sim.measure.location import scope_words
from sim.scenario.loading import (
    apply_overrides,
    load_raw,
    read_data_file,
    resolved_dict,
    validate_span,
)
from sim.scenario.problems import ConfigError, Problem
from sim.study.parameters import path_value
from sim.study.sweeps.methods import METHODS, design
from sim.study.sweeps.schema import SWEEP_FORMAT, SweepSpec, model_function
from sim.study.sweeps.worker import run_scenario

MAX_RUNS = 1_000_000
RESERVED = ("point", "replication", "seed", "status", "error", "wall_s", "varied")
OUTPUT_RE = re.compile(r"^(?P<kpi>[a-z0-9_]+)(?::(?P<scope>[^@:]+))?(?:@(?P<period>\d{4}|run))?$")


@dataclass
class Output:
    """An output column: as written in the spec, and the KPI, scope and period it reads."""

    column: str
    kpi: str
    scope: str
    period: str
    unit: str = ""


@dataclass
class Sweep:
    """A checked spec, ready to run: the spec, its file, the base (raw scenario data or the
    model function), the outputs and the design."""

    spec: SweepSpec
    path: Path
    shown: str
    outputs: list[Output]
    unit: np.ndarray                 # design in the unit hypercube (points x parameters)
    values: np.ndarray               # the same in parameter values
    oat_varied: list[str] | None     # oat: which parameter each point moves ('' = base)
    loaded: Any = None               # scenario: raw merged data with 'set' applied
    fingerprint: str = ""
    base_config_hash: str = ""
    written: dict = field(default_factory=dict)   # the spec as written (defaults filled)
    notes: list[Problem] = field(default_factory=list)   # the base's, fitted to 'horizon'

    @property
    def points(self) -> int:
        return len(self.values)

    @property
    def runs(self) -> int:
        return self.points * self.spec.replications


def load_sweep(path: str | Path) -> Sweep:
    """Read and check a sweep spec (ConfigError with one line per problem) and make its
    design."""
    path = Path(path)
    spec, shown = read_data_file(path, SweepSpec, SPEC_RULES, ("parameters", "outputs"))
    written = spec.model_dump(mode="json")   # before the checks fill in bases from the scenario
    problems = spec_problems(spec, shown)
    if problems:
        raise ConfigError(problems)
    sweep = Sweep(spec, path, shown, [], np.empty((0, 0)), np.empty((0, 0)), None)
    if spec.scenario is not None:
        _check_scenario(sweep, spec.scenario)
    else:
        _check_model(sweep)
    sweep.unit, sweep.oat_varied = design(spec)
    sweep.values = np.column_stack([p.ppf(sweep.unit[:, j])
                                    for j, p in enumerate(spec.parameters)])
    if sweep.oat_varied is not None:  # the parameters not moved sit exactly at their base
        for j, p in enumerate(spec.parameters):
            still = np.array([v != p.label for v in sweep.oat_varied])
            sweep.values[still, j] = p.base
    sweep.written = written
    sweep.fingerprint = fingerprint(written, sweep.base_config_hash, SWEEP_FORMAT)
    return sweep


def fingerprint(written: dict, base_config_hash: str, fmt: int) -> str:
    """What tells a study from any other (a folder resumes only its own): the spec as
    written, but for its scenario file's name — the scenario enters by its resolved
    content (``base_config_hash``: with 'set' and 'horizon' applied), so the same file
    named relatively or absolutely is the same study — the format and the version. A
    spec without 'horizon' keeps the fingerprint it had before the field existed."""
    spec = {k: v for k, v in written.items()
            if k != "scenario" and not (k == "horizon" and v is None)}
    canon = json.dumps({"spec": spec, "base": base_config_hash, "format": fmt,
                        "version": __version__}, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canon.encode()).hexdigest()


def spec_problems(spec: SweepSpec, shown: str) -> list[Problem]:
    """Checks of the spec on its own (before the scenario or model is read)."""
    return [p for rule in SPEC_RULES for p in rule(spec, shown)]


def _listing_problems(spec: SweepSpec, shown: str) -> list[Problem]:
    """Outputs listed once; parameters named once, not as a column, each path set once."""
    problems: list[Problem] = []
    names = spec.names
    seen_paths: dict[str, str] = {}
    columns = set(spec.outputs)
    for i, text in enumerate(spec.outputs):
        if spec.outputs.index(text) != i:
            problems.append(Problem(shown, f"outputs[{i}]", f"'{text}' is listed twice"))
    for i, prm in enumerate(spec.parameters):
        where = f"parameters[{i}].name" if prm.name else f"parameters[{i}].path"
        if names.index(prm.label) != i:
            problems.append(Problem(shown, f"parameters[{i}].name", f"'{prm.label}' names two "
                                    "parameters (give each a different 'name')"))
        elif prm.label in RESERVED or prm.label.startswith("u:") or prm.label in columns:
            problems.append(Problem(shown, where, f"'{prm.label}' is already a column of the "
                                    f"run table ({', '.join(RESERVED)}, 'u:...' and the "
                                    "outputs); give the parameter another 'name'"))
        for k, p in enumerate(prm.paths):
            at = f"parameters[{i}].path" + ("" if isinstance(prm.path, str) else f"[{k}]")
            if p in seen_paths:
                problems.append(Problem(shown, at, f"'{p}' is also set by "
                                        f"{seen_paths[p]}; one path, one parameter"))
            elif p in spec.set:
                problems.append(Problem(shown, at, f"'{p}' is fixed by 'set' as well; "
                                        "remove it from one of them"))
            seen_paths.setdefault(p, f"parameters[{i}]")
    return problems


def _design_problems(spec: SweepSpec, shown: str) -> list[Problem]:
    """The method's own rules, and a design within the runs a sweep may make."""
    problems: list[Problem] = []
    method = METHODS[spec.method]
    problems += method.check(spec, shown)
    points = method.size(spec)
    if points * spec.replications > MAX_RUNS:
        problems.append(Problem(shown, "samples", f"{spec.method} with samples = "
                                f"{spec.samples} makes {points:,} design points x "
                                f"{spec.replications} replication(s) = "
                                f"{points * spec.replications:,} runs (at most {MAX_RUNS:,} "
                                "per sweep)"))
    return problems


# the fields 'horizon' gives: neither 'set' nor a parameter or decision may set them too
HORIZON_PATHS = ("horizon.start", "horizon.end", "horizon.label_partial_years")


def horizon_problems(horizon: str | None, model: str | None, fixed: dict,
                     paths: list[tuple[str, str]], shown: str) -> list[Problem]:
    """A study's ``horizon`` against its base and the fields it sets (``paths``: where in
    the spec, dotted path): a model function has no horizon, and what 'horizon' gives is
    given once."""
    if horizon is None:
        return []
    if model is not None:
        return [Problem(shown, "horizon", "a model function has no horizon; 'horizon' runs "
                        "a scenario for another span")]
    problems = [Problem(shown, "horizon", f"'set' fixes '{p}' as well; give the span in "
                        "'horizon' alone") for p in HORIZON_PATHS if p in fixed]
    problems += [Problem(shown, where, f"'{p}' is given by 'horizon'; it cannot be varied "
                         "as well") for where, p in paths if p in HORIZON_PATHS]
    return problems


def _horizon_problems(spec: SweepSpec, shown: str) -> list[Problem]:
    return horizon_problems(spec.horizon, spec.model, spec.set, [
        (f"parameters[{i}].path" + ("" if isinstance(prm.path, str) else f"[{k}]"), p)
        for i, prm in enumerate(spec.parameters) for k, p in enumerate(prm.paths)], shown)


# the spec's checks on its own, one per theme (run on the parts that validated as well,
# when the spec fails its schema: sim.scenario.loading.read_data_file)
SPEC_RULES = (_listing_problems, _design_problems, _horizon_problems)


def base_scenario(spec_path: Path, shown: str, scenario_file: str, fixed: dict | None,
                  horizon: tuple[dt.date, dt.date] | None = None,
                  notes: list[Problem] | None = None) -> tuple[Any, dict, list[str]]:
    """A study's base scenario, next to its spec, with the spec's ``set`` applied: (the
    loaded data, kept to apply each point's inputs to; the resolved scenario as data,
    fitted to the spec's ``horizon`` if it gives one, as ``corridor run --horizon`` fits
    it; its years' labels). The loaded data is kept before the fitting, which each run
    repeats after its inputs (:func:`sim.study.sweeps.worker.run_scenario`); ``notes``
    receives the fitting's warnings. ConfigError when the file is missing or a 'set'
    value is bad."""
    base = spec_path.parent / scenario_file
    if not base.is_file():
        raise ConfigError([Problem(shown, "scenario", f"'{scenario_file}' not found next to "
                                   "this file")])
    loaded = load_raw(base)
    if fixed:
        apply_overrides(loaded, dict(fixed), shown)
    scenario = validate_span(copy.deepcopy(loaded), str(base), horizon,  # names 'set' values
                             notes if horizon is not None else None, origin=shown)
    years = [label for label, _a, _b in Calendar.of(scenario).years()]
    return loaded, resolved_dict(scenario), years


def _check_scenario(sweep: Sweep, scenario_file: str) -> None:
    """The outputs and parameters against the base scenario (with 'set' applied); fills
    in each parameter's base and whole-number flag from the scenario."""
    spec, shown = sweep.spec, sweep.shown
    loaded, data, years = base_scenario(sweep.path, shown, scenario_file, spec.set,
                                        spec.span, sweep.notes)
    base_shown = str(sweep.path.parent / scenario_file)
    sweep.loaded, sweep.base_config_hash = loaded, config_hash(data)
    problems = _output_problems(sweep, years, scope_words(data))
    for i, prm in enumerate(spec.parameters):
        value, found = path_value(data, prm.path, f"parameters[{i}]", shown)
        problems += found
        if value is None:
            continue
        if prm.integer is None:
            prm.integer = isinstance(value, int)
        if prm.integer and not (prm.low.is_integer() and prm.high.is_integer()):
            problems.append(Problem(shown, f"parameters[{i}]", f"'{prm.paths[0]}' is a whole "
                                    f"number: give whole-number low and high (got "
                                    f"{prm.low:g}, {prm.high:g})"))
            continue
        if prm.base is None:
            if not prm.low <= value <= prm.high:
                problems.append(Problem(shown, f"parameters[{i}]", f"the scenario's value "
                                        f"{value:g} lies outside [{prm.low:g}, "
                                        f"{prm.high:g}] (widen the range or give 'base')"))
                continue
            prm.base = float(value)
        # the scenario must be valid at both ends of the range
        for end in ("low", "high"):
            v = getattr(prm, end)
            v = round(v) if prm.integer else v
            try:
                run_scenario(loaded, {p: v for p in prm.paths}, shown, base_shown, spec.span)
            except ConfigError as e:
                why = e.problems[0]
                problems.append(Problem(shown, f"parameters[{i}].{end}", f"the scenario is "
                                        f"invalid at {v:g}: {why.path}: {why.message}"))
    if problems:
        raise ConfigError(problems)


def _output_problems(sweep: Sweep, years: list[str], words: set[str]) -> list[Problem]:
    """Reads every output of the spec into ``sweep.outputs``; the problems of those it
    cannot read (not a KPI, a year outside the horizon, a scope that names nothing in the
    scenario: :func:`scope_words`)."""
    problems: list[Problem] = []
    for i, text in enumerate(sweep.spec.outputs):
        m = OUTPUT_RE.match(text)
        if not m:
            problems.append(Problem(sweep.shown, f"outputs[{i}]", f"'{text}' is not 'name', "
                                    "'name:scope', 'name@year' or 'name:scope@year'"))
            continue
        got = read_output(text, m, years, words)
        if isinstance(got, str):
            problems.append(Problem(sweep.shown, f"outputs[{i}]", got))
        else:
            sweep.outputs.append(got)
    return problems


def read_output(text: str, m: re.Match, years: list[str], words: set[str]) -> Output | str:
    """An output as written (``m``: its match of :data:`OUTPUT_RE`) read against the base
    scenario's years' labels and scope words (:func:`scope_words`), or what is wrong with
    it (not a KPI, a year outside the horizon, a scope that names nothing). A year is
    named by its number, also when the horizon covers it in part: '@2024' reads the KPIs
    of '2024 Mar–Aug'; no year: the last."""
    numbers = [label.split(" ")[0] for label in years]
    kpi, scope, period = m["kpi"], m["scope"] or "all", m["period"] or numbers[-1]
    why = output_problem(kpi, scope, period, numbers, words)
    if why:
        return why
    label = years[numbers.index(period)] if period in numbers else period
    return Output(text, kpi, scope, label, KPIS[kpi][0])


def checked_model(ref: str, shown: str) -> Any:
    """A study's model function 'module:function', imported; ConfigError if it cannot be
    imported or is not callable."""
    try:
        fn = model_function(ref)
    except (ImportError, AttributeError) as e:
        raise ConfigError([Problem(shown, "model", f"cannot import '{ref}' "
                                   f"({type(e).__name__}: {e})")]) from None
    if not callable(fn):
        raise ConfigError([Problem(shown, "model", f"'{ref}' is a "
                                   f"{type(fn).__name__}, not a function")])
    return fn


def _check_model(sweep: Sweep) -> None:
    """The model function: importable and callable, one argument per parameter; bases
    default to the median, parameters to real numbers."""
    spec, shown = sweep.spec, sweep.shown
    ref = spec.model or ""
    checked_model(ref, shown)
    for i, prm in enumerate(spec.parameters):
        if len(prm.paths) > 1:
            raise ConfigError([Problem(shown, f"parameters[{i}].path", "a model function "
                                       "takes one argument per parameter, not a list")])
        if prm.base is None:
            prm.base = float(prm.ppf(np.array([0.5]))[0])
        if prm.integer is None:
            prm.integer = False
    sweep.outputs = [Output(o, o, "all", "run") for o in spec.outputs]
    sweep.base_config_hash = ref


__all__ = ["HORIZON_PATHS", "MAX_RUNS", "RESERVED", "Output", "Sweep", "fingerprint",
           "horizon_problems", "load_sweep", "read_output", "spec_problems"]
