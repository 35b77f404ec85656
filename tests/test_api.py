"""The package's public API, named in ``sim/__init__.py``, resolves to the layers' objects
without loading what it does not need."""

import subprocess
import sys
from pathlib import Path

import sim
from sim.io.bundle import RunResult
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.study.replications import run

ROOT = Path(__file__).resolve().parent.parent


def test_public_names_resolve_to_the_layers_objects():
    assert (sim.load_scenario, sim.run, sim.RunResult, sim.ConfigError) == (
        load_scenario, run, RunResult, ConfigError)
    assert sorted(sim.__all__) == ["ConfigError", "RunResult", "__version__",
                                   "load_scenario", "run"]


def test_an_unknown_name_is_an_attribute_error():
    try:
        sim.nothing  # noqa: B018
    except AttributeError as e:
        assert "has no attribute 'nothing'" in str(e)
    else:
        raise AssertionError("sim.nothing resolved")


def test_loading_a_scenario_through_the_api_does_not_load_simpy():
    code = ("import sys, sim\n"
            "s = sim.load_scenario('tests/scenarios/toy.toml')\n"
            "assert 'simpy' not in sys.modules, 'simpy loaded'\n"
            "assert not [m for m in sys.modules if m.startswith(('sim.engine', 'sim.study'))]\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr


def _huge_pages_after_import(env_value: str | None) -> str:
    """NumPy's huge-page flag in a fresh process that imports the engine first."""
    import os
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if env_value is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = env_value
    code = ("import sim.engine.model, numpy as np; "
            "core = getattr(np, '_core', None) or np.core; "
            "print(core.multiarray._get_madvise_hugepage())")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT, env=env).stdout.strip()


def test_importing_sim_turns_numpy_huge_pages_off_unless_the_user_asks():
    # (sim/__init__.py: on the machines the model is measured on, a huge page's first
    # touch costs more than it saves); the user's own setting wins
    assert _huge_pages_after_import(None) == "False"
    assert _huge_pages_after_import("1") == "True"


def test_a_replication_frees_its_model():
    # a model lives in reference cycles made while the collector is paused: run_one
    # frees it, else a worker running replication after replication keeps every one
    import gc

    from sim.engine.model import Model
    from sim.study.replications import run_one
    s = load_scenario(ROOT / "tests" / "scenarios" / "toy_nested.toml")
    gc.collect()
    run_one(s, 1, 0, keep_containers=False)
    assert not [o for o in gc.get_objects() if isinstance(o, Model)]


def test_models_freed_keeps_a_callers_freeze():
    # it freezes what lived before only when nothing is frozen, and thaws only its own
    import gc

    from sim.engine.model import models_freed
    gc.freeze()
    try:
        n = gc.get_freeze_count()
        with models_freed():
            with models_freed():
                pass
        assert gc.get_freeze_count() == n
    finally:
        gc.unfreeze()


def test_a_failed_sweep_run_frees_its_model(monkeypatch):
    import gc

    from sim.engine.model import Model
    from sim.study.sweeps import worker
    s = load_scenario(ROOT / "tests" / "scenarios" / "toy_nested.toml")

    def fails_after_the_run(_ctx, rep, _inputs):
        model = Model(s, 1, rep)  # held by the traceback's frame while it is raised
        model.run()
        raise RuntimeError("after the run")
    monkeypatch.setattr(worker, "run_one", fails_after_the_run)
    ctx = worker.RunContext("x", None, "x", None, (("containers_delivered", "run", "all"),), 1)
    gc.collect()
    rows = worker.run_batch(ctx, [(0, 0, {})])
    assert rows[0][2:4] == ("failed", "RuntimeError: after the run")
    assert not [o for o in gc.get_objects() if isinstance(o, Model)]
