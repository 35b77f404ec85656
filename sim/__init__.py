"""corridor-sim: a calibrated discrete-event model of China–Europe container flows
through Kazakhstan.

Public API: :func:`load_scenario`, :func:`run`, :class:`RunResult`, :class:`ConfigError`.
They are imported on first use, so that ``import sim`` (and any one layer) stays light.
"""

import os

__version__ = "0.2.0.dev0"

# NumPy asks the kernel for transparent huge pages for each array of 4 MB and more (read
# once, when NumPy is imported). Where a huge page's first touch is slow, as on the
# virtual machines the model is measured on, that costs far more than the pages save:
# `corridor run scenarios/baseline.toml` spent 2.3-3.1 s of its 10-11 s in the kernel
# with them, 0.7-0.8 s of 7-9 s without (benchmarks/README.md). Off unless the user's
# environment says otherwise (NUMPY_MADVISE_HUGEPAGE=1).
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

__all__ = ["ConfigError", "RunResult", "__version__", "load_scenario", "run"]

_LAZY = {"ConfigError": "scenario.problems", "load_scenario": "scenario.loading",
         "RunResult": "io.bundle", "run": "study.replications"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
