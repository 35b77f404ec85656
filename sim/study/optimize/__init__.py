"""Simulation-based optimisation: choose whole-number and dated decisions (ships per line,
berths, cranes, tracks, an opening date) to minimise their cost subject to service
targets on the model's KPIs, or trace the front of cost against a KPI.

An optimisation is a TOML spec (:class:`OptimizeSpec`): the base scenario (or any Python
model function ``module:function``), the decisions with their ranges or options and
costs, the objective, the constraints, the budget, the replications per candidate, the
confirmation stage and the seed. Optuna's TPE sampler proposes candidates in batches;
each runs the same replication seeds (common random numbers) on the sweeps' executors;
the best few run again with more replications and are reported with 95 % intervals.

The package, by role:

* :mod:`.schema` — the spec as data;
* :mod:`.spec` — reading and checking a spec against its scenario or model function
  (:func:`load_optimization`);
* :mod:`.evaluate` — a candidate's means, intervals, feasibility; best, front, binding;
* :mod:`.search` — the sampler, rebuilt from the stored table every round;
* :mod:`.store` — ``evaluations.sqlite`` (the sweeps' run store plus the candidates);
* :mod:`.runner` — rounds, confirmation, resume (:func:`run_optimization`);
* :mod:`.folder` — ``manifest.json``, ``evaluations.parquet``, ``best.json``,
  ``best.md``, ``pareto.csv``.
"""

from sim.study.optimize.runner import run_optimization
from sim.study.optimize.schema import OptimizeSpec
from sim.study.optimize.spec import load_optimization

__all__ = ["OptimizeSpec", "load_optimization", "run_optimization"]
