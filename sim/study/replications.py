"""Replications of a scenario and their summary: mean, 95 % t-interval, per-replication values.

Replication ``r`` of seed ``s`` draws every stream from ``SeedSequence(s, spawn_key=(r, …))``
(see :mod:`sim.engine.randomness`), so replication results do not depend on how many are run or
in which order.
"""

from __future__ import annotations

import math
import os
import signal
import threading
import time
from typing import TYPE_CHECKING, cast

import numpy as np

from sim.engine.model import Model, models_freed
from sim.engine.records import Coded, hours_as_datetimes, table
from sim.io.bundle import RunResult
from sim.measure import kpis as kpi_mod
from sim.measure.intervals import sea_legs
from sim.measure.stats import t_interval, t_quantile
from sim.measure.timeseries import SERIES_COLUMNS, daily_columns
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

KPI_COLUMNS = ["name", "period", "scope", "unit", "mean", "ci95_low", "ci95_high", "n", "values"]


def summarise(per_rep: list[dict[tuple[str, str, str], float]]) -> pd.DataFrame:
    """One row per KPI key across replications (keys missing in a replication are NaN).

    Every KPI is a count, time, amount or fraction, never negative (and a fraction never
    above 1), so the t-interval is cut to those bounds: with few replications it can
    reach past them, and the part beyond is impossible values only (coverage is kept)."""
    keys = sorted(set().union(*per_rep))
    rows = []
    for key in keys:
        vals = np.array([rep.get(key, math.nan) for rep in per_rep], float)
        m, lo, hi, n = t_interval(vals)
        unit = kpi_mod.KPIS[key[0]][0]
        if lo == lo:
            lo = max(lo, 0.0)
            hi = min(hi, 1.0) if unit == "fraction" else hi
        rows.append((*key, unit, m, lo, hi, n, vals.tolist()))
    import pandas as pd  # (not before: a run's model and measures never load it)
    return pd.DataFrame(rows, columns=KPI_COLUMNS)


def run_one(scenario: Scenario, seed: int, replication: int, progress: bool = False,
            keep_containers: bool = True):
    """One replication: (KPI dict, container frame or None, daily series). The model is
    freed (:func:`sim.engine.model.models_freed`) before the frames are made: pandas is
    loaded, if at all, only once the run's memory is given back."""
    with models_freed():
        K, cont, ts = _results(scenario, seed, replication, progress, keep_containers)
    if ts is None:
        import pandas as pd
        frame = pd.DataFrame(columns=SERIES_COLUMNS)
        frame.insert(0, "replication", np.int32(replication))
    else:
        frame = table(ts)
    return K, None if cont is None else table(cont), frame


def _results(scenario: Scenario, seed: int, replication: int, progress: bool,
             keep_containers: bool):
    """The KPIs of one replication, and the columns of its daily series and (if kept) its
    containers table, each with its replication first."""
    out = Model(scenario, seed, replication).run(progress=progress)
    crossing_days: dict[str, dict[str, np.ndarray]] = {}  # (made with the KPIs: see there)
    K = kpi_mod.compute(out, crossing_days=crossing_days)
    ts = daily_columns(out, crossing_days)
    if ts is not None:
        n = len(cast(np.ndarray, ts["date"]))
        ts = {"replication": np.full(n, replication, np.int32), **ts}
    out.cache.clear()  # (what the KPIs and the series read: room for the containers)
    cont = containers_columns(out, replication, release=True) if keep_containers else None
    return K, cont, ts


def containers_table(out, replication: int) -> pd.DataFrame:
    """A run's container records as a frame, with its sea legs and its replication."""
    return table(containers_columns(out, replication))


