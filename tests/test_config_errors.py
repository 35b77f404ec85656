"""Malformed scenarios: every case is pinned to its exact error lines (and so its count).

Most cases are a small child file ``child.toml`` that extends a copy of the toy scenario;
the test runs inside ``tmp_path`` so that files are shown by their bare names.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest

from sim.scenario.errors import _message
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.scenario.reference import field_rows

TOY = Path(__file__).parent / "scenarios" / "toy.toml"
EXTENDS_TOY = 'extends = "toy.toml"\n'
LINE = re.compile(r"^error: [^:]+: [^ ]+: .+")  # a problem at a dotted path
WHOLE = re.compile(r"^error: [^:]+: [^:]+$")  # a problem of the whole file (no path)

# a node block without its crossing / boxes, for the node-kind rules
BORDER_NO_CROSSING = """
[nodes.gate2]
name = "Second gate"
kind = "border"
country = "KZ"
region = "kazakhstan"
lon = 70.0
lat = 45.0
"""
TERMINAL_NO_BOXES = """
[nodes.delta]
name = "Delta"
kind = "terminal"
country = "DE"
region = "europe"
lon = 10.0
lat = 50.0
gauge_mm = 1435
"""
JUNCTION_NO_GAUGE_ON_ROUTE = """
[nodes.mid]
name = "Mid"
kind = "junction"
country = "KZ"
region = "kazakhstan"
lon = 60.0
lat = 48.0

[links.gate_mid]
from = "gate"
to = "mid"
length_km = 1000
speed_km_per_day = { dist = "constant", value = 900 }
train_paths_per_day = 20

[links.mid_omega]
from = "mid"
to = "omega"
length_km = 3000
speed_km_per_day = { dist = "constant", value = 900 }
train_paths_per_day = 20

[routes.main]
path = ["gate", "mid"]
"""
ALT_ROUTE = """
[routes.alt]
corridor = "northern"
path = ["gate"]
"""


@pytest.fixture
def scen(tmp_path, monkeypatch):
    """Work in tmp_path next to a copy of the toy; returns ``write(name, text) -> Path``."""
    shutil.copy(TOY, tmp_path / "toy.toml")
    monkeypatch.chdir(tmp_path)

    def write(name: str, text: str) -> Path:
        p = Path(name)
        p.write_text(text, encoding="utf-8")
        return p

    return write


def expect(path, *lines: str, set_args: list[str] | None = None) -> ConfigError:
    """Loading ``path`` fails with exactly ``lines``, in order, one problem per line."""
    full = "\n".join(lines)
    with pytest.raises(ConfigError, match=rf"\A{re.escape(full)}\Z") as info:
        load_scenario(path, set_args=set_args)
    assert len(info.value.problems) == len(lines)
    return info.value


# ----------------------------------------------------------------------------- reading files

@pytest.mark.parametrize("text, message", [
    ("seed = \n", "invalid TOML at line 2, column 8 (invalid value)"),
    ("seed 3\n", "invalid TOML at line 2, column 6 (expected '=' after a key in a "
                 "key/value pair)"),
    ("seed = [1,\n", "invalid TOML at the end of the file (invalid value)"),
], ids=["value", "no-equals", "at-the-end"])
def test_toml_syntax_error(scen, text, message):
    """A syntax error is a whole-file problem with the parser's line and column first."""
    p = scen("child.toml", EXTENDS_TOY + text)
    expect(p, f"error: child.toml: {message}")


def test_toml_error_without_a_place(scen, monkeypatch):
    """A parser message with no place in it (another tomllib) is given as it is."""
    def odd(text):
        raise tomllib.TOMLDecodeError("odd  input\nhere")
    monkeypatch.setattr(tomllib, "loads", odd)
    p = scen("child.toml", EXTENDS_TOY)
    expect(p, "error: child.toml: invalid TOML (odd input here)")


@pytest.mark.parametrize("text", ["", "  \n\t\n\n"], ids=["empty", "whitespace-only"])
def test_empty_file(scen, text):
    p = scen("child.toml", text)
    expect(p, "error: child.toml: file is empty (a scenario needs at least "
              "'extends' or a full network)")


def test_not_utf8(scen):
    p = Path("child.toml")
    p.write_bytes(EXTENDS_TOY.encode() + b'name = "caf\xe9"\n')
    expect(p, "error: child.toml: not UTF-8 text (byte 0xe9 at offset 32)")


def test_file_not_found(scen):
    expect(Path("nope.toml"), "error: nope.toml: file not found")


def test_path_is_a_directory(scen):
    Path("dir.toml").mkdir()
    expect(Path("dir.toml"), "error: dir.toml: is a directory, not a TOML file")


# ----------------------------------------------------------------------------- extends

def test_missing_parent_suggests_sibling(scen):
    p = scen("child.toml", 'extends = "toi.toml"\n')
    expect(p, "error: child.toml: extends: parent 'toi.toml' not found (it is relative "
              "to this file's folder; did you mean 'toy.toml'?)")


def test_a_parent_no_file_can_be_named_is_one_line_too(scen):
    # (a NUL byte: no path can be resolved, so no suggestion, and no traceback)
    p = scen("child.toml", 'extends = "toy\\u0000.toml"\n')
    expect(p, "error: child.toml: extends: parent 'toy\x00.toml' not found (it is relative "
              "to this file's folder)")


