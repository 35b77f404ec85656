"""Sensitivity sweeps: a design of parameter sets, each run with common random numbers,
on local processes or a Dask cluster, committed run by run so that a killed sweep resumes.

A sweep is a TOML spec (:class:`SweepSpec`): the base scenario (or any Python model
function ``module:function``), the method that makes the design (``oat``, ``grid``,
``lhs``, ``sobol``, ``morris``), its size, the replications per design point, the seed,
the outputs to keep and the parameters with their ranges and distributions.

Every design point is first drawn in the unit hypercube (exact levels for ``oat`` and
``grid``; ``scipy.stats.qmc`` for ``lhs``; SALib for ``sobol`` and ``morris``) and mapped to
values by each parameter's quantile function, so that the analysis works in the unit
space the design came from. Replication ``r`` of every point uses ``Model(scenario, seed,
r)``: the same random numbers at every point (common random numbers), so that differences
between points are the parameters' doing, not noise. A run is a pure function of (spec,
point, replication): the rows are identical whatever the executor or number of workers.

The folder (``--out``) holds ``sweep.json`` (the spec, its fingerprint, counts),
``design.parquet`` (point, unit and actual values), ``runs.sqlite`` (one row per finished
run, each committed in a transaction as its batch returns: a sweep killed at any moment
loses only the runs in flight, and a primary key on (point, replication) forbids
duplicates) and ``runs.parquet``, the same rows as a table, replaced atomically at the end
of every invocation.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import json
import math
import re
import sqlite3
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenario.loading import read_data_file
from sim.scenario.problems import ConfigError, Problem, did_you_mean

SWEEP_FORMAT = 1
METHODS = ("oat", "grid", "lhs", "sobol", "morris")
FOLDER_FILES = ("sweep.json", "design.parquet", "runs.sqlite", "runs.sqlite-wal",
                "runs.sqlite-shm", "runs.parquet", "indices.csv", "indices.json")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class SweepParameter(_Strict):
    """One input that the design varies: a number of the scenario (or an argument of the
    model function), its range and its distribution over that range."""

    path: str | list[str] = Field(description="dotted path of a number in the scenario, "
                                  "several paths set to one value, or (for a model "
                                  "function) the argument's name")
    name: str | None = Field(None, min_length=1, description="label in tables and figures "
                             "(default: the path, or the first path)")
    low: float = Field(description="lowest value")
    high: float = Field(description="highest value")
    distribution: Literal["uniform", "loguniform", "triangular", "normal"] = "uniform"
    mode: float | None = Field(None, description="triangular: the most likely value")
    mean: float | None = Field(None, description="normal (truncated to [low, high]): mean")
    sd: float | None = Field(None, gt=0, description="normal: standard deviation")
    base: float | None = Field(None, description="oat: the value the others are held at "
                               "(default: the scenario's, or the median)")
    group: str | None = Field(None, min_length=1, description="sobol/morris: parameters of "
                              "one group move together and get one index")
    integer: bool | None = Field(None, description="round to whole numbers (default: when "
                                 "the scenario's field is an integer)")

    @property
    def paths(self) -> list[str]:
        return [self.path] if isinstance(self.path, str) else list(self.path)

    @property
    def label(self) -> str:
        return self.name or self.paths[0]

    @model_validator(mode="after")
    def _check(self):
        if not self.paths or any(not p for p in self.paths):
            raise ValueError("path: give a dotted path, or a non-empty list of them")
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        d = self.distribution
        if d == "loguniform" and self.low <= 0:
            raise ValueError("a loguniform distribution needs low > 0")
        if (d == "triangular") != (self.mode is not None):
            raise ValueError("'mode' belongs to a triangular distribution, which needs it")
        if d == "triangular" and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode ({self.mode:g}) must lie in [low, high]")
        if (d == "normal") != (self.mean is not None and self.sd is not None) or (
                d != "normal" and (self.mean is not None or self.sd is not None)):
            raise ValueError("'mean' and 'sd' belong to a normal distribution, which needs "
                             "both")
        if self.base is not None and not self.low <= self.base <= self.high:
            raise ValueError(f"base ({self.base:g}) must lie in [low, high]")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at unit-space positions ``u`` (the quantile function). A whole-number
        parameter's distribution covers [low - 0.5, high + 0.5] and is rounded, so that
        every whole number in the range gets its fair share (the ends included)."""
        x = self.continuous(u)
        if self.integer:
            return np.clip(np.floor(x + 0.5), self.low, self.high)
        return x

    def continuous(self, u: np.ndarray) -> np.ndarray:
        """The quantile function before rounding (monotone in ``u``)."""
        u = np.clip(np.asarray(u, float), 0.0, 1.0)
        lo, hi = (self.low - 0.5, self.high + 0.5) if self.integer else (self.low, self.high)
        if self.distribution == "uniform":
            x = lo + u * (hi - lo)
        elif self.distribution == "loguniform":
            lo = max(lo, self.low / 2)
            x = np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        elif self.distribution == "triangular":
            from scipy.stats import triang
            x = triang.ppf(u, (self.mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
        else:
            from scipy.stats import truncnorm
            a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd
            x = truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)
        return np.clip(x, lo, hi)


class SweepSpec(_Strict):
    """A sweep: what to vary, how, and what to keep."""

    scenario: str | None = Field(None, min_length=1, description="the base scenario, "
                                 "relative to this file")
    model: str | None = Field(None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
                              description="instead of a scenario: a Python function "
                              "'module:function'(params, seed, replication) -> {output: value}")
    method: Literal["oat", "grid", "lhs", "sobol", "morris"]
    samples: int = Field(ge=2, le=1_000_000, description="oat/grid: levels per parameter; "
                         "lhs: points; sobol: base sample N (a power of 2); morris: "
                         "trajectories")
    replications: int = Field(1, ge=1, le=1000, description="per design point, common "
                              "random numbers")
    seed: int = Field(1, ge=0, description="base seed of every run")
    outputs: list[str] = Field(min_length=1, description="KPIs to keep: 'name', "
                               "'name:scope', 'name@year' or 'name:scope@year' (default "
                               "scope 'all', period the last year of the horizon)")
    set: dict[str, Any] = Field(default_factory=dict, description="scenario fields fixed "
                                "for every run of the sweep (dotted path -> value)")
    levels: int = Field(4, ge=2, le=20, description="morris: levels of the grid")
    second_order: bool = Field(False, description="sobol: also second-order indices "
                               "(N(2D+2) runs instead of N(D+2))")
    parameters: list[SweepParameter] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self):
        if (self.scenario is None) == (self.model is None):
            raise ValueError("give either 'scenario' (a scenario file) or 'model' (a Python "
                             "function 'module:function'), not both or neither")
        if self.model and self.set:
            raise ValueError("'set' fixes scenario fields; a model function has none")
        return self

    @property
    def names(self) -> list[str]:
        return [p.label for p in self.parameters]