def containers_columns(out, replication: int, release: bool = False
                       ) -> dict[str, np.ndarray | Coded]:
    """The columns of :func:`containers_table`, without pandas: the replication, the
    record store's columns (:meth:`ContainerStore.columns`) with each sea passage's before
    ``delivered``. ``release``: the store's stage times are let go as they are converted
    (for a caller done with the run: its store is left without them)."""
    t0 = np.datetime64(out.calendar.t0, "us")
    cols = out.store.columns(out.node_ids, out.flow_ids, out.route_ids, t0, release=release)
    delivered = cols.pop("delivered")
    names = list(out.services)
    legs = sea_legs(out)
    for name in list(legs):
        v = legs.pop(name)  # (each leg's hours freed as its column is made)
        if name.endswith("service"):
            cols[name] = Coded(v.astype(np.int32), names)
        else:
            cols[name] = _sparse_datetimes(v, t0)
    cols["delivered"] = delivered
    return {"replication": np.full(len(delivered), replication, np.int32), **cols}


def _sparse_datetimes(h: np.ndarray, t0: np.datetime64) -> np.ndarray:
    """:func:`hours_as_datetimes` of a column that is NaN (NaT) for most boxes (a sea
    leg's: most boxes never sail), converting only the hours given: the same values."""
    out = np.full(len(h), np.datetime64("NaT"), "datetime64[us]")
    given = ~np.isnan(h)
    out[given] = hours_as_datetimes(h[given], t0)
    return out


def _replications(scenario: Scenario, seed: int, reps: range, workers: int,
                  progress: bool, keep_containers: bool):
    """The results of replications ``reps``, in order, run by ``workers`` processes.

    A replication is a pure function of (scenario, seed, replication), so the results do
    not depend on the number of workers or on the order in which they finish."""
    from tqdm import tqdm
    n = len(reps)
    if workers <= 1 or n == 1:
        if n == 1:
            return [run_one(scenario, seed, reps[0], progress, keep_containers)]
        with tqdm(total=n, unit="replication", desc=scenario.name,
                  disable=None if progress else True, leave=False) as bar:
            out = []
            for r in reps:
                out.append(run_one(scenario, seed, r, False, keep_containers))
                bar.update(1)
            return out
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # W processes in all: this one and W - 1 workers. The workers take replications from
    # the front, two queued each so they never wait for this process; this process takes
    # them from the back meanwhile (and works while the workers start up)
    results: list = [None] * n
    todo = deque(enumerate(reps))
    helpers = min(workers, n) - 1
    with ProcessPoolExecutor(max_workers=helpers, mp_context=mp_context(),
                             initializer=watch_parent, initargs=(os.getpid(),)) as pool, \
            tqdm(total=n, unit="replication", desc=scenario.name,
                 disable=None if progress else True, leave=False) as bar:
        running: dict = {}

        def top_up() -> None:
            for fut in [f for f in running if f.done()]:
                results[running.pop(fut)] = fut.result()
                bar.update(1)
            while todo and len(running) < 2 * helpers:
                i, r = todo.popleft()
                running[pool.submit(run_one, scenario, seed, r, False, keep_containers)] = i

        # the first submissions start the workers (~0.5 s): from a thread, while this
        # process starts on the last replication
        starter = threading.Thread(target=top_up)
        starter.start()
        try:
            while todo:
                i, r = todo.pop()
                results[i] = run_one(scenario, seed, r, False, keep_containers)
                bar.update(1)
                starter.join()
                top_up()
            starter.join()
            while running:
                # a replication still queued for a busy worker is done here instead
                for fut in [f for f in running if f.cancel()]:
                    i = running.pop(fut)
                    results[i] = run_one(scenario, seed, reps[i], False, keep_containers)
                    bar.update(1)
                if running:
                    wait(running, return_when=FIRST_COMPLETED)
                    top_up()
        except KeyboardInterrupt:
            abort_pool(pool)
            raise
    return results


def mp_context():
    """Worker processes forked from a fresh server process that has imported the model once
    (so that a worker does not re-import numpy and SimPy, and this process, which may be
    in any state, is never forked), or spawned where there is no fork server. pandas is not
    preloaded (this module no longer imports it, to keep it out of a run's memory): a
    worker imports it once, when it first needs it (~0.3 s)."""
    import multiprocessing as mp
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.study.replications"])
        return ctx
    return mp.get_context("spawn")


