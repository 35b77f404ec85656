"""The report's interactive map in a real browser: headless Chromium (Debian's
``chromium``, driven through Playwright) opens a run folder's report with the network off
and every request outside the file refused; the test fails on any console error or page
error, on a request that tries to leave the file, on a blank map (no land, lakes or links
of non-zero size), and when pointing at a link shows no tooltip with its figures.

The screenshots of the map and of a monthly chart with their tooltips showing are kept in
``results/test-artifacts/report-map.png`` and ``report-chart.png`` (git-ignored; rewritten
by each run).

Without Chromium or Playwright the test is skipped with the reason, unless
``CORRIDOR_REQUIRE_BROWSER=1`` (set by ``make test``, which installs Chromium when it is
missing): then it fails instead, so ``make test`` never skips it silently."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sim.cli import main

from .conftest import ROOT

HERE = Path(__file__).parent
CHROMIUM = os.environ.get("CORRIDOR_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "results" / "test-artifacts"
# flags that keep Chromium off the network and out of the user's profile (Playwright
# adds --headless itself; the fresh --user-data-dir is the persistent context's folder)
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _browser_or_skip():
    why = None
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        why = f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            why = "Playwright is not installed (pip install -e '.[test]')"
        else:
            return sync_playwright
    if os.environ.get("CORRIDOR_REQUIRE_BROWSER") == "1":
        pytest.fail(f"the browser test is required (CORRIDOR_REQUIRE_BROWSER=1): {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def playwright():
    """Playwright's entry point, or the skip (or failure) that says what is missing;
    before the run below, so that a skip costs nothing."""
    return _browser_or_skip()


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """The report of a small run of the sea toy (two replications, four months)."""
    d = tmp_path_factory.mktemp("browser")
    assert main(["run", str(HERE / "scenarios" / "toy_sea.toml"), "--out", str(d / "run"),
                 "--replications", "2", "--workers", "1", "--quiet", "--no-containers",
                 "--set", "horizon.end=2024-05-01"]) == 0
    assert main(["report", str(d / "run"), "--out", str(d / "report.html")]) == 0
    return d / "report.html"


def test_a_link_shows_the_kpis_of_its_own_direction(report):
    """Without a browser: each direction's row of a link's tooltip starts with the
    utilisation KPI of that direction's scope (mean [95 % interval]), the ferry's with its
    fleet's, and the page carries the same rows."""
    import json

    from sim.io.folders import open_folder
    from sim.plots.interactive import tooltips
    from sim.plots.kinds import KINDS
    from sim.plots.network_map import map_frames
    f = open_folder(report.parent / "run", KINDS)
    kpis = f.kpis()
    links, nodes = map_frames(f.json("network.json"), kpis, f.parquet("timeseries.parquet"),
                              "2024")
    tips, _ = tooltips(links, nodes, kpis, "2024", {"ferry": "ferry"})
    k = kpis[kpis["period"] == "2024"].set_index(["name", "scope"])

    def pct(name, scope):
        row = k.loc[(name, scope)]
        got = [f"{100 * row[c]:.0f} %" for c in ("mean", "ci95_low", "ci95_high")]
        return got[0] if got[1] == got[2] else f"{got[0]} [{got[1]}, {got[2]}]"
    checked = 0
    for link, tip in zip(links.itertuples(index=False), tips):
        rows = dict(map(tuple, tip["rows"]))
        assert rows["boxes routed in 2024 (both ways)"] == f"{link.boxes:,.0f}"
        for scope in link.scopes:
            if ("utilisation", scope) in k.index:
                a, b = scope.split(":")[1].split(">")
                name = nodes.set_index("id")["label"]
                assert rows[f"{name[a]} → {name[b]}"].startswith(
                    "utilisation " + pct("utilisation", scope)), (scope, rows)
                checked += 1
        if link.mode == "sea":
            assert tip["title"].endswith("(sea, ferry)")
            assert rows["fleet utilisation (time not idle)"] == pct("vessel_utilisation",
                                                                   link.id)
            checked += 1
    assert checked >= 4
    page = report.read_text(encoding="utf-8")
    data = page.split("<script type='application/json' id='cmap-data'>")[1].split(
        "</script>")[0]
    assert json.loads(data)["links"] == tips
    # the crossings' chart: the boxes of each month, the mean over the two replications
    chart = json.loads(page.split("<script type='application/json' class='ichart-data'>")[1]
                       .split("</script>")[0])
    ts = f.parquet("timeseries.parquet")
    arrived = ts[(ts["kind"] == "crossing") & (ts["metric"] == "boxes_arrived")]
    by_month = arrived.groupby(arrived["date"].dt.strftime("%Y-%m"))["value"].sum() / 2
    assert chart["months"] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    (gate,) = chart["series"]
    assert gate["name"] == "gate" and sum(gate["values"]) > 5000
    assert gate["values"] == pytest.approx(by_month.to_list(), abs=0.06)


def test_the_interactive_map_works_offline_in_chromium(playwright, report, tmp_path):
    sync_playwright = playwright
    problems: list[str] = []
    left: list[str] = []
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            offline=True, viewport={"width": 1200, "height": 900})
        try:
            def refuse(route):
                if not route.request.url.startswith(("file:", "data:", "about:")):
                    left.append(route.request.url)
                    route.abort()
                else:
                    route.continue_()
            context.route("**/*", refuse)
            page = context.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            sizes = page.evaluate("""() => {
                const area = (sel) => Array.from(document.querySelectorAll(sel)).map(e => {
                    const b = e.getBBox(); return b.width * b.height; });
                return {land: area('#cmap path.land'), lake: area('#cmap path.lake'),
                        border: area('#cmap path.border'), link: area('#cmap line.hit'),
                        nodes: document.querySelectorAll('#cmap .node').length};
            }""")
            assert sizes["land"] and min(sizes["land"]) > 1000, sizes  # not a blank map
            assert sizes["lake"] and min(sizes["lake"]) > 1000, sizes  # the Caspian
            assert sizes["border"] and min(sizes["border"]) > 0, sizes
            assert len(sizes["link"]) == 5 and sizes["nodes"] == 5, sizes
            tip = page.locator("#cmap-tip")
            assert not tip.is_visible()
            # point at the middle of the busiest link (drawn last, on top)
            hit = page.locator("#cmap line.hit").last
            hit.scroll_into_view_if_needed()
            box = hit.bounding_box()
            assert box is not None
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            assert tip.is_visible()
            text = tip.inner_text()
            assert "boxes routed in 2024" in text and "utilisation" in text, text
            assert "→" in text, text  # a row for each direction
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / "report-map.png"
            page.locator("#cmap-wrap").screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            page.mouse.move(1, 1)
            assert not tip.is_visible()
            # the monthly chart of the crossings: its tooltip names the month and the line
            chart = page.locator("#ichart0 .hover")
            chart.scroll_into_view_if_needed()
            box = chart.bounding_box()
            assert box is not None
            page.mouse.move(box["x"] + box["width"] * 0.98, box["y"] + box["height"] / 2)
            chart_tip = page.locator("#ichart0 .ichart-tip")
            assert chart_tip.is_visible()
            assert chart_tip.inner_text().startswith("2024-04 (boxes)\ngate: ")
            page.locator("#ichart0").screenshot(path=str(ARTIFACTS / "report-chart.png"))
        finally:
            context.close()
    assert not left, f"the page tried the network: {left}"
    assert not problems, problems
