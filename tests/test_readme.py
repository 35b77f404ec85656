"""The README stays true: every KPI of the catalogue is in its KPI table with its unit,
the two commands are shown, and every scenario file is in the catalogue."""

from pathlib import Path

from sim.measure.kpis import KPIS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_kpi_is_documented_with_its_unit():
    for name, (unit, _definition) in KPIS.items():
        assert f"| `{name}` | {unit} |" in README, name


def test_the_two_commands_are_shown():
    assert "make run" in README and "make test" in README


def test_every_scenario_is_in_the_catalogue():
    """Every scenario the project ships (tracked by git; a user's own files are theirs)."""
    import subprocess
    r = subprocess.run(["git", "-C", str(ROOT), "ls-files", "scenarios/*.toml"],
                       capture_output=True, text=True, check=False)
    names = r.stdout.split() if r.returncode == 0 and r.stdout.strip() else [
        f"scenarios/{p.name}" for p in sorted((ROOT / "scenarios").glob("*.toml"))]
    assert names
    for name in names:
        assert f"`{name}`" in README, name


def test_headline_table_is_the_golden_run():
    """The README's headline results are the golden file's (python -m tests.headline)."""
    from .headline import accounted, rows
    for row in rows():
        assert row in README, row
    assert accounted() in README


def test_the_quick_start_scenario_loads_and_its_commands_exist(tmp_path):
    # the planner's scenario written by the quick-start, checked as `corridor check` would
    import re

    from sim.cli.help import SUMMARY
    from sim.scenario.loading import load_scenario
    block = README.split("## Quick start for planners", 1)[1].split("## Two commands", 1)[0]
    toml = re.search(r"<<'END'\n(.*?)\nEND\n", block, re.S)
    assert toml, "the quick-start writes its scenario with a <<'END' heredoc"
    f = tmp_path / "more_ferries.toml"
    f.write_text(toml.group(1).replace('"../scenarios/', f'"{ROOT}/scenarios/'),
                 encoding="utf-8")
    s = load_scenario(f)
    assert s.name == "more_ferries"
    assert s.timeline[-1].set == {"fleets.asco_ferries.ships": 15}
    for cmd in re.findall(r"\.venv/bin/corridor (\w+)", block):
        assert cmd in SUMMARY, cmd