def watch_parent(pid: int, every_s: float = 0.5) -> None:
    """A pool worker's initializer: end the worker once process ``pid`` (the one that
    started the pool) is gone. A worker waits on a queue whose writing end it holds
    itself, and the fork server lives while a worker does, so a pool whose process is
    killed alone (``kill PID``, ``kill -9``, a supervisor) would leave them waiting for
    ever; Ctrl-C reaches the whole process group and never needed this."""
    # Ctrl-C reaches the whole process group: the process that started the pool handles
    # it (abort_pool), so a worker does not die of it mid-task or while idle (which left
    # tracebacks, or a pool waiting for ever on a worker that never got its stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.name != "posix":   # os.kill(pid, 0) would end the process on Windows
        return

    def watch() -> None:
        while True:
            time.sleep(every_s)
            try:
                os.kill(pid, 0)
            except OSError:  # gone (or its number reused by another user's process)
                os._exit(1)
            if _zombie(pid):  # killed, not yet reaped by its own parent: gone all the same
                os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def abort_pool(pool) -> None:
    """Stop a process pool at once (Ctrl-C in the process that started it): its workers
    ignore SIGINT (:func:`watch_parent`), so they are terminated, the tasks under way with
    them, and the queued ones cancelled."""
    for proc in list(getattr(pool, "_processes", {}).values()):
        proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def _zombie(pid: int) -> bool:
    """Whether process ``pid`` has ended and waits to be reaped (Linux: its state in
    /proc; elsewhere, or unreadable: False)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


# the KPIs --precision watches, per reported year (those a run does not have are skipped);
# an entry (name, scope, year) watches that year only (corridor run --precision-kpi)
PRECISION_KPIS: list[tuple[str, ...]] = [("transit_containers_china_central_asia", "all"),
                  ("kz_share_china_europe_land", "all"), ("caspian_teu", "all"),
                  ("transit_time_days_mean", "northern"),
                  ("transit_time_days_mean", "middle_corridor")]


def widest(kpis: pd.DataFrame, watched=PRECISION_KPIS) -> tuple[float, tuple | None]:
    """The largest relative half-width (half-width / |mean|, of the t-interval before it
    is cut to possible values) among the watched KPIs and reported years, with its key.
    A KPI defined in fewer than two replications (a year with no such boxes, say) has no
    interval and is not watched."""
    worst, key = 0.0, None
    for entry in watched:
        for period, rel in _half_widths(kpis, entry):
            if key is None or rel > worst:  # (a half-width of 0 is measured too)
                worst, key = rel, (entry[0], period, entry[1])
    return worst, key


def unmeasured(kpis: pd.DataFrame, watched: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The watched entries with no interval in any reported year (a KPI the run reports
    for the whole run only, a scope or year without such boxes)."""
    return [entry for entry in watched if not _half_widths(kpis, entry)]


def _half_widths(kpis: pd.DataFrame, entry: tuple[str, ...]) -> list[tuple[str, float]]:
    """(period, relative half-width) of a watched entry (name, scope[, year]) in each
    reported year it has an interval in."""
    name, scope, *year = entry
    rows = kpis[(kpis.name == name) & (kpis.scope == scope) & (kpis.period != "run")]
    out = []
    for r in rows.itertuples(index=False):
        if year and str(r.period).split(" ")[0] != year[0]:
            continue  # (a year run in part is labelled "2024 Jan–Mar")
        m, lo, hi, n = t_interval(np.array(r.values, float))
        if n >= 2 and np.isfinite(m) and m != 0:
            out.append((str(r.period), (hi - lo) / 2 / abs(m)))
    return out


