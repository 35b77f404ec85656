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
import os
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

from .config import ConfigError, Problem, did_you_mean, read_data_file

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
        """Values at unit-space positions ``u`` (the quantile function)."""
        u = np.clip(np.asarray(u, float), 0.0, 1.0)
        lo, hi = self.low, self.high
        if self.distribution == "uniform":
            x = lo + u * (hi - lo)
        elif self.distribution == "loguniform":
            x = np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        elif self.distribution == "triangular":
            from scipy.stats import triang
            c = (self.mode - lo) / (hi - lo)
            x = triang.ppf(u, c, loc=lo, scale=hi - lo)
        else:
            from scipy.stats import truncnorm
            a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd
            x = truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)
        x = np.clip(x, lo, hi)
        return np.round(x) if self.integer else x


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
    extra: dict = field(default_factory=dict)

    @property
    def points(self) -> int:
        return len(self.values)

    @property
    def runs(self) -> int:
        return self.points * self.spec.replications


# ------------------------------------------------------------------------------------ loading

def load_sweep(path: str | Path) -> Sweep:
    """Read and check a sweep spec (ConfigError with one line per problem) and make its
    design."""
    path = Path(path)
    spec, shown = read_data_file(path, SweepSpec)
    problems: list[Problem] = []
    names = spec.names
    for i, name in enumerate(names):
        if names.index(name) != i:
            problems.append(Problem(shown, f"parameters[{i}].name", f"'{name}' names two "
                                    "parameters (give each a different 'name')"))
    if spec.method == "sobol" and spec.samples & (spec.samples - 1):
        up = 1 << (spec.samples - 1).bit_length()
        problems.append(Problem(shown, "samples", f"sobol needs a power of 2 (got "
                                f"{spec.samples}; did you mean {up // 2 if up // 2 >= 2 else up}"
                                f" or {up}?)"))
    if spec.method in ("sobol", "morris"):
        factors = _factors(spec)
        if len(factors) < 2:
            problems.append(Problem(shown, "parameters", f"{spec.method} needs at least two "
                                    "parameters (or groups) to apportion the variance"))
    elif any(p.group for p in spec.parameters):
        i = next(i for i, p in enumerate(spec.parameters) if p.group)
        problems.append(Problem(shown, f"parameters[{i}].group", f"groups are for sobol and "
                                f"morris, not {spec.method}"))
    if spec.method == "morris" and spec.levels % 2:
        problems.append(Problem(shown, "levels", f"morris needs an even number of levels "
                                f"(got {spec.levels})"))
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
    from . import __version__
    canon = json.dumps({"spec": spec.model_dump(mode="json"), "base": sweep.base_config_hash,
                        "format": SWEEP_FORMAT, "version": __version__}, sort_keys=True,
                       separators=(",", ":"))
    sweep.fingerprint = "sha256:" + hashlib.sha256(canon.encode()).hexdigest()
    return sweep


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
    from .calibration import _number_at
    from .config import apply_overrides, load_raw, resolved_dict, validate
    from .kpis import KPIS
    from .results import config_hash
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
    years = [str(y) for y in range(scenario.horizon.start.year, scenario.horizon.end.year + 1)
             if dt_date(y + 1) > scenario.horizon.start and dt_date(y) < scenario.horizon.end]
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
        values = []
        for k, p in enumerate(prm.paths):
            where = f"parameters[{i}].path" + ("" if isinstance(prm.path, str) else f"[{k}]")
            value, why = _number_at(data, p)
            if why:
                problems.append(Problem(shown, where, why))
            else:
                values.append(value)
                if prm.integer is None:
                    prm.integer = isinstance(_raw_at(data, p), int)
        if len(values) != len(prm.paths):
            continue
        if len(set(values)) > 1:
            problems.append(Problem(shown, f"parameters[{i}].path", "the paths hold different "
                                    f"values ({', '.join(f'{v:g}' for v in values)}); one "
                                    "parameter sets them all to one value"))
            continue
        if prm.base is None:
            if not prm.low <= values[0] <= prm.high:
                problems.append(Problem(shown, f"parameters[{i}]", f"the scenario's value "
                                        f"{values[0]:g} lies outside [{prm.low:g}, "
                                        f"{prm.high:g}] (widen the range or give 'base')"))
                continue
            prm.base = values[0]
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


def dt_date(year: int):
    import datetime as dt
    return dt.date(year, 1, 1)


def _raw_at(data: dict, path: str):
    cur = data
    for part in path.split("."):
        cur = cur[part]
    return cur