def test_a_parent_written_from_the_working_directory_gets_its_path(scen):
    # my/child.toml extends "toy.toml" (which is here, beside my/, not in my/)
    Path("my").mkdir()
    p = Path("my") / "child.toml"
    p.write_text('extends = "toy.toml"\n', encoding="utf-8")
    expect(p, "error: my/child.toml: extends: parent 'toy.toml' not found (it is relative "
              "to this file's folder; did you mean '../toy.toml'?)")


def project_with(*files: str) -> None:
    """A project here: a copy of the toy under each of the names (paths below here, e.g.
    ``scenarios/growth.toml``)."""
    for name in files:
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy("toy.toml", name)


@pytest.mark.parametrize("where, parent, meant", [
    ("my", "growth.toml", "../scenarios/growth.toml"),
    ("my/deep", "growth.toml", "../../scenarios/growth.toml"),
    ("my/deep", "../calibration/calibrated.toml", "../../calibration/calibrated.toml"),
    ("my", "plan.toml", "../scenarios/optimize/plan.toml"),
    ("scenarios/sweeps", "growth.toml", "../growth.toml"),
], ids=["copied", "deeper", "calibration", "subfolder", "inside-scenarios"])
def test_a_copied_scenario_is_told_where_its_parent_is(scen, where, parent, meant):
    """A scenario copied out of scenarios/ keeps its parent's name: the hint says the name
    is read from the file's folder and gives the path to the project's file of that name
    (the one nearest the project's top when there are two, not the file itself)."""
    project_with("scenarios/growth.toml", "scenarios/appraisal/growth.toml",
                 "scenarios/optimize/plan.toml", "calibration/calibrated.toml")
    Path(where).mkdir(parents=True, exist_ok=True)
    p = Path(where) / "storms.toml"
    p.write_text(f'extends = "{parent}"\n', encoding="utf-8")
    scen(f"{where}/other.toml", EXTENDS_TOY)
    expect(p, f"error: {where}/storms.toml: extends: parent '{parent}' not found (it is "
              f"relative to this file's folder; did you mean '{meant}'?)")


def test_a_parent_written_with_its_folder_prefers_that_folder(scen):
    project_with("scenarios/growth.toml", "scenarios/optimize/growth.toml")
    Path("my").mkdir()
    p = scen("my/storms.toml", 'extends = "optimize/growth.toml"\n')
    expect(p, "error: my/storms.toml: extends: parent 'optimize/growth.toml' not found (it "
              "is relative to this file's folder; did you mean "
              "'../scenarios/optimize/growth.toml'?)")


def test_a_scenario_outside_the_project_is_told_of_the_working_directorys(scen, monkeypatch):
    """A file outside the project (no scenarios/ above it): the project the command is run
    in is searched."""
    project_with("proj/scenarios/growth.toml")
    monkeypatch.chdir("proj")
    Path("../elsewhere").mkdir()
    p = Path("../elsewhere/storms.toml").resolve()
    p.write_text('extends = "growth.toml"\n', encoding="utf-8")
    expect(p, f"error: {p}: extends: parent 'growth.toml' not found (it is relative to "
              "this file's folder; did you mean '../proj/scenarios/growth.toml'?)")


def test_a_missing_parent_never_offers_the_file_itself(scen):
    """The files beside it are offered, not the file itself (even when its own name is the
    one the project has)."""
    project_with("scenarios/storms.toml")
    Path("my").mkdir()
    for name in ("more_ferries.toml", "typo.toml"):
        scen(f"my/{name}", EXTENDS_TOY)
    p = scen("my/storms.toml", 'extends = "nothing.toml"\n')
    expect(p, "error: my/storms.toml: extends: parent 'nothing.toml' not found (it is "
              "relative to this file's folder; allowed: more_ferries.toml, typo.toml)")
    p = scen("my/storms.toml", 'extends = "my/storms.toml"\n')
    expect(p, "error: my/storms.toml: extends: parent 'my/storms.toml' not found (it is "
              "relative to this file's folder; did you mean '../scenarios/storms.toml'?)")
    Path("scenarios/storms.toml").unlink()
    expect(p, "error: my/storms.toml: extends: parent 'my/storms.toml' not found (it is "
              "relative to this file's folder; allowed: more_ferries.toml, typo.toml)")
    p = scen("scenarios/storms.toml", 'extends = "old/storms.toml"\n')
    expect(p, "error: scenarios/storms.toml: extends: parent 'old/storms.toml' not found (it "
              "is relative to this file's folder, which holds no other .toml file)")


def test_a_missing_parent_alone_in_its_folder(scen):
    Path("my").mkdir()
    p = scen("my/storms.toml", 'extends = "growth.toml"\n')
    expect(p, "error: my/storms.toml: extends: parent 'growth.toml' not found (it is "
              "relative to this file's folder, which holds no other .toml file)")
    for i in range(13):
        scen(f"my/n{i}.toml", EXTENDS_TOY)
    expect(p, "error: my/storms.toml: extends: parent 'growth.toml' not found (it is "
              "relative to this file's folder, which holds 13 other .toml files, none "
              "close)")


def test_circular_extends(scen):
    scen("a.toml", 'extends = "b.toml"\n')
    scen("b.toml", 'extends = "a.toml"\n')
    expect(Path("a.toml"), "error: a.toml: extends: circular extends "
                           "(a.toml -> b.toml -> a.toml)")


def test_self_extends(scen):
    p = scen("self.toml", 'extends = "self.toml"\n')
    expect(p, "error: self.toml: extends: circular extends (self.toml -> self.toml)")


@pytest.mark.parametrize("value, shown", [("3", "3"), ('["toy.toml"]', "['toy.toml']"),
                                          ('""', "''")], ids=["int", "array", "empty"])