@dataclass
class Output:
    column: str   # as written in the spec
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

    @property
    def points(self) -> int:
        return len(self.values)

    @property
    def runs(self) -> int:
        return self.points * self.spec.replications


# ------------------------------------------------------------------------------------ loading

MAX_RUNS = 1_000_000
RESERVED = ("point", "replication", "seed", "status", "error", "wall_s", "varied")


def load_sweep(path: str | Path) -> Sweep:
    """Read and check a sweep spec (ConfigError with one line per problem) and make its
    design."""
    path = Path(path)
    spec, shown = read_data_file(path, SweepSpec)
    written = spec.model_dump(mode="json")   # before the checks fill in bases from the scenario
    problems = _spec_problems(spec, shown)
    if problems:
        raise ConfigError(problems)
    sweep = Sweep(spec, path, shown, [], np.empty((0, 0)), np.empty((0, 0)), None)
    if spec.scenario is not None:
        _check_scenario(sweep)
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
    # the scenario enters by its resolved content (base_config_hash), not by how its path
    # is written: the same file named relatively or absolutely is the same sweep
    canon = json.dumps({"spec": {k: v for k, v in written.items() if k != "scenario"},
                        "base": sweep.base_config_hash,
                        "format": SWEEP_FORMAT, "version": _version()}, sort_keys=True,
                       separators=(",", ":"))
    sweep.fingerprint = "sha256:" + hashlib.sha256(canon.encode()).hexdigest()
    return sweep


def _spec_problems(spec: SweepSpec, shown: str) -> list[Problem]:
    """Checks of the spec on its own (before the scenario or model is read)."""
    problems: list[Problem] = []
    names, seen_paths = spec.names, {}
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
    if spec.method == "sobol" and spec.samples & (spec.samples - 1):
        up = 1 << (spec.samples - 1).bit_length()
        problems.append(Problem(shown, "samples", f"sobol needs a power of 2 (got "
                                f"{spec.samples}; did you mean {up // 2 if up // 2 >= 2 else up}"
                                f" or {up}?)"))
    if spec.method in ("sobol", "morris"):
        if len(_factors(spec)) < 2:
            problems.append(Problem(shown, "parameters", f"{spec.method} needs at least two "
                                    "parameters (or groups) to apportion the variance"))
    elif any(p.group for p in spec.parameters):
        i = next(i for i, p in enumerate(spec.parameters) if p.group)
        problems.append(Problem(shown, f"parameters[{i}].group", f"groups are for sobol and "
                                f"morris, not {spec.method}"))
    if spec.method == "morris" and spec.levels % 2:
        problems.append(Problem(shown, "levels", f"morris needs an even number of levels "
                                f"(got {spec.levels})"))
    points = _design_size(spec)
    if points * spec.replications > MAX_RUNS:
        problems.append(Problem(shown, "samples", f"{spec.method} with samples = "
                                f"{spec.samples} makes {points:,} design points x "
                                f"{spec.replications} replication(s) = "
                                f"{points * spec.replications:,} runs (at most {MAX_RUNS:,} "
                                "per sweep)"))
    return problems


