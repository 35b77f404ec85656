"""Calibration targets and free parameters are data, checked like scenarios: the shipped
files load, and each kind of mistake gives its one pinned line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pydantic import BaseModel, model_validator

from sim.scenario.loading import load_scenario, read_data_file
from sim.scenario.problems import ConfigError
from sim.study.calibration.fit import _value_at
from sim.study.calibration.inputs import (
    load_parameters,
    load_targets,
    targets_in_scenario,
    years_in,
)

ROOT = Path(__file__).resolve().parent.parent

TARGET = """
[targets.t]
kpi = "transit_containers_china_central_asia"
period = "2024"
value = 211000
unit = "containers"
tolerance = 4220
definition = "boxes at Dostyk and Altynkol"
source = "corridor-facts §1.1"
"""

PARAM = """
[parameters.p]
path = "demand.scale"
low = 0.8
high = 1.2
source = "assumption"
"""


def test_the_shipped_files_load():
    t = load_targets(ROOT / "calibration" / "targets.toml")
    assert {k for k, v in t.targets.items() if v.role == "primary"} == {
        "transit_2024", "transit_growth_2024", "kz_share_2024"}
    assert years_in(t) == {2023, 2024}
    assert t.targets["transit_2024"].sigma == pytest.approx(2110)
    p, s = load_parameters(ROOT / "calibration" / "parameters.toml")
    assert s.name == "baseline" and "demand_scale" in p.parameters


@pytest.fixture
def write(tmp_path):
    def _write(name: str, text: str) -> Path:
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return p
    return _write


@pytest.mark.parametrize("edit, line", [
    (("kpi = \"transit_containers_china_central_asia\"", "kpi = \"transit_container\""),
     "targets.t.kpi: unknown KPI 'transit_container' (did you mean "
     "'transit_containers_china_central_asia'?)"),
    (("unit = \"containers\"", "unit = \"TEU\""),
     "targets.t.unit: 'TEU' is not the unit of transit_containers_china_central_asia "
     "(it is 'containers')"),
    (("tolerance = 4220", "tolerance = 4220\nsd = 2000"),
     "targets.t: a target has either 'sd' (a standard error) or 'tolerance' (a half-width), "
     "not both or neither"),
    (("value = 211000", "valeu = 211000"),
     "targets.t.value: required field is missing\nerror: {p}: targets.t.valeu: unknown key "
     "(did you mean 'value'?)"),
    (("period = \"2024\"", "period = \"24\""),
     "targets.t.period: '24' does not match the pattern ^(\\d{4}|run)$ (allowed: a "
     "calendar year like '2024', or 'run')"),
    (("unit = \"containers\"", "unit = \"fraction\"\nrelative_to = \"2024\""),
     "targets.t.relative_to: a relative change compares two different calendar years"),
])
def test_bad_targets(write, edit, line):
    p = write("targets.toml", TARGET.replace(*edit))
    with pytest.raises(ConfigError) as e:
        load_targets(p)
    assert str(e.value) == f"error: {p}: {line}".replace("{p}", str(p))


def _params(write, text: str) -> Path:
    shutil.copy(ROOT / "tests" / "scenarios" / "toy.toml", write("toy.toml", "").parent)
    return write("parameters.toml", 'scenario = "toy.toml"\n' + text)


@pytest.mark.parametrize("edit, line", [
    (("path = \"demand.scale\"", "path = \"demand.scael\""),
     "parameters.p.path: 'demand.scael': no 'scael' in demand (did you mean 'scale'?)"),
    (("path = \"demand.scale\"", "path = \"demand.flows\""),
     "parameters.p.path: 'demand.flows' is not a number in the scenario"),
    (("high = 1.2", "high = 0.9"),
     "parameters.p: the scenario's value 1 lies outside [0.8, 0.9]"),
    (("high = 1.2", "high = 0.5"), "parameters.p: low (0.8) must be below high (0.5)"),
    (("high = 1.2", "high = 1.2\nprior = \"normal\""),
     "parameters.p: a normal prior needs mean and sd"),
])
def test_bad_parameters(write, edit, line):
    p = _params(write, PARAM.replace(*edit))
    with pytest.raises(ConfigError) as e:
        load_parameters(p)
    assert str(e.value) == f"error: {p}: {line}"


def test_parameters_need_their_scenario(write):
    p = write("parameters.toml", 'scenario = "nowhere.toml"\n' + PARAM)
    with pytest.raises(ConfigError, match=re.escape(
            f"error: {p}: scenario: 'nowhere.toml' not found next to this file")):
        load_parameters(p)


def test_unreadable_files_are_one_line(write):
    p = write("targets.toml", "targets = [\n")
    with pytest.raises(ConfigError, match=r"\Aerror: .*targets\.toml: invalid TOML at the end "
                                             r"of the file \(invalid value\)\Z"):
        load_targets(p)
    p = write("empty.toml", "")
    with pytest.raises(ConfigError, match=r"\Aerror: .*empty\.toml: file is empty\Z"):
        load_targets(p)


class _Pair(BaseModel):
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self):
        if self.low > self.high:
            raise ValueError("low must not exceed high")
        return self


def test_a_problem_of_the_whole_document_has_no_path(write):
    """A rule over the whole of an input file (a check of its root model, which pydantic
    places nowhere) is a whole-file problem, not one at a made-up path."""
    p = write("pair.toml", "low = 2\nhigh = 1\n")
    with pytest.raises(ConfigError, match=rf"\Aerror: {re.escape(str(p))}: low must not "
                                          r"exceed high\Z"):
        read_data_file(p, _Pair)


def test_one_parameter_may_set_several_paths(write):
    p, s = load_parameters(ROOT / "calibration" / "parameters.toml")
    assert len(p.parameters["land_growth"].paths) == 5
    bad = _params(write, PARAM.replace('path = "demand.scale"',
                                       'path = ["demand.scale", "seed"]'))
    with pytest.raises(ConfigError) as e:
        load_parameters(bad)
    assert str(e.value) == (f"error: {bad}: parameters.p.path: the paths hold different values "
                            "(1, 7); one parameter sets them all to one value")
    bad = _params(write, PARAM.replace('path = "demand.scale"',
                                       'path = ["demand.scale", "demand.sacle"]'))
    with pytest.raises(ConfigError) as e:
        load_parameters(bad)
    assert str(e.value) == (f"error: {bad}: parameters.p.path[1]: 'demand.sacle': no 'sacle' "
                            "in demand (did you mean 'scale'?)")


def test_the_committed_calibration_is_inside_its_bounds():
    p, _ = load_parameters(ROOT / "calibration" / "parameters.toml")
    cal = load_scenario(ROOT / "calibration" / "calibrated.toml")
    text = (ROOT / "calibration" / "calibrated.toml").read_text(encoding="utf-8")
    assert text.startswith("# Written by corridor calibrate on ")  # date and command
    for pid, prm in p.parameters.items():
        values = {_value_at(cal, path) for path in prm.paths}
        assert len(values) == 1, pid
        assert prm.low <= values.pop() <= prm.high, pid


@pytest.mark.parametrize("edit, line", [
    (('period = "2024"', 'period = "2030"'),
     "targets.t.period: 2030 is outside the horizon (allowed: 2024, run)"),
    (('period = "2024"', 'period = "2024"\nscope = "gaet"'),
     "targets.t.scope: scope 'gaet' names nothing in the scenario (did you mean 'gate'?)"),
    (('unit = "containers"', 'unit = "fraction"\nrelative_to = "2023"'),
     "targets.t.relative_to: 2023 is outside the horizon (allowed: 2024)"),
])
def test_targets_against_the_base_scenario(write, edit, line):
    """A year the base scenario does not report, or a scope that names nothing in it, is
    an error line before anything runs (they used to give an objective of inf and a
    report of nan, with exit code 0)."""
    p = write("targets.toml", TARGET.replace(*edit))
    targets = load_targets(p)
    _, scenario = load_parameters(_params(write, PARAM))
    assert [q.line() for q in targets_in_scenario(targets, scenario)] == [
        f"error: {p}: {line}"]


def test_the_shipped_targets_fit_the_baseline():
    t = load_targets(ROOT / "calibration" / "targets.toml")
    _, scenario = load_parameters(ROOT / "calibration" / "parameters.toml")
    assert targets_in_scenario(t, scenario) == []


def test_a_path_is_set_by_one_parameter(write):
    """Two parameters on one path would write the key twice into calibrated.toml, which
    is then not TOML."""
    p = _params(write, PARAM + PARAM.replace("parameters.p", "parameters.q").replace(
        "low = 0.8", "low = 0.5"))
    with pytest.raises(ConfigError, match=re.escape(
            f"error: {p}: parameters.q.path: 'demand.scale' is set by parameters.p already "
            "(a path is set by one parameter)")):
        load_parameters(p)
    p = _params(write, PARAM.replace('path = "demand.scale"',
                                     'path = ["demand.scale", "demand.scale"]'))
    with pytest.raises(ConfigError, match=re.escape(
            f"error: {p}: parameters.p.path[1]: 'demand.scale' is listed twice")):
        load_parameters(p)


def test_a_target_to_fit(write):
    p = write("targets.toml", TARGET + "weight = 0\n")
    with pytest.raises(ConfigError, match=re.escape(
            f"error: {p}: targets: no target has a weight above 0, so there is nothing to "
            "fit (give one a weight, e.g. weight = 1)")):
        load_targets(p)


def test_a_relative_year_is_a_year(write):
    p = write("targets.toml", TARGET.replace('unit = "containers"',
                                             'unit = "fraction"\nrelative_to = "last"'))
    with pytest.raises(ConfigError, match=re.escape(
            f"error: {p}: targets.t.relative_to: 'last' does not match the pattern ^\\d{{4}}$ "
            "(allowed: a calendar year like '2023')")):
        load_targets(p)
