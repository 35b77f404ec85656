"""Every bad optimisation spec pinned to its one-line error (``error: FILE: field: what is
wrong``), exit code 2, nothing written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario.problems import ConfigError
from sim.study.optimize import load_optimization

HERE = Path(__file__).parent
TOY_SEA = (HERE / "scenarios" / "toy_sea.toml").resolve()

HEAD = f"""scenario = "{TOY_SEA}"
budget = 4
"""
FERRIES = """
[[decisions]]
name = "ferries"
path = "services.ferry.fleet"
low = 2
high = 5
cost_per_unit_usd = 24e6
source = "assumption: a test"
"""
TARGET = """
[[constraints]]
output = "port_dwell_hours_mean:west@2024"
max = 150
"""
GOOD = HEAD + FERRIES + TARGET

BAD = [
    # the spec on its own
    (GOOD.replace("budget = 4", "budget = 0"), r"budget: must be >= 1 \(got 0\)"),
    (GOOD.replace("budget = 4", "budget = 9"),
     r"budget: 9 candidates, but the decisions allow only 4 \(lower the budget"),
    (GOOD.replace("budget = 4", "budget = 4\nsampler = \"cmaes\""),
     r"sampler: 'cmaes' is not allowed \(allowed: cost_order, random, tpe\)"),
    (GOOD.replace("budget = 4", "budget = 4\nsampler = \"cost_order\"\nmode = \"pareto\"\n"
                  "objective = \"port_dwell_hours_mean:west@2024\""),
     r"sampler: 'cost_order' runs the candidates cheapest first until one meets the "
     r"constraints: it needs mode 'minimise' and objective 'cost' \(or use 'tpe'\)"),
    (GOOD + FERRIES.replace('name = "ferries"', 'name = "cranes"').replace(
        "services.ferry.fleet", "nodes.west.port.cranes").replace(
        'source = "assumption: a test"', 'source = "assumption: a test"\n'
        'inactive_when = { ferriez = 2 }'),
     r"decisions\[1\]\.inactive_when\.ferriez: no decision named 'ferriez' \(did you "
     r"mean 'ferries'\?\)"),
    (GOOD + FERRIES.replace('name = "ferries"', 'name = "cranes"').replace(
        "services.ferry.fleet", "nodes.west.port.cranes").replace(
        'source = "assumption: a test"', 'source = "assumption: a test"\n'
        'inactive_when = { ferries = 9 }'),
     r"decisions\[1\]\.inactive_when\.ferries: 9 is not a value of 'ferries' \(2, 3, 4, "
     r"5\)"),
    (GOOD + '[[decisions]]\nname = "crane"\npath = "nodes.west.port.cranes"\n'
     'options = [2, 1]\noption_costs_usd = [3e6, 1e6]\nsource = "assumption: a test"\n'
     'inactive_when = { ferries = 2 }\n',
     r"decisions\[1\]\.inactive_when: only the first option is run while the decision "
     r"does nothing, but it costs USD 3,000,000 and another USD 1,000,000 \(list the "
     r"cheapest option first\)"),
    (GOOD.replace('source = "assumption: a test"', 'source = "assumption: a test"\n'
                  'inactive_when = { crane = 2 }')
     + '[[decisions]]\nname = "crane"\npath = "nodes.west.port.cranes"\n'
     'options = [1, 2]\noption_costs_usd = [0, 1e6]\nsource = "assumption: a test"\n'
     'inactive_when = { ferries = 2 }\n',
     r"decisions\[0\]\.inactive_when: decisions depend on each other in a circle "
     r"\(ferries -> crane -> ferries\); one of them must not name the other"),
    (GOOD + '[[decisions]]\nname = "opening"\npath = "nodes.west.port.cranes"\n'
     'options = ["2030-01-01", "2031-01-01"]\noption_costs_usd = [0, 1e6]\n'
     'source = "assumption: a test"\n'
     '[[decisions]]\nname = "ships"\npath = "services.ferry.speed_knots"\nlow = 0\n'
     'high = 1\ncost_per_unit_usd = 1\nsource = "assumption: a test"\n'
     'inactive_when = { opening = 2031-01-01 }\n',
     r"decisions\[2\]\.inactive_when\.opening: 2031-01-01 is written as a date, but "
     r"'opening' lists it as text \(in quotes\) \(write it as that decision's values are "
     r"written\)"),
    (GOOD.replace('source = "assumption: a test"', 'source = "assumption: a test"\n'
                  'inactive_when = { ferries = 2 }'),
     r"decisions\[0\]\.inactive_when\.ferries: a decision cannot depend on itself"),
    # a budget over the candidates that can run (analyst, 2026-12-05: it counted those
    # that never run); the crane does nothing with 2 ferries: 1 of the 8 bundles idle
    (GOOD.replace("budget = 4", "budget = 8") + '[[decisions]]\nname = "crane"\n'
     'path = "nodes.west.port.cranes"\noptions = [1, 2]\noption_costs_usd = [0, 1e6]\n'
     'source = "assumption: a test"\ninactive_when = { ferries = 2 }\n',
     r"budget: 8 candidates, but only 7 of the 8 the decisions allow can run \(1 in which "
     r"a decision does nothing \(its 'inactive_when'\)\); lower the budget"),
    (GOOD.replace("budget = 4", "budget = 3\nmax_cost_usd = 80e6"),
     r"budget: 3 candidates, but only 2 of the 4 the decisions allow can run \(2 over "
     r"max_cost_usd\); lower the budget"),
    (GOOD.replace("budget = 4", "budget = 4\nsampler = \"cost_order\"")
     + '[[decisions]]\nname = "cranes"\npath = "nodes.west.port.cranes"\nlow = 1\n'
     'high = 60000\ncost_per_unit_usd = 1\nsource = "assumption: a test"\n',
     r"sampler: 'cost_order' lists every candidate, and the decisions allow 240,000 \(at "
     r"most 200,000; use 'tpe'\)"),
    (GOOD.replace("budget = 4", "budget = 4\nmode = \"best\""),
     r"mode: 'best' is not allowed \(allowed: minimise, pareto\)"),
    (HEAD + FERRIES, r"constraints: minimising cost with no constraint picks the cheapest "
     r"value of every decision; give at least one \[\[constraints\]\]"),
    (GOOD.replace("budget = 4", "budget = 4\nmode = \"pareto\""),
     r"objective: mode 'pareto' traces cost against an output: give the output"),
    (GOOD.replace("budget = 4", "budget = 4\nobjective = \"transit time\""),
     r"objective: 'transit time' is not 'cost', 'name', 'name:scope'"),
    (GOOD.replace("low = 2\nhigh = 5", "low = 5\nhigh = 2"),
     r"decisions\[0\]: low \(5\) must be at least one step \(1\) below high \(2\)"),
    (GOOD.replace("high = 5", "high = 5\nstep = 2"),
     r"decisions\[0\]: high - low \(3\) must be a multiple of step \(2\)"),
    (GOOD.replace("cost_per_unit_usd = 24e6\n", ""),
     r"decisions\[0\]: give 'cost_per_unit_usd' \(USD per unit above 'existing'\)"),
    (GOOD.replace("cost_per_unit_usd = 24e6", "cost_per_unit_usd = -1"),
     r"decisions\[0\]\.cost_per_unit_usd: must be >= 0 \(got -1"),
    (GOOD.replace('source = "assumption: a test"', 'source = "assumption"'),
     r"decisions\[0\]: source: say why after 'assumption' \('assumption: \.\.\.'\)"),
    (GOOD.replace('source = "assumption: a test"\n', ""), r"decisions\[0\]\.source: "),
    (GOOD.replace("low = 2\nhigh = 5", "options = [1, 2]\noption_costs_usd = [0]")
     .replace("cost_per_unit_usd = 24e6\n", ""),
     r"decisions\[0\]: 'option_costs_usd' has 1 values for 2 options"),
    (GOOD.replace("low = 2\nhigh = 5", "low = 2\nhigh = 5\noptions = [1, 2]"),
     r"decisions\[0\]: give 'options' or 'low'/'high'/'step', not both"),
    (GOOD + FERRIES.replace("services.ferry.fleet", "nodes.west.port.cranes"),
     r"decisions\[1\]\.name: 'ferries' names two decisions"),
    (GOOD + FERRIES.replace('name = "ferries"', 'name = "more ferries"'),
     r"decisions\[1\]\.path: 'services.ferry.fleet' is also set by decisions\[0\]; one "
     r"path, one decision"),
    (GOOD.replace('name = "ferries"', 'name = "cost_usd"'),
     r"decisions\[0\]\.name: 'cost_usd' is already a column of the evaluations table"),
    (GOOD.replace("budget = 4", 'budget = 4\nset = { "services.ferry.fleet" = 3 }'),
     r"decisions\[0\]\.path: 'services.ferry.fleet' is fixed by 'set' as well"),
    (GOOD.replace("max = 150", "max = 150\nmin = 10"),
     r"constraints\[0\]: give one of 'max' or 'min'"),
    (GOOD.replace("budget = 4", "budget = 4\n[confirm]\ncandidates = 2\nreplications = 2"),
     r"confirm.replications: 2 is not more than the search's 2 replications"),
    (GOOD.replace("budget = 4", "budget = 4\nmodel = \"x:y\""),
     r"give either 'scenario' \(a scenario file\) or 'model'"),
    (GOOD.replace("budget = 4", "budget = 4\nbudgett = 5"), r"budgett: "),
    # against the scenario
    (GOOD.replace("services.ferry.fleet", "services.ferry.fleets"),
     r"decisions\[0\]\.path: 'services.ferry.fleets': no 'fleets' in services.ferry "
     r"\(did you mean 'fleet'\?\)"),
    (GOOD.replace("services.ferry.fleet", "services.ferry.load_factor"),
     r"decisions\[0\]\.path: 'services.ferry.load_factor' is not a whole number in the "
     r"scenario \(0.75\); give 'options' instead"),
    (GOOD.replace("low = 2", "low = -1"),
     r"decisions\[0\]\.low: the scenario is invalid at -1: services.ferry.fleet: "),
    (GOOD.replace("port_dwell_hours_mean:west@2024", "port_dwell_hour_mean:west@2024"),
     r"constraints\[0\]\.output: unknown KPI 'port_dwell_hour_mean' \(did you mean "
     r"'port_dwell_hours_mean'\?\)"),
    (GOOD.replace("@2024", "@2030"),
     r"constraints\[0\]\.output: 2030 is outside the horizon \(allowed: 2024, run\)"),
    (GOOD.replace("port_dwell_hours_mean:west@2024", "port_dwell_hours_mean:wset@2024"),
     r"constraints\[0\]\.output: scope 'wset' names nothing in the scenario \(did you "
     r"mean 'west'\?\)"),
    (GOOD.replace(f'"{TOY_SEA}"', '"missing.toml"'),
     r"scenario: 'missing.toml' not found next to this file"),
    # the spec's horizon (the base run for another span, as 'corridor run --horizon')
    (GOOD.replace("budget = 4", 'budget = 4\nhorizon = "2025-01-01:2024-01-01"'),
     r"horizon: END \(2024-01-01\) must be after START \(2025-01-01\)$"),
    (GOOD.replace("budget = 4", 'budget = 4\nhorizon = "2024-01-01"'),
     r"horizon: expected START:END, two ISO dates, e\.g\. 2024-01-01:2024-04-01 \(got "
     r"'2024-01-01'\)$"),
    (GOOD.replace("budget = 4", "budget = 4\nhorizon = 2024-01-01"),
     r'horizon: expected a string "START:END" \(ISO dates, END excluded\), e\.g\. '
     r'horizon = "2024-01-01:2024-04-01" \(got 2024-01-01\)$'),
    (GOOD.replace("budget = 4", 'budget = 4\nhorizon = "2024-01-01:2024-02-01"\n'
                  'set = { "horizon.end" = 2024-02-15 }'),
     r"horizon: 'set' fixes 'horizon.end' as well; give the span in 'horizon' alone$"),
    (GOOD.replace("budget = 4", 'budget = 4\nhorizon = "2024-01-01:2024-02-01"')
     + '[[decisions]]\nname = "end"\npath = "horizon.end"\noptions = [2024-02-01, '
     '2024-02-15]\noption_costs_usd = [0, 1]\nsource = "assumption: a test"\n',
     r"decisions\[1\]\.path: 'horizon.end' is given by 'horizon'; it cannot be varied as "
     r"well$"),
    (GOOD.replace("budget = 4", 'budget = 4\nhorizon = "2024-01-01:2024-02-01"')
     .replace("high = 5", "high = 5\nat = 2024-02-01"),
     r"decisions\[0\]\.at: 2024-02-01 is not before the horizon's end 2024-02-01: the "
     r"decision would never act \(date it within the horizon, or leave out 'at' to have it "
     r"hold from the start\)$"),
    (GOOD.replace("budget = 4", 'budget = 4\nhorizon = "2024-01-01:2024-02-01"')
     .replace("@2024", "@2023"),
     r"constraints\[0\]\.output: 2023 is outside the horizon \(allowed: 2024, run\)$"),
    ('model = "sim.study.sweeps.testfunctions:build_to_target"\nbudget = 2\n'
     'horizon = "2024-01-01:2024-02-01"\n[[decisions]]\npath = "ships"\nlow = 0\n'
     'high = 2\ncost_per_unit_usd = 4\nsource = "assumption: a toy"\n[[constraints]]\n'
     'output = "wait"\nmax = 10\n',
     r"horizon: a model function has no horizon; 'horizon' runs a scenario for another "
     r"span$"),
    ('model = "sim.study.sweeps.testfunctions:build_to_target"\nbudget = 2\n'
     'set = { "ships" = 1 }\n[[decisions]]\npath = "ships"\nlow = 0\nhigh = 2\n'
     'cost_per_unit_usd = 4\nsource = "assumption: a toy"\n[[constraints]]\n'
     'output = "wait"\nmax = 10\n',
     r"spec.toml: 'set' fixes scenario fields; a model function has none$"),
]


def refused(tmp_path: Path, capsys, text: str, match: str, flag: str
            ) -> tuple[Path, int, list[str]]:
    """Write the spec ``text``, whose loading raises ConfigError matching ``match``, and run
    ``corridor optimize SPEC --out o FLAG`` on it: the spec's path, the exit code and the
    lines on stderr."""
    p = tmp_path / "spec.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        load_optimization(p)
    code = main(["optimize", str(p), "--out", str(tmp_path / "o"), flag])
    return p, code, capsys.readouterr().err.strip().splitlines()


@pytest.mark.parametrize("text,msg", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_spec_one_line_each(tmp_path, capsys, text, msg):
    p, code, err = refused(tmp_path, capsys, text, msg, "--quiet")
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith(f"error: {p}: ") and re.search(msg, err[0]), err[0]
    assert not (tmp_path / "o").exists()


SHORT = GOOD.replace("budget = 4", "budget = 3\nmax_cost_usd = 80e6")  # 2 of 4 can run
BUDGET = (r"budget: 3 candidates, but only 2 of the 4 the decisions allow can run \(2 over "
          r"max_cost_usd\); lower the budget")


@pytest.mark.parametrize("text,first", [
    # the spec on its own
    (SHORT.replace("80e6", "80e6\n[confirm]\ncandidates = 2\nreplications = 2"),
     r"confirm.replications: 2 is not more than the search's 2 replications"),
    # against the scenario
    (SHORT.replace("port_dwell_hours_mean", "port_dwell_hour_mean"),
     r"constraints\[0\]\.output: unknown KPI 'port_dwell_hour_mean'"),
    (SHORT.replace(f'"{TOY_SEA}"', '"missing.toml"'),
     r"scenario: 'missing.toml' not found next to this file"),
], ids=["spec", "output", "scenario"])
def test_the_budget_is_reported_after_the_other_problems(tmp_path, capsys, text, first):
    """A budget over the bundles that can run, in the same report as the spec's other
    problems, after them (it used to come alone, before the scenario was read)."""
    _, code, err = refused(tmp_path, capsys, text, first, "--check")
    assert code == 2 and len(err) == 2, err
    assert re.search(first, err[0]) and re.search(BUDGET, err[1]), err


@pytest.mark.parametrize("text,msg", [
    (SHORT.replace("services.ferry.fleet", "services.ferry.fleets"),
     r"decisions\[0\]\.path: 'services.ferry.fleets': no 'fleets' in services.ferry "
     r"\(did you mean 'fleet'\?\)$"),
    (SHORT.replace("low = 2", "low = -1"),
     r"decisions\[0\]\.low: the scenario is invalid at -1: services.ferry.fleet: "),
    (SHORT.replace('source = "assumption: a test"', 'source = "assumption: a test"\n'
                   'inactive_when = { ferriez = 2 }'),
     r"decisions\[0\]\.inactive_when\.ferriez: no decision named 'ferriez'"),
], ids=["path", "range", "inactive_when"])
def test_a_bad_decision_is_reported_not_the_budget_it_would_count(tmp_path, capsys, text,
                                                                  msg):
    """A decision at fault is reported (the analyst's misspelt path got a complaint about
    the budget instead); the budget is not, as it counts the decisions as written."""
    _, code, err = refused(tmp_path, capsys, text, msg, "--check")
    assert code == 2 and len(err) == 1 and re.search(msg, err[0]), err


def test_good_spec_checks(tmp_path, capsys):
    p = tmp_path / "spec.toml"
    p.write_text(GOOD, encoding="utf-8")
    assert main(["optimize", str(p), "--out", str(tmp_path / "o"), "--check"]) == 0
    assert "valid; 1 decision(s), 4 candidates possible" in capsys.readouterr().out


def test_a_folder_of_another_spec_is_refused(tmp_path, monkeypatch):
    from sim.study.optimize import run_optimization
    p = tmp_path / "spec.toml"
    p.write_text(GOOD.replace("budget = 4", "budget = 2\nreplications = 1\n[confirm]\n"
                              "candidates = 0"), encoding="utf-8")
    run_optimization(load_optimization(p), tmp_path / "o", workers=1)
    p.write_text(GOOD.replace("budget = 4", "budget = 3\nreplications = 1\n[confirm]\n"
                              "candidates = 0"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"o: --out: holds an optimisation of other "
                       r"inputs \(changed: budget\); rerun with --restart"):
        run_optimization(load_optimization(p), tmp_path / "o", workers=1)
    s = run_optimization(load_optimization(p), tmp_path / "o", workers=1, restart=True)
    assert s.evaluated == 3
    # the spec named relatively is recorded resolved (found from any working directory)
    monkeypatch.chdir(tmp_path)
    run_optimization(load_optimization("spec.toml"), "rel", workers=1)
    man = json.loads((tmp_path / "rel" / "manifest.json").read_text())
    assert man["spec_path"] == str(p.resolve())
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("x")
    with pytest.raises(ConfigError, match=r"junk: --out: holds files but is not an "
                       r"optimisation folder"):
        run_optimization(load_optimization(p), tmp_path / "junk", workers=1)


@pytest.mark.parametrize("path", sorted((HERE.parent / "scenarios" / "optimize").glob("*.toml")),
                         ids=lambda p: p.stem)
def test_shipped_specs_are_valid(path):
    """The example specs stay valid as the scenarios they build on change."""
    opt = load_optimization(path)
    assert opt.spec.budget <= opt.space() and opt.spec.constraints


def test_a_set_horizon_names_each_dated_change_as_its_file_numbers_it(tmp_path, capsys):
    """A spec's 'set' that moves the horizon past a chain's dated changes: each problem
    names the entry under the number its own file gives it (as 'corridor check --set'
    does), not its place in the timeline the chain of files makes."""
    (tmp_path / "a.toml").write_text(
        f'extends = "{TOY_SEA}"\nname = "a"\n[[timeline]]\ndate = 2024-01-05\n'
        'set = { "services.ferry.fleet" = 3 }\nsource = "assumption: a test"\n',
        encoding="utf-8")
    (tmp_path / "b.toml").write_text(
        'extends = "a.toml"\nname = "b"\n[[timeline]]\ndate = 2024-01-06\n'
        'set = { "services.ferry.fleet" = 4 }\nsource = "assumption: a test"\n',
        encoding="utf-8")
    p = tmp_path / "spec.toml"
    p.write_text(GOOD.replace(f'"{TOY_SEA}"', '"b.toml"\nset = { "horizon.start" = 2024-02-01 }'),
                 encoding="utf-8")
    code = main(["optimize", str(p), "--out", str(tmp_path / "o"), "--check"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 2, err
    assert re.search(r"a\.toml: timeline\[0\]\.date: 2024-01-05 is outside the simulated "
                     r"span 2024-01-22 \.\. 2024-03-01", err[0]), err[0]
    assert re.search(r"b\.toml: timeline\[0\]\.date: 2024-01-06 is outside", err[1]), err[1]