def _replications_needed(rel_half_width: float, n: int, target: float) -> int:
    """The smallest n' whose 95 % half-width would be within ``target`` of the mean, if
    the spread stays what ``n`` replications show: half-width = t(n'-1) s / sqrt(n')."""
    spread = rel_half_width * math.sqrt(n) / t_quantile(0.975, n - 1)  # s / |mean|
    m = n
    while t_quantile(0.975, m - 1) * spread / math.sqrt(m) > target and m < 100_000:
        m += max(1, m // 10)
    return m


def run_posterior(base: Scenario, draws: list[tuple[dict, Scenario]], seed: int | None = None,
                  replications: int = 1, progress: bool = False,
                  keep_containers: bool = False, workers: int = 1) -> RunResult:
    """Parameter and stochastic uncertainty together: each posterior draw (its parameter
    values and the scenario with them set) runs ``replications`` replications of its own
    (draw k takes replications k*R .. k*R+R-1, so no two share random numbers), and every
    KPI is summarised over all draws x replications."""
    seed = base.seed if seed is None else seed
    runs = _Runs(seed, workers, progress, keep_containers)
    for k, (_theta, scenario) in enumerate(draws):
        runs.add(scenario, range(k * replications, (k + 1) * replications))
    return runs.result(base, summarise(runs.per_rep), {"posterior": {
        "draws": [theta for theta, _s in draws], "replications_per_draw": replications}})


class _Runs:
    """Replications run and collected, in order, for one result."""

    def __init__(self, seed: int, workers: int, progress: bool, keep_containers: bool):
        self.seed, self.workers, self.progress, self.keep = (seed, workers, progress,
                                                             keep_containers)
        self.per_rep: list[dict[tuple[str, str, str], float]] = []
        self.conts: list[pd.DataFrame] = []
        self.series: list[pd.DataFrame] = []
        self.t0 = time.perf_counter()

    def add(self, scenario: Scenario, reps: range) -> None:
        for K, cont, ts in _replications(scenario, self.seed, reps, self.workers,
                                         self.progress, self.keep):
            self.per_rep.append(K)
            if cont is not None:
                self.conts.append(cont)
            self.series.append(ts)

    def result(self, scenario: Scenario, table: pd.DataFrame, extra: dict) -> RunResult:
        import pandas as pd
        return RunResult(scenario, self.seed, len(self.per_rep), table,
                         pd.concat(self.conts, ignore_index=True) if self.conts else None,
                         pd.concat(self.series, ignore_index=True),
                         time.perf_counter() - self.t0, extra)


def run(scenario: Scenario, seed: int | None = None, replications: int = 1,
        progress: bool = False, keep_containers: bool = True, workers: int = 1,
        precision: float | None = None, max_replications: int = 100,
        first_replication: int = 0,
        watched: list[tuple[str, ...]] | None = None) -> RunResult:
    """Run ``replications`` replications of ``scenario`` from ``seed`` (default: the
    scenario's) on ``workers`` processes and summarise them; they are replications
    ``first_replication``, ``first_replication + 1``, ... of the seed (another first gives
    other random numbers: for runs compared as independent).

    With ``precision`` (e.g. 0.02), replications are added until every KPI in
    ``watched`` (default :data:`PRECISION_KPIS`) has a 95 % half-width within that
    fraction of its mean, or ``max_replications`` are done; ``extra["precision"]`` says
    which."""
    asked = watched is not None  # (the default list skips what a run does not have)
    watched = watched or PRECISION_KPIS
    if replications < 1:
        raise ValueError("replications must be >= 1")
    seed = scenario.seed if seed is None else seed
    runs = _Runs(seed, workers, progress, keep_containers)
    n = max(replications, 3) if precision else replications
    first = first_replication
    runs.add(scenario, range(first, first + n))
    table = summarise(runs.per_rep)
    extra = {}
    if precision:
        worst, key = widest(table, watched)
        while worst > precision and n < max_replications:
            want = min(max(_replications_needed(worst, n, precision), n + 1), 2 * n,
                       max_replications)  # at most double, then look again
            runs.add(scenario, range(first + n, first + want))
            n = want
            table = summarise(runs.per_rep)
            worst, key = widest(table, watched)
        missing = unmeasured(table, watched) if asked else []
        extra["precision"] = {"target": precision,
                              "reached": bool(worst <= precision) and not missing,
                              "unmeasured": [list(w) for w in missing],
                              "replications": n, "max_replications": max_replications,
                              "widest": {"kpi": list(key) if key else None,
                                         "relative_half_width": worst},
                              "watched": [list(w) for w in watched]}
    return runs.result(scenario, table, extra)