def _design_size(spec: SweepSpec) -> int:
    """Design points a spec makes (an upper bound for oat, exact otherwise)."""
    d, n = len(spec.parameters), spec.samples
    return {"oat": 1 + d * (n - 1), "grid": n ** d, "lhs": n,
            "sobol": n * (2 * d + 2 if spec.second_order else d + 2),
            "morris": n * (len(_factors(spec)) + 1)}[spec.method]


def _factors(spec: SweepSpec) -> list[str]:
    """The names the indices are reported for: each group once, each ungrouped parameter."""
    out: list[str] = []
    for p in spec.parameters:
        f = p.group or p.label
        if f not in out:
            out.append(f)
    return out


OUTPUT_RE = re.compile(r"^(?P<kpi>[a-z0-9_]+)(?::(?P<scope>[^@:]+))?(?:@(?P<period>\d{4}|run))?$")


def _check_scenario(sweep: Sweep) -> None:
    from sim.io.bundle import config_hash
    from sim.measure.kpis import KPIS
    from sim.scenario.loading import apply_overrides, load_raw, resolved_dict, validate
    from sim.study.calibration.inputs import path_value
    spec, shown = sweep.spec, sweep.shown
    base = sweep.path.parent / spec.scenario
    if not base.is_file():
        raise ConfigError([Problem(shown, "scenario", f"'{spec.scenario}' not found next to "
                                   "this file")])
    loaded = load_raw(base)
    base_shown = str(base)
    if spec.set:
        apply_overrides(loaded, dict(spec.set), shown)
    scenario = validate(copy.deepcopy(loaded), base_shown)   # ConfigError names 'set' values
    data = resolved_dict(scenario)
    sweep.loaded, sweep.base_config_hash = loaded, config_hash(data)
    from sim.engine.model import Calendar
    years = [label for label, _a, _b in Calendar.of(scenario).years()]
    problems: list[Problem] = []
    for i, text in enumerate(spec.outputs):
        m = OUTPUT_RE.match(text)
        if not m:
            problems.append(Problem(shown, f"outputs[{i}]", f"'{text}' is not 'name', "
                                    "'name:scope', 'name@year' or 'name:scope@year'"))
            continue
        kpi, scope, period = m["kpi"], m["scope"] or "all", m["period"] or years[-1]
        if kpi not in KPIS:
            problems.append(Problem(shown, f"outputs[{i}]", f"unknown KPI '{kpi}' "
                                    f"({did_you_mean(kpi, KPIS)})"))
        elif period != "run" and period not in years:
            problems.append(Problem(shown, f"outputs[{i}]", f"{period} is outside the "
                                    f"horizon (allowed: {', '.join(years)}, run)"))
        else:
            sweep.outputs.append(Output(text, kpi, scope, period, KPIS[kpi][0]))
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
            trial = copy.deepcopy(loaded)
            apply_overrides(trial, {p: v for p in prm.paths}, shown)
            try:
                validate(trial, base_shown)
            except ConfigError as e:
                why = e.problems[0]
                problems.append(Problem(shown, f"parameters[{i}].{end}", f"the scenario is "
                                        f"invalid at {v:g}: {why.path}: {why.message}"))
    if problems:
        raise ConfigError(problems)


def _check_model(sweep: Sweep) -> None:
    spec, shown = sweep.spec, sweep.shown
    try:
        fn = _model_function(spec.model)
    except (ImportError, AttributeError) as e:
        raise ConfigError([Problem(shown, "model", f"cannot import '{spec.model}' "
                                   f"({type(e).__name__}: {e})")]) from None
    if not callable(fn):
        raise ConfigError([Problem(shown, "model", f"'{spec.model}' is a "
                                   f"{type(fn).__name__}, not a function")])
    for i, prm in enumerate(spec.parameters):
        if len(prm.paths) > 1:
            raise ConfigError([Problem(shown, f"parameters[{i}].path", "a model function "
                                       "takes one argument per parameter, not a list")])
        if prm.base is None:
            prm.base = float(prm.ppf(np.array([0.5]))[0])
        if prm.integer is None:
            prm.integer = False
    sweep.outputs = [Output(o, o, "all", "run") for o in spec.outputs]
    sweep.base_config_hash = spec.model


def _model_function(ref: str):
    mod, _, name = ref.partition(":")
    return getattr(importlib.import_module(mod), name)


# ------------------------------------------------------------------------------------ designs

