"""Help text of the ``corridor`` command: its description, each command's one-line
summary (shown by ``corridor --help``) and the examples ``corridor COMMAND --help`` ends
with. Text only: the parser (:mod:`sim.cli.parser`) places it."""

from __future__ import annotations

DESCRIPTION = "Discrete-event model of China–Europe container flows through Kazakhstan."

EPILOG = "run 'corridor COMMAND --help' for a command's options and examples"

SUMMARY = {
    "check": "validate a scenario and print a one-screen summary",
    "run": "run a scenario and write a result folder",
    "warmup": "is a scenario's warm-up long enough? (tested against a longer one)",
    "compare": "paired differences between two result folders",
    "calibrate": "fit the free parameters to the targets (point fit, then rejection ABC "
                 "with --abc; resumable)",
    "plot": "draw the figures of a result folder (never re-runs)",
    "sweep": "run a sensitivity sweep (resumable)",
    "analyze": "sensitivity indices of a sweep folder",
    "report": "one self-contained HTML page of a result folder",
    "table": "many result folders side by side: a wide table, CSV and spreadsheet",
    "appraise": "cost-benefit appraisal of a scenario against its counterfactual",
    "schema": "the reference of every scenario field (type, unit, default, bounds)",
    "optimize": "choose decisions at least cost under service targets (resumable)",
    "sources": "where a scenario file's numbers come from: sourced, assumed, unverified",
}
"""Each command's line in ``corridor --help``, in the order listed there."""

EXAMPLES_CHECK = """examples:
  corridor check scenarios/baseline.toml
  corridor check scenarios/baseline.toml --set demand.scale=2.4
  corridor check scenarios/kuryk_terminal.toml --horizon 2024-01-01:2024-04-01
"""

EXAMPLES_RUN = """examples:
  corridor run scenarios/baseline.toml
  corridor run scenarios/baseline.toml --out results/base_seed7 --seed 7
  corridor run scenarios/baseline.toml --set demand.scale=1.2 \\
      --set nodes.dostyk.crossing.cranes=6
      (with --set and no --out, results go to results/baseline-<config hash>/)
  corridor run scenarios/baseline.toml --replications 10 --workers 2 --no-containers
  corridor run scenarios/baseline.toml --precision 0.02 --no-containers
      (adds replications until the headline KPIs' 95 % half-widths are within 2 %)
  corridor run scenarios/baseline.toml --precision 0.02 --precision-kpi caspian_teu@2024 \\
      --precision-kpi transit_time_days_mean:middle_corridor@2024 --no-containers
      (watches only these: 2023's few Caspian boxes would need many more replications)
  corridor run scenarios/kuryk_terminal.toml --horizon 2024-01-01:2024-04-01 --out /tmp/q
      (a short trial: dated changes after the span are dropped and those before it
      hold from its first day, each with a warning; a year run in part is labelled
      as such, e.g. "2024 Jan–Mar")

The result folder holds manifest.json, kpis.json, kpis.csv, timeseries.parquet,
network.json and containers.parquet; it is written to a temporary folder and renamed
into place when complete. An existing result folder at --out is replaced (with its
figures); a folder holding anything else is refused.
"""

EXAMPLES_WARMUP = """examples:
  corridor warmup scenarios/baseline.toml
      (its own warm-up and twice it, 8 replications each, over the first 90 reported days)
  corridor warmup scenarios/kuryk_terminal.toml --days 30 60 120 240 --replications 12
  corridor warmup scenarios/middle_corridor_2030.toml --window 180 --out results/warmup.csv

Runs the scenario from its first reported day for --window days (cut at the end of that
year and of the horizon), once per warm-up, each with replications of its own, and
compares every headline KPI of that window with the longest warm-up's: Welch's interval,
widened for the number of KPIs (Bonferroni), so that a long enough warm-up has at most a
5 % chance of any KPI starred. A pass is only the absence of evidence: a bias smaller than
the intervals is not seen (more replications narrow them). A KPI with no value in the
window with a warm-up (no box of that route delivered yet) counts as differing.
"""

EXAMPLES_COMPARE = """examples:
  corridor run scenarios/caspian_committed_2030.toml --replications 10 --out results/committed
  corridor run scenarios/kuryk_terminal.toml --replications 10 --out results/kuryk
  corridor compare results/committed results/kuryk --out results/compare-kuryk
  corridor compare results/committed results/kuryk --scope aktau --scope kuryk
  corridor compare results/committed results/kuryk --kpi containers_held \\
      --kpi containers_lost:xian_europe_mc --kpi caspian_teu:kuryk_ct
  (a scope is an id that 'corridor check' lists: a port, crossing, service, route,
  corridor or flow; a KPI's scopes are listed when one is wrong; with both --kpi and
  --scope a row shown matches one of each)

Reads the two folders' kpis.json (never re-runs) and writes comparison.json and
comparison.csv: per KPI, period and scope the mean paired difference (other - base)
over the replications both folders have, its 95 % t-interval, the relative change, and
the unpaired (Welch) half-width independent runs would have given. Both folders must
come from the same seed and horizon: replication r of each then shares its random draws
(common random numbers), which is what makes the paired interval narrow. A row one
folder lacks (an element or a feature only one scenario has) is kept with that folder's
mean and no difference (column found_in: base or other), and so is a row undefined in
every pair (a peak backlog where nothing closed); the summary shows them and says why.
"""

