"""The ``corridor`` commands, one module each, found by name.

:data:`COMMANDS` is the one place that maps a command to the function running it; the
module is imported only when its command runs, so ``corridor --help`` and
``corridor check`` do not load the simulation, the studies or the figures.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

Command = Callable[[argparse.Namespace], int]
"""A command: the parsed arguments in, the exit code out."""

COMMANDS: dict[str, str] = {
    "check": "sim.cli.commands.check:cmd_check",
    "run": "sim.cli.commands.run:cmd_run",
    "warmup": "sim.cli.commands.warmup:cmd_warmup",
    "compare": "sim.cli.commands.compare:cmd_compare",
    "calibrate": "sim.cli.commands.calibrate:cmd_calibrate",
    "plot": "sim.cli.commands.plot:cmd_plot",
    "sweep": "sim.cli.commands.sweep:cmd_sweep",
    "analyze": "sim.cli.commands.analyze:cmd_analyze",
    "report": "sim.cli.commands.report:cmd_report",
    "table": "sim.cli.commands.table:cmd_table",
    "appraise": "sim.cli.commands.appraise:cmd_appraise",
    "schema": "sim.cli.commands.schema:cmd_schema",
    "optimize": "sim.cli.commands.optimize:cmd_optimize",
    "sources": "sim.cli.commands.sources:cmd_sources",
}
"""Command name -> ``"module:function"`` of the function that runs it."""


def resolve(name: str) -> Command:
    """The function running command ``name`` (its module imported now)."""
    module, _, function = COMMANDS[name].partition(":")
    command: Command = getattr(importlib.import_module(module), function)
    return command
