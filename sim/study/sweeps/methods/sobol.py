"""Variance-based indices (``sobol``): Saltelli's extension of a Sobol' sequence of base
sample N (a power of 2), ``N (D + 2)`` points, or ``N (2D + 2)`` with ``second_order``
(SALib, seeded by the spec's seed); groups of parameters get one index.

Analysis: first-order and total indices S1 and ST (and S2 with ``second_order``), with
bootstrap 95 % intervals, and the range of each index over the replications alone.
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
from sim.study.sweeps.schema import SweepSpec, salib_problem


def size(spec: SweepSpec) -> int:
    d = len(spec.parameters)
    return spec.samples * (2 * d + 2 if spec.second_order else d + 2)


def check(spec: SweepSpec, shown: str) -> list[Problem]:
    """``samples`` a power of 2; at least two factors."""
    problems = []
    if spec.samples & (spec.samples - 1):
        up = 1 << (spec.samples - 1).bit_length()
        problems.append(Problem(shown, "samples", f"sobol needs a power of 2 (got "
                                f"{spec.samples}; did you mean {up // 2 if up // 2 >= 2 else up}"
                                f" or {up}?)"))
    return problems + two_factors(spec, shown)


def sample(spec: SweepSpec) -> tuple[np.ndarray, list[str] | None]:
    from SALib.sample import sobol  # SALib loaded only for this design
    return sobol.sample(salib_problem(spec), spec.samples,
                        calc_second_order=spec.second_order, seed=spec.seed), None


def analyze(r: OutputRuns) -> list[Row]:
    """S1 and ST per factor (then S2 per pair)."""
    from SALib.analyze import sobol  # SALib loaded only for this analysis
    spec, Y, resamples = r.spec, r.Y, r.resamples
    problem = salib_problem(spec)

    def si(y, n=resamples):
        return quiet(sobol.analyze, problem, y, calc_second_order=spec.second_order,
                     num_resamples=n, conf_level=0.95, seed=spec.seed)

    res = si(r.ym)
    factors = factor_names(problem)
    per_rep = {}
    if Y.shape[1] > 1:
        per_rep = {k: si(Y[:, k], 2) for k in range(Y.shape[1]) if np.isfinite(Y[:, k]).all()}
    rows: list[Row] = []
    for key in ("S1", "ST"):
        for k, f in enumerate(factors):
            v, c = float(res[key][k]), float(res[key + "_conf"][k])
            reps = [float(d[key][k]) for d in per_rep.values()]
            rows.append((f, key, v, v - c, v + c, *(span(reps))))
    if spec.second_order:
        for a in range(len(factors)):
            for b in range(a + 1, len(factors)):
                v, c = float(res["S2"][a, b]), float(res["S2_conf"][a, b])
                rows.append((f"{factors[a]} x {factors[b]}", "S2", v, v - c, v + c,
                             math.nan, math.nan))
    return rows


METHOD = Method("sobol", size, check, sample, analyze, every_point=True)
