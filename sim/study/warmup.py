"""Is a scenario's warm-up long enough? The doubling test (``corridor warmup``).

A run starts empty: no box on its way, no queue. Its warm-up (``horizon.warmup_days``) is
simulated and thrown away so that the first reported days look like a corridor that has
been running for ever. The model is not stationary (seasons, growth, dated changes), so a
steady-state detector (Welch's plot, MSER) would read the seasons as a transient. This
test asks the question directly instead: the scenario is run over a short window from its
first reported day (``window_days``, 90 by default, cut at the end of its first reported
year and of its horizon) with each warm-up asked for, the longest taken as the
reference, and every headline KPI of the window compared between each warm-up and the
reference.

Each warm-up runs replications of its own (the k-th warm-up asked for takes replications
k*R .. k*R+R-1), so no two share random numbers and their differences get Welch's
interval for independent samples, widened for the number of KPIs compared in a column
(Bonferroni): if the warm-up is long enough, the chance that any KPI of its column is
flagged is at most 5 %. A pass is no more than the absence of evidence: a bias smaller
than the intervals is not seen (their widths are printed for that reason; more
replications narrow them, the widening widens them). A KPI the reference has and a
warm-up has not in the window (no box of that route delivered yet) is counted as
differing; one that cannot be tested (fewer than 2 values, or no spread between
replications and a difference anyway: deterministic arrivals that start on another day)
is said to be so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.measure.headline import HEADLINE
from sim.measure.stats import welch_half_width
from sim.scenario.loading import load_scenario
from sim.scenario.problems import Problem
from sim.scenario.schema import Scenario
from sim.scenario.span import expected_transits
from sim.study.replications import run

LEVEL = 0.95  # family-wise confidence of a warm-up's row of intervals

COLUMNS = ["warmup_days", "name", "scope", "label", "period", "mean", "reference_mean",
           "diff", "diff_low", "diff_high", "status", "differs"]
# status: "same" (the interval covers 0), "differs" (it does not), "missing" (the
# reference has the KPI in the window, the warm-up has not: counted as differing),
# "untested" (fewer than 2 values on a side, or no spread); differs: differs or missing


@dataclass
class WarmupCheck:
    """The doubling test's outcome: one row per warm-up and headline KPI (:data:`COLUMNS`;
    the reference's own rows are not listed) and what it was run with."""

    table: pd.DataFrame
    reference_days: int
    window: tuple[dt.date, dt.date]
    replications: int
    seed: int
    # the longest expected transit (days, flow, route), which a warm-up should cover
    # whatever the test finds: the test cannot see a bias its intervals are wider than
    longest_transit: tuple[float, str, str] | None = None

    def too_short(self) -> dict[int, list[str]]:
        """The warm-ups (days) whose window differs from the reference's, and the labels
        of the KPIs that differ."""
        t = self.table[self.table["differs"]]
        return {int(w): [label.strip() for label in g["label"]]
                for w, g in t.groupby("warmup_days", sort=True)}


def warmup_problems(days: list[int], window_days: int, replications: int,
                    seed: int | None = None, workers: int | None = None) -> list[Problem]:
    """What is wrong with the test's settings, one problem per setting."""
    out = []
    if len(set(days)) < 2:
        out.append(Problem("<command line>", "--days", f"needs at least two different "
                           f"warm-ups to compare (got {sorted(set(days))})"))
    if any(d < 0 for d in days):
        out.append(Problem("<command line>", "--days", f"warm-ups are days >= 0 (got "
                           f"{min(days)})"))
    if any(d > 3650 for d in days):
        out.append(Problem("<command line>", "--days", f"warm-ups are at most 3650 days "
                           f"(got {max(days)})"))
    if not 1 <= window_days <= 366:
        out.append(Problem("<command line>", "--window", f"must be 1 to 366 days (got "
                           f"{window_days})"))
    if replications < 2:
        out.append(Problem("<command line>", "--replications", f"needs at least 2 to "
                           f"measure the spread (got {replications})"))
    if seed is not None and seed < 0:
        out.append(Problem("<command line>", "--seed", f"must be >= 0 (got {seed})"))
    if workers is not None and workers < 1:
        out.append(Problem("<command line>", "--workers", f"must be >= 1 (got {workers})"))
    return out