def design(spec: SweepSpec) -> tuple[np.ndarray, list[str] | None]:
    """The design in the unit hypercube (points x parameters) and, for oat, the parameter
    each point moves ('' for the base point). Deterministic in the spec."""
    d = len(spec.parameters)
    base_u = np.array([_unit_of(p, p.base) for p in spec.parameters])
    if spec.method == "oat":
        rows, varied = [base_u], [""]
        for j, p in enumerate(spec.parameters):
            for u in np.linspace(0.0, 1.0, spec.samples):
                if np.isclose(p.ppf(np.array([u]))[0], p.base):
                    continue  # the base point already has it
                row = base_u.copy()
                row[j] = u
                rows.append(row)
                varied.append(p.label)
        return np.array(rows), varied
    if spec.method == "grid":
        axes = [np.linspace(0.0, 1.0, spec.samples)] * d
        mesh = np.meshgrid(*axes, indexing="ij")
        return np.column_stack([m.ravel() for m in mesh]), None
    if spec.method == "lhs":
        from scipy.stats import qmc
        return qmc.LatinHypercube(d=d, seed=np.random.default_rng(spec.seed)).random(
            spec.samples), None
    problem = salib_problem(spec)
    if spec.method == "sobol":
        from SALib.sample import sobol
        return sobol.sample(problem, spec.samples, calc_second_order=spec.second_order,
                            seed=spec.seed), None
    from SALib.sample import morris
    return morris.sample(problem, spec.samples, num_levels=spec.levels, seed=spec.seed), None


def _unit_of(p: SweepParameter, value: float) -> float:
    """The unit-space position of a value (inverse of the continuous quantile function,
    by bisection)."""
    a, b = 0.0, 1.0
    for _ in range(60):
        m = (a + b) / 2
        if float(p.continuous(np.array([m]))[0]) < value:
            a = m
        else:
            b = m
    return (a + b) / 2


def salib_problem(spec: SweepSpec) -> dict:
    """SALib's problem definition, in unit space (values are mapped by each parameter's
    quantile function: Sobol indices do not change under that mapping; Morris effects are
    per unit of the parameter's range)."""
    prob = {"num_vars": len(spec.parameters), "names": spec.names,
            "bounds": [[0.0, 1.0]] * len(spec.parameters)}
    if any(p.group for p in spec.parameters):
        prob["groups"] = [p.group or p.label for p in spec.parameters]
    return prob


# ------------------------------------------------------------------------------------ one run

@dataclass(frozen=True)
class _Context:
    """What a worker needs to run any point: shipped once per batch (or scattered)."""

    fingerprint: str
    loaded: Any
    shown: str
    model: str | None
    outputs: tuple[tuple[str, str, str], ...]   # (kpi, period, scope)
    seed: int


_SCENARIOS: dict = {}


def _run_batch(ctx: _Context, batch: list[tuple[int, int, dict]]) -> list[tuple]:
    """Run a batch of (point, replication, inputs); one row per run. A run that raises is a
    row with status 'failed' and its error, not an exception."""
    rows = []
    for point, rep, inputs in batch:
        t = time.perf_counter()
        try:
            values, status, error = _run_one(ctx, rep, inputs), "ok", ""
        except Exception as e:  # noqa: BLE001 — recorded with the run
            values = [math.nan] * len(ctx.outputs)
            status, error = "failed", f"{type(e).__name__}: {e}".splitlines()[0][:500]
        rows.append((point, rep, status, error, values, time.perf_counter() - t))
    return rows


def _run_one(ctx: _Context, rep: int, inputs: dict) -> list[float]:
    if ctx.model is not None:
        got = _model_function(ctx.model)(dict(inputs), ctx.seed, rep)
        missing = [k for k, _p, _s in ctx.outputs if k not in got]
        if missing:
            raise KeyError(f"the model returned no {', '.join(map(repr, missing))}")
        return [float(got[k]) for k, _p, _s in ctx.outputs]
    from sim.engine.model import Model
    from sim.measure.kpis import compute
    from sim.scenario.loading import apply_overrides, validate
    key = (ctx.fingerprint, tuple(sorted(inputs.items())))
    scenario = _SCENARIOS.get(key)
    if scenario is None:
        loaded = copy.deepcopy(ctx.loaded)
        apply_overrides(loaded, inputs, "sweep")
        scenario = validate(loaded, ctx.shown)
        if len(_SCENARIOS) > 16:
            _SCENARIOS.clear()
        _SCENARIOS[key] = scenario
    K = compute(Model(scenario, ctx.seed, rep).run(), {kpi for kpi, _p, _s in ctx.outputs})
    return [K.get(o, math.nan) for o in ctx.outputs]


# ------------------------------------------------------------------------------------ store