EXAMPLES_CALIBRATE = """examples:
  corridor calibrate calibration/targets.toml --params calibration/parameters.toml \\
      --out results/calibration --budget 60 --replications 3
  corridor calibrate my/targets.toml --out /tmp/cal --budget 6 --replications 1 \\
      --abc 4 --abc-box 0.1                      (a trial: a minute or two on 2 cores)
  corridor calibrate my/targets.toml --out /tmp/cal --budget 20 --replications 1 \\
      --abc 4 --abc-box 0.1                      (goes on from the trial's evaluations)
  corridor calibrate my/targets.toml --out /tmp/cal --budget 6 --replications 1 \\
      --restart                                  (after changing a target's value)

A point fit: bounded Powell on the weighted sum of squared z-scores of the targets, each
evaluation the mean of --replications replications with the same seed (common random
numbers). Every evaluation is logged to OUT/evaluations.jsonl as it completes, so the same
command (or one with a larger --budget) resumes an interrupted fit; a folder of other
inputs (the targets' KPIs, values, errors and weights, the parameters' paths, the base
scenario, seed, replications; not the targets' definitions or sources) is refused unless
--restart. The targets are checked against the base scenario first (a KPI, year or scope
it does not report is one error line each). Writes OUT/report.md, OUT/report.json and
OUT/calibrated.toml (a scenario extending the base with the fitted values); the report
says whether the fit converged or stopped at --budget. With --abc N, N Latin-hypercube
draws from each parameter's prior within the box around the fit are scored the same way
and those within the 95 % threshold kept (the 95 % quantile of the weighted sum of
squared z-scores where the fit is right, each target's weight raised by 1 + s^2 / (R SE^2)
for the simulation's noise in the mean of R replications, s the sd between them):
OUT/posterior.parquet. Then:
  corridor plot OUT; corridor report OUT; corridor run FILE --posterior OUT
"""

EXAMPLES_PLOT = """examples:
  corridor plot results/baseline
  corridor plot results/compare-kuryk_terminal
  corridor plot results/calibration --out figs/calibration --format svg
  corridor plot results/sweep-caspian

Recognises the kind of folder from its manifest.json (a sweep folder: its sweep.json)
and draws, from the files alone:
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
  optimization: the objective by evaluation (feasible and infeasible candidates, the best
               so far as confirmed, the confirmed ones that hold and that fail with 95 %
               CIs); each constraint by candidate
               against its limit; in pareto mode cost against the objective, the front
               with 95 % CIs
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
distribution, group); optionally set (fields fixed for every run) and horizon =
"START:END" (the base run for that span as 'corridor run --horizon' runs it, its
warnings said once). Each finished run is committed to DIR/runs.sqlite as it returns;
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
  corridor report results/kuryk_terminal --sweep results/sweep-caspian

One HTML file with everything inside (figures as images, KPI tables, the manifest's
scenario, seeds and version), to open in a browser or send to someone without Python.
A sweep's report, and a run's with --sweep (a sweep of the run's scenario or of one it
extends), names the top drivers of each output and whether each of those inputs is
sourced, fitted, an assumption or unverified.
"""

EXAMPLES_TABLE = """examples:
  corridor table results/caspian_committed_2030 results/kuryk_terminal \\
      results/kuryk_terminal_fleet --period 2030 --out results/table-2030
  corridor table results/caspian_committed_2030 results/kuryk_terminal --kpi caspian_teu \\
      --kpi transit_time_days_mean:middle_corridor
  corridor table results/baseline results/wagon_shortage_2024 --kpi containers_by_crossing

Reads each folder's kpis.json (never re-runs) and writes OUT/table.csv (per KPI, scope and
period, each scenario's mean and 95 % t-interval over its own replications),
OUT/table.xlsx (a sheet to read: 'mean [low, high]' per scenario; a sheet of numbers; a
sheet describing the scenarios: folder, replications, seed, horizon) and a figure of the
last year, OUT/figures/table_<year>.png. Without --kpi the rows are the headline KPIs;
--kpi NAME or NAME:SCOPE (repeatable) picks others, --period YEAR (repeatable) narrows
the years. Nothing is paired: for paired differences of two scenarios use 'corridor
compare'. Default OUT: results/table.
"""

