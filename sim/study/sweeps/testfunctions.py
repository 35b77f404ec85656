"""Model functions with known answers, to check the sweep machinery on a machine or a
cluster before sweeping the corridor (``model = "sim.study.sweeps.testfunctions:ishigami"``
in a sweep spec: its Sobol indices are known in closed form).

A model function takes ``(params, seed, replication)`` and returns ``{output: value}``; it
must be a pure function of its arguments, like a scenario run.
"""

from __future__ import annotations

import math

import numpy as np

ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami_indices(a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> dict[str, tuple]:
    """The analytic first-order and total Sobol indices of the Ishigami function for
    x1, x2, x3 uniform on [-pi, pi] (Ishigami & Homma 1990; Sobol' & Levitan 1999)."""
    v1 = 0.5 * (1 + b * math.pi ** 4 / 5) ** 2
    v2 = a * a / 8
    v13 = b * b * math.pi ** 8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return {"S1": (v1 / var, v2 / var, 0.0), "ST": ((v1 + v13) / var, v2 / var, v13 / var)}


def ishigami(params: dict, seed: int, replication: int) -> dict[str, float]:
    """y = sin x1 + a sin^2 x2 + b x3^4 sin x1; ``y_noisy`` adds N(0, noise_sd) noise drawn
    from (seed, replication) only — the same at every point, as common random numbers
    make a simulation's noise — and ``y_iid`` adds noise that differs at every point."""
    x1, x2, x3 = params["x1"], params["x2"], params["x3"]
    y = math.sin(x1) + ISHIGAMI_A * math.sin(x2) ** 2 + ISHIGAMI_B * x3 ** 4 * math.sin(x1)
    sd = params.get("noise_sd", 1.0)
    crn = np.random.default_rng([seed, replication]).normal(0.0, sd)
    point = np.array([x1, x2, x3], float).view(np.uint64).tolist()
    iid = np.random.default_rng([seed, replication, *point]).normal(0.0, sd)
    return {"y": y, "y_noisy": y + crn, "y_iid": y + iid}


def linear(params: dict, seed: int, replication: int) -> dict[str, float]:
    """y = 2 a - b (+ 0 c): Morris mu* is |coefficient| x range, OAT swings are exact.
    ``y_noise`` adds N(0, 1) noise drawn from (seed, replication, the point)."""
    y = 2.0 * params["a"] - params["b"] + 0.0 * params.get("c", 0.0)
    point = np.array([params[k] for k in sorted(params)], float).view(np.uint64).tolist()
    return {"y": y, "y_noise": y + np.random.default_rng([seed, replication, *point]).normal()}


def build_to_target(params: dict, seed: int, replication: int) -> dict[str, float]:
    """A toy investment question with a known answer: ``wait = 30 - 2 ships - 3 berths``
    plus N(0, noise_sd) noise drawn from (seed, replication) only (common random numbers,
    as a simulation's), and ``throughput = 10 ships + 12 berths`` (no noise). With ships
    costing 4 and berths 5 a unit, ships and berths in 0..8 and the target wait <= 10.5,
    the cheapest bundle is 1 ship and 6 berths (cost 34; the next, 35); the noise (sd 0.2
    by default) cannot move the mean over two replications across the target's margin."""
    ships, berths = params["ships"], params["berths"]
    sd = params.get("noise_sd", 0.2)
    noise = np.random.default_rng([seed, replication, 16]).normal(0.0, sd)
    return {"wait": 30.0 - 2.0 * ships - 3.0 * berths + noise,
            "throughput": 10.0 * ships + 12.0 * berths}


def noisy_build_to_target(params: dict, seed: int, replication: int) -> dict[str, float]:
    """:func:`build_to_target` with noise of sd 1: two replications' mean can pass a
    candidate that five fail (with seed 17 the first two draws average -0.71 and the five
    +0.20), for tests of a confirmation that overturns the search."""
    return build_to_target({**params, "noise_sd": 1.0}, seed, replication)
