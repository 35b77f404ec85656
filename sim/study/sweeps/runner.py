"""Running a sweep (:func:`run_sweep`): the runs not yet in the folder's store go out in
batches to an executor, and their rows come back into the store as each batch returns.

Batches grow until each takes about half a second (so a fast model function does not
spend its time in messages). A point's scenario is validated here, once, and goes out
with each of its runs: its replications, taken by whichever worker is free, are not
validated again in every worker that runs one (0.08 s a point, measured). Runs lost
with a dying worker are run again, alone, so that a loss is pinned on the run that caused
it; a run lost ``MAX_ATTEMPTS`` times is recorded as failed. An interrupted sweep (Ctrl-C)
still writes what it finished.
"""

from __future__ import annotations

import math
import shutil
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from sim.scenario.schema import Scenario
from sim.study.sweeps.executors import DaskExecutor, Executor, executor, is_broken
from sim.study.sweeps.folder import export, prepare_folder
from sim.study.sweeps.spec import Sweep
from sim.study.sweeps.store import Store
from sim.study.sweeps.worker import RunContext, RunRow, run_scenario

MAX_ATTEMPTS = 3


@dataclass
class SweepSummary:
    """What an invocation of :func:`run_sweep` did, and what the folder holds after it."""

    folder: Path
    runs: int
    resumed: int
    ran: int
    failed: int
    missing: int
    wall_s: float
    failed_total: int = 0            # failed rows in the folder, this run's and earlier
    warnings: list[str] = field(default_factory=list)


def run_sweep(sweep: Sweep, out: str | Path, workers: int | None = None,
              scheduler: str | None = None, dask_local: int | None = None,
              restart: bool = False, retry_failed: bool = False, progress: bool = False,
              command: list[str] | None = None) -> SweepSummary:
    """Run (or resume) a sweep into ``out``. Raises ConfigError if ``out`` holds another
    sweep (unless ``restart``) or something that is not a sweep folder."""
    t0 = time.perf_counter()
    out = Path(out)
    fresh = not out.exists()
    prepare_folder(sweep, out, restart)
    store = Store(out / "runs.sqlite")
    try:
        if retry_failed:
            store.forget_failed()
        done = store.done()
        resumed = len(done)
        spec = sweep.spec
        todo = deque((p, r) for p in range(sweep.points) for r in range(spec.replications)
                     if (p, r) not in done)
        ctx = RunContext(sweep.fingerprint, sweep.loaded,
                         str(sweep.path.parent / spec.scenario) if spec.scenario else "",
                         spec.model, tuple((o.kpi, o.period, o.scope) for o in sweep.outputs),
                         spec.seed, spec.span)
        inputs = [point_inputs(sweep, p) for p in range(sweep.points)]
        summary = SweepSummary(out, sweep.runs, resumed, 0, 0, 0, 0.0)
        if todo:
            try:
                ex = executor(workers, scheduler, dask_local)
            except BaseException:  # a cluster out of reach: a folder made for it goes too
                if fresh:
                    store.close()
                    shutil.rmtree(out, ignore_errors=True)
                raise
            bar = tqdm(total=len(todo), unit="run", desc=f"sweep {spec.method}",
                       disable=None if progress else True, leave=False)
            try:
                _execute(sweep, ctx, inputs, todo, ex, store, bar, summary)
            except KeyboardInterrupt:
                ex.abort()
                bar.close()
                summary.wall_s = time.perf_counter() - t0
                export(sweep, out, store, summary, command)
                raise
            finally:
                bar.close()
                ex.close()
        summary.wall_s = time.perf_counter() - t0
        export(sweep, out, store, summary, command)
        return summary
    finally:
        store.close()


def point_inputs(sweep: Sweep, point: int) -> dict:
    """The values a run of ``point`` sets: {dotted path: value} (or {argument: value})."""
    out = {}
    for j, p in enumerate(sweep.spec.parameters):
        v = float(sweep.values[point, j])
        v = int(v) if p.integer else v
        for path in p.paths:
            out[path] = v
    return out


def _execute(sweep: Sweep, ctx: RunContext, inputs: list[dict], todo: deque,
             ex: Executor, store: Store, bar: Any, summary: SweepSummary) -> None:
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
    validated: dict[int, Scenario | None] = {}   # points' scenarios, the last few

    def take() -> list[tuple[int, int]] | None:
        if todo[0] in suspect:
            return [todo.popleft()] if not running else None
        size = 1 if not timing[1] else max(1, min(256, int(0.5 / max(timing[0], 1e-6))))
        size = min(size, max(1, math.ceil(len(todo) / (2 * ex.workers))), len(todo))
        batch: list[tuple[int, int]] = []
        while todo and len(batch) < size and todo[0] not in suspect:
            batch.append(todo.popleft())
        return batch

    def keep(rows: list[RunRow]) -> None:
        nonlocal warned
        summary.ran += store.add(rows)
        summary.failed += sum(1 for r in rows if r[2] != "ok")
        for r in rows:
            timing[1] += 1
            timing[0] += (r[5] - timing[0]) / timing[1] if r[5] == r[5] else 0.0
        bar.update(len(rows))
        if not warned and rows:
            warned = True
            summary.warnings += missing_outputs(sweep, rows[0])

    def scenario(point: int) -> Scenario | None:
        """The point's scenario, validated here once for all its runs, whichever worker
        takes them (None: a model function's sweep, a Dask cluster's, whose many workers
        validate in parallel what one process here would validate in turn, or the point's
        scenario is invalid, which its runs then find and record themselves)."""
        if ctx.model is not None or isinstance(ex, DaskExecutor):
            return None
        if point not in validated:
            if len(validated) > 4 * ex.workers + 4:
                validated.pop(next(iter(validated)))  # (the points run longest ago)
            try:
                validated[point] = run_scenario(ctx.loaded, inputs[point], "sweep", ctx.shown,
                                                ctx.horizon)
            except Exception:  # noqa: BLE001 — recorded with each of its runs instead
                validated[point] = None
        return validated[point]

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
                running[ex.submit(ctx, [(p, r, inputs[p], scenario(p)) for p, r in batch])] = batch
            except Exception as e:  # noqa: BLE001 — the pool broke under us
                if not is_broken(e):
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
            if is_broken(broken):   # a broken pool: what had not finished is lost with it
                for fut, batch in list(running.items()):
                    running.pop(fut)
                    if fut.done() and not fut.cancelled() and fut.exception() is None:
                        keep(fut.result())
                        suspect.difference_update(batch)
                    else:
                        lost.append(batch)
            ex.recover(is_broken(broken))
            lose(lost, broken)


execute = _execute
"""Run the jobs of ``todo`` on an executor into a store (what an optimisation's
candidates are run with, too: ``sweep`` needs only its ``outputs``)."""


def missing_outputs(sweep: Sweep, row: RunRow) -> list[str]:
    """Warnings for the outputs a successful run did not have (their column stays
    empty)."""
    if row[2] != "ok":
        return []
    return [f"output '{o.column}' is not among the KPIs of point {row[0]} (the KPI has no "
            f"scope '{o.scope}' or period '{o.period}' there); its column will be empty"
            for o, v in zip(sweep.outputs, row[4]) if v != v]


__all__ = ["MAX_ATTEMPTS", "SweepSummary", "run_sweep", "point_inputs", "execute",
           "missing_outputs"]
