"""Latin hypercube (``lhs``): ``samples`` points, one in each of ``samples`` equal slices
of every parameter's unit range (``scipy.stats.qmc``, seeded by the spec's seed).

Analysis (shared with ``grid``, :func:`correlations`): Spearman rank correlations with a
Fisher-z 95 % interval, and standardised regression coefficients with the regression's R².
"""

from __future__ import annotations

import math

import numpy as np

from sim.scenario.problems import Problem
from sim.study.sweeps.methods.base import Method, OutputRuns, Row, no_groups, span
from sim.study.sweeps.schema import SweepSpec


def size(spec: SweepSpec) -> int:
    return spec.samples


def check(spec: SweepSpec, shown: str) -> list[Problem]:
    return no_groups(spec, shown)


def sample(spec: SweepSpec) -> tuple[np.ndarray, list[str] | None]:
    from scipy.stats import qmc  # scipy loaded only for this design
    return qmc.LatinHypercube(d=len(spec.parameters),
                              seed=np.random.default_rng(spec.seed)).random(spec.samples), None


def analyze(r: OutputRuns) -> list[Row]:
    """Correlations on the points that have a value."""
    return correlations(r.meta, r.values[r.keep], r.Y[r.keep], r.ym[r.keep])


def correlations(meta: dict, X: np.ndarray, Y: np.ndarray, ym: np.ndarray) -> list[Row]:
    """Spearman's rho of each parameter with the point means (and with each replication
    alone), then the standardised regression coefficients and R² of a linear model."""
    from scipy.stats import spearmanr  # scipy loaded only for this analysis
    n = len(ym)
    rows: list[Row] = []
    names = [p["name"] for p in meta["parameters"]]

    def rho(y, j):
        if np.ptp(X[:, j]) == 0 or np.ptp(y) == 0:
            return math.nan
        return float(spearmanr(X[:, j], y).statistic)

    for j, name in enumerate(names):
        r = rho(ym, j)
        lo = hi = math.nan
        if n > 3 and abs(r) < 1:   # Fisher z with the Bonett-Wright variance for Spearman
            z, se = math.atanh(r), 1.96 * math.sqrt((1 + r * r / 2) / (n - 3))
            lo, hi = math.tanh(z - se), math.tanh(z + se)
        reps = [rho(Y[:, k], j) for k in range(Y.shape[1])] if Y.shape[1] > 1 else []
        rows.append((name, "spearman", r, lo, hi, *span(reps)))
    # standardised regression coefficients (linear model on standardised inputs)
    sd = X.std(axis=0)
    use = sd > 0
    if ym.std() > 0 and use.any() and n > use.sum() + 1:
        Z = (X[:, use] - X[:, use].mean(axis=0)) / sd[use]
        zy = (ym - ym.mean()) / ym.std()
        coef, *_ = np.linalg.lstsq(np.column_stack([np.ones(n), Z]), zy, rcond=None)
        fitted = np.column_stack([np.ones(n), Z]) @ coef
        r2 = 1 - float(((zy - fitted) ** 2).sum() / (zy ** 2).sum())
        src = dict(zip(np.array(names)[use], coef[1:]))
        for name in names:
            rows.append((name, "src", float(src.get(name, math.nan)), math.nan, math.nan,
                         math.nan, math.nan))
        rows.append(("(linear model)", "r2", r2, math.nan, math.nan, math.nan, math.nan))
    return rows


METHOD = Method("lhs", size, check, sample, analyze, every_point=False)