def _check_model(sweep: Sweep) -> None:
    spec, shown = sweep.spec, sweep.shown
    try:
        _model_function(spec.model)
    except (ImportError, AttributeError) as e:
        raise ConfigError([Problem(shown, "model", f"cannot import '{spec.model}' "
                                   f"({type(e).__name__}: {e})")]) from None
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
    """The unit-space position of a value (inverse of ``ppf``, by bisection: monotone)."""
    a, b = 0.0, 1.0
    for _ in range(60):
        m = (a + b) / 2
        if float(p.ppf(np.array([m]))[0]) < value:
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
    from .config import apply_overrides, validate
    from .kpis import compute
    from .model import Model
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

        from .experiment import _mp_context
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_mp_context())

    def submit(self, ctx, batch):
        return self.pool.submit(_run_batch, ctx, batch)

    def wait(self, futures):
        from concurrent.futures import FIRST_COMPLETED, wait
        return wait(futures, return_when=FIRST_COMPLETED).done

    def restart(self) -> None:
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

    def restart(self) -> None:
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
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        self._ctx: dict = {}

    def submit(self, ctx, batch):
        if ctx.fingerprint not in self._ctx:
            self._ctx[ctx.fingerprint] = self.client.scatter(ctx, broadcast=True)
        return self.client.submit(_run_batch, self._ctx[ctx.fingerprint], batch, pure=False)

    def wait(self, futures):
        from distributed import wait
        return wait(list(futures), return_when="FIRST_COMPLETED").done

    def restart(self) -> None:
        pass  # the scheduler reschedules work lost with a worker itself

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
    messages); a batch lost with a dying worker is queued again, and a run lost
    ``MAX_ATTEMPTS`` times is recorded as failed."""
    attempts: dict[tuple[int, int], int] = {}
    running: dict = {}
    mean_s, n_timed = 0.0, 0
    warned = False
    while todo or running:
        while todo and len(running) < 2 * ex.workers:
            size = 1 if not n_timed else max(1, min(256, int(0.5 / max(mean_s, 1e-6))))
            size = min(size, max(1, math.ceil(len(todo) / (2 * ex.workers))))
            batch = [todo.popleft() for _ in range(min(size, len(todo)))]
            running[ex.submit(ctx, [(p, r, inputs[p]) for p, r in batch])] = batch
        for fut in ex.wait(running):
            batch = running.pop(fut)
            try:
                rows = fut.result()
            except Exception as e:  # noqa: BLE001 — the worker died, not the model
                lost = [*batch]
                for other in list(running):  # a broken pool loses every batch in flight
                    if _broken(e):
                        lost += running.pop(other)
                if _broken(e):
                    ex.restart()
                print(f"warning: {len(lost)} run(s) lost with a worker ({type(e).__name__});"
                      " running them again", file=sys.stderr)
                failed = []
                for job in sorted(lost, reverse=True):
                    attempts[job] = attempts.get(job, 0) + 1
                    if attempts[job] >= MAX_ATTEMPTS:
                        failed.append((*job, "failed", f"the worker process died while "
                                       f"running it ({MAX_ATTEMPTS} attempts)",
                                       [math.nan] * len(ctx.outputs), math.nan))
                    else:
                        todo.appendleft(job)
                if failed:
                    summary.ran += store.add(failed)
                    summary.failed += len(failed)
                    bar.update(len(failed))
                break  # the running set changed: submit again, then wait
            new = store.add(rows)
            summary.ran += new
            summary.failed += sum(1 for r in rows if r[2] != "ok")
            for r in rows:
                n_timed += 1
                mean_s += (r[5] - mean_s) / n_timed
            bar.update(len(rows))
            if not warned and rows:
                warned = True
                summary.warnings += _missing_outputs(sweep, rows[0])


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
    """Create ``out``, or check that it holds this sweep (resume), or clear it (restart)."""
    from .results import dumps, write_text_atomic
    man = out / "sweep.json"
    if out.exists() and not out.is_dir():
        raise ConfigError([Problem(str(out), "--out", "exists and is not a folder")])
    if out.is_dir() and any(out.iterdir()):
        if not man.exists():
            raise ConfigError([Problem(str(out), "--out", "holds files but is not a sweep "
                                       "folder (no sweep.json); give an empty or new folder")])
        try:
            old = json.loads(man.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ConfigError([Problem(str(man), "<file>", f"unreadable ({e}); remove the "
                                       "folder or use --restart")]) from None
        if old.get("fingerprint") != sweep.fingerprint:
            if not restart:
                changed = _changed(old.get("spec", {}), sweep.spec.model_dump(mode="json"))
                if not changed and old.get("base_config_hash") != sweep.base_config_hash:
                    changed = ["the base scenario"]
                if not changed and old.get("package_version") != _version():
                    changed = [f"corridor-sim {old.get('package_version')} -> {_version()}"]
                raise ConfigError([Problem(str(out), "--out", "holds a sweep of a different "
                                           f"spec (changed: {', '.join(changed) or 'format'})"
                                           "; rerun with --restart to discard its runs, or "
                                           "choose another --out")])
        if restart:
            for name in FOLDER_FILES:
                (out / name).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    if not man.exists() or restart:
        _write_design(sweep, out)
        write_text_atomic(man, dumps(_manifest(sweep, None, None)))


def _version() -> str:
    from . import __version__
    return __version__


def _changed(old: dict, new: dict) -> list[str]:
    keys = sorted(set(old) | set(new))
    return [k for k in keys if old.get(k) != new.get(k)]


def _write_design(sweep: Sweep, out: Path) -> None:
    import pandas as pd
    cols = {"point": np.arange(sweep.points, dtype=np.int32)}
    for j, p in enumerate(sweep.spec.parameters):
        cols[p.label] = sweep.values[:, j]
    for j, p in enumerate(sweep.spec.parameters):
        cols["u:" + p.label] = sweep.unit[:, j]
    if sweep.oat_varied is not None:
        cols["varied"] = sweep.oat_varied
    _parquet_atomic(pd.DataFrame(cols), out / "design.parquet")


def _parquet_atomic(frame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _manifest(sweep: Sweep, summary: SweepSummary | None, command: list[str] | None) -> dict:
    from . import __version__
    spec = sweep.spec
    m = {"kind": "sweep", "sweep_format": SWEEP_FORMAT, "fingerprint": sweep.fingerprint,
         "spec_path": str(sweep.path), "spec": spec.model_dump(mode="json"),
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

    from .results import dumps, write_text_atomic
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
    _parquet_atomic(pd.DataFrame(cols), out / "runs.parquet")
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
