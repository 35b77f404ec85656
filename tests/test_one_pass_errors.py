"""Structure and consistency problems in one pass (issue 17, item 7): a file that fails its
schema still has the consistency rules run over the parts that validated, and no rule
reports a consequence of a part that failed (an element left out is never "unknown").

Each case pins the whole output, so a missing line, a spurious one or a duplicate fails.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario import loading
from sim.scenario import partial as partial_module
from sim.scenario.loading import Loaded, load_raw, validate
from sim.scenario.partial import Broken, Unusable, partial
from sim.scenario.problems import ConfigError
from sim.scenario.schema import Link
from sim.study.appraisal.schema import load_costs
from sim.study.calibration.inputs import load_targets
from sim.study.optimize import load_optimization
from sim.study.sweeps import load_sweep
from tests.conftest import HERE, child_writer, expect_errors
from tests.test_appraisal import costs_file
from tests.test_calibration_inputs import TARGET
from tests.test_optimize_errors import GOOD as GOOD_OPTIMIZATION
from tests.test_sweep import TOY_SWEEP

NEW_NODE = """
[nodes.mid]
name = "Mid"
kind = "junction"
country = "KZ"
region = "kazakhstan"
lon = 60.0
lat = {lat}
gauge_mm = 1520

[links.gate_mid]
from = "gate"
to = "mid"
length_km = 1000
speed_km_per_day = {{ dist = "constant", value = 900 }}
train_paths_per_day = 20
"""


@pytest.fixture
def child(tmp_path, monkeypatch):
    return child_writer(tmp_path, monkeypatch, "toy.toml")


# ----------------------------------------------------------------------------- scenarios

def test_a_structure_error_and_a_consistency_error_in_one_run(child, capsys):
    p = child('[links.alpha_gate]\nlength_km = "far"\n\n'
              '[[timeline]]\ndate = 2024-02-01\nclose = "gatee"\ndays = 3\n')
    lines = ["links.alpha_gate.length_km: expected a number (got 'far'); write e.g. "
             "length_km = 1.5",
             "timeline[0].close: unknown facility 'gatee' (did you mean 'gate'?)"]
    expect_errors(p, lines)
    # the command line: both lines, exit code 2, nothing else
    assert main(["check", str(p)]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(r"error: child\.toml: links\.alpha_gate\.length_km: expected a "
                        r"number \(got 'far'\); write e\.g\. length_km = 1\.5\n"
                        r"error: child\.toml: timeline\[0\]\.close: unknown facility "
                        r"'gatee' \(did you mean 'gate'\?\)\n", err), err


def test_corridor_run_reports_both_kinds_at_once(child, capsys, tmp_path):
    p = child('[nodes.gate.crossing]\ncranes = 1.5\n\n[routes.main]\npath = ["gatte"]\n')
    assert main(["run", str(p), "--out", str(tmp_path / "out"), "--replications", "1"]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(r"error: child\.toml: nodes\.gate\.crossing\.cranes: expected a "
                        r"whole number \(got 1\.5\); write e\.g\. cranes = 4\n"
                        r"error: child\.toml: routes\.main\.path\[0\]: unknown node 'gatte' "
                        r"\(did you mean 'gate'\?\)\n", err), err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("field, value, line", [
    ("lat", '"north"', "nodes.mid.lat: expected a number (got 'north'); write e.g. lat = 1.5"),
    ("kind", '"junctoin"', "nodes.mid.kind: 'junctoin' is not allowed (did you mean "
     "'junction'?)"),
], ids=["a-field", "its-kind"])
def test_a_broken_element_is_not_also_unknown(child, field, value, line):
    """A new node with a wrong field: the link, the route and the dated change that name
    it do not call it unknown (it exists, only its field is wrong); a real mistake
    elsewhere is still found."""
    text = NEW_NODE.format(lat="48.0").replace(f"\n{field} = ", f"\n{field} = {value}\n#", 1)
    p = child(text + '\n[routes.alt]\ncorridor = "northern"\npath = ["gate", "mid"]\n\n'
              '[[timeline]]\ndate = 2024-02-01\nclose = "gate_mid"\ndays = 3\n\n'
              '[kpis.transit]\ncrossings = ["gatee"]\n')
    expect_errors(p, [line, "kpis.transit.crossings[0]: unknown node 'gatee' (did you mean "
                      "'gate'?)"])


def test_a_node_of_unknown_kind_is_left_out_without_a_trace(child):
    """The rules that need the node's kind cannot judge it: the closure that names it is
    not called unknown, nor is it where transit is counted; the other closure and the
    link, which do not depend on it, are judged."""
    text = NEW_NODE.format(lat="48.0").replace('kind = "junction"', 'kind = "junctoin"')
    p = child(text + '\n[[timeline]]\ndate = 2024-02-01\nclose = "mid"\ndays = 3\n\n'
              '[[timeline]]\ndate = 2024-02-01\nclose = "gatee"\ndays = 3\n\n'
              '[kpis.transit]\ncrossings = ["mid"]\n\n[links.alpha_gate]\nto = "gatte"\n')
    expect_errors(p, ["nodes.mid.kind: 'junctoin' is not allowed (did you mean 'junction'?)",
                      "links.alpha_gate.to: unknown node 'gatte' (did you mean 'gate'?)",
                      "timeline[1].close: unknown facility 'gatee' (did you mean 'gate'?)"])


def test_an_element_wrong_as_a_whole_names_no_consequence(child):
    """A crossing whose fields disagree (a rule across them): nothing that depends on the
    node is judged, what does not is."""
    p = child("[nodes.gate.crossing]\ninspection_share = 0.1\n\n"
              "[links.gate_omega]\nlength_km = 0\n\n"
              '[[timeline]]\ndate = 2024-02-01\nset = { "links.alpha_gate.train_paths" = 3 }'
              "\n")
    expect_errors(p, ["nodes.gate.crossing: inspection_share > 0 needs inspection_dwell_h "
                      "(a distribution, hours)",
                      "links.gate_omega.length_km: must be > 0 (got 0)",
                      "timeline[0].set.links.alpha_gate.train_paths: unknown key (did "
                      "you mean 'train_paths_per_day'?)"])


def test_a_broken_dated_change_keeps_the_others_numbered_as_written(child):
    p = child('[[timeline]]\ndate = "soon"\nclose = "gate"\ndays = 3\n\n'
              '[[timeline]]\ndate = 2024-02-01\nclose = "omegaa"\ndays = 3\n')
    expect_errors(p, ["timeline[0].date: expected a date like 2024-01-01 (got 'soon')",
                      "timeline[1].close: unknown facility 'omegaa' (did you mean "
                      "'gate_omega'?)"])


def test_no_consistency_error_repeats_a_broken_field(child):
    """The start is not a date: the rule on dated changes needs the span, so it is
    skipped (no guess about the date), and the link's own rule still runs."""
    p = child('[horizon]\nstart = "2024"\n\n'
              '[[timeline]]\ndate = 2030-01-01\nclose = "gate"\ndays = 3\n\n'
              '[links.alpha_gate]\nto = "gatte"\n')
    expect_errors(p, ["horizon.start: expected a date like 2024-01-01 (got '2024')",
                      "links.alpha_gate.to: unknown node 'gatte' (did you mean 'gate'?)"])


