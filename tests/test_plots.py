"""Every kind of result folder turns into its full figure set and report from its files
alone; bad folders give one-line errors and no partial figure set; the map's widths are
the boxes the run routed; the plotting layer never imports the simulation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim import __version__
from sim.cli import main
from sim.plots.calibration import objective_trace
from sim.plots.comparison import percent_ticks

from .conftest import ROOT

HERE = Path(__file__).parent
SEA = HERE / "scenarios" / "toy_sea.toml"
FOUR_MONTHS = ["--set", "horizon.end=2024-05-01"]

RUN_SET = ["corridor_map", "monthly_boxes_by_crossing", "monthly_teu_by_service",
           "queue_by_facility", "throughput_by_crossing", "throughput_by_route",
           "transit_time_by_corridor", "transit_time_by_route", "utilisation_heatmap",
           "yard_by_facility"]
RUN_SET_NO_CONTAINERS = sorted(set(RUN_SET) - {"transit_time_by_corridor"})
COMPARISON_SET = ["forest_plot", "scenario_series"]
CALIBRATION_SET = ["calibration_objective", "calibration_posterior", "calibration_targets"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Small result folders of every kind: two runs of the sea toy (the second with one
    ferry more and no container records), their comparison, and a calibration folder
    written directly."""
    d = tmp_path_factory.mktemp("folders")
    base, other = d / "base", d / "other"
    assert main(["run", str(SEA), "--out", str(base), "--replications", "2", "--workers",
                 "1", "--quiet", *FOUR_MONTHS]) == 0
    assert main(["run", str(SEA), "--out", str(other), "--replications", "2", "--workers",
                 "1", "--quiet", "--no-containers", "--set", "services.ferry.fleet=4",
                 *FOUR_MONTHS]) == 0
    assert main(["compare", str(base), str(other), "--out", str(d / "cmp"), "--quiet"]) == 0
    cal = d / "cal"
    write_calibration(cal)
    return {"run": base, "run_no_containers": other, "comparison": d / "cmp",
            "calibration": cal}


def write_calibration(cal: Path, manifest: bool = True) -> None:
    """A calibration folder as `corridor calibrate --abc` writes it (two parameters,
    two targets, twelve ABC draws)."""
    cal.mkdir(parents=True)
    targets = [
        {"target": "created", "kpi": "containers_created", "period": "2024", "scope": "all",
         "relative_to": None, "unit": "containers", "role": "primary", "weight": 1.0,
         "value": 6000.0, "sigma": 60.0, "simulated_mean": 6030.0, "ci95": [5990.0, 6070.0],
         "values": [6010.0, 6050.0], "residual": 30.0, "z": 0.5, "definition": "d",
         "source": "s"},
        {"target": "dwell", "kpi": "border_dwell_hours_mean", "period": "2024",
         "scope": "gate", "relative_to": None, "unit": "hours", "role": "secondary",
         "weight": 0.0, "value": 30.0, "sigma": 3.0, "simulated_mean": 41.0,
         "ci95": [40.0, 42.0], "values": [40.5, 41.5], "residual": 11.0, "z": 3.7,
         "definition": "d", "source": "s"}]
    (cal / "report.json").write_text(json.dumps({
        "objective": 0.25, "evaluations": 5, "converged": True,
        "parameters": {"scale": 1.01, "customs": 22.0}, "targets": targets}))
    (cal / "evaluations.jsonl").write_text("".join(
        json.dumps({"theta": {"scale": 1 + i / 100, "customs": 22.0}, "objective": 5.0 / (i + 1),
                    "report": targets}) + "\n" for i in range(5)))
    rng = np.random.default_rng(3)
    post = pd.DataFrame({"scale": rng.uniform(0.9, 1.1, 12), "customs": rng.uniform(15, 30, 12)})
    post["objective"] = ((post.scale - 1) * 40) ** 2
    post["accepted"] = post.objective < 4.3
    post.to_parquet(cal / "posterior.parquet", index=False)
    (cal / "posterior.json").write_text(json.dumps({
        "paths": {"scale": ["demand.scale"],
                  "customs": ["nodes.gate.crossing.customs_dwell_h.mean"]},
        "threshold": 4.3, "threshold_published_errors": 3.84,
        "noise": {"replications": 2, "pooled_over_draws": 12, "targets": {
            "created": {"weight": 1.0, "sd": 40.9, "sigma": 60.0, "allowance": 0.232}}},
        "draws": 12, "accepted": int(post.accepted.sum()), "box": 0.2}))
    if manifest:
        (cal / "manifest.json").write_text(json.dumps({
            "kind": "calibration", "bundle_format": 1, "base_scenario": "toy.toml",
            "seed": 1, "replications": 2, "package_version": __version__,
            "parameters": {"scale": {"paths": ["demand.scale"], "low": 0.8, "high": 1.5,
                                     "prior": "uniform"},
                           "customs": {"paths": ["nodes.gate.crossing.customs_dwell_h.mean"],
                                       "low": 10, "high": 40, "prior": "uniform"}},
            "files": []}))