def test_extends_not_a_file_name(scen, value, shown):
    p = scen("child.toml", f"extends = {value}\n")
    expect(p, f"error: child.toml: extends: must be a file name relative to this file "
              f"(got {shown})")


def test_error_in_parent_file_stops_the_child(scen):
    scen("mid.toml", EXTENDS_TOY + "seed = \n")
    p = scen("child.toml", 'extends = "mid.toml"\n')
    expect(p, "error: mid.toml: invalid TOML at line 2, column 8 (invalid value)")



# ----------------------------------------------------------------------------- lists of months

@pytest.mark.parametrize("snippet, path", [
    ("[nodes.gate.crossing.background_trains]\nper_day = 1\nbase_year = 2024\n"
     "seasonality = [1, 1]\n", "nodes.gate.crossing.background_trains.seasonality"),
    ("[[nodes.gate.disruptions]]\nkind = 'storm'\nevents_per_year = 1\n"
     "duration_h = { dist = 'constant', value = 5 }\nseasonality = [1, 1]\n",
     "nodes.gate.disruptions[0].seasonality"),
], ids=["background", "disruptions"])
def test_a_list_of_months_of_another_length(scen, snippet, path):
    p = scen("child.toml", EXTENDS_TOY + snippet)
    expect(p, f"error: child.toml: {path}: needs exactly 12 entries, one a month (got 2)")


def test_every_list_of_fixed_length_says_exactly():
    """Each list of the reference whose length is fixed (docs/fields.md: 'exactly N
    entries') is told 'needs exactly N entries' with what an entry stands for, too short
    or too long; a list with a least length only keeps 'at least'."""
    fixed = [r.path for r in field_rows() if "exactly 12 entries" in r.bounds]
    assert len(fixed) >= 19  # every seasonality of the schema
    for path in fixed:
        loc = tuple(int(k) if k == "0" else k for k in
                    re.sub(r"\[i\]", ".0", path).replace("<id>", "x").split("."))
        if path.endswith("_by_year"):
            loc = (*loc, "2025")
        for t, n in (("too_short", 11), ("too_long", 13)):
            err = {"type": t, "ctx": {"min_length" if t == "too_short" else "max_length": 12,
                                      "actual_length": n}}
            assert _message(err, loc) == f"needs exactly 12 entries, one a month (got {n})", path
    err = {"type": "too_short", "ctx": {"min_length": 1, "actual_length": 0}}
    assert _message(err, ("routes", "x", "path")) == "needs at least 1 entry (got 0)"

# ----------------------------------------------------------------------------- child cases
# (snippet appended to `extends = "toy.toml"` in child.toml, expected lines)

