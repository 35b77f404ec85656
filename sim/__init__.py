"""corridor-sim: a calibrated discrete-event model of China–Europe container flows
through Kazakhstan."""

__version__ = "0.1.0"
