"""What a design method is (:class:`Method`: its design-size rule, its own checks of the
spec, its sampler in the unit hypercube and its analysis of one output), what its analysis
receives (:class:`OutputRuns`), and the helpers the methods share.

One module per method (``oat``, ``grid``, ``lhs``, ``sobol``, ``morris``) defines a
``METHOD``; :mod:`sim.study.sweeps.methods` finds them by name.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario.problems import Problem
from sim.study.sweeps.schema import SweepSpec, factors

# a row of the indices table after (output, method): parameter, index, value,
# ci95_low, ci95_high, rep_low, rep_high
Row = tuple[str, str, float, float, float, float, float]


@dataclass(frozen=True)
class OutputRuns:
    """One output of a finished sweep, as a method's analysis reads it.

    ``Y`` holds the output per (design point, replication), NaN where a run failed;
    ``ym`` its mean over the replications; ``keep`` the points with at least one value
    (every point, for a method whose ``every_point`` is true)."""

    spec: SweepSpec
    meta: dict                  # sweep.json
    design: pd.DataFrame        # design.parquet
    unit: np.ndarray            # points x parameters, in the unit hypercube
    values: np.ndarray          # points x parameters, in parameter values
    Y: np.ndarray
    ym: np.ndarray
    keep: np.ndarray
    resamples: int              # bootstrap resamples for the intervals


@dataclass(frozen=True)
class Method:
    """A design method.

    Attributes
    ----------
    name
        As written in a spec's ``method``.
    size
        Design points a spec makes (for ``oat``: when every base is one of the levels;
        one more per parameter whose base is not), checked against the runs limit.
    check
        Problems of the spec that only this method has (checked before the scenario or
        model is read), in the order they are reported.
    sample
        The design in the unit hypercube (points x parameters) and, for ``oat``, the
        parameter each point moves ('' for the base point); deterministic in the spec.
    analyze
        The index rows of one output.
    every_point
        Whether the analysis needs a value at every design point (else at least 3).
    """

    name: str
    size: Callable[[SweepSpec], int]
    check: Callable[[SweepSpec, str], list[Problem]]
    sample: Callable[[SweepSpec], tuple[np.ndarray, list[str] | None]]
    analyze: Callable[[OutputRuns], list[Row]]
    every_point: bool


def no_groups(spec: SweepSpec, shown: str) -> list[Problem]:
    """Groups belong to the variance-based methods; any other says so at the first."""
    if not any(p.group for p in spec.parameters):
        return []
    i = next(i for i, p in enumerate(spec.parameters) if p.group)
    return [Problem(shown, f"parameters[{i}].group", f"groups are for sobol and morris, not "
                    f"{spec.method}")]


def two_factors(spec: SweepSpec, shown: str) -> list[Problem]:
    """Sobol and Morris apportion the variance among at least two factors."""
    if len(factors(spec)) >= 2:
        return []
    return [Problem(shown, "parameters", f"{spec.method} needs at least two parameters (or "
                    "groups) to apportion the variance")]


def quiet(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """A SALib call with its numerical warnings (constant outputs) silenced: those
    indices come out NaN and are reported as such."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def span(vals: list[float]) -> tuple[float, float]:
    """Lowest and highest of the values that are not NaN (NaN, NaN if none)."""
    vals = [v for v in vals if v == v]
    return (min(vals), max(vals)) if vals else (math.nan, math.nan)


def factor_names(problem: dict) -> list[str]:
    """The factors of a SALib problem: its groups, or its parameters."""
    if "groups" not in problem:
        return list(problem["names"])
    return list(dict.fromkeys(problem["groups"]))


__all__ = ["Row", "OutputRuns", "Method", "no_groups", "two_factors", "quiet", "span",
           "factor_names"]