CHILD_CASES = [
    pytest.param(
        "seeed = 3\n",
        ["child.toml: seeed: unknown key (did you mean 'seed'?)"],
        id="unknown-top-level-key"),
    pytest.param(
        "[nodes.gate.crossing]\ncrane_moves_per_hr = 30\n",
        ["child.toml: nodes.gate.crossing.crane_moves_per_hr: unknown key "
         "(did you mean 'crane_moves_per_h'?)"],
        id="unknown-nested-key"),
    pytest.param(
        "[nodes.gate]\ncranes = 3\n",
        ["child.toml: nodes.gate.cranes: unknown key here (did you mean 'crossing.cranes'?)"],
        id="key-above-its-table"),
    pytest.param(
        "[links.gate_omega]\nspeed_km_per_day = { dist = 'uniform', low = 800, high = 1000, "
        "mode = 900 }\n",
        ["child.toml: links.gate_omega.speed_km_per_day.mode: unknown key "
         "(allowed: high, low)"],
        id="unknown-distribution-parameter"),
    pytest.param(
        "[links.alpha_gate]\nlength_km = \"far\"\n",
        ["child.toml: links.alpha_gate.length_km: expected a number (got 'far'); write e.g. "
         "length_km = 1.5"],
        id="string-for-number"),
    pytest.param(
        "[nodes.gate.crossing]\ncranes = 1.5\n",
        ["child.toml: nodes.gate.crossing.cranes: expected a whole number (got 1.5); write "
         "e.g. cranes = 4"],
        id="fraction-for-count"),
    pytest.param(
        "[nodes.gate]\ncrossing = 5\n",
        ["child.toml: nodes.gate.crossing: expected a table (got 5); write e.g. a [crossing] "
         "table with receiving_tracks, siding_length_m, cranes, crane_moves_per_h, ..."],
        id="number-for-table"),
    pytest.param(
        "[nodes.gate.crossing]\nyard_capacity_teu = -5\n",
        ["child.toml: nodes.gate.crossing.yard_capacity_teu: must be > 0 (got -5)"],
        id="negative-capacity"),
    pytest.param(
        "[links.alpha_gate]\nlength_km = 0\n",
        ["child.toml: links.alpha_gate.length_km: must be > 0 (got 0)"],
        id="zero-length-link"),
    pytest.param(
        "[nodes.alpha]\ncountry = 'China'\n",
        ["child.toml: nodes.alpha.country: 'China' does not match the pattern ^[A-Z]{2}$ "
         "(allowed: a two-letter country code in capitals, like 'KZ')"],
        id="country-code-pattern"),
    pytest.param(
        "[nodes.gate]\nkind = 'bordr'\n",
        ["child.toml: nodes.gate.kind: 'bordr' is not allowed (did you mean 'border'?)"],
        id="wrong-literal"),
    pytest.param(
        "[nodes.omega]\ngauge_mm = 1000\n",
        ["child.toml: nodes.omega.gauge_mm: 1000 is not allowed (allowed: 1435, 1520)"],
        id="wrong-gauge"),
    pytest.param(
        "[kpis.transit]\norigin_regions = ['chian']\n",
        ["child.toml: kpis.transit.origin_regions[0]: 'chian' is not allowed "
         "(did you mean 'china'?)"],
        id="wrong-literal-in-array"),
    pytest.param(
        "[links.alpha_gate]\nto = 'gat'\n",
        ["child.toml: links.alpha_gate.to: unknown node 'gat' (did you mean 'gate'?)"],
        id="unknown-node-in-link"),
    pytest.param(
        "[links.alpha_gate]\nto = 'alpha'\n",
        ["child.toml: links.alpha_gate: a link cannot join 'alpha' to itself"],
        id="link-to-itself"),
    pytest.param(
        "[links.spur]\nfrom = 'gate'\nto = 'alpha'\nlength_km = 5\n"
        "speed_km_per_day = { dist = 'constant', value = 500 }\ntrain_paths_per_day = 4\n",
        ["child.toml: links.spur: duplicates link 'alpha_gate' between 'gate' and 'alpha' "
         "(raise train_paths_per_day instead)"],
        id="duplicate-link"),
    pytest.param(
        "[routes.main]\npath = ['gat']\n",
        ["child.toml: routes.main.path[0]: unknown node 'gat' (did you mean 'gate'?)"],
        id="unknown-node-in-route"),
    pytest.param(
        "[routes.main]\npath = ['alpha', 'omega']\n",
        ["child.toml: routes.main.path[1]: no link or vessel service between 'alpha' and 'omega' "
         "(the route does not connect)"],
        id="route-does-not-connect"),
    pytest.param(
        "[routes.main]\npath = []\n",
        ["child.toml: routes.main.path: needs at least 1 entry (got 0)"],
        id="empty-route"),
    pytest.param(
        "[demand.flows.west]\nseasonality_by_year = { 2024 = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, "
        "2], 2025 = [1, 1, 1] }\n",
        ["child.toml: demand.flows.west.seasonality_by_year.2024: monthly weights must "
         "average 1 (they average 1.0833)",
         "child.toml: demand.flows.west.seasonality_by_year.2025: needs exactly 12 entries, "
         "one a month (got 3)"],
        id="flow-monthly-weights"),
    pytest.param(
        "[demand.flows.west]\nroutes = { mian = 1.0 }\n",
        ["child.toml: demand.flows.west.routes.mian: unknown route 'mian' "
         "(did you mean 'main'?)"],
        id="flow-unknown-route"),
    pytest.param(
        ALT_ROUTE + "[demand.flows.west]\nroutes = { main = 0.5, alt = 0.4 }\n",
        ["child.toml: demand.flows.west.routes: route shares must sum to 1 (they sum to 0.9)"],
        id="shares-not-summing-to-1"),
    pytest.param(
        ALT_ROUTE + "[demand.flows.west]\nroutes = { main = 1.5, alt = -0.5 }\n",
        ["child.toml: demand.flows.west.routes: route shares must be >= 0 (negative: alt)"],
        id="negative-share"),
    pytest.param(
        "[demand.flows.west]\norigin = 'gate'\n",
        ["child.toml: demand.flows.west.origin: 'gate' is a border, not a terminal"],
        id="flow-from-border"),
    pytest.param(
        "[demand.flows.west]\norigin = 'omega'\n",
        ["child.toml: demand.flows.west: origin and destination are both 'omega'"],
        id="flow-to-itself"),
    pytest.param(
        "[links.alpha_gate]\nspeed_km_per_day = { dist = 'triangle', low = 1, mode = 2, "
        "high = 3 }\n",
        ["child.toml: links.alpha_gate.speed_km_per_day: unknown distribution 'triangle' "
         "(did you mean 'triangular'?)"],
        id="unknown-distribution"),
    pytest.param(
        "[links.alpha_gate]\nspeed_km_per_day = 900\n",
        ["child.toml: links.alpha_gate.speed_km_per_day: expected a table (got 900); write "
         'e.g. speed_km_per_day = { dist = "lognormal", mean = 10, cv = 0.3 }'],
        id="number-for-distribution"),
    pytest.param(
        "[links.gate_omega]\nspeed_km_per_day = { dist = 'uniform', low = 1000, high = 800 }\n",
        ["child.toml: links.gate_omega.speed_km_per_day: high (800) must be greater than "
         "low (1000)"],
        id="uniform-high-below-low"),
    pytest.param(
        "[links.gate_omega]\nspeed_km_per_day = { dist = 'uniform', low = 900, high = 900 }\n",
        ["child.toml: links.gate_omega.speed_km_per_day: high (900) must be greater than "
         "low (900)"],
        id="uniform-high-equals-low"),
    pytest.param(
        "[links.alpha_gate]\nspeed_km_per_day = { dist = 'triangular', low = 700, "
        "mode = 1200, high = 1000 }\n",
        ["child.toml: links.alpha_gate.speed_km_per_day: need low <= mode <= high and "
         "low < high (got low=700, mode=1200, high=1000)"],
        id="triangular-mode-outside"),
    pytest.param(
        "[demand]\nseasonality = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n",
        ["child.toml: demand.seasonality: needs exactly 12 entries, one a month (got 11)"],
        id="seasonality-too-short"),
    pytest.param(
        "[demand]\nseasonality = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n",
        ["child.toml: demand.seasonality: needs exactly 12 entries, one a month (got 13)"],
        id="seasonality-too-long"),
    pytest.param(
        "[demand]\nseasonality = [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n",
        ["child.toml: demand.seasonality: monthly factors must average 1 "
         "(they average 1.0833)"],
        id="seasonality-mean-not-1"),
    pytest.param(
        "[demand]\nseasonality = [1, 'x', 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n",
        ["child.toml: demand.seasonality[1]: expected a number (got 'x'); write e.g. "
         "seasonality = [1.5, ...] (each entry a number)"],
        id="seasonality-element-type"),
    pytest.param(
        "[horizon]\nend = 2023-12-01\n",
        ["child.toml: horizon: end (2023-12-01) must be after start (2024-01-01)"],
        id="horizon-end-before-start"),
    pytest.param(
        "[horizon]\nstart = 'soon'\n",
        ["child.toml: horizon.start: expected a date like 2024-01-01 (got 'soon')"],
        id="horizon-not-a-date"),
    pytest.param(
        "[demand]\nbase_year = 2050\n",
        ["child.toml: demand.base_year: 2050 is far from the horizon 2024-01-01..2024-03-01; "
         "growth would be extrapolated over more than ten years"],
        id="base-year-far-from-horizon"),
    pytest.param(
        "[nodes.gate.crossing]\nsiding_length_m = 700\n",
        ["child.toml: nodes.gate.crossing.siding_length_m: outbound trains of 60 boxes are "
         "925 m long (flow 'west', route 'main'), longer than the 700 m siding"],
        id="train-longer-than-siding"),
    pytest.param(
        "[nodes.gate.crossing]\nsiding_length_m = 500\n",
        ["child.toml: nodes.gate.crossing.siding_length_m: inbound trains of 40 boxes are "
         "625 m long (flow 'west', route 'main'), longer than the 500 m siding",
         "child.toml: nodes.gate.crossing.siding_length_m: outbound trains of 60 boxes are "
         "925 m long (flow 'west', route 'main'), longer than the 500 m siding"],
        id="both-trains-longer-than-siding"),
    pytest.param(
        "[links.alpha_omega]\nfrom = 'alpha'\nto = 'omega'\nlength_km = 6000\n"
        "speed_km_per_day = { dist = 'constant', value = 900 }\ntrain_paths_per_day = 10\n",
        ["child.toml: links.alpha_omega: joins 1435 mm 'alpha' to 1520 mm 'omega'; "
         "a gauge change needs a border node between"],
        id="gauge-change-without-border"),
    pytest.param(
        "[nodes.gate]\ngauge_mm = 1520\n",
        ["child.toml: nodes.gate.gauge_mm: a border node joins both gauges; remove gauge_mm"],
        id="border-with-gauge"),
    pytest.param(
        BORDER_NO_CROSSING,
        ["child.toml: nodes.gate2.crossing: a border node needs a [crossing] table"],
        id="border-without-crossing"),
    pytest.param(
        TERMINAL_NO_BOXES,
        ["child.toml: nodes.delta.boxes_per_train: a terminal needs boxes_per_train"],
        id="terminal-without-boxes_per_train"),
    pytest.param(
        JUNCTION_NO_GAUGE_ON_ROUTE,
        ["child.toml: nodes.mid.gauge_mm: a junction node needs gauge_mm (1435 or 1520)"],
        id="junction-without-gauge-on-route"),
    pytest.param(
        "[nodes.alpha]\ndeparture = { rule = 'full_or_max_wait' }\n",
        ["child.toml: nodes.alpha.departure: rule 'full_or_max_wait' needs max_wait_h "
         "(hours, > 0)"],
        id="full_or_max_wait-without-max_wait_h"),
    pytest.param(
        "[nodes.omega]\ndeparture = { rule = 'timetable' }\n",
        ["child.toml: nodes.omega.departure: rule 'timetable' needs departures_per_day (> 0)"],
        id="timetable-without-departures_per_day"),
    pytest.param(
        "[nodes.gate.crossing.departure]\nrule = 'ful'\n",
        ["child.toml: nodes.gate.crossing.departure.rule: 'ful' is not allowed "
         "(did you mean 'full'?)"],
        id="unknown-departure-rule"),
    pytest.param(
        "[kpis.transit]\ncrossings = ['alpha']\n",
        ["child.toml: kpis.transit.crossings[0]: 'alpha' is a terminal, not a border"],
        id="transit-count-at-non-border"),
    pytest.param(
        "[kpis.transit]\ncrossings = ['gaet']\n",
        ["child.toml: kpis.transit.crossings[0]: unknown node 'gaet' (did you mean 'gate'?)"],
        id="transit-count-at-unknown-node"),
    pytest.param(
        "[links.gate_omega]\nspeed_km_per_day = { dist = 'uniform', low = 0, high = 900 }\n",
        ["child.toml: links.gate_omega.speed_km_per_day: the speed can be 0 km/day (uniform "
         "with lowest value 0); give a lowest value > 0"],
        id="speed-can-be-zero"),
    pytest.param(
        "[nodes.gate.crossing]\nyard_capacity_teu = 60\n",
        ["child.toml: nodes.gate.crossing.yard_capacity_teu: 60 TEU cannot take one inbound "
         "train of 40 boxes (up to 80 TEU)"],
        id="yard-smaller-than-a-train"),
    pytest.param(
        "[nodes.gate.crossing]\nyard_capacity_teu = 150\ndeparture = { rule = 'full' }\n",
        ["child.toml: nodes.gate.crossing.yard_capacity_teu: 150 TEU can deadlock under "
         "departure rule 'full' with 1 onward paths (needs >= 198 TEU, or use "
         "'full_or_max_wait')"],
        id="yard-deadlock-under-full"),
    pytest.param(
        "[nodes.'gate two']\nname = 'x'\nkind = 'junction'\ncountry = 'KZ'\n"
        "region = 'kazakhstan'\nlon = 1\nlat = 1\ngauge_mm = 1520\n",
        ["child.toml: nodes: id 'gate two' may only contain letters, digits, '_' and '-'"],
        id="id-with-a-space"),
    pytest.param(
        "[demand.flows.west]\ncontainers_per_year = inf\n",
        ["child.toml: demand.flows.west.containers_per_year: must be a finite number (got inf)"],
        id="infinite-demand"),
    pytest.param(
        "[nodes.gate.crossing]\ncustoms_dwell_h = { dist = 'exponential', mean = nan }\n",
        ["child.toml: nodes.gate.crossing.customs_dwell_h.mean: must be a finite number "
         "(got nan)"],
        id="nan-in-a-distribution"),
    pytest.param(
        "[nodes.gaet.crossing]\ncranes = 3\n",
        ["child.toml: nodes.gaet: unknown node, or a new one missing required fields name, "
         "kind, country, region, lon, lat (did you mean 'gate'?)"],
        id="mistyped-node-id-creates-a-node"),
    pytest.param(
        "[nodes.gate.crossing]\ninspection_share = 0.1\n",
        ["child.toml: nodes.gate.crossing: inspection_share > 0 needs inspection_dwell_h (a "
         "distribution, hours)"],
        id="inspection-without-its-dwell"),
    pytest.param(
        "[demand]\narrival_process = 'regular'\n",
        ["child.toml: demand.arrival_process: 'regular' is not allowed (allowed: "
         "deterministic, poisson)"],
        id="unknown-arrival-process"),
    pytest.param(
        "[route_choice]\nmodel = 'probit'\n",
        ["child.toml: route_choice.model: 'probit' is not allowed (allowed: logit, nested_logit, shares)"],
        id="unknown-route-choice-model"),
    pytest.param(
        "[links.gate_omega]\nto = 'omegaa'\n",
        ["child.toml: links.gate_omega.to: unknown node 'omegaa' (did you mean 'omega'?)"],
        id="bad-link-end-reported-once"),
]


