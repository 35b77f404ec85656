"""Running an optimisation (:func:`run_optimization`): rounds of candidates proposed by the
search, each candidate's replications run on the sweeps' executors (this process, local
worker processes, a Dask cluster) into the store as they finish, then the confirmation
stage, then the result files.

A round's candidates are committed before they run; on resume, candidates with runs
missing are finished first, and the next round is proposed from the completed table
alone, so a killed optimisation ends with the same table as one never interrupted.
"""

from __future__ import annotations

import math
import shutil
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from sim.study.optimize.evaluate import Evaluation, pareto_front, ranked, summarise
from sim.study.optimize.folder import latest, prepare_folder, write_results
from sim.study.optimize.search import propose
from sim.study.optimize.spec import Optimization
from sim.study.optimize.store import OptimizeStore
from sim.study.sweeps.executors import Executor, executor
from sim.study.sweeps.runner import SweepSummary, execute
from sim.study.sweeps.worker import RunContext

CONFIRM_WAVES = 3


@dataclass
class OptimizeSummary:
    """What an invocation did, and what the folder holds after it."""

    folder: Path
    evaluated: int = 0              # candidates of the search, in the folder
    resumed_runs: int = 0
    ran: int = 0
    failed_runs: int = 0
    confirmed: int = 0
    complete: bool = False
    wall_s: float = 0.0
    best: dict | None = None
    warnings: list[str] = field(default_factory=list)


def run_optimization(opt: Optimization, out: str | Path, workers: int | None = None,
                     scheduler: str | None = None, dask_local: int | None = None,
                     restart: bool = False, progress: bool = False,
                     command: list[str] | None = None) -> OptimizeSummary:
    """Run (or resume) an optimisation into ``out``."""
    t0 = time.perf_counter()
    out = Path(out)
    fresh = not out.exists()
    prepare_folder(opt, out, restart)
    spec = opt.spec
    store = OptimizeStore(out / "evaluations.sqlite")
    summary = OptimizeSummary(out)
    ex: list[Executor] = []
    total = spec.budget * spec.replications + spec.confirm.candidates * (
        spec.confirm.replications - spec.replications)
    summary.resumed_runs = len(store.done())
    bar = tqdm(total=total, initial=min(total, summary.resumed_runs), unit="run",
               desc="optimize", disable=None if progress else True, leave=False)
    ctx = RunContext(opt.fingerprint, opt.loaded,
                     str(opt.path.parent / spec.scenario) if spec.scenario else "",
                     spec.model, tuple((o.kpi, o.period, o.scope) for o in opt.outputs),
                     spec.seed, spec.span)

    def run(jobs: list[tuple[int, int]]) -> None:
        if not ex:
            ex.append(executor(workers, scheduler, dask_local))
        inputs = [opt.inputs(ch) for _c, _r, ch in store.candidates()]
        if bar.n + len(jobs) > (bar.total or 0):  # more confirmation waves than planned
            bar.total = bar.n + len(jobs)          # (cost order: on until one holds)
            bar.refresh()
        sw = SweepSummary(out, 0, 0, 0, 0, 0, 0.0)
        try:
            execute(opt, ctx, inputs, deque(jobs), ex[0], store, bar, sw)  # type: ignore[arg-type]
        finally:
            summary.ran += sw.ran
            summary.failed_runs += sw.failed
            summary.warnings += [w for w in sw.warnings if w not in summary.warnings]

    dropped = False
    try:
        try:
            _search(opt, store, run)
            _confirm(opt, store, run)
            while spec.sampler == "cost_order" and not _settled(opt, store):
                before = len(store.candidates())
                _search(opt, store, run)      # on, in order of cost, past those that
                if len(store.candidates()) == before:   # failed their confirmation
                    break
                _confirm(opt, store, run)
        except KeyboardInterrupt:
            for e in ex:
                e.abort()
            raise
        finally:
            bar.close()
            for e in ex:
                e.close()
        summary.complete = True
    except Exception:  # a cluster out of reach before any run: a folder made for it goes too
        dropped = fresh and not ex and not store.done()
        raise
    finally:
        if dropped:  # (the exception goes on)
            store.close()
            shutil.rmtree(out, ignore_errors=True)
        else:
            search, confirmed = evaluations(opt, store)
            summary.evaluated, summary.confirmed = len(search), len(confirmed)
            summary.wall_s = time.perf_counter() - t0
            status = {"complete": summary.complete, "evaluated": len(search),
                      "runs": len(store.done()), "confirmed": len(confirmed),
                      "last_wall_s": summary.wall_s}
            summary.best = write_results(opt, out, search, confirmed, status,
                                         command)["best"]
            store.close()
    return summary


