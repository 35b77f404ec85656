"""One run of a sweep, as a worker process does it: a batch of (point, replication,
inputs) in, one row per run out.

A run is a pure function of (spec, point, replication): the scenario with the point's
values applied, run as replication ``r`` of the spec's seed (the same random numbers at
every point), or the model function called with the same arguments. A run that raises is
a row with status 'failed' and its error, never an exception: only a dying worker loses
runs.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import time
from dataclasses import dataclass
from typing import Any

from sim.engine.model import Model, models_freed
from sim.measure.kpis import compute
from sim.scenario.loading import apply_overrides, validate_span
from sim.scenario.schema import Scenario
from sim.study.sweeps.schema import model_function

# a run's row: (point, replication, status, error, output values, wall seconds)
RunRow = tuple[int, int, str, str, list[float], float]


@dataclass(frozen=True)
class RunContext:
    """What a worker needs to run any point: shipped once per batch (or scattered)."""

    fingerprint: str
    loaded: Any
    shown: str
    model: str | None
    outputs: tuple[tuple[str, str, str], ...]   # (kpi, period, scope)
    seed: int
    horizon: tuple[dt.date, dt.date] | None = None   # the spec's 'horizon' (start, end)


# validated scenarios of the points this worker ran last, by (fingerprint, inputs)
_SCENARIOS: dict = {}

# a run: (point, replication, inputs), or with the scenario of those inputs as the sweep's
# process validated it (:func:`run_scenario`; the worker then does not validate it again)
Job = tuple[int, int, dict] | tuple[int, int, dict, Scenario | None]


def run_batch(ctx: RunContext, batch: list[Job]) -> list[RunRow]:
    """Run a batch of (point, replication, inputs[, scenario]); one row per run. A run
    that raises is a row with status 'failed' and its error, not an exception."""
    rows: list[RunRow] = []
    for point, rep, inputs, *given in batch:
        if given and given[0] is not None:
            remember(scenario_key(ctx, inputs), given[0])
        t = time.perf_counter()
        with models_freed():  # (a failed run's model, too: its traceback let go first)
            try:
                values, status, error = run_one(ctx, rep, inputs), "ok", ""
            except Exception as e:  # noqa: BLE001 — recorded with the run
                values = [math.nan] * len(ctx.outputs)
                status, error = "failed", f"{type(e).__name__}: {e}".splitlines()[0][:500]
        rows.append((point, rep, status, error, values, time.perf_counter() - t))
    return rows


def run_one(ctx: RunContext, rep: int, inputs: dict) -> list[float]:
    """The outputs of replication ``rep`` with ``inputs`` set (NaN for a KPI the run
    does not have)."""
    if ctx.model is not None:
        got = model_function(ctx.model)(dict(inputs), ctx.seed, rep)
        missing = [k for k, _p, _s in ctx.outputs if k not in got]
        if missing:
            raise KeyError(f"the model returned no {', '.join(map(repr, missing))}")
        return [float(got[k]) for k, _p, _s in ctx.outputs]
    key = scenario_key(ctx, inputs)
    scenario = _SCENARIOS.get(key)
    if scenario is None:
        scenario = remember(key, run_scenario(ctx.loaded, inputs, "sweep", ctx.shown,
                                              ctx.horizon))
    K = compute(Model(scenario, ctx.seed, rep).run(), {kpi for kpi, _p, _s in ctx.outputs})
    return [K.get(o, math.nan) for o in ctx.outputs]


def scenario_key(ctx: RunContext, inputs: dict) -> tuple:
    """What tells the scenario of a run's inputs from another's."""
    return ctx.fingerprint, tuple(sorted(inputs.items()))


def remember(key: tuple, scenario: Scenario) -> Scenario:
    """Keep a validated scenario for the next runs of its point (the last 16 or so)."""
    if key not in _SCENARIOS and len(_SCENARIOS) > 16:
        _SCENARIOS.clear()
    _SCENARIOS[key] = scenario
    return scenario


def run_scenario(loaded: Any, inputs: dict, origin: str, shown: str,
                 horizon: tuple[dt.date, dt.date] | None) -> Scenario:
    """The scenario a run of ``inputs`` runs: a copy of the base ``loaded`` with the
    inputs set (:func:`apply_inputs`), then fitted to the spec's ``horizon`` as
    ``corridor run --horizon`` fits it (:func:`sim.scenario.loading.validate_span`), so
    that a dated input before the run's first day is in force from that day, like the
    base's own dated changes; validated (ConfigError)."""
    trial = copy.deepcopy(loaded)
    apply_inputs(trial, inputs, origin)
    return validate_span(trial, shown, horizon, origin=origin)


def apply_inputs(loaded: Any, inputs: dict, origin: str) -> None:
    """Set a run's inputs in raw scenario data: ``{dotted path: value}`` from the start,
    and ``{"dotted.path@YYYY-MM-DD": value}`` from that date (a dated change appended to
    the timeline, after the scenario's own, so that it wins on the same day)."""
    now = {k: v for k, v in inputs.items() if "@" not in k}
    if now:
        apply_overrides(loaded, now, origin)
    dated: dict[str, dict] = {}
    for key, value in inputs.items():
        if "@" in key:
            path, _, day = key.partition("@")
            dated.setdefault(day, {})[path] = value
    for day, values in sorted(dated.items()):
        loaded.data.setdefault("timeline", []).append(
            {"date": dt.date.fromisoformat(day), "set": values, "source": origin})


__all__ = ["RunRow", "RunContext", "Job", "run_batch", "run_one", "scenario_key", "remember",
           "run_scenario", "apply_inputs"]