@pytest.mark.parametrize("snippet, lines", CHILD_CASES)
def test_child_case(scen, snippet, lines):
    p = scen("child.toml", EXTENDS_TOY + snippet)
    expect(p, *(f"error: {line}" for line in lines))


# ----------------------------------------------------------------------------- edited toy
# (text in toy.toml, replacement) -> a standalone bad.toml, for what a child cannot remove

EDIT_CASES = [
    pytest.param(
        "train_paths_per_day = 20\n", "",
        ["bad.toml: links.gate_omega.train_paths_per_day: required field is missing"],
        id="missing-required-field"),
    pytest.param(
        "[horizon]\n", "",
        ["bad.toml: horizon: required field is missing",
         "bad.toml: start: unknown key here (did you mean 'horizon.start'?)",
         "bad.toml: end: unknown key here (did you mean 'horizon.end'?)",
         "bad.toml: warmup_days: unknown key here (did you mean 'horizon.warmup_days'?)"],
        id="missing-table-header"),
    pytest.param(
        'departure = { rule = "full_or_max_wait", max_wait_h = 48 }',
        'departure = { rule = "full_or_max_wait" }',
        ["bad.toml: nodes.gate.crossing.departure: rule 'full_or_max_wait' needs max_wait_h "
         "(hours, > 0)"],
        id="crossing-full_or_max_wait-without-max_wait_h"),
    pytest.param(
        "boxes_per_train = 40\n", "",
        ["bad.toml: nodes.alpha.boxes_per_train: a terminal needs boxes_per_train"],
        id="origin-terminal-without-boxes_per_train"),  # used to crash in train_lengths
]


