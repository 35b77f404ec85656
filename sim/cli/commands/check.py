"""``corridor check``: validate a scenario and print its one-screen summary."""

from __future__ import annotations

import argparse

from sim.cli.commands.common import load
from sim.scenario.summary import describe


def cmd_check(args: argparse.Namespace) -> int:
    """Print the summary of ``args.file`` (with ``--set``), or its problems (exit 2)."""
    scenario = load(args)
    if isinstance(scenario, int):
        return scenario
    print(describe(scenario))
    return 0
