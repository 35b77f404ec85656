"""The ``corridor`` argument parser: every command's options, with the help text of
:mod:`sim.cli.help`. Usage errors come out as one line, like every other error."""

from __future__ import annotations

import argparse
from typing import NoReturn

from sim import __version__
from sim.cli.help import DESCRIPTION, EPILOG, EXAMPLES, SUMMARY


class _Parser(argparse.ArgumentParser):
    """Usage errors in the same one-line form as every other error (exit code 2)."""

    def error(self, message: str) -> NoReturn:  # noqa: D401
        self.exit(2, f"error: <command line>: {self.prog}: {message} (see '{self.prog} "
                     "--help')\n")


def _executor_options(study: argparse.ArgumentParser, loopback_for: str = "") -> None:
    """A study's --workers, --scheduler and --dask-local (checked by executor_problems;
    ``loopback_for``: the words after 'on loopback' in the help of --dask-local)."""
    study.add_argument("--workers", type=int, default=None, metavar="W", help="local worker "
                       "processes (default: all cores; 1 runs in this process)")
    study.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask "
                       "cluster (tcp://HOST:PORT)")
    study.add_argument("--dask-local", type=int, metavar="N", help="start a Dask cluster of "
                       f"N worker processes on loopback{loopback_for}, and stop it at the end")


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``corridor``: one subcommand per entry of
    :data:`sim.cli.help.SUMMARY`, in that order, each ending with its examples."""
    p = _Parser(prog="corridor", description=DESCRIPTION, epilog=EPILOG)
    p.add_argument("--version", action="version", version=f"corridor-sim {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True,
                           parser_class=_Parser)

    def command(name: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=SUMMARY[name], epilog=EXAMPLES[name],
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    c = command("check")
    c.add_argument("file", help="scenario TOML file")
    c.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
                   help="override a field by dotted path (repeatable)")
    c.add_argument("--horizon", metavar="START:END", help="check it for another span (ISO "
                   "dates, END excluded), as 'corridor run --horizon' would run it")

    r = command("run")
    r.add_argument("file", help="scenario TOML file")
    r.add_argument("--out", help="result folder (default: results/<scenario name>, or "
                   "results/<scenario name>-<config hash> when --set is given)")
    r.add_argument("--seed", type=int, help="base seed (default: the scenario's)")
    r.add_argument("--replications", type=int, default=1, metavar="N",
                   help="independent replications (default 1)")
    r.add_argument("--precision", type=float, default=None, metavar="P",
                   help="add replications until every headline KPI's 95 %% half-width is "
                   "within P of its mean (e.g. 0.02), up to --max-replications")
    r.add_argument("--max-replications", type=int, default=100, metavar="N",
                   help="cap for --precision (default 100)")
    r.add_argument("--precision-kpi", dest="precision_kpis", action="append", default=[],
                   metavar="NAME[:SCOPE][@YEAR]", help="the KPIs --precision watches "
                   "(repeatable; default: the headline KPIs in every reported year), e.g. "
                   "caspian_teu@2024")
    r.add_argument("--posterior", metavar="DIR", help="a calibration folder with a "
                   "posterior ('corridor calibrate --abc N'): run its accepted parameter sets, "
                   "each with --replications replications, and summarise over all of them")
    r.add_argument("--posterior-draws", type=int, default=10, metavar="K",
                   help="how many accepted sets to run (default 10; spread over them)")
    r.add_argument("--workers", type=int, default=None, metavar="W",
                   help="processes running replications (default: all cores); results do "
                   "not depend on it")
    r.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
                   help="override a field by dotted path (repeatable)")
    r.add_argument("--horizon", metavar="START:END", help="run for another span (ISO dates, "
                   "END excluded, e.g. 2024-01-01:2024-04-01): dated changes after it are "
                   "dropped, those before it hold from its first day (each with a warning)")
    r.add_argument("--no-containers", action="store_true",
                   help="do not write containers.parquet (one row per container)")
    r.add_argument("--quiet", action="store_true", help="no progress bar and no summary "
                   "(only the line saying where the folder went)")

    wu = command("warmup")
    wu.add_argument("file", help="scenario TOML file")
    wu.add_argument("--days", type=int, nargs="+", metavar="D", help="the warm-ups to "
                    "compare, days (default: the scenario's and twice it); the longest is "
                    "the reference")
    wu.add_argument("--window", type=int, default=90, metavar="DAYS", help="days compared "
                    "from the first reported day (default 90; at most to the end of its "
                    "year)")
    wu.add_argument("--replications", type=int, default=8, metavar="N",
                    help="replications per warm-up (default 8)")
    wu.add_argument("--seed", type=int, help="base seed (default: the scenario's)")
    wu.add_argument("--workers", type=int, default=None, metavar="W",
                    help="processes running replications (default: all cores)")
    wu.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
                    help="override a field by dotted path (repeatable)")
    wu.add_argument("--out", metavar="FILE", help="also write the table as CSV (atomically)")
    wu.add_argument("--quiet", action="store_true", help="no progress bar")

    cp = command("compare")
    cp.add_argument("base", help="the base result folder")
    cp.add_argument("other", help="the result folder compared with it")
    cp.add_argument("--out", help="comparison folder (default: results/compare-<base "
                    "scenario>-vs-<other scenario>)")
    cp.add_argument("--kpi", dest="kpis", action="append", default=[], metavar="NAME[:SCOPE]",
                    help="show these KPIs (repeatable; default: the headline KPIs); the "
                    "figures and the report show them too, the files keep every row")
    cp.add_argument("--scope", dest="scopes", action="append", default=[], metavar="SCOPE",
                    help="show the KPIs of these scopes (repeatable), e.g. kuryk")
    cp.add_argument("--quiet", action="store_true", help="no summary")

    ca = command("calibrate")
    ca.add_argument("targets", help="targets TOML file (calibration/targets.toml)")
    ca.add_argument("--params", default="calibration/parameters.toml",
                    help="free parameters TOML file (default calibration/parameters.toml)")
    ca.add_argument("--out", default="results/calibration", help="output folder (default "
                    "results/calibration); an existing one is resumed")
    ca.add_argument("--budget", type=int, default=60, metavar="N",
                    help="evaluations at most (default 60)")
    ca.add_argument("--replications", type=int, default=3, metavar="R",
                    help="replications per evaluation (default 3)")
    ca.add_argument("--seed", type=int, default=1, help="the seed of every evaluation")
    ca.add_argument("--workers", type=int, default=None, metavar="W",
                    help="processes per evaluation (default: all cores)")
    ca.add_argument("--save", metavar="PATH", help="also write the calibrated scenario to "
                    "PATH (e.g. calibration/calibrated.toml, which the scenarios extend)")
    ca.add_argument("--abc", type=int, default=0, metavar="N",
                    help="after the fit, N draws of rejection ABC around it (default 0: none)")
    ca.add_argument("--abc-box", type=float, default=0.25, metavar="F",
                    help="ABC draws within +-F of each parameter's range around the fit "
                    "(default 0.25)")
    ca.add_argument("--restart", action="store_true", help="discard what OUT holds of a "
                    "calibration of other inputs (targets, parameters, base scenario, seed, "
                    "replications) and start again")
    ca.add_argument("--quiet", action="store_true", help="no progress bar and no printed "
                    "report (the files are written all the same)")

    pl = command("plot")
    pl.add_argument("dir", help="a result folder written by 'corridor run', 'corridor "
                    "compare', 'corridor calibrate', 'corridor sweep', 'corridor appraise' "
                    "or 'corridor optimize'")
    pl.add_argument("--out", help="figure folder (default: DIR/figures); replaced whole")
    pl.add_argument("--format", default="png", choices=["png", "svg", "pdf"],
                    help="image format (default png)")

    sw = command("sweep")
    sw.add_argument("spec", help="sweep spec TOML file")
    sw.add_argument("--out", required=True, help="sweep folder (an existing one of the same "
                    "spec is resumed)")
    _executor_options(sw, " for this sweep")
    sw.add_argument("--restart", action="store_true", help="discard the runs of a different "
                    "spec in --out and start again")
    sw.add_argument("--retry-failed", action="store_true", help="run the failed runs again")
    sw.add_argument("--quiet", action="store_true", help="no progress bar and no summary")

    an = command("analyze")
    an.add_argument("dir", help="a folder written by 'corridor sweep'")
    an.add_argument("--out", help="where to write indices.csv/.json (default: DIR)")
    an.add_argument("--resamples", type=int, default=1000, metavar="N",
                    help="bootstrap resamples for the intervals (default 1000)")
    an.add_argument("--quiet", action="store_true", help="no table")

    rp = command("report")
    rp.add_argument("dir", help="a result folder (as for 'corridor plot')")
    rp.add_argument("--out", help="HTML file (default: DIR/report.html)")
    rp.add_argument("--sweep", metavar="SWEEP_DIR", help="a run's report: also the top "
                    "drivers this sweep found, with their inputs' sources (the sweep's base "
                    "must be the run's scenario or one it extends)")

    tb = command("table")
    tb.add_argument("folders", nargs="+", metavar="DIR", help="result folders written by "
                    "'corridor run' (one column each)")
    tb.add_argument("--kpi", dest="kpis", action="append", default=[], metavar="NAME[:SCOPE]",
                    help="a KPI row (repeatable; default: the headline KPIs)")
    tb.add_argument("--period", dest="periods", action="append", default=[], metavar="YEAR",
                    help="a period to show (repeatable; default: every period)")
    tb.add_argument("--out", help="table folder (default: results/table)")
    tb.add_argument("--quiet", action="store_true", help="do not print the table")

    ap = command("appraise")
    ap.add_argument("scenario", help="the scenario's result folder ('corridor run')")
    ap.add_argument("counterfactual", help="the counterfactual's result folder (same seed "
                    "and horizon)")
    ap.add_argument("--costs", required=True, metavar="FILE", help="costs file (TOML), "
                    "e.g. scenarios/appraisal/kuryk_terminal.toml")
    ap.add_argument("--out", help="appraisal folder (default: results/appraise-<scenario>)")
    ap.add_argument("--quiet", action="store_true", help="no summary")

    sc = command("schema")
    sc.add_argument("prefix", nargs="?", metavar="PREFIX", help="only the fields under this "
                    "dotted path (e.g. demand, nodes.<id>.crossing)")
    sc.add_argument("--format", default="markdown", choices=["markdown", "json"],
                    help="markdown (default) or json")
    sc.add_argument("--write", metavar="FILE", help="write the whole reference to FILE "
                    "(atomically) instead of printing it, e.g. docs/fields.md")

    op = command("optimize")
    op.add_argument("spec", help="optimisation spec TOML file")
    op.add_argument("--out", required=True, help="optimisation folder (an existing one of "
                    "the same spec is resumed)")
    _executor_options(op)
    op.add_argument("--restart", action="store_true", help="discard the evaluations in "
                    "--out and start again")
    op.add_argument("--check", action="store_true", help="check the spec against its "
                    "scenario and stop")
    op.add_argument("--quiet", action="store_true", help="no progress bar and no summary")

    so = command("sources")
    so.add_argument("file", help="scenario TOML file")
    so.add_argument("--table", action="store_true", help="print every value with its "
                    "citation (Markdown)")
    so.add_argument("--verbose", action="store_true", help="list the uncited and "
                    "unverified values")
    so.add_argument("--write", metavar="FILE", help="write the table as a page "
                    "(atomically), e.g. docs/sources-baseline.md")
    return p