EXAMPLES_APPRAISE = """examples:
  corridor run scenarios/caspian_committed_2030.toml --replications 4 --no-containers \\
      --out results/caspian_committed_2030
  corridor run scenarios/kuryk_terminal.toml --replications 4 --no-containers \\
      --out results/kuryk_terminal
  corridor appraise results/kuryk_terminal results/caspian_committed_2030 \\
      --costs scenarios/appraisal/kuryk_terminal.toml --out results/appraise-kuryk_terminal
  corridor plot results/appraise-kuryk_terminal
  corridor report results/appraise-kuryk_terminal

Reads the two folders' kpis.json (never re-runs; same seed and horizon: replication r of
both shares its random numbers) and the costs file (TOML: [appraisal] with its
[appraisal.discount], [value_of_time], [carbon], [margin], optional [benefits], and
[[items]] of dated capital and operating costs, each with a source). Benefits per year
and replication from the KPIs: box-days saved x value of time and the shippers' cost
change (rule of a half per corridor), CO2e saved x carbon price, TEU gained on the
margin's corridors x margin; held after the last simulated year unless
beyond_horizon = "none". Writes OUT/cashflows.csv (year x item x replication),
replications.csv (NPV, BCR, EIRR per replication), quantities.csv, summary.json,
summary.csv (mean, 95 % interval, P(NPV > 0), the interval without common random
numbers) and report.md.
"""

EXAMPLES_SCHEMA = """examples:
  corridor schema                              (every field, as Markdown)
  corridor schema nodes.<id>.crossing          (the fields of a border crossing's table)
  corridor schema nodes.dostyk.crossing.cranes (an id is read as <id>)
  corridor schema demand --format json
  corridor schema --write docs/fields.md       (regenerate the page in the repository)

Per field: its dotted path (<id> for a key you choose, [i] for a list position; the
paths --set and the error messages use), type, unit, default, bounds, description, and
whether a dated change ([[timeline]]) may set it during a run, with the bounds a new
value keeps. Read from the schema and the node-kind registry, so it is never out of date.
The page --write makes writes '<' as '&lt;' (for Markdown shown as HTML); the terminal
shows '<'.
"""

EXAMPLES_OPTIMIZE = """examples:
  corridor optimize scenarios/optimize/aktau_2024_small.toml --out results/optimize-aktau-small
  corridor optimize scenarios/optimize/caspian_2030.toml --out results/optimize-caspian-2030 --check
  corridor optimize SPEC --out DIR --workers 2      (local processes; default: all cores)
  corridor optimize SPEC --out DIR --dask-local 4   (a Dask cluster of 4 workers on loopback)
  corridor optimize SPEC --out DIR --restart        (discard DIR's evaluations first)
  corridor plot DIR; corridor report DIR

The spec (TOML) names the base scenario (or a Python function 'module:function'), with
optionally set (fields fixed for every candidate) and horizon = "START:END" (the base
run for that span as 'corridor run --horizon' runs it, a decision dated 'at' before its
first day in force from that day; the warnings said once, --check too), the
decisions (a dotted path with low/high/step and cost_per_unit_usd, or options with
option_costs_usd; 'at' dates one; 'inactive_when' names other decisions' values at which
it does nothing, run then at its first value, its cheapest; every cost with its source),
the objective ('cost' or a KPI 'name:scope@year', sense min or max), the constraints (an
output with max or min, met on the mean over the replications), mode (minimise | pareto:
cost against the objective), budget (candidates), batch, replications (common random
numbers), [confirm] (the best candidates run again with more replications), seed and
sampler: 'tpe' (Optuna's TPE, the default), 'random', or 'cost_order' (objective 'cost'
only: the bundles run cheapest first until one meets the constraints and holds them when
confirmed, every cheaper one run and short on its mean). Every candidate and run is
committed to DIR/evaluations.sqlite as it finishes; the same command resumes a killed
optimisation (nothing lost, nothing run twice, the same final table). Writes
DIR/evaluations.parquet, DIR/best.json and DIR/best.md (the best bundle: decisions,
cost, objective and constraints with 95 % intervals, which constraints bind) and, in
pareto mode, DIR/pareto.csv.
"""

EXAMPLES_SOURCES = """examples:
  corridor sources scenarios/baseline.toml            (counts by kind of citation)
  corridor sources scenarios/kuryk_terminal.toml --verbose   (and the uncited, unverified)
  corridor sources scenarios/baseline.toml --table    (every value with its citation)
  corridor sources scenarios/baseline.toml --write docs/sources-baseline.md

Reads the file's text (its comments and 'source' fields: a TOML parser drops comments):
per value it sets, the comment beside it — or, where that cites nothing, the 'source' of
its table — and the kind: sourced (a fact-sheet section, an address, an outlet and year),
fitted (written by corridor calibrate), assumption (with its reason), GK-unverified
(general knowledge, to be checked) or uncited. Only the file's own values: a child's
parents have their own pages. The fact sheets the citations name are in docs/.
"""

EXAMPLES = {
    "check": EXAMPLES_CHECK,
    "run": EXAMPLES_RUN,
    "warmup": EXAMPLES_WARMUP,
    "compare": EXAMPLES_COMPARE,
    "calibrate": EXAMPLES_CALIBRATE,
    "plot": EXAMPLES_PLOT,
    "sweep": EXAMPLES_SWEEP,
    "analyze": EXAMPLES_ANALYZE,
    "report": EXAMPLES_REPORT,
    "table": EXAMPLES_TABLE,
    "appraise": EXAMPLES_APPRAISE,
    "schema": EXAMPLES_SCHEMA,
    "optimize": EXAMPLES_OPTIMIZE,
    "sources": EXAMPLES_SOURCES,
}
"""The epilog of ``corridor COMMAND --help``."""
