"""``corridor report``: one self-contained HTML page of a result folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.commands.analyze import analyze_first
from sim.cli.commands.common import UNFORESEEN, errors, unforeseen
from sim.plots.kinds import read_folder
from sim.report import write_report
from sim.scenario.problems import ConfigError, Problem


def cmd_report(args: argparse.Namespace) -> int:
    """Write the report of ``args.dir`` to ``--out``; print its path, then notes."""
    try:
        folder = read_folder(args.dir)
        analyze_first(args.dir)
        out = Path(args.out) if args.out else folder.path / "report.html"
        if out.is_dir():
            return errors([Problem(str(out), "--out", "is a folder (give the HTML file's "
                                   "name, e.g. report.html)")])
        write_report(folder, out)
    except ConfigError as e:
        return errors(e.problems)
    except UNFORESEEN as e:
        return unforeseen(args.dir, "write the report", e, "nothing was written")
    print(out)
    for note in folder.notes:
        print(f"({note})", file=sys.stderr)
    return 0
