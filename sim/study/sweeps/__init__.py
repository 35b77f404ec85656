"""Sensitivity sweeps: a design of parameter sets, each run with common random numbers,
on local processes or a Dask cluster, committed run by run so that a killed sweep resumes.

A sweep is a TOML spec (:class:`SweepSpec`): the base scenario (or any Python model
function ``module:function``), the method that makes the design (``oat``, ``grid``,
``lhs``, ``sobol``, ``morris``), its size, the replications per design point, the seed,
the outputs to keep and the parameters with their ranges and distributions.

Every design point is first drawn in the unit hypercube (exact levels for ``oat`` and
``grid``; ``scipy.stats.qmc`` for ``lhs``; SALib for ``sobol`` and ``morris``) and mapped to
values by each parameter's quantile function, so that the analysis works in the unit
space the design came from. Replication ``r`` of every point uses ``Model(scenario, seed,
r)``: the same random numbers at every point (common random numbers), so that differences
between points are the parameters' doing, not noise. A run is a pure function of (spec,
point, replication): the rows are identical whatever the executor or number of workers.

The package, by role:

* :mod:`.schema` — the spec as data (:class:`SweepSpec`, :class:`SweepParameter`);
* :mod:`.methods` — one module per design method (design size, checks, sampler,
  analysis), found by name in :data:`~.methods.METHODS`;
* :mod:`.spec` — reading and checking a spec against its scenario or model function
  (:func:`load_sweep`);
* :mod:`.worker` — one batch of runs, as a worker process runs it;
* :mod:`.store` — ``runs.sqlite``, one row per finished run;
* :mod:`.executors` — this process, local worker processes, a Dask cluster;
* :mod:`.runner` — batching, retries, progress (:func:`run_sweep`);
* :mod:`.folder` — ``sweep.json``, ``design.parquet``, ``runs.parquet``; resume and
  restart (:func:`read_sweep_folder`).

The names below are imported from their modules when first asked for: a worker process
imports :mod:`.worker` alone, without the folder's pandas and Parquet, the progress bar
or the design methods (0.3-0.6 s and ~100 MB resident a worker, measured).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.study.sweeps.folder import read_sweep_folder
    from sim.study.sweeps.runner import run_sweep
    from sim.study.sweeps.schema import SweepSpec, salib_problem
    from sim.study.sweeps.spec import load_sweep

_HOME = {"read_sweep_folder": "folder", "run_sweep": "runner", "SweepSpec": "schema",
         "salib_problem": "schema", "load_sweep": "spec"}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)


__all__ = ["SweepSpec", "load_sweep", "run_sweep", "read_sweep_folder", "salib_problem"]
