"""Where a scenario's numbers come from (sim.scenario.citations, ``corridor sources``):
the kinds of citation, a table's source covering its values, the generated page current."""

from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario.citations import cited_values, counts, kind_of, markdown

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("citation, kind", [
    ("corridor-facts §2.4 (Trend 2025-11-25)", "sourced"),
    ("econ §6", "sourced"),
    ("Portnews 2022-06-30 (ADY Container feeder)", "sourced"),
    ("Mehr News 2018: the 700 km line", "sourced"),
    ("assumption: the 2019 service was weekly", "assumption"),
    ("GC x 1.2 = 79 (GK-unverified)", "unverified"),
    ("reports 2023 and 2024", "uncited"),  # a bare year is no source
    ("", "uncited"),
])
def test_kinds_of_citation(citation, kind):
    assert kind_of(citation) == kind


def test_a_tables_source_cites_its_values_without_a_source_of_their_own(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('''extends = "baseline.toml"
name = "s"
description = """two
lines"""
seed = 3

[links.a_b]
length_km = 120                 # GC 100 x 1.2
speed_km_per_day = { dist = "triangular", low = 700,
                     mode = 900, high = 1000 }   # assumption: as the Turksib
train_paths_per_day = 16        # corridor-facts §1.4 (Horgos 27 trains a day)
source = "GK-unverified length; corridor-facts §2.2"

[links.a_b.extra]
headway_h = 1.5
''', encoding="utf-8")
    rows = cited_values(f)
    got = [(r.line, r.path, r.kind) for r in rows]
    assert got == [(5, "seed", "uncited"),
                   (8, "links.a_b.length_km", "unverified"),   # working + table's source
                   (9, "links.a_b.speed_km_per_day", "assumption"),  # comment on line 10
                   (11, "links.a_b.train_paths_per_day", "sourced"),
                   (15, "links.a_b.extra.headway_h", "unverified")]  # the parent table's
    assert rows[1].citation == "GC 100 x 1.2 — GK-unverified length; corridor-facts §2.2"
    assert counts(rows) == {"sourced": 1, "fitted": 0, "assumption": 1, "unverified": 2,
                            "uncited": 1}


def test_a_calibration_file_is_fitted():
    rows = cited_values(ROOT / "calibration" / "calibrated.toml")
    assert rows and {r.kind for r in rows} == {"fitted"}


def test_the_baseline_page_is_current():
    page = ROOT / "docs" / "sources-baseline.md"
    want = markdown(ROOT / "scenarios" / "baseline.toml",
                    cited_values(ROOT / "scenarios" / "baseline.toml"), "scenarios/baseline.toml")
    assert page.read_text(encoding="utf-8") == want, (
        "docs/sources-baseline.md is out of date: run "
        "'corridor sources scenarios/baseline.toml --write docs/sources-baseline.md'")
    c = counts(cited_values(ROOT / "scenarios" / "baseline.toml"))
    assert c["sourced"] > 150 and c["assumption"] > 300 and c["uncited"] < 20


def test_the_fact_sheets_the_citations_name_are_in_the_repository():
    for name in ("corridor-facts.md", "corridor-facts-economics.md", "sources-economics.md"):
        assert (ROOT / "docs" / name).is_file(), name
    assert "§1.4" in (ROOT / "docs" / "corridor-facts.md").read_text(encoding="utf-8") or \
        "1.4" in (ROOT / "docs" / "corridor-facts.md").read_text(encoding="utf-8")


def test_the_command(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["sources", "scenarios/kuryk_terminal.toml", "--verbose"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("scenarios/kuryk_terminal.toml: 41 values set in this file")
    assert any("[unverified]" in line for line in out[1:])
    page = tmp_path / "k.md"
    assert main(["sources", "scenarios/kuryk_terminal.toml", "--write", str(page)]) == 0
    assert page.read_text().startswith("# Where the numbers of `scenarios/kuryk_terminal.toml`")
    capsys.readouterr()
    assert main(["sources", "scenarios/nope.toml"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: scenarios/nope.toml: no such scenario file")
    with pytest.raises(SystemExit) as e:
        main(["sources", "--help"])
    assert e.value.code == 0 and "examples:" in capsys.readouterr().out


def test_reports_count_the_inputs_of_the_scenario_and_its_parents(monkeypatch):
    from sim.plots.run import _inputs_cited
    from sim.scenario.citations import chain
    monkeypatch.chdir(ROOT)
    files = [p.name for p in chain("scenarios/kuryk_terminal.toml")]
    assert files == ["kuryk_terminal.toml", "caspian_committed_2030.toml", "aktau_hub.toml",
                     "middle_corridor_2030.toml", "growth_2030.toml", "calibrated.toml",
                     "baseline.toml"]
    line = _inputs_cited("scenarios/baseline.toml")
    assert line.startswith("971 values in 1 file(s): 230 sourced, 0 fitted, 442 assumptions")
    assert _inputs_cited("scenarios/gone.toml") == "– (the scenario file is not at hand)"


def test_each_entry_of_an_array_of_tables_by_its_own_source_and_strings_skipped(tmp_path):
    # (review: every [[timeline]] entry took the last entry's source; a bracket inside a
    # string swallowed the rest of the file; a literal multi-line string's lines were read
    # as values)
    f = tmp_path / "s.toml"
    f.write_text('''name = "s"
description = "a [bracket in text"
a = 1  # assumption: after the bracketed description
notes = \'\'\'
x = 99  # inside a literal multi-line string
\'\'\'
nodes."x y".z = 4  # assumption: a quoted key

[[timeline]]
date = 2027-01-01
set = { "services.a.fleet" = 16 }
source = "corridor-facts §2.4 (the first entry)"

[[timeline]]
date = 2028-01-01
set = { "services.a.fleet" = 10 }
source = "assumption: the second entry"
''', encoding="utf-8")
    got = [(r.line, r.path, r.kind) for r in cited_values(f)]
    assert got == [(3, "a", "assumption"), (7, "nodes.x y.z", "assumption"),
                   (10, "timeline.date", "sourced"), (11, "timeline.set", "sourced"),
                   (15, "timeline.date", "assumption"), (16, "timeline.set", "assumption")]
    assert kind_of("the second track") == kind_of("May 2024 (above)") == "uncited"
