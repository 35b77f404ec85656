"""corridor-sim: a calibrated discrete-event model of China–Europe container flows
through Kazakhstan."""

__version__ = "0.1.0"

from .config import ConfigError, load_scenario  # noqa: E402
from .experiment import RunResult, run  # noqa: E402

__all__ = ["ConfigError", "RunResult", "__version__", "load_scenario", "run"]