@pytest.mark.parametrize("parent, needs, text, line", [
    ("toy_wagons.toml", ("toy.toml",), '[nodes.gate]\nkind = "bordr"\n',
     "nodes.gate.kind: 'bordr' is not allowed (did you mean 'border'?)"),
    ("toy_costs.toml", ("toy.toml", "toy_sea.toml"), '[nodes.alpha]\ncountry = "China"\n',
     "nodes.alpha.country: 'China' does not match the pattern ^[A-Z]{2}$ (allowed: a "
     "two-letter country code in capitals, like 'KZ')"),
], ids=["wagon-pools", "costs-by-country"])
def test_what_was_left_out_is_not_found_missing(tmp_path, monkeypatch, parent, needs, text,
                                                line):
    """Rules over the whole network, run without a node that has an error, would find
    missing what the node gave (trains formed onto a wagon pool's gauge, a node in the
    country a tariff names): they report nothing; only the dated changes, judged one by
    one, are trusted without it."""
    write = child_writer(tmp_path, monkeypatch, parent, needs)
    expect_errors(write(text), [line])


def test_a_link_with_an_unknown_end_leaves_the_network_unjudged(child):
    """Without the link whose end is not a name, a flow's path does not connect: the
    dated change of its route shares is not judged on that network."""
    p = child('[links.alpha_gate]\nfrom = { q = 1 }\n\n'
              '[[timeline]]\ndate = 2024-02-01\nshares = { west = { main = 1.0 } }\n')
    expect_errors(p, ['links.alpha_gate.from: expected a string (got a table); write e.g. '
                      'from = "text"'])