@pytest.mark.parametrize("old, new, lines", EDIT_CASES)
def test_edited_toy(scen, old, new, lines):
    text = TOY.read_text(encoding="utf-8")
    assert text.count(old) == 1
    p = scen("bad.toml", text.replace(old, new))
    expect(p, *(f"error: {line}" for line in lines))


# ----------------------------------------------------------------------------- --set

SET_CASES = [
    pytest.param(["seed"],
                 "error: --set: seed: override 'seed' must look like path.to.key=value",
                 id="no-equals"),
    pytest.param(["=3"], "error: --set: override '=3' has an empty key",
                 id="empty-key"),
    pytest.param(["nodes..x=3"],
                 "error: --set: nodes..x: override 'nodes..x=3' has an empty key",
                 id="empty-key-part"),
    pytest.param(["seed.x=3"],
                 "error: --set: seed: is a value, not a table, so 'seed.x' cannot be set",
                 id="into-a-value"),
    pytest.param(["routes.main.path.x=1"],
                 "error: --set: routes.main.path: is a value, not a table, so "
                 "'routes.main.path.x' cannot be set",
                 id="into-an-array"),
    pytest.param(["nodes.gate.crossing.cranes=-1"],
                 "error: --set: nodes.gate.crossing.cranes: must be > 0 (got -1)",
                 id="invalid-value"),
    pytest.param(["nodes.gate.crossing.cranez=3"],
                 "error: --set: nodes.gate.crossing.cranez: unknown key "
                 "(did you mean 'cranes'?)",
                 id="unknown-key"),
    pytest.param(["name=has space"],
                 "error: --set: name: 'has space' does not match the pattern "
                 "^[A-Za-z0-9_.-]+$ (allowed: letters, digits, '_', '.' and '-')",
                 id="unquoted-string-value"),
]