class Store:
    """``runs.sqlite``: one row per finished run, committed as each batch returns."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS runs (point INTEGER NOT NULL, "
                        "replication INTEGER NOT NULL, status TEXT NOT NULL, error TEXT, "
                        "outputs TEXT NOT NULL, wall_s REAL, "
                        "PRIMARY KEY (point, replication))")

    def done(self) -> dict[tuple[int, int], str]:
        return {(p, r): s for p, r, s in
                self.db.execute("SELECT point, replication, status FROM runs")}

    def add(self, rows: list[tuple]) -> int:
        """Insert rows in one transaction; a row already there is kept (never duplicated).
        Returns how many were new."""
        with self.db:
            self.db.execute("BEGIN")
            before = self.db.total_changes
            self.db.executemany("INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                                [(p, r, s, e, json.dumps(v), w) for p, r, s, e, v, w in rows])
            return self.db.total_changes - before

    def forget_failed(self) -> int:
        with self.db:
            return self.db.execute("DELETE FROM runs WHERE status != 'ok'").rowcount

    def rows(self) -> list[tuple]:
        return [(p, r, s, e, json.loads(v), w) for p, r, s, e, v, w in self.db.execute(
            "SELECT point, replication, status, error, outputs, wall_s FROM runs "
            "ORDER BY point, replication")]

    def close(self) -> None:
        self.db.close()


# ------------------------------------------------------------------------------------ executors

class _LocalExecutor:
    """Worker processes on this machine (forked from a server that imported the model)."""

    def __init__(self, workers: int):
        self.workers = workers
        self._start()

    def _start(self) -> None:
        from concurrent.futures import ProcessPoolExecutor

        from sim.study.replications import _mp_context
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_mp_context())

    def submit(self, ctx, batch):
        return self.pool.submit(_run_batch, ctx, batch)

    def wait(self, futures):
        from concurrent.futures import FIRST_COMPLETED, wait
        return wait(futures, return_when=FIRST_COMPLETED).done

    def recover(self, broken: bool) -> None:
        if broken:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self._start()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _InlineFuture:
    def __init__(self, value=None, error=None):
        self._v, self._e = value, error

    def result(self):
        if self._e is not None:
            raise self._e
        return self._v


class _InlineExecutor:
    """One worker: this process (no pickling, no start-up)."""

    workers = 1

    def submit(self, ctx, batch):
        return _InlineFuture(_run_batch(ctx, batch))

    def wait(self, futures):
        return set(futures)

    def recover(self, broken: bool) -> None:
        pass

    def close(self) -> None:
        pass


class _DaskExecutor:
    """A Dask cluster: an existing scheduler (``tcp://HOST:PORT``) or a local cluster of
    ``local`` worker processes started here on loopback and stopped at the end."""

    def __init__(self, scheduler: str | None = None, local: int | None = None):
        import logging

        from distributed import Client, LocalCluster
        self.cluster = None
        if scheduler is None:
            self.cluster = LocalCluster(n_workers=local, threads_per_worker=1, processes=True,
                                        host="127.0.0.1", dashboard_address=None,
                                        silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        else:
            self.client = Client(scheduler, timeout="10s")
            self._same_version(scheduler)
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        self._ctx: dict = {}

    def _same_version(self, scheduler: str) -> None:
        """Every worker of an existing cluster must run this version of the model: a run
        is a pure function of (spec, point, replication) only for one version."""
        try:
            found = self.client.run(_version)
        except Exception as e:  # noqa: BLE001 — whatever the workers raise, say it
            self.client.close()
            raise ConfigError([Problem("<command line>", "--scheduler", f"the workers at "
                                       f"{scheduler} cannot run corridor-sim "
                                       f"({type(e).__name__}: {e})")]) from None
        other = sorted({v for v in found.values() if v != _version()})
        if other:
            self.client.close()
            raise ConfigError([Problem("<command line>", "--scheduler", f"workers at "
                                       f"{scheduler} run corridor-sim {', '.join(other)}, "
                                       f"this is {_version()} (install the same version "
                                       "on every worker)")])

    def submit(self, ctx, batch):
        if ctx.fingerprint not in self._ctx:
            self._ctx[ctx.fingerprint] = self.client.scatter(ctx, broadcast=True)
        return self.client.submit(_run_batch, self._ctx[ctx.fingerprint], batch, pure=False)

    def wait(self, futures):
        from distributed import wait
        return wait(list(futures), return_when="FIRST_COMPLETED").done

    def recover(self, broken: bool) -> None:
        # the scheduler reschedules work lost with a worker itself; the context is
        # scattered again in case the workers that held it are gone
        self._ctx.clear()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


# ------------------------------------------------------------------------------------ running

@dataclass
class SweepSummary:
    folder: Path
    runs: int
    resumed: int
    ran: int
    failed: int
    missing: int
    wall_s: float
    failed_total: int = 0            # failed rows in the folder, this run's and earlier
    warnings: list[str] = field(default_factory=list)


MAX_ATTEMPTS = 3


def run_sweep(sweep: Sweep, out: str | Path, workers: int | None = None,
              scheduler: str | None = None, dask_local: int | None = None,
              restart: bool = False, retry_failed: bool = False, progress: bool = False,
              command: list[str] | None = None) -> SweepSummary:
    """Run (or resume) a sweep into ``out``. Raises ConfigError if ``out`` holds another
    sweep (unless ``restart``) or something that is not a sweep folder."""
    from tqdm import tqdm
    t0 = time.perf_counter()
    out = Path(out)
    _prepare_folder(sweep, out, restart)
    store = Store(out / "runs.sqlite")
    try:
        if retry_failed:
            store.forget_failed()
        done = store.done()
        resumed = len(done)
        spec = sweep.spec
        todo = deque((p, r) for p in range(sweep.points) for r in range(spec.replications)
                     if (p, r) not in done)
        ctx = _Context(sweep.fingerprint, sweep.loaded, str(sweep.path.parent / spec.scenario)
                       if spec.scenario else "", spec.model,
                       tuple((o.kpi, o.period, o.scope) for o in sweep.outputs), spec.seed)
        inputs = [_inputs(sweep, p) for p in range(sweep.points)]
        summary = SweepSummary(out, sweep.runs, resumed, 0, 0, 0, 0.0)
        if todo:
            if scheduler or dask_local:
                ex = _DaskExecutor(scheduler, dask_local)
            elif (workers or 1) <= 1:
                ex = _InlineExecutor()
            else:
                ex = _LocalExecutor(workers)
            bar = tqdm(total=len(todo), unit="run", desc=f"sweep {spec.method}",
                       disable=None if progress else True, leave=False)
            try:
                _execute(sweep, ctx, inputs, todo, ex, store, bar, summary)
            except KeyboardInterrupt:
                bar.close()
                summary.wall_s = time.perf_counter() - t0
                _export(sweep, out, store, summary, command)
                raise
            finally:
                bar.close()
                ex.close()
        summary.wall_s = time.perf_counter() - t0
        _export(sweep, out, store, summary, command)
        return summary
    finally:
        store.close()


def _inputs(sweep: Sweep, point: int) -> dict:
    """The values a run of ``point`` sets: {dotted path: value} (or {argument: value})."""
    out = {}
    for j, p in enumerate(sweep.spec.parameters):
        v = float(sweep.values[point, j])
        v = int(v) if p.integer else v
        for path in p.paths:
            out[path] = v
    return out


def _execute(sweep: Sweep, ctx: _Context, inputs: list[dict], todo: deque, ex, store: Store,
             bar, summary: SweepSummary) -> None:
    """Batches out to the executor, rows into the store as each batch returns. Batches
    grow until each takes ~0.5 s (a fast model function would otherwise spend its time in
    messages). Runs lost with a dying worker (or any failure outside the model) become
    suspects: each is run again on its own with nothing else in flight, so that a loss
    then is its own doing; a run lost so ``MAX_ATTEMPTS`` times is recorded as failed,
    with the last reason."""
    attempts: dict[tuple[int, int], int] = {}
    suspect: set[tuple[int, int]] = set()   # runs to try alone, nothing else in flight
    running: dict = {}
    timing = [0.0, 0]                     # mean seconds per run, runs timed
    warned = False

    def take() -> list[tuple[int, int]] | None:
        if todo[0] in suspect:
            return [todo.popleft()] if not running else None
        size = 1 if not timing[1] else max(1, min(256, int(0.5 / max(timing[0], 1e-6))))
        size = min(size, max(1, math.ceil(len(todo) / (2 * ex.workers))), len(todo))
        batch = []
        while todo and len(batch) < size and todo[0] not in suspect:
            batch.append(todo.popleft())
        return batch

    def keep(rows: list[tuple]) -> None:
        nonlocal warned
        summary.ran += store.add(rows)
        summary.failed += sum(1 for r in rows if r[2] != "ok")
        for r in rows:
            timing[1] += 1
            timing[0] += (r[5] - timing[0]) / timing[1] if r[5] == r[5] else 0.0
        bar.update(len(rows))
        if not warned and rows:
            warned = True
            summary.warnings += _missing_outputs(sweep, rows[0])

    def lose(batches: list[list], error: BaseException) -> None:
        why = f"{type(error).__name__}: {error}".splitlines()[0][:300]
        print(f"warning: {sum(map(len, batches))} run(s) lost outside the model ({why}); "
              "running them again", file=sys.stderr)
        jobs = [job for batch in batches for job in batch]
        if len(jobs) == 1 and jobs[0] in suspect:   # alone in flight: its own doing
            job = jobs[0]
            attempts[job] = attempts.get(job, 0) + 1
            if attempts[job] >= MAX_ATTEMPTS:
                suspect.discard(job)
                keep([(*job, "failed", f"lost {MAX_ATTEMPTS} times outside the model (the "
                       f"worker process died?); last: {why}", [math.nan] * len(ctx.outputs),
                       math.nan)])
                return
        for job in reversed(jobs):
            suspect.add(job)
            todo.appendleft(job)

    while todo or running:
        broken: BaseException | None = None
        lost: list[list] = []
        while todo and len(running) < 2 * ex.workers and broken is None:
            batch = take()
            if batch is None:
                break            # a suspect waits for the runs in flight to finish
            try:
                running[ex.submit(ctx, [(p, r, inputs[p]) for p, r in batch])] = batch
            except Exception as e:  # noqa: BLE001 — the pool broke under us
                if not _broken(e):
                    raise
                broken = e
                lost.append(batch)
        if broken is None:
            for fut in ex.wait(running):
                batch = running.pop(fut)
                try:
                    keep(fut.result())
                    suspect.difference_update(batch)
                except Exception as e:  # noqa: BLE001 — the worker died, not the model
                    lost.append(batch)
                    broken = e
        if broken is not None:
            if _broken(broken):   # a broken pool: what had not finished is lost with it
                for fut, batch in list(running.items()):
                    running.pop(fut)
                    if fut.done() and not fut.cancelled() and fut.exception() is None:
                        keep(fut.result())
                        suspect.difference_update(batch)
                    else:
                        lost.append(batch)
            ex.recover(_broken(broken))
            lose(lost, broken)


def _broken(e: Exception) -> bool:
    from concurrent.futures.process import BrokenProcessPool
    return isinstance(e, BrokenProcessPool)


def _missing_outputs(sweep: Sweep, row: tuple) -> list[str]:
    if row[2] != "ok":
        return []
    return [f"output '{o.column}' is not among the KPIs of point {row[0]} (the KPI has no "
            f"scope '{o.scope}' or period '{o.period}' there); its column will be empty"
            for o, v in zip(sweep.outputs, row[4]) if v != v]


def _prepare_folder(sweep: Sweep, out: Path, restart: bool) -> None:
    """Create ``out``, or check that it holds this sweep (resume), or clear it (restart).
    A folder holding only a sweep's files but no ``sweep.json`` (killed while it was being
    created or cleared) is cleared and started again."""
    from sim.io.atomic import write_text_atomic
    from sim.io.bundle import dumps
    man = out / "sweep.json"
    if out.exists() and not out.is_dir():
        raise ConfigError([Problem(str(out), "--out", "exists and is not a folder")])
    entries = list(out.iterdir()) if out.is_dir() else []
    if entries and not man.exists():
        if not all(_ours(e) for e in entries):
            raise ConfigError([Problem(str(out), "--out", "holds files but is not a sweep "
                                       "folder (no sweep.json); give an empty or new folder")])
        _clear(out)
    elif entries and restart:
        _clear(out)
    elif entries:
        try:
            old = json.loads(man.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ConfigError([Problem(str(man), "<file>", f"unreadable ({e}); use --restart "
                                       "to start the sweep again")]) from None
        if old.get("fingerprint") != sweep.fingerprint:
            changed = (["the base scenario"] if old.get("base_config_hash")
                       != sweep.base_config_hash else [])
            changed += [k for k in _changed(old.get("spec", {}), sweep.written)
                        if k != "scenario"]
            if not changed and old.get("package_version") != _version():
                changed = [f"corridor-sim {old.get('package_version')} -> {_version()}"]
            raise ConfigError([Problem(str(out), "--out", "holds a sweep of a different "
                                       f"spec (changed: {', '.join(changed) or 'format'})"
                                       "; rerun with --restart to discard its runs, or "
                                       "choose another --out")])
    out.mkdir(parents=True, exist_ok=True)
    if not man.exists():
        _write_design(sweep, out)
        write_text_atomic(man, dumps(_manifest(sweep, None, None)))


def _ours(entry: Path) -> bool:
    """A file a sweep folder holds (or a temporary file of one, or its figures)."""
    name = entry.name
    return (name in FOLDER_FILES or name == "figures"
            or any(name.startswith(f".{f}.") for f in FOLDER_FILES))


def _clear(out: Path) -> None:
    """Remove a sweep's files, the manifest last (so an interrupted clear is resumable)."""
    import shutil
    for entry in out.iterdir():
        if _ours(entry) and entry.name != "sweep.json":
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink(missing_ok=True)
    (out / "sweep.json").unlink(missing_ok=True)


