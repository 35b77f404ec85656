"""Test doubles for the sweep machinery: model functions that fail, crash their worker
once or always, or stall (``model = "tests.testfunctions:crash_once"`` in a test's
spec); the functions with known answers live in the package and are re-exported here so
that one module name serves every test spec.
"""

from __future__ import annotations

from sim.study.sweeps.testfunctions import (  # noqa: F401  (re-exported for test specs)
    ISHIGAMI_A,
    ISHIGAMI_B,
    build_to_target,
    ishigami,
    ishigami_indices,
    linear,
)


def failing(params: dict, seed: int, replication: int) -> dict[str, float]:
    """Like :func:`linear`, but raises where ``a`` is above 0.75 (a run that fails)."""
    if params["a"] > 0.75:
        raise RuntimeError(f"no convergence at a={params['a']:.3f}")
    return linear(params, seed, replication)


def _marker(seed: int):
    import tempfile
    from pathlib import Path
    return Path(tempfile.gettempdir()) / f"corridor-crash-once-{seed}"


def crash_once(params: dict, seed: int, replication: int) -> dict[str, float]:
    """Like :func:`linear`, but the first run with ``a`` above 0.5 kills its own process
    (SIGKILL, as the OOM killer would); it leaves a marker file so the retry succeeds."""
    import os
    import signal
    m = _marker(seed)
    if params["a"] > 0.5 and not m.exists():
        m.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return linear(params, seed, replication)


def slow(params: dict, seed: int, replication: int) -> dict[str, float]:
    """Like :func:`linear`, taking 50 ms (to interrupt a sweep in the middle)."""
    import time
    time.sleep(0.05)
    return linear(params, seed, replication)


def crash_always(params: dict, seed: int, replication: int) -> dict[str, float]:
    """Like :func:`linear`, but every run with ``a`` above 0.9 kills its own process."""
    import os
    import signal
    if params["a"] > 0.9:
        os.kill(os.getpid(), signal.SIGKILL)
    return linear(params, seed, replication)


def slow_build(params: dict, seed: int, replication: int) -> dict[str, float]:
    """Like :func:`build_to_target`, taking 50 ms (to kill an optimisation midway)."""
    import time
    time.sleep(0.05)
    return build_to_target(params, seed, replication)


def step(params: dict, seed: int, replication: int) -> dict[str, float]:
    """``y = 10`` where ``a`` is above 0.8, else 0, plus ``b``: a Morris trajectory that
    moves ``a`` across 0.8 sees an effect of 15 per full range, one that stays on a side
    sees none, so mu* is the mean of a few large effects and many zeros."""
    return {"y": 10.0 * (params["a"] > 0.8) + params["b"]}


def build_failing_cheap(params: dict, seed: int, replication: int) -> dict[str, float]:
    """Like :func:`build_to_target`, but the bundle of 2 ships and 4 berths (cost 28,
    cheaper than the optimum) fails to run."""
    if (params["ships"], params["berths"]) == (2, 4):
        raise RuntimeError("no convergence")
    return build_to_target(params, seed, replication)