@pytest.mark.parametrize("set_args, line", SET_CASES)
def test_set(scen, set_args, line):
    p = scen("child.toml", EXTENDS_TOY)
    expect(p, line, set_args=set_args)


def test_set_reports_every_bad_override(scen):
    p = scen("child.toml", EXTENDS_TOY)
    expect(p, "error: --set: seed: override 'seed' must look like path.to.key=value",
           "error: --set: override '=1' has an empty key",
           set_args=["seed", "horizon.warmup_days=5", "=1"])


# ----------------------------------------------------------------------------- attribution

def test_error_set_in_child_is_attributed_to_child(scen):
    p = scen("child.toml", EXTENDS_TOY + "[links.gate_omega]\nlength_km = -1\n")
    expect(p, "error: child.toml: links.gate_omega.length_km: must be > 0 (got -1)")


def test_error_inherited_from_parent_is_attributed_to_parent(scen):
    scen("mid.toml", EXTENDS_TOY + "[links.gate_omega]\nlength_km = -1\n")
    p = scen("child.toml", 'extends = "mid.toml"\nseed = 3\n'
                           "[links.gate_omega]\ntrain_paths_per_day = 10\n")
    expect(p, "error: mid.toml: links.gate_omega.length_km: must be > 0 (got -1)")


def test_array_element_error_is_attributed_to_the_file_that_set_the_array(scen):
    scen("mid.toml", EXTENDS_TOY + "[routes.main]\npath = ['gat']\n")
    p = scen("child.toml", 'extends = "mid.toml"\n[routes.main]\ncorridor = "domestic"\n')
    expect(p, "error: mid.toml: routes.main.path[0]: unknown node 'gat' "
              "(did you mean 'gate'?)")


def test_toy_value_made_inconsistent_by_child_is_shown_where_it_was_set(scen):
    # the child changes the crossing; the check fails on the toy's flow
    p = scen("child.toml", EXTENDS_TOY + "[nodes.omega]\ngauge_mm = 1435\n")
    expect(p, "error: toy.toml: demand.flows.west.routes.main: gauge is 1435 mm on both "
              "sides of border crossing 'gate'")


def test_node_named_like_a_distribution_keeps_its_name_in_the_path(scen):
    p = scen("child.toml", EXTENDS_TOY + "[nodes.gamma]\nname = 'G'\nkind = 'junction'\n"
             "country = 'KZ'\nregion = 'kazakhstan'\nlon = 1\nlat = 100\ngauge_mm = 1520\n")
    expect(p, "error: child.toml: nodes.gamma.lat: must be <= 90 (got 100)")


# ----------------------------------------------------------------------------- distributions

@pytest.mark.parametrize("snippet", [
    "[links.alpha_gate]\nspeed_km_per_day = { dist = 'lognormal', mean = 900, cv = 0.2 }\n",
    "[links.alpha_gate.speed_km_per_day]\ndist = 'lognormal'\nmean = 900\ncv = 0.2\n",
], ids=["inline-table", "table"])
def test_child_replaces_distribution_whole(scen, snippet):
    p = scen("child.toml", EXTENDS_TOY + snippet)
    s = load_scenario(p)  # no complaint about the triangular's low/mode/high
    d = s.links["alpha_gate"].speed_km_per_day
    assert (d.dist, d.mean, d.cv) == ("lognormal", 900, 0.2)


def test_replaced_distribution_missing_parameter_is_the_childs(scen):
    p = scen("child.toml", EXTENDS_TOY + "[nodes.gate.crossing]\n"
             "customs_dwell_h = { dist = 'gamma', mean = 24 }\n")
    expect(p, "error: child.toml: nodes.gate.crossing.customs_dwell_h.cv: "
              "required field is missing")


def test_child_tweaks_one_distribution_parameter(scen):
    p = scen("child.toml", EXTENDS_TOY + "[links.alpha_gate.speed_km_per_day]\nmode = 950\n")
    d = load_scenario(p).links["alpha_gate"].speed_km_per_day
    assert (d.dist, d.low, d.mode, d.high) == ("triangular", 700, 950, 1000)


# ----------------------------------------------------------------------------- all at once

def test_several_schema_problems_reported_at_once(scen):
    p = scen("child.toml", EXTENDS_TOY + "seeed = 1\n"
             "[nodes.gate]\nkind = 'bordr'\n"
             "[nodes.gate.crossing]\ncranes = 'two'\n"
             "[links.alpha_gate]\nlength_km = 0\n")
    expect(p,
           "error: child.toml: nodes.gate.kind: 'bordr' is not allowed "
           "(did you mean 'border'?)",
           "error: child.toml: nodes.gate.crossing.cranes: expected a whole number "
           "(got 'two'); write e.g. cranes = 4",
           "error: child.toml: links.alpha_gate.length_km: must be > 0 (got 0)",
           "error: child.toml: seeed: unknown key (did you mean 'seed'?)")