def _version() -> str:
    from sim import __version__
    return __version__


def _changed(old: dict, new: dict) -> list[str]:
    keys = sorted(set(old) | set(new))
    return [k for k in keys if old.get(k) != new.get(k)]


def _write_design(sweep: Sweep, out: Path) -> None:
    import pandas as pd

    from sim.io.atomic import write_parquet_atomic
    cols = {"point": np.arange(sweep.points, dtype=np.int32)}
    for j, p in enumerate(sweep.spec.parameters):
        cols[p.label] = sweep.values[:, j]
    for j, p in enumerate(sweep.spec.parameters):
        cols["u:" + p.label] = sweep.unit[:, j]
    if sweep.oat_varied is not None:
        cols["varied"] = sweep.oat_varied
    write_parquet_atomic(pd.DataFrame(cols), out / "design.parquet")


def _manifest(sweep: Sweep, summary: SweepSummary | None, command: list[str] | None) -> dict:
    from sim import __version__
    spec = sweep.spec
    m = {"kind": "sweep", "sweep_format": SWEEP_FORMAT, "fingerprint": sweep.fingerprint,
         "spec_path": str(sweep.path), "spec": sweep.written,
         "base_config_hash": sweep.base_config_hash, "method": spec.method,
         "parameters": [{"name": p.label, "paths": p.paths, "low": p.low, "high": p.high,
                         "distribution": p.distribution, "base": p.base, "group": p.group,
                         "integer": p.integer} for p in spec.parameters],
         "outputs": [{"column": o.column, "kpi": o.kpi, "scope": o.scope, "period": o.period,
                      "unit": o.unit} for o in sweep.outputs],
         "points": sweep.points, "replications": spec.replications, "runs": sweep.runs,
         "seed": spec.seed, "package_version": __version__,
         "seed_scheme": "replication r of every point: Model(scenario, seed, r) (common "
                        "random numbers across points)"}
    if summary is not None:
        m["status"] = {"complete": summary.missing == 0, "done": summary.runs - summary.missing,
                       "failed": summary.failed_total, "missing": summary.missing,
                       "last_wall_s": summary.wall_s}
        m["command"] = command
    return m


