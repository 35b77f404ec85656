"""What several commands share: printing problems as one-line errors (exit code 2),
loading the scenario of ``FILE --set ...``, checking an output folder can be created
before any work is done, and the default number of worker processes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError, Problem

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario


def errors(problems: Iterable[Problem]) -> int:
    """Print each problem as one line on stderr; the exit code 2."""
    for prob in problems:
        print(prob.line(), file=sys.stderr)
    return 2


def load(args: argparse.Namespace) -> Scenario | int:
    """The scenario of ``args.file`` with its ``--set`` overrides, or the exit code 2."""
    try:
        return load_scenario(args.file, set_args=args.sets)
    except ConfigError as e:
        return errors(e.problems)


def unwritable_parent(out: Path) -> str | None:
    """Why a result folder could not be created at ``out`` (checked before running)."""
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"cannot be created: {parent} is a file, not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot be created: {parent} is not writable"
    return None


def workers(asked: int | None) -> int:
    """The worker processes to use: as ``--workers`` asked, else one per core."""
    return asked or os.cpu_count() or 1


def command_line() -> list[str]:
    """This command line, as recorded in the manifests (``corridor ARGS...``)."""
    return ["corridor", *sys.argv[1:]]