def test_an_element_reported_whole_is_not_reported_again(child):
    """A new route missing its corridor is reported as one line; its id, also a
    corridor's name, is not a second line about the same element."""
    p = child('[routes.northern]\npath = ["gate"]\n')
    expect_errors(p, ["routes.northern: unknown route, or a new one missing required fields "
                      "corridor (a new route needs them)"])


def test_a_failure_of_the_second_pass_leaves_the_schema_lines(child, monkeypatch):
    """Should building the valid parts ever fail, the structure errors are still reported,
    alone, as before (never a traceback)."""
    def fail(*_args, **_kw):
        raise RuntimeError("unforeseen")
    monkeypatch.setattr(partial_module, "partial", fail)
    p = child('[links.alpha_gate]\nlength_km = "far"\n\n'
              '[[timeline]]\ndate = 2024-02-01\nclose = "gatee"\ndays = 3\n')
    expect_errors(p, ["links.alpha_gate.length_km: expected a number (got 'far'); write e.g. "
                      "length_km = 1.5"])


def test_a_stand_in_refuses_every_use():
    built = partial(Link, {"from": "a", "to": "b", "length_km": "far",
                           "speed_km_per_day": {"dist": "constant", "value": 900},
                           "train_paths_per_day": 3}, [("length_km",)])
    assert built.from_ == "a" and built.train_paths_per_day == 3
    assert isinstance(built.length_km, Unusable)
    for use in (lambda x: x + 1, lambda x: x > 0, lambda x: f"{x:g}", bool, hash,
                lambda x: x.value):
        with pytest.raises(Broken):
            use(built.length_km)


# ----------------------------------------------------------------------------- other files

