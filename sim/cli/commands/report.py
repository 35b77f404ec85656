"""``corridor report``: one self-contained HTML page of a result folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.commands.analyze import analyze_first
from sim.cli.commands.common import UNFORESEEN, errors, unforeseen
from sim.io.drivers import check_sweep_base
from sim.io.folders import Folder
from sim.plots.kinds import read_folder
from sim.report import write_report
from sim.scenario.problems import ConfigError, Problem


def cmd_report(args: argparse.Namespace) -> int:
    """Write the report of ``args.dir`` to ``--out``; print its path, then notes."""
    try:
        folder = read_folder(args.dir)
        analyze_first(args.dir)
        sweep = _sweep(args.sweep, folder) if args.sweep else None
        out = Path(args.out) if args.out else folder.path / "report.html"
        if out.is_dir():
            return errors([Problem(str(out), "--out", "is a folder (give the HTML file's "
                                   "name, e.g. report.html)")])
        write_report(folder, out, sweep)
    except ConfigError as e:
        return errors(e.problems)
    except UNFORESEEN as e:
        return unforeseen(args.dir, "write the report", e, "nothing was written")
    print(out)
    for note in folder.notes:
        print(f"({note})", file=sys.stderr)
    return 0


def _sweep(path: str, folder: Folder) -> Folder:
    """The sweep folder of ``--sweep`` (analysed first if it has no indices), checked
    against the report's run: its base must be the run's scenario or one it extends."""
    if folder.kind != "run":
        raise ConfigError([Problem(path, "--sweep", f"shows a sweep's drivers in a run's "
                                   f"report; {folder.path} is a {folder.kind} folder")])
    sweep = read_folder(path)
    if sweep.kind != "sweep":
        raise ConfigError([Problem(path, "--sweep", f"is a {sweep.kind} folder, not a sweep "
                                   "(give a folder written by 'corridor sweep')")])
    check_sweep_base(path, sweep.manifest, folder.manifest.get("scenario_path"))
    analyze_first(path)
    return sweep
