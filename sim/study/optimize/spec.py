"""An optimisation spec read and checked, ready to run (:func:`load_optimization` ->
:class:`Optimization`).

The checks come in two rounds, each reporting every problem at once (ConfigError with one
line per problem, named by the spec's dotted field): the spec on its own (its schema, and
with it, on the parts that validated, names, paths, outputs, the objective against the
mode, the budget against the decisions' space), then, when it has none, against its base
— the scenario (every path names a field of the right kind, the outputs name KPIs in the
horizon, the scenario is valid at both ends of every range and at every option) or the
model function (importable, callable). The budget against the bundles that can run comes
last, in the same report as either round's problems, unless the spec failed its schema
or one of them is a decision's (the decisions as written are what it counts). Last the
fingerprint that tells this optimisation from any other is computed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.io.bundle import config_hash
from sim.measure.location import scope_words
from sim.scenario.loading import read_data_file
from sim.scenario.problems import ConfigError, Problem, did_you_mean
from sim.scenario.span import fit_timeline
from sim.study.optimize.schema import OPTIMIZE_FORMAT, Decision, OptimizeSpec
from sim.study.optimize.search import admissible, redundant_count
from sim.study.sweeps.spec import (
    OUTPUT_RE,
    Output,
    base_scenario,
    checked_model,
    fingerprint,
    horizon_problems,
    read_output,
)
from sim.study.sweeps.worker import run_scenario

RESERVED = ("candidate", "stage", "round", "replications", "status", "error", "cost_usd",
            "objective", "objective_ci_low", "objective_ci_high", "feasible", "wall_s")
MAX_SPACE_SHOWN = 10**12
MAX_COST_ORDER = 200_000  # candidates 'cost_order' may list and sort


@dataclass
class Optimization:
    """A checked spec, ready to run: the spec, its file, the base (raw scenario data or
    the model function) and the outputs the runs keep (the objective's, if a KPI, then
    each constraint's, each once)."""

    spec: OptimizeSpec
    path: Path
    shown: str
    outputs: list[Output]
    loaded: Any = None
    fingerprint: str = ""
    base_config_hash: str = ""
    written: dict = field(default_factory=dict)
    notes: list[Problem] = field(default_factory=list)   # the base's, fitted to 'horizon'

    @property
    def kpi_objective(self) -> bool:
        return self.spec.objective != "cost"

    def column(self, text: str) -> int:
        """The index of an output (as written in the spec) in the runs' values."""
        return [o.column for o in self.outputs].index(text)

    def space(self) -> int:
        """How many candidates the decisions allow."""
        return math.prod(d.size() for d in self.spec.decisions)

    def inputs(self, choice: list[int]) -> dict:
        """The values a candidate sets ({path: value}, or {path@date: value} for a decision
        dated 'at'), from the index of each decision's value."""
        out: dict = {}
        for d, k in zip(self.spec.decisions, choice):
            out.update(decision_inputs(d, d.values()[k]))
        return out

    def cost_usd(self, choice: list[int]) -> float:
        return float(sum(d.cost_usd(k) for d, k in zip(self.spec.decisions, choice)))


def decision_inputs(d: Decision, value: Any) -> dict:
    """{path: value} of one decision at one value (path@date for a dated decision)."""
    suffix = f"@{d.at.isoformat()}" if d.at is not None else ""
    return {p + suffix: value for p in d.paths}


def load_optimization(path: str | Path) -> Optimization:
    """Read and check an optimisation spec (ConfigError with one line per problem)."""
    path = Path(path)
    spec, shown = read_data_file(path, OptimizeSpec, SPEC_RULES, ("decisions", "constraints"))
    written = spec.model_dump(mode="json")
    opt = Optimization(spec, path, shown, [])
    problems = spec_problems(spec, shown)
    if not problems:
        try:
            if spec.scenario is not None:
                _check_scenario(opt, spec.scenario)
            else:
                _check_model(opt)
        except ConfigError as e:
            problems = list(e.problems)
    if not any(p.file == shown and p.path.startswith("decisions") for p in problems):
        budget = _budget_problem(opt)     # the bundles can be counted: the decisions hold
        problems += [budget] if budget is not None else []
    if problems:
        raise ConfigError(problems)
    opt.written = written
    opt.fingerprint = fingerprint(written, opt.base_config_hash, OPTIMIZE_FORMAT)
    return opt


def _budget_problem(opt: Optimization) -> Problem | None:
    """The budget against the candidates that can run: not those costing more than
    ``max_cost_usd`` nor those in which a decision does nothing (its ``inactive_when``),
    as neither is ever proposed (counted where the space can be listed)."""
    spec = opt.spec
    space = opt.space()
    if (spec.budget > space or space > MAX_COST_ORDER
            or (spec.max_cost_usd is None and not any(d.inactive_when for d in spec.decisions))):
        return None  # (a budget over the whole space is the rules' problem)
    runnable = sum(1 for c in itertools.product(*(range(d.size()) for d in spec.decisions))
                   if admissible(opt, list(c)))
    idle = redundant_count(opt)
    dear = space - idle - runnable
    if spec.budget <= runnable:
        return None
    why = [f"{idle:,} in which a decision does nothing (its 'inactive_when')"] if idle else []
    why += [f"{dear:,} over max_cost_usd"] if dear else []
    return Problem(opt.shown, "budget", f"{spec.budget} candidates, but only {runnable:,} of "
                   f"the {space:,} the decisions allow can run ({'; '.join(why)}); lower the "
                   "budget")


def output_texts(spec: OptimizeSpec) -> list[tuple[str, str]]:
    """(where in the spec, output as written) of every output the runs keep, each once."""
    out: list[tuple[str, str]] = []
    if spec.objective != "cost":
        out.append(("objective", spec.objective))
    for i, c in enumerate(spec.constraints):
        if c.output not in [t for _w, t in out]:
            out.append((f"constraints[{i}].output", c.output))
    return out


def spec_problems(spec: OptimizeSpec, shown: str) -> list[Problem]:
    """Checks of the spec on its own (before the scenario or model is read)."""
    return [p for rule in SPEC_RULES for p in rule(spec, shown)]


def _listing_problems(spec: OptimizeSpec, shown: str) -> list[Problem]:
    """Decisions and constraints named once, not as a column; each path set once."""
    problems: list[Problem] = []
    names = spec.names
    seen: dict[str, str] = {}
    labels = [c.label for c in spec.constraints]
    for i, d in enumerate(spec.decisions):
        where = f"decisions[{i}].name" if d.name else f"decisions[{i}].path"
        if names.index(d.label) != i:
            problems.append(Problem(shown, f"decisions[{i}].name", f"'{d.label}' names two "
                                    "decisions (give each a different 'name')"))
        elif d.label in RESERVED or d.label in labels:
            problems.append(Problem(shown, where, f"'{d.label}' is already a column of the "
                                    f"evaluations table ({', '.join(RESERVED)} and the "
                                    "constraints); give the decision another 'name'"))
        for k, p in enumerate(d.paths):
            at = f"decisions[{i}].path" + ("" if isinstance(d.path, str) else f"[{k}]")
            key = p + (f"@{d.at}" if d.at else "")
            if key in seen:
                problems.append(Problem(shown, at, f"'{p}' is also set by {seen[key]}; one "
                                        "path, one decision"))
            elif p in spec.set and d.at is None:
                problems.append(Problem(shown, at, f"'{p}' is fixed by 'set' as well; "
                                        "remove it from one of them"))
            seen.setdefault(key, f"decisions[{i}]")
        if spec.model and d.at is not None:
            problems.append(Problem(shown, f"decisions[{i}].at", "a model function has no "
                                    "timeline; 'at' dates a scenario's decision"))
    for i, d in enumerate(spec.decisions):
        costs = d.option_costs_usd or []
        if d.inactive_when and costs and costs[0] > min(costs):
            problems.append(Problem(shown, f"decisions[{i}].inactive_when", "only the first "
                                    f"option is run while the decision does nothing, but it "
                                    f"costs USD {costs[0]:,.0f} and another USD "
                                    f"{min(costs):,.0f} (list the cheapest option first)"))
        for other, value in (d.inactive_when or {}).items():
            where = f"decisions[{i}].inactive_when.{other}"
            if other == d.label:
                problems.append(Problem(shown, where, "a decision cannot depend on itself"))
            elif other not in names:
                problems.append(Problem(shown, where, f"no decision named '{other}' "
                                        f"({did_you_mean(other, names)})"))
            elif not any(_same(value, v) for v in spec.decisions[names.index(other)].values()):
                values = spec.decisions[names.index(other)].values()
                alike = [v for v in values if str(v) == str(value)]
                allowed = ", ".join(str(v) for v in values)
                problems.append(Problem(shown, where, f"{value} is written as {_kind(value)}, "
                                        f"but '{other}' lists it as {_kind(alike[0])} (write "
                                        "it as that decision's values are written)" if alike
                                        else f"{value} is not a value of '{other}' "
                                        f"({allowed})"))
    problems += _cycle_problems(spec, shown)
    for i, c in enumerate(spec.constraints):
        if labels.index(c.label) != i:
            problems.append(Problem(shown, f"constraints[{i}].name", f"'{c.label}' names two "
                                    "constraints (give each a different 'name')"))
    return problems


def _kind(v: Any) -> str:
    """What a decision value was written as, in words."""
    return {bool: "true/false", int: "a whole number", float: "a number",
            str: "text (in quotes)"}.get(type(v), "a date")


def _cycle_problems(spec: OptimizeSpec, shown: str) -> list[Problem]:
    """Decisions whose ``inactive_when`` lead back to themselves (a does nothing when b is
    at a value, b when a is): one bundle would then stand for two that differ, and the
    search would skip one of them. One line per cycle, at its first decision."""
    names = spec.names
    needs = {d.label: [o for o in (d.inactive_when or {}) if o in names and o != d.label]
             for d in spec.decisions}
    problems: list[Problem] = []
    reported: set[frozenset] = set()
    for start in names:
        path, todo = [start], [(start, [start])]
        while todo:
            here, path = todo.pop()
            for nxt in needs[here]:
                if nxt == start:
                    cycle = frozenset(path)
                    if cycle not in reported:
                        reported.add(cycle)
                        problems.append(Problem(shown, f"decisions[{names.index(start)}]."
                                                "inactive_when", "decisions depend on each "
                                                "other in a circle (" + " -> ".join(
                                                    [*path, start]) + "); one of them must "
                                                "not name the other"))
                elif nxt not in path:
                    todo.append((nxt, [*path, nxt]))
    return problems


def _same(a: Any, b: Any) -> bool:
    """Two decision values equal as written (1 and True, or 1 and 1.0, are not)."""
    return type(a) is type(b) and a == b


def _study_problems(spec: OptimizeSpec, shown: str) -> list[Problem]:
    """The outputs' form, the objective against the mode, confirmation and budget."""
    problems: list[Problem] = []
    if spec.scenario is not None:
        for where, text in output_texts(spec):
            if not OUTPUT_RE.match(text):
                problems.append(Problem(shown, where, f"'{text}' is not 'cost', 'name', "
                                        "'name:scope', 'name@year' or 'name:scope@year'"
                                        if where == "objective" else
                                        f"'{text}' is not 'name', 'name:scope', 'name@year' "
                                        "or 'name:scope@year'"))
    if spec.mode == "pareto" and spec.objective == "cost":
        problems.append(Problem(shown, "objective", "mode 'pareto' traces cost against an "
                                "output: give the output (e.g. 'transit_time_days_mean:"
                                "middle_corridor@2030'), not 'cost'"))
    if spec.mode == "minimise" and spec.objective == "cost" and not spec.constraints:
        problems.append(Problem(shown, "constraints", "minimising cost with no constraint "
                                "picks the cheapest value of every decision; give at least "
                                "one [[constraints]]"))
    if spec.confirm.candidates and spec.confirm.replications <= spec.replications:
        problems.append(Problem(shown, "confirm.replications", f"{spec.confirm.replications}"
                                f" is not more than the search's {spec.replications} "
                                "replications (confirmation adds replications; or set "
                                "confirm.candidates = 0)"))
    space = math.prod(d.size() for d in spec.decisions)
    if spec.sampler == "cost_order" and (spec.mode != "minimise" or spec.objective != "cost"):
        problems.append(Problem(shown, "sampler", "'cost_order' runs the candidates "
                                "cheapest first until one meets the constraints: it needs "
                                "mode 'minimise' and objective 'cost' (or use 'tpe')"))
    elif spec.sampler == "cost_order" and space > MAX_COST_ORDER:
        problems.append(Problem(shown, "sampler", f"'cost_order' lists every candidate, "
                                f"and the decisions allow {space:,} (at most "
                                f"{MAX_COST_ORDER:,}; use 'tpe')"))
    if spec.budget > space:
        problems.append(Problem(shown, "budget", f"{spec.budget} candidates, but the "
                                f"decisions allow only {space:,} (lower the budget, or "
                                "widen the decisions)"))
    return problems


def _horizon_problems(spec: OptimizeSpec, shown: str) -> list[Problem]:
    return horizon_problems(spec.horizon, spec.model, spec.set, [
        (f"decisions[{i}].path" + ("" if isinstance(d.path, str) else f"[{k}]"), p)
        for i, d in enumerate(spec.decisions) for k, p in enumerate(d.paths)], shown)


# the spec's checks on its own, one per theme (run on the parts that validated as well,
# when the spec fails its schema: sim.scenario.loading.read_data_file)
SPEC_RULES = (_listing_problems, _study_problems, _horizon_problems)


def _check_scenario(opt: Optimization, scenario_file: str) -> None:
    """The outputs and decisions against the base scenario (with 'set' applied)."""
    spec, shown = opt.spec, opt.shown
    loaded, data, years = base_scenario(opt.path, shown, scenario_file, spec.set, spec.span,
                                        opt.notes)
    base_shown = str(opt.path.parent / scenario_file)
    opt.loaded, opt.base_config_hash = loaded, config_hash(data)
    problems = _output_problems(opt, years, scope_words(data))
    problems += _dated_problems(opt, data)
    for i, d in enumerate(spec.decisions):
        found = []
        for k, p in enumerate(d.paths):
            at = f"decisions[{i}].path" + ("" if isinstance(d.path, str) else f"[{k}]")
            value, why = value_at(data, p)
            if why:
                found.append(Problem(shown, at, why))
            elif d.integer and (isinstance(value, bool) or not isinstance(value, int)):
                found.append(Problem(shown, at, f"'{p}' is not a whole number in the "
                                     f"scenario ({value!r}); give 'options' instead"))
        problems += found
        if found:
            continue
        for k, v in enumerate(d.values()):
            if d.integer and 0 < k < d.size() - 1:
                continue          # a range: its ends
            try:
                run_scenario(loaded, decision_inputs(d, v), shown, base_shown, spec.span)
            except ConfigError as e:
                first = e.problems[0]
                end = ("low" if k == 0 else "high") if d.integer else f"options[{k}]"
                problems.append(Problem(shown, f"decisions[{i}].{end}", f"the scenario is "
                                        f"invalid at {v}: {first.path}: {first.message}"))
                break
    if problems:
        raise ConfigError(problems)


def _dated_problems(opt: Optimization, data: dict) -> list[Problem]:
    """The dated decisions against the spec's ``horizon``, by the rule that fits the
    base's dated changes to it (:func:`sim.scenario.span.fit_timeline`): one dated before
    the run's first day is in force from that day (a warning in ``opt.notes``, as the
    base's changes get); one dated on or after its end would never act (a problem)."""
    span = opt.spec.span
    if span is None:
        return []
    start, end = span
    first = start - dt.timedelta(days=data["horizon"]["warmup_days"])
    problems: list[Problem] = []
    for i, d in enumerate(opt.spec.decisions):
        if d.at is None:
            continue
        if d.at >= end:
            problems.append(Problem(opt.shown, f"decisions[{i}].at", f"{d.at} is not "
                                    f"before the horizon's end {end}: the decision would "
                                    "never act (date it within the horizon, or leave out "
                                    "'at' to have it hold from the start)"))
            continue
        opt.notes += [Problem(opt.shown, f"decisions[{i}].at", msg) for _k, msg in
                      fit_timeline([{"date": d.at}], first, end).notes]
    return problems


def value_at(data: dict, path: str) -> tuple[Any, str | None]:
    """The value at a dotted path of resolved scenario data, or why there is none."""
    cur: Any = data
    parts = path.split(".")
    for i, part in enumerate(parts):
        if not isinstance(cur, dict) or part not in cur:
            here = ".".join(parts[:i]) or "the scenario"
            keys = list(cur) if isinstance(cur, dict) else []
            return None, f"'{path}': no '{part}' in {here} ({did_you_mean(part, keys)})"
        cur = cur[part]
    if isinstance(cur, (dict, list)):
        return None, f"'{path}' is a table or a list, not a value"
    return cur, None


def _output_problems(opt: Optimization, years: list[str], words: set[str]) -> list[Problem]:
    """Reads every output into ``opt.outputs``; the problems of those it cannot read (not
    a KPI, a year outside the horizon, a scope that names nothing in the scenario)."""
    problems: list[Problem] = []
    for where, text in output_texts(opt.spec):
        m = OUTPUT_RE.match(text)
        assert m is not None          # spec_problems checked the form
        got = read_output(text, m, years, words)
        if isinstance(got, str):
            problems.append(Problem(opt.shown, where, got))
        else:
            opt.outputs.append(got)
    return problems


def _check_model(opt: Optimization) -> None:
    """The model function: importable and callable; outputs are its keys."""
    spec, shown = opt.spec, opt.shown
    ref = spec.model or ""
    checked_model(ref, shown)
    opt.outputs = [Output(t, t, "all", "run") for _w, t in output_texts(spec)]
    opt.base_config_hash = ref


__all__ = ["RESERVED", "Optimization", "load_optimization", "spec_problems",
           "decision_inputs", "output_texts", "value_at"]