def _spec(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "spec.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_sweep_spec_both_kinds_at_once(tmp_path):
    text = TOY_SWEEP.replace("replications = 2", "replications = 0").replace(
        'name = "demand"', 'name = "utilisation:gate"')
    p = _spec(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_sweep(p)
    assert str(e.value) == (
        f"error: {p}: replications: must be >= 1 (got 0)\n"
        f"error: {p}: parameters[0].name: 'utilisation:gate' is already a column of the run "
        "table (point, replication, seed, status, error, wall_s, varied, 'u:...' and the "
        "outputs); give the parameter another 'name'")


def test_optimisation_spec_both_kinds_at_once(tmp_path):
    text = GOOD_OPTIMIZATION.replace("budget = 4", "budget = 4\nsampler = \"cmaes\"").replace(
        'name = "ferries"', 'name = "cost_usd"')
    p = _spec(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_optimization(p)
    assert str(e.value) == (
        f"error: {p}: sampler: 'cmaes' is not allowed (allowed: cost_order, random, tpe)\n"
        f"error: {p}: decisions[0].name: 'cost_usd' is already a column of the evaluations "
        "table (candidate, stage, round, replications, status, error, cost_usd, objective, "
        "objective_ci_low, objective_ci_high, feasible, wall_s and the constraints); give the "
        "decision another 'name'")


def test_costs_file_both_kinds_at_once(tmp_path):
    p = costs_file(tmp_path, rate=-0.05, extra='\n[[items]]\nname = "quay"\nyear = 2030\n'
                   'capex_usd = 2.0e6\nsource = "test"\n\n[[items]]\nname = "rail"\n'
                   'year = "soon"\ncapex_usd = 1.0e6\nsource = "test"\n')
    with pytest.raises(ConfigError) as e:
        load_costs(p)
    assert str(e.value) == (
        f"error: {p}: appraisal.discount.rate: must be >= 0 (got -0.05)\n"
        f"error: {p}: items[2].year: expected a whole number (got 'soon'); write e.g. "
        "year = 2026\n"
        f"error: {p}: items[1].name: 'quay' is also items[0] (give each item its own name)\n"
        f"error: {p}: items[1].year: 2030 is outside the appraisal period 2025-2025 (move "
        "the item or the period)")


def test_targets_file_both_kinds_at_once(tmp_path):
    p = tmp_path / "targets.toml"
    p.write_text(TARGET.replace('period = "2024"', 'period = "24"') +
                 TARGET.replace("[targets.t]", "[targets.u]").replace(
                     'kpi = "transit_containers_china_central_asia"',
                     'kpi = "transit_container"'), encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_targets(p)
    assert str(e.value) == (
        f"error: {p}: targets.t.period: '24' does not match the pattern ^(\\d{{4}}|run)$ "
        "(allowed: a calendar year like '2024', or 'run')\n"
        f"error: {p}: targets.u.kpi: unknown KPI 'transit_container' (did you mean "
        "'transit_containers_china_central_asia'?)")


# ----------------------------------------------------------------------------- no traceback

@pytest.mark.parametrize("text, line", [
    ('[demand.flows.west]\norigin = "alpah"\n',
     "demand.flows.west.origin: unknown node 'alpah' (did you mean 'alpha'?)"),
    ('[links.alpha_gate]\nfrom = "alpah"\n',
     "links.alpha_gate.from: unknown node 'alpah' (did you mean 'alpha'?)"),
], ids=["flow-from-no-node", "path-that-does-not-connect"])
def test_the_sea_market_rules_wait_for_flows_that_connect(tmp_path, monkeypatch, text, line):
    """Under the nested logit, a flow from no node or a route that does not connect gave a
    traceback (KeyError, PathError) from the rules on the sea's market: one line now."""
    write = child_writer(tmp_path, monkeypatch, "toy_nested.toml",
                         ("toy.toml", "toy_sea.toml", "toy_costs.toml"))
    expect_errors(write(text), [line])


# ----------------------------------------------------------------------------- every field

def _leaves(d, at=()):
    if isinstance(d, dict):
        for k, v in d.items():
            yield from _leaves(v, (*at, k))
    elif isinstance(d, list) and d:
        for i, v in enumerate(d):
            yield from _leaves(v, (*at, i))
    else:
        yield at


def _lines(loaded: Loaded, shown: str) -> list[str]:
    with pytest.raises(ConfigError) as e:
        validate(copy.deepcopy(loaded), shown)
    return [p.line() for p in e.value.problems]


@pytest.mark.parametrize("name", ["toy_wagons.toml", "toy_nested.toml"])
def test_one_broken_field_of_a_valid_scenario_adds_no_consistency_line(name, monkeypatch):
    """Each field of a valid scenario (one with a sea crossing, costs, the nested logit and
    wagon pools, through its parents) in turn made a table, which no leaf may be: every
    consistency line would be a consequence of that one error, so the output is the
    schema's lines alone (and never a traceback)."""
    path = HERE / "scenarios" / name
    base = load_raw(path)
    validate(copy.deepcopy(base), name)  # valid as it is
    for at in _leaves(base.data):
        data = copy.deepcopy(base.data)
        cur = data
        for part in at[:-1]:
            cur = cur[part]
        cur[at[-1]] = {"q": 1}
        loaded = Loaded(data, dict(base.origin), list(base.files))
        both = _lines(loaded, name)
        with monkeypatch.context() as m:
            m.setattr(loading, "_sound_parts", lambda *_a, **_k: [])
            schema_only = _lines(loaded, name)
        assert both == schema_only, at


def test_a_dated_change_of_the_wrong_type_shows_the_line_to_write(tmp_path, monkeypatch):
    # inside set = { ... } the path is quoted, and the example is the value it changes
    # (the toy's 2 cranes), not a decimal that the whole-number field would refuse next
    child = child_writer(tmp_path, monkeypatch, "toy.toml")
    path = child('[[timeline]]\ndate = 2024-02-01\nset = { "nodes.gate.crossing.cranes" = '
                 '"three" }\n')
    expect_errors(path, ["timeline[0].set.nodes.gate.crossing.cranes: expected a number "
                         "(got 'three'); write e.g. set = { \"nodes.gate.crossing.cranes\" "
                         "= 2 }"])
