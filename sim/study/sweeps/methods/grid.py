"""Full factorial grid (``grid``): ``samples`` evenly spaced levels of every parameter's
unit range, every combination (``samples ** parameters`` points).

Analysis: as a Latin hypercube's (:func:`sim.study.sweeps.methods.lhs.correlations`).
"""

from __future__ import annotations

import numpy as np

from sim.scenario.problems import Problem
from sim.study.sweeps.methods.base import Method, no_groups
from sim.study.sweeps.methods.lhs import analyze
from sim.study.sweeps.schema import SweepSpec


def size(spec: SweepSpec) -> int:
    return spec.samples ** len(spec.parameters)


def check(spec: SweepSpec, shown: str) -> list[Problem]:
    return no_groups(spec, shown)


def sample(spec: SweepSpec) -> tuple[np.ndarray, list[str] | None]:
    """Every combination of the levels, the last parameter changing fastest."""
    axes = [np.linspace(0.0, 1.0, spec.samples)] * len(spec.parameters)
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.column_stack([m.ravel() for m in mesh]), None


METHOD = Method("grid", size, check, sample, analyze, every_point=False)