def test_several_cross_field_problems_reported_at_once(scen):
    p = scen("child.toml", EXTENDS_TOY + ALT_ROUTE + TERMINAL_NO_BOXES
             + "[demand]\nbase_year = 2050\n"
             + "[demand.flows.west]\nroutes = { main = 0.5, atl = 0.5 }\n"
             + "[kpis.transit]\ncrossings = ['gate', 'omega']\n")
    expect(p,
           "error: child.toml: nodes.delta.boxes_per_train: a terminal needs boxes_per_train",
           "error: child.toml: demand.flows.west.routes.atl: unknown route 'atl' "
           "(did you mean 'alt'?)",
           "error: child.toml: kpis.transit.crossings[1]: 'omega' is a terminal, "
           "not a border",
           "error: child.toml: demand.base_year: 2050 is far from the horizon "
           "2024-01-01..2024-03-01; growth would be extrapolated over more than ten years")


# ----------------------------------------------------------------------------- line format

def _all_failures(scen):
    """Every child, edited and --set case above, as (label, ConfigError)."""
    for case in CHILD_CASES:
        snippet, _lines = case.values
        p = scen(f"{case.id}.toml", EXTENDS_TOY + snippet)
        yield case.id, _failure(p)
    toy = TOY.read_text(encoding="utf-8")
    for case in EDIT_CASES:
        old, new, _lines = case.values
        yield case.id, _failure(scen(f"{case.id}.toml", toy.replace(old, new)))
    child = scen("child.toml", EXTENDS_TOY)
    for case in SET_CASES:
        yield case.id, _failure(child, case.values[0])
    yield "syntax", _failure(scen("syntax.toml", "a = \n"))
    yield "missing", _failure(Path("missing.toml"))


def _failure(path, set_args=None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_scenario(path, set_args=set_args)
    return info.value


def test_every_message_is_one_line_per_problem(scen):
    n = 0
    for label, err in _all_failures(scen):
        lines = str(err).split("\n")
        assert len(lines) == len(err.problems), label
        for line in lines:
            assert LINE.match(line) or WHOLE.match(line), (label, line)
            assert "Traceback" not in line and "pydantic" not in line, (label, line)
        n += 1
    assert n >= 50


def test_mistyped_flow_in_set_is_one_line(scen):
    p = scen("child.toml", EXTENDS_TOY)
    expect(p, "error: --set: demand.flows.wset: unknown flow, or a new one missing required "
              "fields origin, destination, containers_per_year, routes (did you mean 'west'?)",
           set_args=["demand.flows.wset.growth_per_year=0.1"])


@pytest.mark.parametrize("snippet, line", [
    ("[links.alpha_gate]\nspeed_km_per_day = { dist = 'gamma', mean = 900, cv = 10 }\n",
     "child.toml: links.alpha_gate.speed_km_per_day: a gamma speed with cv 10 > 1 puts much "
     "weight near 0 km/day (allowed: cv <= 1)"),
    ("[links.alpha_gate]\nspeed_km_per_day = { dist = 'exponential', mean = 900 }\n",
     "child.toml: links.alpha_gate.speed_km_per_day: an exponential speed is most often near "
     "0 km/day (allowed: constant, uniform, triangular, or gamma/lognormal with cv <= 1)"),
    ("[nodes.gate.crossing]\ndeparture = { rule = 'timetable', departures_per_day = 2, "
     "min_boxes = 80 }\n",
     "child.toml: nodes.gate.crossing.departure.min_boxes: 80 is more than an outbound train "
     "holds (40 boxes)"),
    ("[nodes.alpha]\ndeparture = { rule = 'full', min_boxes = 41 }\n",
     "child.toml: nodes.alpha.departure.min_boxes: 41 is more than a train holds (40 "
     "boxes_per_train)"),
    ("[nodes.gate]\ntrain_dwell_h = { dist = 'constant', value = 100 }\n",
     "child.toml: nodes.gate.train_dwell_h: only junctions stop trains (kind is 'border'; a "
     "crossing's time is its crossing table's)"),
    ("[demand.flows.west]\ncontainers_per_year = 1e13\n",
     "child.toml: demand.flows.west.containers_per_year: gives about 1.91e+12 boxes over the "
     "run; at most 50,000,000 are simulated (lower it or demand.scale)"),
])
def test_review_cases(scen, snippet, line):
    p = scen("child.toml", EXTENDS_TOY + snippet)
    expect(p, "error: " + line)


@pytest.mark.parametrize("overrides, line", [
    ({"demand.scale": "x"}, "demand.scale: expected a number (got 'x'); write e.g. scale = 1.0"),
    # no default: a value within the field's bounds (<= 1; >= 1990), not a fixed 1.5 or 4
    ({"demand.share_40ft": "x"}, "demand.share_40ft: expected a number (got 'x'); write e.g. "
     "share_40ft = 0.5"),
    ({"demand.base_year": "x"}, "demand.base_year: expected a whole number (got 'x'); write "
     "e.g. base_year = 1990"),
    ({"kpis.transit.crossings": "gate"}, "kpis.transit.crossings: expected an array (got "
     "'gate'); write e.g. crossings = [\"a\", \"b\"]"),
    ({"name": 5}, "name: expected a string (got 5); write e.g. name = \"text\""),
    ({"horizon": 3}, "horizon: expected a table (got 3); write e.g. a [horizon] table with "
     "start, end"),
    ({"demand.flows.west.routes": 3}, "demand.flows.west.routes: expected a table (got 3); "
     "write e.g. routes = { id = ... }, one entry per id"),
])
def test_every_expected_form_comes_with_an_example(overrides, line):
    # the example: the field's default where it has one, else a value of its type; a
    # table's required keys; a distribution's one-line form (above)
    with pytest.raises(ConfigError) as e:
        load_scenario(TOY, overrides=overrides)
    assert str(e.value) == f"error: overrides: {line}"
