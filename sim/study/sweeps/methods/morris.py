"""Elementary effects (``morris``): ``samples`` trajectories on a grid of ``levels``
levels, each moving one factor at a time, ``samples (factors + 1)`` points (SALib, seeded
by the spec's seed); groups of parameters move together.

Analysis: mu* (with its bootstrap 95 % interval, cut at zero), sigma and mu, in output
units per full range of the parameter — per full quantile range for a non-uniform
distribution, since the design lives in the unit hypercube.
"""

from __future__ import annotations

import math

import numpy as np

from sim.scenario.problems import Problem
from sim.study.sweeps.methods.base import (
    Method,
    OutputRuns,
    Row,
    factor_names,
    quiet,
    span,
    two_factors,
)
from sim.study.sweeps.schema import SweepSpec, factors, salib_problem


def size(spec: SweepSpec) -> int:
    return spec.samples * (len(factors(spec)) + 1)


def check(spec: SweepSpec, shown: str) -> list[Problem]:
    """At least two factors; an even number of levels."""
    problems = two_factors(spec, shown)
    if spec.levels % 2:
        problems.append(Problem(shown, "levels", f"morris needs an even number of levels "
                                f"(got {spec.levels})"))
    return problems


def sample(spec: SweepSpec) -> tuple[np.ndarray, list[str] | None]:
    from SALib.sample import morris  # SALib loaded only for this design
    return morris.sample(salib_problem(spec), spec.samples, num_levels=spec.levels,
                         seed=spec.seed), None


def analyze(r: OutputRuns) -> list[Row]:
    """mu_star, sigma and mu per factor."""
    from SALib.analyze import morris  # SALib loaded only for this analysis
    spec, Y, resamples = r.spec, r.Y, r.resamples
    problem = salib_problem(spec)

    def mo(y, n=resamples):
        return quiet(morris.analyze, problem, r.unit, y, num_resamples=n, conf_level=0.95,
                     num_levels=spec.levels, seed=spec.seed)

    res = mo(r.ym)
    per_rep = [mo(Y[:, k], 2) for k in range(Y.shape[1])] if Y.shape[1] > 1 else []
    rows: list[Row] = []
    for k, f in enumerate(factor_names(problem)):
        # SALib's interval is mu* +- 1.96 bootstrap sd; mu* (a mean of absolute
        # effects) is never negative, so the interval is cut at zero
        ms, c = float(res["mu_star"][k]), float(res["mu_star_conf"][k])
        rows.append((f, "mu_star", ms, max(0.0, ms - c), ms + c,
                     *span([float(d["mu_star"][k]) for d in per_rep])))
        rows.append((f, "sigma", float(res["sigma"][k]), math.nan, math.nan,
                     *span([float(d["sigma"][k]) for d in per_rep])))
        rows.append((f, "mu", float(res["mu"][k]), math.nan, math.nan,
                     *span([float(d["mu"][k]) for d in per_rep])))
    return rows


METHOD = Method("morris", size, check, sample, analyze, every_point=True)
