"""``corridor appraise``: cost-benefit appraisal of a scenario's result folder against
its counterfactual's, written to an appraisal folder and summarised."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.commands.common import UNFORESEEN, command_line, errors, unforeseen
from sim.io.bundle import not_replaceable, unwritable_parent
from sim.scenario.problems import ConfigError, Problem
from sim.study.appraisal.appraise import WARNING, appraise
from sim.study.appraisal.folder import summary_text, write_appraisal


def cmd_appraise(args: argparse.Namespace) -> int:
    """Appraise ``args.scenario`` against ``args.counterfactual`` with ``--costs``."""
    try:
        result = appraise(args.scenario, args.counterfactual, args.costs)
    except ConfigError as e:
        return errors(e.problems)
    except UNFORESEEN as e:
        return unforeseen(args.scenario, "appraise the folders", e, "nothing was written")
    out = Path(args.out) if args.out else Path("results") / (
        f"appraise-{result.facts['scenario']['scenario']}")
    if out.resolve() in (Path(args.scenario).resolve(), Path(args.counterfactual).resolve()):
        return errors([Problem(str(out), "--out", "is one of the folders appraised (choose "
                               "another folder for the appraisal)")])
    why = not_replaceable(out, "appraisal") if out.exists() else unwritable_parent(out)
    if why:
        return errors([Problem(str(out), "--out", why)])
    try:
        write_appraisal(result, out, argv=command_line())
    except OSError as e:
        return errors([Problem(str(out), "--out", f"cannot write the appraisal folder "
                               f"({e.strerror or e}); nothing was written")])
    for warning in result.warnings:  # (quiet too)
        print(warning.line("warning"), file=sys.stderr)
    if not args.quiet:
        print(summary_text(result))
        for note in result.notes:
            if not note.startswith(WARNING):
                print(f"  ({note})")
    print(f"wrote {out}/")
    return 0