def _search(opt: Optimization, store: OptimizeStore, run: Any) -> None:
    """Rounds until the budget is spent (or the decisions allow no more candidates)."""
    spec = opt.spec
    while True:
        cands = store.candidates()
        done = store.done()
        todo = [(c, r) for c, _rd, _ch in cands for r in range(spec.replications)
                if (c, r) not in done]
        if todo:
            run(todo)
            continue
        if len(cands) >= spec.budget:
            return
        search, confirmed = evaluations(opt, store)
        if spec.sampler == "cost_order" and ranked(opt, latest(search, confirmed)):
            return  # a feasible candidate (not failed once confirmed): every cheaper one
            # fell short, in the search or in its confirmation
        round_no = cands[-1][1] + 1 if cands else 0
        new = propose(opt, search, round_no, min(spec.batch, spec.budget - len(cands)),
                      {tuple(ch) for _c, _r, ch in cands})
        if not new:
            return
        store.add_candidates([(len(cands) + i, round_no, ch) for i, ch in enumerate(new)])


def _confirm(opt: Optimization, store: OptimizeStore, run: Any) -> None:
    """The best ``confirm.candidates`` of the search (the front's, spread over it, in
    pareto mode) run again with ``confirm.replications`` replications in all. When none of
    them stays feasible (a search mean that was lucky), the next best are confirmed, up to
    ``CONFIRM_WAVES`` waves in all. Every wave is chosen from the table alone and stored
    before it runs, so a resumed optimisation confirms the same candidates."""
    spec = opt.spec
    k = spec.confirm.candidates
    if not k:
        return
    while True:
        conf = store.confirmed()
        done = store.done()
        todo = [(c, r) for c, n in sorted(conf.items()) for r in range(n)
                if (c, r) not in done]
        if todo:
            run(todo)
            continue
        search, confirmed = evaluations(opt, store)
        if conf and (spec.mode == "pareto" or ranked(opt, confirmed)):
            return
        waves = (1 if spec.mode == "pareto" else math.inf if spec.sampler == "cost_order"
                 else CONFIRM_WAVES)  # cost order: on until one holds or none is left
        if math.ceil(len(conf) / k) >= waves:
            return
        if spec.mode == "pareto":
            front = pareto_front(opt, search)
            pick = sorted({int(i) for i in np.linspace(0, len(front) - 1, min(k, len(front)))})
            chosen = [front[i] for i in pick] if front else []
        else:
            chosen = [e for e in ranked(opt, search) if e.candidate not in conf][:k]
        if not chosen:
            return
        store.confirm({e.candidate: spec.confirm.replications for e in chosen})


def _settled(opt: Optimization, store: OptimizeStore) -> bool:
    """Cost order: whether a candidate stands confirmed (or, with no confirmation stage,
    feasible in the search), so the search need not go on."""
    search, confirmed = evaluations(opt, store)
    return bool(ranked(opt, confirmed if opt.spec.confirm.candidates else search))


def evaluations(opt: Optimization, store: OptimizeStore
                ) -> tuple[list[Evaluation], list[Evaluation]]:
    """(search evaluations of every candidate whose search runs are all in, confirmation
    evaluations of every confirmed candidate whose runs are all in), from the store."""
    spec = opt.spec
    by_cand: dict[int, list] = {}
    for row in store.rows():
        by_cand.setdefault(row[0], []).append(row)
    confirmed = store.confirmed()
    search, conf = [], []
    for c, rd, ch in store.candidates():
        rows = by_cand.get(c, [])
        have = {r[1] for r in rows}
        if all(r in have for r in range(spec.replications)):
            search.append(summarise(opt, c, rd, "search", ch, rows, spec.replications))
        n = confirmed.get(c)
        if n is not None and all(r in have for r in range(n)):
            conf.append(summarise(opt, c, rd, "confirm", ch, rows, n))
    return search, conf


__all__ = ["CONFIRM_WAVES", "OptimizeSummary", "run_optimization", "evaluations"]
