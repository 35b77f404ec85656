"""One at a time (``oat``): a base point, then each parameter alone moved over
``samples`` evenly spaced levels of its unit range while the others stay at their base.

Analysis: the output at the base and at the low and high end of each range (the interval
of an end is the paired interval of its change from the base run, placed around the base
mean), the swing between the ends with a paired 95 % interval (replications share their
random numbers across points), and the arc elasticity ``(dy / y_base) / (dx / x_base)``.
"""

from __future__ import annotations

import math

import numpy as np

from sim.measure.stats import t_interval
from sim.scenario.problems import Problem
from sim.study.sweeps.methods.base import Method, OutputRuns, Row, no_groups, span
from sim.study.sweeps.schema import SweepParameter, SweepSpec


def size(spec: SweepSpec) -> int:
    """Points when every parameter's base is one of its levels (the base point already
    has that level); one more per parameter whose base falls between levels."""
    return 1 + len(spec.parameters) * (spec.samples - 1)


def check(spec: SweepSpec, shown: str) -> list[Problem]:
    return no_groups(spec, shown)


def sample(spec: SweepSpec) -> tuple[np.ndarray, list[str] | None]:
    """The base point first, then each parameter's levels (one point per level that
    differs from its base); the label of the parameter each point moves."""
    base_u = np.array([unit_of(p, _base(p)) for p in spec.parameters])
    rows, varied = [base_u], [""]
    for j, p in enumerate(spec.parameters):
        for u in np.linspace(0.0, 1.0, spec.samples):
            if np.isclose(p.ppf(np.array([u]))[0], _base(p)):
                continue  # the base point already has it
            row = base_u.copy()
            row[j] = u
            rows.append(row)
            varied.append(p.label)
    return np.array(rows), varied


def _base(p: SweepParameter) -> float:
    assert p.base is not None   # filled in from the scenario or the median when loaded
    return p.base


def unit_of(p: SweepParameter, value: float) -> float:
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


def analyze(r: OutputRuns) -> list[Row]:
    """y_base; per parameter y_low, y_high, swing and elasticity."""
    Y, values = r.Y, r.values
    varied = r.design["varied"].to_numpy()
    base = int(np.flatnonzero(varied == "")[0])
    m, a, b, _n = t_interval(Y[base])
    rows: list[Row] = [("(base)", "y_base", m, a, b, *span(list(Y[base])))]
    for j, p in enumerate(r.meta["parameters"]):
        pts = np.concatenate([[base], np.flatnonzero(varied == p["name"])])
        order = pts[np.argsort(values[pts, j], kind="stable")]
        lo, hi = int(order[0]), int(order[-1])
        x_lo, x_hi, x0 = values[lo, j], values[hi, j], values[base, j]
        y0 = float(np.nanmean(Y[base]))
        swing = Y[hi] - Y[lo]                       # paired: same random numbers
        for name, pt in (("y_low", lo), ("y_high", hi)):
            # the interval is the paired one of the change from the base run, around the
            # level: what the tornado's whiskers show (the level's own spread across
            # replications is mostly noise shared with the base run)
            d, a, b, _n = t_interval(Y[pt] - Y[base])
            m = float(np.nanmean(Y[pt]))
            rows.append((p["name"], name, m, y0 + a if a == a else m, y0 + b if b == b else m,
                         *span(list(Y[pt]))))
        m, a, b, _n = t_interval(swing)
        rows.append((p["name"], "swing", m, a, b, *span(list(swing))))
        scale = (x_hi - x_lo) / x0 * y0 if x0 and y0 else math.nan
        el = [v / scale for v in (m, a, b)] if scale == scale else [math.nan] * 3
        if scale == scale and scale < 0:
            el[1], el[2] = el[2], el[1]
        rows.append((p["name"], "elasticity", el[0], el[1], el[2],
                     *span([v / scale for v in swing] if scale == scale else [])))
    return rows


METHOD = Method("oat", size, check, sample, analyze, every_point=True)
