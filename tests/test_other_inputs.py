"""A scenario command given another of the project's input files (a sweep spec, an
optimisation spec, a costs file, calibration targets or parameters) says what the file is
and which command reads it, in one line, instead of a dozen schema errors; a bad --set
value gets its example in the command line's form."""

import pytest

from sim.cli import main

from .conftest import ROOT


@pytest.mark.parametrize("path, what, use", [
    ("scenarios/sweeps/caspian_drivers.toml", "a sweep spec", "corridor sweep FILE --out DIR"),
    ("scenarios/optimize/aktau_2024_small.toml", "an optimisation spec",
     "corridor optimize FILE --out DIR"),
    ("scenarios/appraisal/kuryk_terminal.toml", "an appraisal costs file",
     "corridor appraise RUN COUNTERFACTUAL --costs FILE"),
    ("calibration/targets.toml", "a calibration targets file", "corridor calibrate FILE"),
    ("calibration/parameters.toml", "a calibration parameters file",
     "corridor calibrate TARGETS --params FILE"),
])
@pytest.mark.parametrize("command", ["check", "run"])
def test_another_input_file_is_named_in_one_line(path, what, use, command, tmp_path,
                                                 capsys):
    f = ROOT / path
    extra = ["--out", str(tmp_path / "r")] if command == "run" else []
    assert main([command, str(f), *extra]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and err[0].endswith(
        f"{path}: this is {what}, not a scenario (use '{use}')"), err
    assert not (tmp_path / "r").exists()


def test_a_broken_scenario_is_not_taken_for_another_file(tmp_path, capsys):
    bad = tmp_path / "s.toml"
    bad.write_text('name = "s"\nparameters = 3\n[demand]\nscale = 1\n')
    assert main(["check", str(bad)]) == 2
    assert "not a scenario" not in capsys.readouterr().err


def test_a_bad_set_value_gets_its_example_as_the_command_line_takes_it(capsys):
    assert main(["check", str(ROOT / "tests" / "scenarios" / "toy.toml"), "--set",
                 "demand.scale=high", "--set", "nodes.gate.crossing.customs_dwell_h=36"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: --set: demand.scale: expected a number (got 'high'); give e.g. --set "
        "demand.scale=1.0",
        "error: --set: nodes.gate.crossing.customs_dwell_h: expected a table (got 36); give "
        "e.g. --set 'nodes.gate.crossing.customs_dwell_h={ dist = \"lognormal\", mean = 10, "
        "cv = 0.3 }'"]


def test_a_sweep_spec_without_its_method_is_still_a_sweep_spec(tmp_path, capsys):
    """A sweep's [[parameters]] is a list of tables, calibration's [parameters.ID] a table:
    a sweep spec that lost its 'method' line is not taken for calibration parameters."""
    f = tmp_path / "sweep.toml"
    f.write_text('scenario = "../scenarios/baseline.toml"\nsamples = 2\n\n[[parameters]]\n'
                 'path = "demand.scale"\nlow = 0.8\nhigh = 1.2\n')
    assert main(["check", str(f)]) == 2
    assert capsys.readouterr().err.endswith(
        "sweep.toml: this is a sweep spec, not a scenario (use 'corridor sweep FILE --out DIR')\n")