def _export(sweep: Sweep, out: Path, store: Store, summary: SweepSummary,
            command: list[str] | None) -> None:
    """``runs.parquet`` (all rows so far, sorted) and the manifest's counts, atomically."""
    import pandas as pd

    from sim.io.atomic import write_parquet_atomic, write_text_atomic
    from sim.io.bundle import dumps
    rows = store.rows()
    n_out = len(sweep.outputs)
    pts = np.array([r[0] for r in rows], dtype=np.int32)
    cols: dict = {"point": pts, "replication": np.array([r[1] for r in rows], dtype=np.int32),
                  "seed": np.full(len(rows), sweep.spec.seed, dtype=np.int64)}
    for j, p in enumerate(sweep.spec.parameters):
        v = sweep.values[pts, j] if len(rows) else np.empty(0)
        cols[p.label] = v.astype(np.int64) if p.integer else v
    cols["status"] = [r[2] for r in rows]
    cols["error"] = [r[3] or "" for r in rows]
    vals = np.array([r[4] for r in rows], float).reshape(len(rows), n_out)
    for k, o in enumerate(sweep.outputs):
        cols[o.column] = vals[:, k]
    cols["wall_s"] = np.array([r[5] for r in rows], float)
    write_parquet_atomic(pd.DataFrame(cols), out / "runs.parquet")
    summary.missing = sweep.runs - len(rows)
    summary.failed_total = sum(1 for r in rows if r[2] != "ok")
    write_text_atomic(out / "sweep.json", dumps(_manifest(sweep, summary, command)))


