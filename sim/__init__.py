"""corridor-sim: a calibrated discrete-event model of China–Europe container flows
through Kazakhstan.

Public API: :func:`load_scenario`, :func:`run`, :class:`RunResult`, :class:`ConfigError`.
They are imported on first use, so that ``import sim`` (and any one layer) stays light.
"""

__version__ = "0.2.0.dev0"

__all__ = ["ConfigError", "RunResult", "__version__", "load_scenario", "run"]

_LAZY = {"ConfigError": "scenario.problems", "load_scenario": "scenario.loading",
         "RunResult": "io.bundle", "run": "study.replications"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