@pytest.mark.parametrize("kind, expected", [
    ("run", RUN_SET), ("run_no_containers", RUN_SET_NO_CONTAINERS),
    ("comparison", COMPARISON_SET), ("calibration", CALIBRATION_SET)])
def test_every_kind_draws_its_full_figure_set(folders, tmp_path, capsys, kind, expected):
    out = tmp_path / "figs"
    assert main(["plot", str(folders[kind]), "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{n}.png" for n in expected)
    for p in out.iterdir():
        data = p.read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 15_000, p.name
    printed = capsys.readouterr().out.split()
    assert sorted(Path(p).name for p in printed) == names


def test_a_calibration_folder_without_a_manifest_is_recognised_by_its_files(tmp_path):
    write_calibration(tmp_path / "old", manifest=False)
    assert main(["plot", str(tmp_path / "old")]) == 0
    assert sorted(p.stem for p in (tmp_path / "old" / "figures").iterdir()) == \
        CALIBRATION_SET


def test_svg_and_pdf(folders, tmp_path):
    assert main(["plot", str(folders["calibration"]), "--out", str(tmp_path / "s"),
                 "--format", "svg"]) == 0
    svg = (tmp_path / "s" / "calibration_targets.svg").read_text()
    assert svg.startswith("<?xml") and "simulated" in svg
    assert main(["plot", str(folders["calibration"]), "--out", str(tmp_path / "p"),
                 "--format", "pdf"]) == 0
    assert (tmp_path / "p" / "calibration_targets.pdf").read_bytes().startswith(b"%PDF")


def test_the_same_folder_draws_the_same_bytes(folders, tmp_path):
    for out in ("a", "b"):
        assert main(["plot", str(folders["calibration"]), "--out", str(tmp_path / out)]) == 0
    for p in (tmp_path / "a").iterdir():
        assert p.read_bytes() == (tmp_path / "b" / p.name).read_bytes(), p.name


def test_the_map_widths_are_the_boxes_routed(folders):
    """The sea toy has one flow on one route: every link and sea passage of its path
    carries, in the map's year, exactly the boxes that left the origin on the route."""
    from sim.io.folders import open_folder
    from sim.plots.kinds import KINDS
    from sim.plots.network_map import map_frames
    f = open_folder(folders["run"], KINDS)
    kpis = f.kpis()
    ts = f.parquet("timeseries.parquet")
    links, nodes = map_frames(f.json("network.json"), kpis, ts, "2024")
    left = kpis[(kpis.name == "containers_by_route") & (kpis.period == "2024")
                & (kpis.scope == "sea")]["mean"].iloc[0]
    assert left > 1000
    assert links.set_index("id")["boxes"].to_dict() == pytest.approx(
        {"alpha_gate": left, "gate_west": left, "ferry": left, "east_omega": left,
         "gate_omega": 0.0})
    assert set(links["mode"]) == {"rail", "sea"}
    u = links.set_index("id")["utilisation"]
    assert 0 < u["alpha_gate"] <= 1 and 0 < u["ferry"] <= 1
    assert set(nodes["kind"]) == {"terminal", "border", "port"}


def test_the_plot_functions_draw_on_the_axes_they_are_given(folders):
    import matplotlib.pyplot as plt

    from sim import plots
    from sim.io.folders import open_folder
    from sim.plots.kinds import KINDS
    f = open_folder(folders["run"], KINDS)
    kpis, ts = f.kpis(), f.parquet("timeseries.parquet")
    for draw, frame in ((plots.throughput_by_route, kpis), (plots.queue_by_facility, ts),
                        (plots.utilisation_heatmap, ts), (plots.monthly_teu_by_service, ts),
                        (plots.transit_time_summary_by_route, kpis)):
        fig, ax = plt.subplots()
        assert draw(frame, ax=ax) is ax
        assert ax.get_title() and (ax.get_xlabel() or ax.get_ylabel()), draw.__name__
        plt.close(fig)


def test_the_plotting_layer_never_imports_the_simulation():
    code = ("import sys, sim.plots.kinds, sim.report\n"
            "bad = [m for m in ('simpy', 'sim.engine.model', 'sim.study.replications')"
            " if m in sys.modules]\nassert not bad, bad")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=ROOT)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("kind", ["run", "comparison", "calibration"])