def read_sweep_folder(folder: str | Path):
    """(manifest, design frame, runs frame) of a sweep folder; ConfigError if it is not
    one, is damaged, or comes from another sweep format."""
    import pandas as pd
    folder = Path(folder)
    man = folder / "sweep.json"
    if not folder.is_dir():
        raise ConfigError([Problem(str(folder), "<folder>", "no such folder (give a folder "
                                   "written by 'corridor sweep')")])
    try:
        meta = json.loads(man.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([Problem(str(folder), "sweep.json", "not a sweep folder (no "
                                   "sweep.json; make one with 'corridor sweep')")]) from None
    except (OSError, ValueError) as e:
        raise ConfigError([Problem(str(man), "<file>", f"unreadable ({e})")]) from None
    if not isinstance(meta, dict) or meta.get("kind") != "sweep":
        raise ConfigError([Problem(str(man), "kind", "not a sweep manifest")])
    if meta.get("sweep_format") != SWEEP_FORMAT:
        raise ConfigError([Problem(str(man), "sweep_format", f"{meta.get('sweep_format')!r} "
                                   f"is not a format this version reads ({SWEEP_FORMAT})")])
    frames = []
    for name in ("design.parquet", "runs.parquet"):
        try:
            frames.append(pd.read_parquet(folder / name))
        except FileNotFoundError:
            raise ConfigError([Problem(str(folder), name, "missing (rerun the 'corridor "
                                       "sweep' command to finish the folder)")]) from None
        except (OSError, ValueError) as e:
            raise ConfigError([Problem(str(folder / name), "<file>", f"unreadable "
                                       f"({type(e).__name__}); rerun the 'corridor sweep' "
                                       "command, which rewrites it")]) from None
    return meta, frames[0], frames[1]


__all__ = ["SweepSpec", "SweepParameter", "Sweep", "load_sweep", "design", "run_sweep",
           "read_sweep_folder", "salib_problem", "METHODS"]