def default_days(warmup_days: int) -> list[int]:
    """The warm-ups compared when none are asked for: the scenario's own and twice it (90
    days if it has none)."""
    return sorted({warmup_days, 2 * warmup_days or 90})


def window(scenario: Scenario, window_days: int) -> tuple[dt.date, dt.date]:
    """The days compared: ``window_days`` from the first reported day, cut at the end of
    its year (KPIs are by calendar year: one period is compared) and of the horizon."""
    start = scenario.horizon.start
    return start, min(start + dt.timedelta(days=window_days), scenario.horizon.end,
                      dt.date(start.year + 1, 1, 1))


def check_warmup(path: str | Path, days: list[int], window_days: int = 90,
                 replications: int = 8, seed: int | None = None,
                 set_args: list[str] | None = None, workers: int = 1,
                 progress: bool = False) -> WarmupCheck:
    """Run the scenario at ``path`` (with ``set_args``) over ``window_days`` from its first
    reported day, once per warm-up in ``days`` with ``replications`` replications each,
    and compare each warm-up's headline KPIs with the longest's."""
    base = load_scenario(path, set_args=set_args)
    start, end = window(base, window_days)
    seed = base.seed if seed is None else seed
    kpis = {}
    for k, w in enumerate(sorted(set(days))):
        s = load_scenario(path, overrides={"horizon.warmup_days": w}, set_args=set_args,
                          horizon=(start, end))
        kpis[w] = run(s, seed=seed, replications=replications, keep_containers=False,
                      workers=workers, progress=progress,
                      first_replication=k * replications).kpis
    ref = max(kpis)
    rows = []
    for w in sorted(kpis):
        if w != ref:
            rows += _compared(w, kpis[w], kpis[ref])
    transits = expected_transits(base)
    longest = max(transits)[:3] if transits else None
    return WarmupCheck(pd.DataFrame(rows, columns=COLUMNS), ref, (start, end), replications,
                       seed, longest)


def _compared(w: int, k: pd.DataFrame, ref: pd.DataFrame) -> list[tuple]:
    """The headline KPIs of warm-up ``w`` against the reference's, in the window's period
    (the first reported one), with Welch's intervals widened for the number tested."""
    period = sorted(p for p in set(ref["period"]) if p != "run")[0]
    found = []
    for name, scope, label in HEADLINE:
        a = _values(k, name, scope, period)
        b = _values(ref, name, scope, period)
        if len(a) or len(b):
            found.append((name, scope, label, a, b))
    n_tested = sum(len(a) >= 2 and len(b) >= 2 for *_x, a, b in found)
    level = 1.0 - (1.0 - LEVEL) / max(n_tested, 1)  # Bonferroni
    rows = []
    nan = float("nan")
    for name, scope, label, a, b in found:
        mean_a = float(a.mean()) if len(a) else nan
        mean_b = float(b.mean()) if len(b) else nan
        diff, low, high = mean_a - mean_b, nan, nan
        if not len(a):
            status = "missing"  # (the reference has it: ``found``)
        elif len(a) < 2 or len(b) < 2:
            status = "untested"
        else:
            half = welch_half_width(a, b, level)
            low, high = diff - half, diff + half
            if half == 0:  # no spread on either side: nothing to judge a difference by
                status = "same" if diff == 0 else "untested"
            else:
                status = "differs" if low > 0 or high < 0 else "same"
        rows.append((w, name, scope, label, period, mean_a, mean_b, diff, low, high, status,
                     status in ("differs", "missing")))
    return rows


def _values(k: pd.DataFrame, name: str, scope: str, period: str) -> np.ndarray:
    r = k[(k["name"] == name) & (k["scope"] == scope) & (k["period"] == period)]
    if r.empty:
        return np.empty(0)
    v = np.asarray(r["values"].iloc[0], float)
    return v[np.isfinite(v)]