def test_report_is_one_self_contained_page(folders, tmp_path, kind):
    out = tmp_path / "r.html"
    assert main(["report", str(folders[kind]), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    n_figures = {"run": len(RUN_SET), "comparison": 2, "calibration": 3}[kind]
    assert page.count("src='data:image/png;base64,") == n_figures
    assert "http://" not in page and "https://" not in page and "url(" not in page
    if kind == "run":  # the interactive map: inline SVG, its data and its script
        assert page.count("<svg id='cmap'") == 1 and page.count("<figure class='ichart'") == 2
        assert page.count("<script") == 5  # the map's data and code, two charts' data, their code
        assert "<path class='land' d='M" in page and "Natural Earth" in page
        assert " src=" not in page.replace(" src='data:image/png;base64,", "")
    else:
        assert "<script" not in page and "<svg" not in page
    assert page.count("<table") >= 3
    if kind == "run":
        assert "toy_sea" in page and "2 replication(s)" in page and f"corridor-sim {__version__}" in page
        assert "<td>boxes created</td>" in page
    if kind == "calibration":
        assert "<th>accepted ABC draws</th>" in page and "<td>0.8 .. 1.5</td>" in page
        # the fit's objective and the ABC's acceptance, as the command printed them
        assert ("0.25 (the weighted sum of squared z-scores) after 5 evaluations; "
                "converged") in page
        assert ("6 of 12 draws kept (objective within the 95 % threshold "
                "4.3), drawn within ±0.2 of each parameter&#x27;s range around the "
                "fit") in page
        # what the threshold allows for: the simulation's noise besides the published errors
        assert ("3.84 from the published standard errors, raised 12% for the simulation"
                "&#x27;s noise in the mean of 2 replications: each target&#x27;s weight "
                "times 1 + s² / (R SE²), s its sd between replications pooled over the "
                "draws (s² / (R SE²): created 0.23)") in page


def test_the_report_of_an_older_calibration_says_what_its_threshold_counts(tmp_path):
    """A posterior written before the threshold allowed for the simulation's noise,
    and one of one replication per evaluation (no estimate of it)."""
    write_calibration(tmp_path / "cal")
    post = json.loads((tmp_path / "cal" / "posterior.json").read_text())
    for fields, said in (
            (("threshold_published_errors", "noise"), "the published standard errors alone "
             "(written before the threshold allowed for the simulation&#x27;s noise)"),
            (("noise",), "3.84 from the published standard errors alone (one replication "
             "per evaluation gives no estimate of the simulation&#x27;s noise)")):
        (tmp_path / "cal" / "posterior.json").write_text(json.dumps(
            {k: v for k, v in post.items() if k not in fields}))
        assert main(["report", str(tmp_path / "cal"), "--out", str(tmp_path / "r.html")]) == 0
        assert said in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_report_default_is_inside_the_folder_and_does_not_block_a_rerun(tmp_path):
    out = tmp_path / "r"
    assert main(["run", str(HERE / "scenarios" / "toy.toml"), "--out", str(out), "--quiet",
                 "--no-containers"]) == 0
    assert main(["report", str(out)]) == 0
    assert main(["plot", str(out)]) == 0
    assert (out / "report.html").exists() and (out / "figures").is_dir()
    # a run folder with its report and figures is still replaced by a new run
    assert main(["run", str(HERE / "scenarios" / "toy.toml"), "--out", str(out), "--quiet",
                 "--no-containers"]) == 0
    assert not (out / "report.html").exists()


def test_bands_are_t_intervals_over_replications():
    """Weekly means per replication, then their mean and 95 % t-interval: with two
    replications at 1 and 3 the band is 2 ± 12.706 x 1."""
    from sim.plots.style import period_band
    days = pd.date_range("2024-01-01", periods=7, freq="D")  # one week, Monday to Sunday
    frame = pd.DataFrame({"date": np.tile(days, 2), "facility": "gate",
                          "value": np.r_[np.full(7, 1.0), np.full(7, 3.0)],
                          "replication": np.repeat([0, 1], 7)})
    band = period_band(frame, "W", "mean")["gate"].iloc[0]
    assert band["mean"] == 2.0
    assert band["low"] == pytest.approx(2 - 12.7062047, abs=1e-6)
    assert band["high"] == pytest.approx(2 + 12.7062047, abs=1e-6)
    total = period_band(frame, "W", "sum")["gate"].iloc[0]
    assert total["mean"] == 14.0 and np.isfinite(total["low"])
    one = period_band(frame[frame.replication == 0], "W", "mean")["gate"].iloc[0]
    assert one["mean"] == 1.0 and np.isnan(one["low"])


def test_transit_figures_count_the_boxes_still_in_transit():
    """Boxes still in transit are drawn (time so far) and counted per replication; the
    summary from the KPIs names them by corridor."""
    import pandas as pd

    from sim.plots.run import transit_time_by_corridor, transit_time_summary_by_route
    t0 = pd.Timestamp("2024-01-01")
    created = [t0 + pd.Timedelta(days=d) for d in (0, 1, 2, 3, 300, 0, 1, 2, 3, 300)]
    delivered = [t0 + pd.Timedelta(days=d) for d in (10, 12, 250, 14)] + [pd.NaT] + \
        [t0 + pd.Timedelta(days=d) for d in (11, 12, 250, 15)] + [pd.NaT]
    c = pd.DataFrame({"route": ["r"] * 10, "corridor": ["middle_corridor"] * 10,
                      "created": created, "delivered": delivered,
                      "replication": [0] * 5 + [1] * 5})
    ax = transit_time_by_corridor(c, pd.Timestamp("2025-01-01"))
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["middle_corridor: 4 delivered",
                      "middle_corridor: 1 still in transit (time so far)"]
    assert "(counts per replication)" in ax.get_title()
    k = pd.DataFrame({"name": ["transit_time_days_mean", "transit_time_days_p95",
                               "containers_by_route", "containers_in_transit_at_end"],
                      "period": ["2024", "2024", "2024", "run"],
                      "scope": ["r", "r", "r", "middle_corridor"], "unit": "",
                      "mean": [12.0, 20.0, 100.0, 1234.0]})
    ax = transit_time_summary_by_route(k)
    assert "still in transit at the end, by corridor: middle_corridor 1,234" in ax.get_title()


def test_the_map_key_lists_only_the_kinds_on_the_map():
    import matplotlib.pyplot as plt

    from sim.plots.network_map import map_legend
    fig, ax = plt.subplots()
    try:
        map_legend(ax, 100_000.0, kinds={"border", "terminal"})
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert "border crossing" in labels and "terminal" in labels
        assert "port" not in labels and "inland dry port" not in labels
        ax.clear()
        map_legend(ax, 100_000.0)  # no kinds given: the whole registry
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert {"port", "inland dry port", "junction"} <= set(labels)
    finally:
        plt.close(fig)


@pytest.mark.parametrize("lo, hi, ticks", [
    (-47.0, 52.0, [-30, -10, -3, -1, 0, 1, 3, 10, 30]),  # ±47 %: read against ±30
    (-0.4, 0.6, [0]),                                     # inside the linear part
    (-5.0, 250.0, [-3, -1, 0, 1, 3, 10, 30, 100]),
    (-4e5, 4e5, [-1e5, -1e4, -1e3, -100, -10, -1, 0, 1, 10, 100, 1e3, 1e4, 1e5]),  # crowded
    (-2e11, 2e11, [-1e10, -1e8, -1e6, -1e4, -100, -1, 0, 1, 100, 1e4, 1e6, 1e8, 1e10]),
])
def test_the_forest_plot_ticks_reach_the_changes_it_shows(lo, hi, ticks):
    assert percent_ticks(lo, hi) == ticks


@pytest.mark.parametrize("objectives, shown", [
    ([15.4, 26.8, 44.9], {"20", "30", "40"}),      # within a decade: the minor ticks
    ([6.3, 102.0, 10.5, 6.4], {"10", "100"}),      # over a decade: the decades
])
def test_the_objective_axis_reads_as_plain_numbers(objectives, shown):
    """Its log axis read '$\\mathdefault{10^{2}}$': the style shows text as written."""
    ax = objective_trace(pd.DataFrame({"objective": objectives}))
    ax.figure.canvas.draw()
    labels = {t.get_text() for t in ax.get_yticklabels(minor=False)
              + ax.get_yticklabels(minor=True)} - {""}
    plt.close(ax.figure)
    assert shown <= labels and not any("$" in t for t in labels)
