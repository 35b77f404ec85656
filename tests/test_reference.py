"""The field reference: the rows read from the schema, ``corridor schema`` in-process,
and the page docs/fields.md held current."""

import json
from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario.reference import field_rows, placeholder_path, prefixes, unit_of
from sim.scenario.reference_text import COMMAND, PAGE, markdown

ROOT = Path(__file__).resolve().parent.parent


def row(path):
    return next(r for r in field_rows() if r.path == path)


def test_the_page_is_current():
    page = ROOT / PAGE
    assert page.is_file(), f"{PAGE} is missing: run '{COMMAND}'"
    assert page.read_text(encoding="utf-8") == markdown(), (
        f"{PAGE} is not current (the schema changed): run '{COMMAND}' and commit it")


def test_a_kind_table_field_with_its_unit_bounds_and_timeline():
    r = row("nodes.<id>.crossing.cranes")
    assert (r.type, r.unit, r.default, r.bounds, r.timeline) == (
        "whole number", "count", "required", "> 0, <= 200", "set (1..200)")
    # a timeline bound that replaces the field's own (yard_capacity_teu: <= 1e7 when changed)
    r = row("nodes.<id>.port.yard_capacity_teu")
    assert (r.unit, r.bounds, r.timeline) == ("TEU", "> 0", "set (> 0, <= 1e+07)")
    assert row("nodes.<id>.crossing").description.startswith("the facility of border nodes")
    assert row("demand.flows.<id>.routes").timeline == "shares"
    assert row("horizon.warmup_days").default == "90"
    assert row("timeline[i].date").type == "date"
    assert row("routes.<id>.corridor").bounds.startswith("one of northern, trans_siberian")
    assert row("demand.seasonality").bounds == "exactly 12 entries"
    # every field a timeline may set is marked, and nothing else
    marked = {r.path for r in field_rows() if r.timeline.startswith("set")}
    assert {"links.<id>.train_paths_per_day", "services.<id>.fleet", "fleets.<id>.ships",
            "wagon_pools.<id>.wagons", "nodes.<id>.port.berths"} <= marked
    assert "nodes.<id>.crossing.siding_length_m" not in marked


def test_units_from_names_and_descriptions():
    assert unit_of("customs_dwell_h", "") == "h"
    assert unit_of("length_km", "") == "km"
    assert unit_of("usd_per_feu", "") == "USD per FEU"
    assert unit_of("berths", "berths for the vessel services, count") == "count"
    assert unit_of("value_of_time_usd_per_teu_day", "") == "USD per TEU-day"
    assert unit_of("tonnes_per_teu", "") == "t per TEU"
    assert unit_of("containers_per_year", "") == "boxes per year"
    assert unit_of("name", "the node's full name") == ""


def test_placeholder_paths():
    assert placeholder_path("nodes.dostyk.crossing.cranes") == "nodes.<id>.crossing.cranes"
    assert placeholder_path("timeline[3].date") == "timeline[i].date"
    assert placeholder_path("demand.flows.x.routes") == "demand.flows.<id>.routes"
    assert "nodes.<id>.crossing" in prefixes()


def test_schema_prints_a_prefix(capsys):
    assert main(["schema", "nodes.dostyk.crossing"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Fields under `nodes.<id>.crossing`")
    assert "`nodes.<id>.crossing.cranes`" in out and "`nodes.<id>.port" not in out


def test_schema_on_the_terminal_shows_angle_brackets_the_page_escapes_them(capsys, tmp_path):
    """The page is Markdown rendered as HTML, where '<id>' would vanish as a tag: it
    writes '&lt;'; the terminal shows what the page shows."""
    assert main(["schema", "fleets"]) == 0
    out = capsys.readouterr().out
    assert "| table of <id> -> table |" in out and "| >= 0, <= 500 |" in out
    assert "&lt;" not in out
    assert main(["schema"]) == 0
    assert "&lt;" not in capsys.readouterr().out
    assert main(["schema", "--write", str(tmp_path / "f.md")]) == 0
    page = (tmp_path / "f.md").read_text(encoding="utf-8")
    assert "| >= 0, &lt;= 500 |" in page and "| >= 0, <= 500 |" not in page


def test_schema_json(capsys):
    assert main(["schema", "demand", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    paths = [f["path"] for f in doc["fields"]]
    assert paths[0] == "demand" and "demand.flows.<id>.containers_per_year" in paths
    assert all(p == "demand" or p.startswith("demand.") for p in paths)
    assert main(["schema", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {d["path"] for d in doc["distributions"]} >= {"triangular", "triangular.mode"}


def test_schema_unknown_prefix_is_exit_2_with_a_hint(capsys):
    assert main(["schema", "nodes.dostyk.crossng"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("error: <command line>: PREFIX: unknown field 'nodes.dostyk.crossng' "
                   "(did you mean 'nodes.<id>.crossing'?)")
    assert main(["schema", "demnd"]) == 2
    assert "did you mean 'demand'?" in capsys.readouterr().err


def test_schema_writes_the_page(tmp_path, capsys):
    out = tmp_path / "fields.md"
    assert main(["schema", "--write", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    assert out.read_text(encoding="utf-8") == markdown()
    assert main(["schema", "demand", "--write", str(out)]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: <command line>: --write: writes the whole reference; give no PREFIX with it")
    assert main(["schema", "--write", str(tmp_path / "no" / "f.md")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {tmp_path / 'no' / 'f.md'}: --write: cannot write (")
    assert err.endswith("nothing was written")


def test_schema_help_has_examples(capsys):
    with pytest.raises(SystemExit) as e:
        main(["schema", "--help"])
    assert e.value.code == 0
    assert "corridor schema --write docs/fields.md" in capsys.readouterr().out


def test_every_distribution_field_is_named_a_distribution():
    """However pydantic hands over the annotation (a storm's length came as the bare union
    of the six distributions: 'table or table or ...'), the reference says
    'distribution'."""
    rows = {r.path: r for r in field_rows()}
    assert rows["seas.<id>.weather.duration_h"].type == "distribution"
    assert not [p for p, r in rows.items() if "table or table" in r.type]
