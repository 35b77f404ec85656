"""The ``corridor`` command: thin wiring from arguments to the library."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim import __version__
from sim.measure.headline import COMPARE_HEADLINE, HEADLINE

EXAMPLES_CHECK = """examples:
  corridor check scenarios/baseline.toml
  corridor check scenarios/baseline.toml --set demand.scale=2.4
"""

EXAMPLES_RUN = """examples:
  corridor run scenarios/baseline.toml
  corridor run scenarios/baseline.toml --out results/base_seed7 --seed 7
  corridor run scenarios/baseline.toml --set demand.scale=1.2 --set nodes.dostyk.crossing.cranes=6
      (with --set and no --out, results go to results/baseline-<config hash>/)
  corridor run scenarios/baseline.toml --replications 10 --workers 2 --no-containers
  corridor run scenarios/baseline.toml --precision 0.02 --no-containers
      (adds replications until the headline KPIs' 95 % half-widths are within 2 %)

The result folder holds manifest.json, kpis.json, kpis.csv, timeseries.parquet,
network.json and containers.parquet; it is written to a temporary folder and renamed into place when
complete. An existing result folder at --out is replaced (with its figures); a folder
holding anything else is refused.
"""

EXAMPLES_COMPARE = """examples:
  corridor run scenarios/middle_corridor_2030.toml --replications 10 --out results/mc2030
  corridor run scenarios/kuryk_terminal.toml --replications 10 --out results/kuryk
  corridor compare results/mc2030 results/kuryk --out results/compare-kuryk

Reads the two folders' kpis.json (never re-runs) and writes comparison.json and
comparison.csv: per KPI, period and scope the mean paired difference (other - base)
over the replications both folders have, its 95 % t-interval, the relative change, and
the unpaired (Welch) half-width independent runs would have given. Both folders must
come from the same seed and horizon: replication r of each then shares its random draws
(common random numbers), which is what makes the paired interval narrow.
"""

EXAMPLES_CALIBRATE = """examples:
  corridor calibrate calibration/targets.toml --params calibration/parameters.toml \\
      --out results/calibration --budget 60 --replications 3

A point fit: bounded Powell on the weighted sum of squared z-scores of the targets, each
evaluation the mean of --replications replications with the same seed (common random
numbers). Every evaluation is logged to OUT/evaluations.jsonl as it completes, so the same
command resumes an interrupted fit. Writes OUT/report.md, OUT/report.json and
OUT/calibrated.toml (a scenario extending the base with the fitted values). With
--abc N, N Latin-hypercube draws around the fit are scored the same way and those within
the chi-square 95 % threshold kept: OUT/posterior.parquet.
"""

EXAMPLES_PLOT = """examples:
  corridor plot results/baseline
  corridor plot results/compare-kuryk_terminal
  corridor plot results/calibration --out figs/calibration --format svg
  corridor plot results/sweep-caspian

Recognises the kind of folder from its manifest.json and draws, from the files alone:
  run:         yearly boxes by route and by crossing; monthly boxes by crossing and TEU by
               vessel service; transit time by route (boxes still in transit shown) and
               by corridor; queues and yard occupancy over time; utilisation by facility
               and month; the corridor map (links by boxes routed and congestion)
  comparison:  a forest plot of paired differences (95 % CI); the two scenarios' series
               with 95 % bands
  calibration: targets against the simulated mean and CI; the posterior of every free
               parameter; the objective over the evaluations
  sweep:       per output a tornado (oat), mu*-sigma (morris), S1/ST bars (sobol) or rank
               correlations (lhs, grid), and the output against every parameter
               (a sweep folder without indices.csv is analysed first)
The set is drawn into a temporary folder that replaces --out only when complete.
"""

EXAMPLES_SWEEP = """examples:
  corridor sweep scenarios/sweeps/caspian_drivers.toml --out results/sweep-caspian
  corridor sweep SPEC --out DIR --workers 2          (local processes; default: all cores)
  corridor sweep SPEC --out DIR --dask-local 4       (a Dask cluster of 4 workers on loopback)
  corridor sweep SPEC --out DIR --scheduler tcp://10.0.0.5:8786   (an existing cluster)
  corridor analyze DIR

The spec (TOML) names the base scenario (or a Python function 'module:function'), the
method (oat | grid | lhs | sobol | morris), samples, replications per design point
(common random numbers), seed, outputs and parameters (path, low, high, optional
distribution, group). Each finished run is committed to DIR/runs.sqlite as it returns;
the same command resumes a sweep that was stopped or killed (nothing lost, nothing run
twice). DIR/runs.parquet holds one row per (point, replication): inputs, seed, status,
error, outputs. Results do not depend on the executor or the number of workers. A
changed spec on an existing DIR is refused unless --restart.
"""

EXAMPLES_ANALYZE = """examples:
  corridor analyze results/sweep-caspian
  corridor analyze results/sweep-caspian --resamples 2000

Writes DIR/indices.csv and DIR/indices.json: Sobol S1/ST with bootstrap 95 % intervals,
Morris mu*/sigma, OAT swings and elasticities with paired intervals, or (lhs, grid) rank
correlations and standardised regression coefficients; per output, the share of the
variance of the point means that is replication noise, and each index's range when it
is computed from one replication at a time.
"""

EXAMPLES_REPORT = """examples:
  corridor report results/baseline                 (-> results/baseline/report.html)
  corridor report results/compare-kuryk_terminal --out kuryk.html

One HTML file with everything inside (figures as images, KPI tables, the manifest's
scenario, seeds and version), to open in a browser or send to someone without Python.
"""


class _Parser(argparse.ArgumentParser):
    """Usage errors in the same one-line form as every other error (exit code 2)."""

    def error(self, message: str):  # noqa: D401
        self.exit(2, f"error: <command line>: {self.prog}: {message} (see '{self.prog} "
                     "--help')\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="corridor",
        description="Discrete-event model of China–Europe container flows through Kazakhstan.",
        epilog="run 'corridor COMMAND --help' for a command's options and examples")
    p.add_argument("--version", action="version", version=f"corridor-sim {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True,
                           parser_class=_Parser)

    c = sub.add_parser("check", help="validate a scenario and print a one-screen summary",
                       epilog=EXAMPLES_CHECK, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("file", help="scenario TOML file")
    c.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
                   help="override a field by dotted path (repeatable)")

    r = sub.add_parser("run", help="run a scenario and write a result folder",
                       epilog=EXAMPLES_RUN, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    r.add_argument("--no-containers", action="store_true",
                   help="do not write containers.parquet (one row per container)")
    r.add_argument("--quiet", action="store_true", help="no progress bar and no summary")

    cp = sub.add_parser("compare", help="paired differences between two result folders",
                        epilog=EXAMPLES_COMPARE,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    cp.add_argument("base", help="the base result folder")
    cp.add_argument("other", help="the result folder compared with it")
    cp.add_argument("--out", help="comparison folder (default: results/compare-<base "
                    "scenario>-vs-<other scenario>)")
    cp.add_argument("--quiet", action="store_true", help="no summary")

    ca = sub.add_parser("calibrate", help="fit the free parameters to the targets (point "
                        "fit)", epilog=EXAMPLES_CALIBRATE,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
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
    ca.add_argument("--quiet", action="store_true", help="no progress bar and no report")

    pl = sub.add_parser("plot", help="draw the figures of a result folder (never re-runs)",
                        epilog=EXAMPLES_PLOT, formatter_class=argparse.RawDescriptionHelpFormatter)
    pl.add_argument("dir", help="a result folder written by 'corridor run', 'corridor "
                    "compare', 'corridor calibrate' or 'corridor sweep'")
    pl.add_argument("--out", help="figure folder (default: DIR/figures); replaced whole")
    pl.add_argument("--format", default="png", choices=["png", "svg", "pdf"],
                    help="image format (default png)")

    sw = sub.add_parser("sweep", help="run a sensitivity sweep (resumable)",
                        epilog=EXAMPLES_SWEEP, formatter_class=argparse.RawDescriptionHelpFormatter)
    sw.add_argument("spec", help="sweep spec TOML file")
    sw.add_argument("--out", required=True, help="sweep folder (an existing one of the same "
                    "spec is resumed)")
    sw.add_argument("--workers", type=int, default=None, metavar="W",
                    help="local worker processes (default: all cores; 1 runs in this process)")
    sw.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster "
                    "(tcp://HOST:PORT)")
    sw.add_argument("--dask-local", type=int, metavar="N", help="start a Dask cluster of N "
                    "worker processes on loopback for this sweep, and stop it at the end")
    sw.add_argument("--restart", action="store_true", help="discard the runs of a different "
                    "spec in --out and start again")
    sw.add_argument("--retry-failed", action="store_true", help="run the failed runs again")
    sw.add_argument("--quiet", action="store_true", help="no progress bar and no summary")

    an = sub.add_parser("analyze", help="sensitivity indices of a sweep folder",
                        epilog=EXAMPLES_ANALYZE,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    an.add_argument("dir", help="a folder written by 'corridor sweep'")
    an.add_argument("--out", help="where to write indices.csv/.json (default: DIR)")
    an.add_argument("--resamples", type=int, default=1000, metavar="N",
                    help="bootstrap resamples for the intervals (default 1000)")
    an.add_argument("--quiet", action="store_true", help="no table")

    rp = sub.add_parser("report", help="one self-contained HTML page of a result folder",
                        epilog=EXAMPLES_REPORT,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    rp.add_argument("dir", help="a result folder (as for 'corridor plot')")
    rp.add_argument("--out", help="HTML file (default: DIR/report.html)")
    return p


def _errors(problems) -> int:
    for prob in problems:
        print(prob.line(), file=sys.stderr)
    return 2


def _load(args):
    """The scenario of ``args.file`` with its ``--set`` overrides, or the exit code 2."""
    from sim.scenario.loading import load_scenario
    from sim.scenario.problems import ConfigError
    try:
        return load_scenario(args.file, set_args=args.sets)
    except ConfigError as e:
        return _errors(e.problems)


def cmd_check(args) -> int:
    from sim.scenario.summary import describe
    scenario = _load(args)
    if isinstance(scenario, int):
        return scenario
    print(describe(scenario))
    return 0


def cmd_run(args) -> int:
    from sim.io.bundle import not_replaceable, write_bundle
    from sim.scenario.problems import Problem
    from sim.study.replications import run
    scenario = _load(args)
    if isinstance(scenario, int):
        return scenario
    problems = []
    if args.replications < 1:
        problems.append(Problem("<command line>", "--replications",
                                f"must be >= 1 (got {args.replications})"))
    if args.workers is not None and args.workers < 1:
        problems.append(Problem("<command line>", "--workers",
                                f"must be >= 1 (got {args.workers})"))
    if args.precision is not None and not 0 < args.precision < 1:
        problems.append(Problem("<command line>", "--precision", "must be a fraction of the "
                                f"mean, > 0 and < 1 (got {args.precision:g}; 0.02 is 2 %)"))
    if args.precision is not None and args.max_replications < max(args.replications, 3):
        problems.append(Problem("<command line>", "--max-replications",
                                f"must be >= {max(args.replications, 3)} (the replications "
                                f"to start with; got {args.max_replications})"))
    if args.seed is not None and args.seed < 0:
        problems.append(Problem("<command line>", "--seed", f"must be >= 0 (got {args.seed})"))
    if args.out:
        out = Path(args.out)
    elif args.sets:  # never overwrite the plain scenario's results with a variant
        from sim.io.bundle import config_hash
        from sim.scenario.loading import resolved_dict
        out = Path("results") / f"{scenario.name}-{config_hash(resolved_dict(scenario))[7:15]}"
    else:
        out = Path("results") / scenario.name
    if out.exists():
        why = not_replaceable(out)
        if why:
            problems.append(Problem(str(out), "--out", f"{why} (choose another folder, or "
                                    "remove it)"))
    else:
        why = _unwritable_parent(out)
        if why:
            problems.append(Problem(str(out), "--out", why))
    if problems:
        return _errors(problems)
    import os
    if args.posterior:
        from sim.scenario.loading import load_scenario
        from sim.scenario.problems import ConfigError
        from sim.study.calibration.fit import posterior_draws
        from sim.study.replications import run_posterior
        if args.precision is not None:
            return _errors([Problem("<command line>", "--precision", "cannot be combined "
                                    "with --posterior")])
        try:
            draws = [(d, load_scenario(args.file, overrides=d, set_args=args.sets))
                     for d in posterior_draws(args.posterior, args.posterior_draws)]
        except ConfigError as e:
            return _errors(e.problems)
        result = run_posterior(scenario, draws, seed=args.seed,
                               replications=args.replications, progress=not args.quiet,
                               keep_containers=not args.no_containers,
                               workers=args.workers or os.cpu_count() or 1)
    else:
        result = run(scenario, seed=args.seed, replications=args.replications,
                     progress=not args.quiet, keep_containers=not args.no_containers,
                     workers=args.workers or os.cpu_count() or 1, precision=args.precision,
                     max_replications=args.max_replications)
    try:
        write_bundle(result, out, scenario_path=args.file, argv=["corridor", *sys.argv[1:]]
                     if sys.argv and Path(sys.argv[0]).name == "corridor" else None)
    except OSError as e:
        return _errors([Problem(str(out), "--out", f"cannot write the result folder "
                                f"({e.strerror or e}); nothing was written")])
    if not args.quiet:
        print(_headline(result))
        print(f"wrote {out}/ in {result.wall_time_s:.1f} s")
    return 0


def _fmt(v: float) -> str:
    if v != v:  # NaN
        return "–"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3f}" if abs(v) < 1 else f"{v:.1f}"


def _unwritable_parent(out: Path) -> str | None:
    """Why a result folder could not be created at ``out`` (checked before running)."""
    import os
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"cannot be created: {parent} is a file, not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot be created: {parent} is not writable"
    return None


def _headline(result) -> str:
    k = result.kpis
    years = sorted(p for p in set(k.period) if p != "run")
    ci = result.replications > 1
    lines = [f"{result.scenario.name}: seed {result.seed}, {result.replications} replication(s)"
             + ("; mean [95 % CI]" if ci else "")]
    table = []
    for name, scope, label in HEADLINE:
        got = []
        for y in years:
            m = k[(k.name == name) & (k.period == y) & (k.scope == scope)]
            got.append(None if m.empty else m.iloc[0])
        vals = [float(r["mean"]) for r in got if r is not None and r["mean"] == r["mean"]]
        if not vals:
            continue
        fmt = _row_format(vals)
        cells = []
        for r in got:
            if r is None or r["mean"] != r["mean"]:
                cells.append("–")
                continue
            cell = fmt(float(r["mean"]))
            if ci and r["ci95_low"] == r["ci95_low"]:
                cell += f" [{fmt(float(r['ci95_low']))}, {fmt(float(r['ci95_high']))}]"
            cells.append(cell)
        table.append((label, cells))
    width = max([len(c) for _, cells in table for c in cells] + [6]) + 2
    lines.append(f"  {'KPI':40s}" + "".join(f"{y:>{width}s}" for y in years))
    for label, cells in table:
        lines.append(f"  {label:40s}" + "".join(f"{c:>{width}s}" for c in cells))
    prec = result.extra.get("precision")
    if prec:
        w = prec["widest"]
        worst = (f"{w['relative_half_width']:.2%} for {' '.join(w['kpi'])}" if w["kpi"]
                 else "none")
        lines.append(f"  precision {prec['target']:.1%}: "
                     + ("reached" if prec["reached"] else "NOT reached")
                     + f" after {prec['replications']} replications (widest half-width "
                     f"{worst})")
    in_sys = k[(k.name == "containers_in_system") & (k.period == "run") & (k.scope == "all")]
    if not in_sys.empty:
        n_in = float(in_sys["mean"].iloc[0])
        lines.append(f"  boxes still in the system at the end: {n_in:,.0f}")
    return "\n".join(lines)


def _row_format(values: list[float]):
    """One number format for a row of the headline, from its largest value."""
    big = max(abs(v) for v in values)
    if big >= 100:
        return lambda v: f"{v:,.0f}"
    if big >= 1:
        return lambda v: f"{v:.1f}"
    return lambda v: f"{v:.3f}"


def cmd_compare(args) -> int:
    from sim.io.bundle import not_replaceable
    from sim.scenario.problems import ConfigError, Problem
    from sim.study.compare import compare, write_comparison
    try:
        table, facts = compare(args.base, args.other)
    except ConfigError as e:
        return _errors(e.problems)
    out = Path(args.out) if args.out else Path("results") / (
        f"compare-{facts['base']['scenario']}-vs-{facts['other']['scenario']}")
    if out.resolve() in (Path(args.base).resolve(), Path(args.other).resolve()):
        return _errors([Problem(str(out), "--out", "is one of the folders compared (choose "
                                "another folder for the comparison)")])
    why = not_replaceable(out, "comparison") if out.exists() else _unwritable_parent(out)
    if why:
        return _errors([Problem(str(out), "--out", why)])
    write_comparison(table, facts, out, argv=["corridor", *sys.argv[1:]])
    if not args.quiet:
        names = (facts["other"]["scenario"], facts["base"]["scenario"])
        if names[0] == names[1]:  # e.g. two --set variants: name the folders
            names = (facts["other"]["folder"], facts["base"]["folder"])
        print(f"{names[0]} - {names[1]}: seed "
              f"{facts['seed']}, {facts['pairs']} paired replication(s); "
              "mean difference [95 % CI] (relative)")
        years = sorted(p for p in set(table.period) if p != "run")
        same = 0
        for name, scope in COMPARE_HEADLINE:
            for y in years:
                m = table[(table.name == name) & (table.scope == scope) & (table.period == y)]
                if m.empty or m.iloc[0]["base_mean"] != m.iloc[0]["base_mean"]:
                    continue
                r0 = m.iloc[0]
                if r0["diff_mean"] == 0 and r0["base_mean"] == r0["other_mean"] and not (
                        r0["diff_ci95_high"] > 0):
                    same += 1  # identical in every replication: the scenario did not touch it
                    continue
                r = m.iloc[0]
                ci = ("" if r["diff_ci95_low"] != r["diff_ci95_low"] else
                      f" [{_fmt(r['diff_ci95_low'])}, {_fmt(r['diff_ci95_high'])}]")
                rel = "" if r["rel_change"] != r["rel_change"] else f" ({r['rel_change']:+.1%})"
                print(f"  {name + ' ' + scope:56s} {y}  {_fmt(r['diff_mean']):>10s}{ci}{rel}")
        if same:
            print(f"  ({same} more of these rows are identical in every replication)")
        if facts["only_in_base"] or facts["only_in_other"]:
            print(f"  KPI rows in one folder only: {len(facts['only_in_base'])} base, "
                  f"{len(facts['only_in_other'])} other (listed in manifest.json)")
    print(f"wrote {out}/")
    return 0


def cmd_calibrate(args) -> int:
    import os

    from sim.scenario.problems import ConfigError, Problem
    from sim.study.calibration.fit import fit, write_outputs
    from sim.study.calibration.inputs import load_parameters, load_targets
    problems = []
    for flag, v, least in (("--budget", args.budget, 1), ("--replications",
                                                          args.replications, 1),
                           ("--seed", args.seed, 0), ("--abc", args.abc, 0)):
        if v < least:
            problems.append(Problem("<command line>", flag, f"must be >= {least} (got {v})"))
    if args.workers is not None and args.workers < 1:
        problems.append(Problem("<command line>", "--workers",
                                f"must be >= 1 (got {args.workers})"))
    if not 0 < args.abc_box <= 1:
        problems.append(Problem("<command line>", "--abc-box", f"must be > 0 and <= 1 (got "
                                f"{args.abc_box:g})"))
    if problems:
        return _errors(problems)
    try:
        targets = load_targets(args.targets)
        params, _ = load_parameters(args.params)
    except ConfigError as e:
        return _errors(e.problems)
    base = Path(args.params).parent / params.scenario
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        return _errors([Problem(str(out), "--out", "exists and is not a folder")])
    result = fit(base, params, targets, out, seed=args.seed,
                 replications=args.replications, budget=args.budget,
                 workers=args.workers or os.cpu_count() or 1, progress=not args.quiet)
    write_outputs(result, base, params, out, command=["corridor", *sys.argv[1:]],
                  save=args.save, seed=args.seed, replications=args.replications)
    if args.abc:
        from sim.study.calibration.fit import abc_around
        post = abc_around(result, base, params, targets, out, n=args.abc, box=args.abc_box,
                          seed=args.seed, replications=args.replications,
                          workers=args.workers or os.cpu_count() or 1,
                          progress=not args.quiet)
        kept = post[post.accepted]
        print(f"ABC: {len(kept)} of {len(post)} draws within the chi-square 95 % "
              f"threshold {post.attrs['threshold']:.3g}" + ("" if kept.empty else "; kept "
              "ranges: " + ", ".join(f"{p} {kept[p].min():.4g}..{kept[p].max():.4g}"
                                     for p in params.parameters)))
    if not args.quiet:
        print((out / "report.md").read_text(encoding="utf-8"))
        for pid, v in result.params.items():
            print(f"  {pid:30s} {v:.6g}")
    print(f"wrote {out}/ (report.md, report.json, calibrated.toml, evaluations.jsonl, "
          "manifest.json)")
    return 0


def _analyzed(folder: str) -> None:
    """A sweep folder without indices gets them first (``corridor analyze``): its figures
    and report show them."""
    d = Path(folder)
    if (d / "sweep.json").is_file() and not (d / "manifest.json").exists() \
            and not (d / "indices.csv").exists():
        from sim.study.analyze import analyze, write
        write(analyze(d), d)
        print(f"(analysed the sweep first: {d / 'indices.csv'})", file=sys.stderr)


def cmd_plot(args) -> int:
    from sim.plots.kinds import read_folder, save_figure_set
    from sim.scenario.problems import ConfigError, Problem
    try:
        folder = read_folder(args.dir)
        _analyzed(args.dir)
        out = Path(args.out) if args.out else folder.path / "figures"
        written = save_figure_set(folder, out, args.format)
    except ConfigError as e:
        return _errors(e.problems)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        return _errors([Problem(str(args.dir), "<files>", f"cannot draw the figures "
                                f"({type(e).__name__}: {' '.join(str(e).split())[:200]}); "
                                "no figures were written")])
    for p in written:
        print(p)
    for note in folder.notes:
        print(f"({note})", file=sys.stderr)
    return 0


def cmd_report(args) -> int:
    from sim.plots.kinds import read_folder
    from sim.report import write_report
    from sim.scenario.problems import ConfigError, Problem
    try:
        folder = read_folder(args.dir)
        _analyzed(args.dir)
        out = Path(args.out) if args.out else folder.path / "report.html"
        if out.is_dir():
            return _errors([Problem(str(out), "--out", "is a folder (give the HTML file's "
                                    "name, e.g. report.html)")])
        write_report(folder, out)
    except ConfigError as e:
        return _errors(e.problems)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        return _errors([Problem(str(args.dir), "<files>", f"cannot write the report "
                                f"({type(e).__name__}: {' '.join(str(e).split())[:200]}); "
                                "nothing was written")])
    print(out)
    for note in folder.notes:
        print(f"({note})", file=sys.stderr)
    return 0


def cmd_sweep(args) -> int:
    import os

    from sim.scenario.problems import ConfigError, Problem
    from sim.study.sweeps import load_sweep, run_sweep
    problems = []
    if args.workers is not None and args.workers < 1:
        problems.append(Problem("<command line>", "--workers",
                                f"must be >= 1 (got {args.workers})"))
    if args.dask_local is not None and args.dask_local < 1:
        problems.append(Problem("<command line>", "--dask-local",
                                f"must be >= 1 (got {args.dask_local})"))
    if args.scheduler and args.dask_local:
        problems.append(Problem("<command line>", "--scheduler", "give --scheduler or "
                                "--dask-local, not both"))
    if args.scheduler and not args.scheduler.startswith(("tcp://", "tls://", "inproc://")):
        problems.append(Problem("<command line>", "--scheduler", f"'{args.scheduler}' is not "
                                "a scheduler address (tcp://HOST:PORT)"))
    if (args.scheduler or args.dask_local) and args.workers is not None:
        problems.append(Problem("<command line>", "--workers", "local workers and a Dask "
                                "cluster exclude each other"))
    if problems:
        return _errors(problems)
    if args.scheduler or args.dask_local:
        try:
            import distributed  # noqa: F401
        except ImportError:
            return _errors([Problem("<command line>", "--scheduler" if args.scheduler else
                                    "--dask-local", "Dask is not installed (pip install "
                                    "'dask[distributed]')")])
    why = _unwritable_parent(Path(args.out) / "sweep.json")
    if why:
        return _errors([Problem(str(args.out), "--out", why)])
    try:
        sweep = load_sweep(args.spec)
        s = run_sweep(sweep, args.out, workers=args.workers or os.cpu_count() or 1,
                      scheduler=args.scheduler, dask_local=args.dask_local,
                      restart=args.restart, retry_failed=args.retry_failed,
                      progress=not args.quiet, command=["corridor", *sys.argv[1:]])
    except ConfigError as e:
        return _errors(e.problems)
    except KeyboardInterrupt:
        print(f"interrupted: the finished runs are saved in {args.out}/ (runs.sqlite, "
              "runs.parquet); run the same command again to resume", file=sys.stderr)
        return 130
    except OSError as e:
        if "Timed out" in str(e) or "connect" in str(e).lower():
            return _errors([Problem("<command line>", "--scheduler", f"cannot reach "
                                    f"{args.scheduler} ({e})")])
        raise
    for w in s.warnings:
        print(f"warning: {args.spec}: {w}", file=sys.stderr)
    if not args.quiet:
        print(f"sweep {sweep.spec.method}: {sweep.points} design points x "
              f"{sweep.spec.replications} replication(s) = {s.runs} runs; "
              f"{s.resumed} already done, {s.ran} run now in {s.wall_s:.1f} s "
              f"({s.failed} of them failed; {s.failed_total} failed in all)")
    if s.failed_total:
        print(f"{s.failed_total} run(s) failed: their errors are in {args.out}/runs.parquet "
              "(column 'error'); rerun with --retry-failed to try them again", file=sys.stderr)
    print(f"wrote {args.out}/runs.parquet")
    return 0


def _sig(v: float) -> str:
    """Three significant digits (thousands with separators): indices and elasticities
    near 1 keep their second decimal."""
    if v != v:
        return "–"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def cmd_analyze(args) -> int:
    from sim.scenario.problems import ConfigError, Problem
    from sim.study.analyze import analyze, write
    if args.resamples < 10:
        return _errors([Problem("<command line>", "--resamples",
                                f"must be >= 10 (got {args.resamples})")])
    if args.out:
        why = _unwritable_parent(Path(args.out) / "indices.csv")
        if why:
            return _errors([Problem(str(args.out), "--out", why)])
    try:
        a = analyze(args.dir, resamples=args.resamples)
    except ConfigError as e:
        return _errors(e.problems)
    paths = write(a, args.out or args.dir)
    if not args.quiet:
        t = a.table
        for out, rows in t.groupby("output", sort=False):
            noise = a.facts["outputs"][out]["noise_share"]
            print(f"{out} ({a.method}; replication noise "
                  f"{'n/a' if noise != noise else f'{noise:.1%}'} of the variance of the "
                  "point means)")
            for r in rows[rows["index"] != "noise_share"].itertuples(index=False):
                ci = ("" if r.ci95_low != r.ci95_low else
                      f" [{_sig(r.ci95_low)}, {_sig(r.ci95_high)}]")
                rep = ("" if r.rep_low != r.rep_low else
                       f"  (one replication: {_sig(r.rep_low)}..{_sig(r.rep_high)})")
                print(f"  {r.parameter:34s} {r.index:11s} {_sig(r.value):>10s}{ci}{rep}")
    for p in paths:
        print(f"wrote {p}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"check": cmd_check, "run": cmd_run, "plot": cmd_plot, "report": cmd_report,
                "compare": cmd_compare, "calibrate": cmd_calibrate, "sweep": cmd_sweep,
                "analyze": cmd_analyze}[args.command](args)
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())



