"""What a sweep found to matter most, with its inputs' sources (sim.io.drivers): in the
sweep's own report, and in a run's report with ``corridor report RUN --sweep SWEEP``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.io.drivers import top_drivers
from sim.io.manifest import read_manifest

TOY = (Path(__file__).parent / "scenarios" / "toy.toml").resolve()

MINE = f"""extends = "{TOY}"
name = "mine"

[demand.flows.west]
containers_per_year = 36500    # GK-unverified: a round figure

[nodes.gate.crossing]
cranes = 2                     # corridor-facts §2.1 (two gangs)
customs_dwell_h = {{ dist = "lognormal", mean = 24, cv = 0.5 }}   # assumption: a day
"""

SPEC = """scenario = "mine.toml"
method = "oat"
samples = 2
replications = 2
seed = 3
outputs = ["transit_containers_china_central_asia", "border_dwell_hours_mean:gate@2024"]

[[parameters]]
name = "demand"
path = "demand.flows.west.containers_per_year"
low = 20000
high = 50000    # assumption: a test range

[[parameters]]
name = "cranes"
path = "nodes.gate.crossing.cranes"
low = 1
high = 3        # assumption: a test range

[[parameters]]
name = "customs"
path = "nodes.gate.crossing.customs_dwell_h.mean"
low = 12
high = 48       # assumption: a test range

[[parameters]]
name = "crane speed"
path = "nodes.gate.crossing.crane_moves_per_h"
low = 30
high = 50       # assumption: a test range
"""

KIND = {"demand": "unverified", "cranes": "sourced", "customs": "assumption",
        "crane speed": "uncited"}   # crane speed: set in toy.toml, the parent, uncited


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    d = tmp_path_factory.mktemp("drivers")
    (d / "mine.toml").write_text(MINE, encoding="utf-8")
    (d / "spec.toml").write_text(SPEC, encoding="utf-8")
    # a scenario that extends the sweep's base: the sweep speaks for its inputs too
    (d / "child.toml").write_text('extends = "mine.toml"\nname = "child"\n', encoding="utf-8")
    assert main(["sweep", str(d / "spec.toml"), "--out", str(d / "sweep"), "--workers",
                 "1", "--quiet"]) == 0
    assert main(["analyze", str(d / "sweep"), "--quiet"]) == 0
    return d


def test_top_drivers_ranked_by_the_swing_with_their_sources(swept):
    man = read_manifest(swept / "sweep" / "sweep.json")
    indices = pd.read_csv(swept / "sweep" / "indices.csv")
    t = top_drivers(man, indices)
    for out in ("transit_containers_china_central_asia", "border_dwell_hours_mean:gate@2024"):
        mine = t[t.output == out]
        swing = indices[(indices.output == out) & (indices["index"] == "swing")]
        want = swing.reindex(swing.value.abs().sort_values(ascending=False).index)
        assert list(mine.parameter) == list(want.parameter[:3]), out
        assert list(mine["rank"]) == [1, 2, 3]
        for _, r in mine.iterrows():
            assert r.source == KIND[r.parameter], r.parameter
            v = want.set_index("parameter").loc[r.parameter]
            assert r["value [95 % CI]"].startswith(f"{v.value:+,.0f}" if abs(v.value) >= 100
                                                   else f"{v.value:+.3g}")
    # the demand drives the boxes counted; its citation says where it is written
    first = t[t.output == "transit_containers_china_central_asia"].iloc[0]
    assert first.parameter == "demand"
    assert first.citation == "mine.toml:5: GK-unverified: a round figure"
    speed = t[t.parameter == "crane speed"]
    assert speed.empty or speed.citation.iloc[0].startswith("toy.toml:")


def test_the_sweeps_report_names_its_top_drivers(swept):
    assert main(["report", str(swept / "sweep")]) == 0
    html = (swept / "sweep" / "report.html").read_text(encoding="utf-8")
    assert "What matters most: the top 3 drivers of each output (oat swing" in html
    assert "GK-unverified: a round figure" in html and "<td>unverified</td>" in html


def test_a_runs_report_shows_the_sweep_of_its_base(swept, capsys):
    run = swept / "run-child"
    assert main(["run", str(swept / "child.toml"), "--out", str(run), "--no-containers"]) == 0
    assert main(["report", str(run)]) == 0
    assert "What matters most" not in (run / "report.html").read_text(encoding="utf-8")
    assert main(["report", str(run), "--sweep", str(swept / "sweep")]) == 0
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "What matters most: the top 3 drivers" in html
    assert "mine.toml:5: GK-unverified: a round figure" in html
    capsys.readouterr()


def test_a_sweep_of_another_scenario_is_refused(swept, capsys):
    run = swept / "run-toy"
    assert main(["run", str(TOY), "--out", str(run), "--no-containers"]) == 0
    capsys.readouterr()
    assert main(["report", str(run), "--sweep", str(swept / "sweep")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {swept / 'sweep'}: --sweep: its base scenario '")
    assert "mine.toml' is not the run's scenario nor one it extends (" in err
    assert not (run / "report.html").exists()
    assert main(["report", str(run), "--sweep", str(run)]) == 2
    assert f"error: {run}: --sweep: is a run folder, not a sweep (give a folder written " \
        "by 'corridor sweep')" in capsys.readouterr().err
    assert main(["report", str(swept / "sweep"), "--sweep", str(swept / "sweep")]) == 2
    assert "--sweep: shows a sweep's drivers in a run's report; " in capsys.readouterr().err


def test_a_sweep_made_from_another_working_directory_finds_its_base(swept, tmp_path,
                                                                      monkeypatch):
    """The manifest recorded the spec's path as given, relative to where the sweep was
    run: from anywhere else the report could not find the base scenario ('the base
    scenario file is not at hand') nor its citations. It records it resolved."""
    monkeypatch.chdir(swept)
    assert main(["sweep", "spec.toml", "--out", "relative", "--workers", "1",
                 "--quiet"]) == 0
    man = read_manifest(swept / "relative" / "sweep.json")
    assert man["spec_path"] == str((swept / "spec.toml").resolve())
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(swept / "relative")]) == 0
    html = (swept / "relative" / "report.html").read_text(encoding="utf-8")
    assert "GK-unverified: a round figure" in html and "not at hand" not in html
