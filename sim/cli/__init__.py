"""The ``corridor`` command: thin wiring from arguments to the library.

:func:`main` parses the command line (:mod:`sim.cli.parser`, help text in
:mod:`sim.cli.help`), runs the command's function (:mod:`sim.cli.commands`, imported only
when it runs) and turns an interrupt or a closed output pipe into an exit code. The text
the commands print is made in :mod:`sim.cli.tables`.
"""

from __future__ import annotations

import os
import sys

from sim.cli.commands import resolve
from sim.cli.parser import build_parser

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run ``corridor`` with ``argv`` (default: the command line); the exit code.

    Exit codes: 0 done, 2 a usage error or a problem with the input (one line per
    problem on stderr), 130 interrupted.
    """
    args = build_parser().parse_args(argv)
    try:
        return resolve(args.command)(args)
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
