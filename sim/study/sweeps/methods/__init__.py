"""The design methods, found by name: one module per method (:mod:`.oat`, :mod:`.grid`,
:mod:`.lhs`, :mod:`.sobol`, :mod:`.morris`), each defining a :class:`~.base.Method` with
its design-size rule, its checks of the spec, its sampler and its analysis.

A new method is one module and one row of :data:`METHODS` (and its name in
:data:`sim.study.sweeps.schema.MethodName`, which the spec validates against).
"""

from __future__ import annotations

from typing import get_args

import numpy as np

from sim.study.sweeps.methods import grid, lhs, morris, oat, sobol
from sim.study.sweeps.methods.base import Method, OutputRuns, Row
from sim.study.sweeps.schema import MethodName, SweepSpec

METHODS: dict[str, Method] = {m.name: m for m in (oat.METHOD, grid.METHOD, lhs.METHOD,
                                                  sobol.METHOD, morris.METHOD)}
if tuple(METHODS) != get_args(MethodName):  # pragma: no cover — caught at import
    raise RuntimeError(f"the method table {tuple(METHODS)} and the spec's method names "
                       f"{get_args(MethodName)} differ")


def design(spec: SweepSpec) -> tuple[np.ndarray, list[str] | None]:
    """The design in the unit hypercube (points x parameters) and, for oat, the parameter
    each point moves ('' for the base point). Deterministic in the spec."""
    return METHODS[spec.method].sample(spec)


__all__ = ["METHODS", "Method", "OutputRuns", "Row", "design"]
