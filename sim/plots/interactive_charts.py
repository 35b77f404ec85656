"""Interactive monthly charts of a run folder, for its report page beside the interactive
map: inline SVG lines (one per crossing or vessel service, the same monthly sums as the
static ``monthly_boxes_by_crossing`` and ``monthly_teu_by_service``) and plain
JavaScript that shows every line's value for the month under the pointer. Nothing is
loaded from elsewhere."""

from __future__ import annotations

import html
import json

import numpy as np
import pandas as pd

from sim.plots.style import monthly_mean_over_replications

W, H = 900.0, 300.0  # the SVG's user units
LEFT, RIGHT, TOP, BOTTOM = 64.0, 32.0, 12.0, 34.0
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]

CHARTS = [("crossing", "boxes_arrived", "Boxes arriving at each border crossing, by month",
           "boxes"),
          ("service", "teu_sailed", "TEU sailed by each vessel service and direction, by month",
           "TEU")]


def monthly(ts: pd.DataFrame, kind: str, metric: str) -> pd.DataFrame:
    """Months x facilities (mean over replications of the monthly sums), the facilities
    with any count, largest first."""
    got = ts[(ts["kind"] == kind) & (ts["metric"] == metric)]
    if got.empty:
        return pd.DataFrame()
    m = monthly_mean_over_replications(got, "sum").fillna(0.0)
    totals = m.sum().sort_values(ascending=False)
    return m[[f for f in totals.index if totals[f] > 0]]


def chart_html(cid: str, frame: pd.DataFrame, title: str, unit: str) -> str:
    """One chart: a figure with the SVG, its legend and its data for the script."""
    from matplotlib.ticker import MaxNLocator
    months = [d.strftime("%Y-%m") for d in frame.index]
    top = float(frame.to_numpy().max()) if frame.size else 1.0
    ticks = [t for t in MaxNLocator(5).tick_values(0, top or 1.0) if t >= 0]
    ymax = max(ticks[-1], top) or 1.0
    n = len(months)

    def x(i):
        return LEFT + (W - LEFT - RIGHT) * (i / (n - 1) if n > 1 else 0.5)

    def y(v):
        return TOP + (H - TOP - BOTTOM) * (1 - np.asarray(v, float) / ymax)
    out = [f"<figure class='ichart' id='{cid}'><figcaption><b>{html.escape(title)}</b> "
           f"({html.escape(unit)} per month, mean over replications; point at the chart "
           "for the month's figures)</figcaption>",
           f"<div class='ichart-wrap'><svg viewBox='0 0 {W:.0f} {H:.0f}' role='img' "
           f"aria-label='{html.escape(title)}'>"]
    for t in ticks:
        out.append(f"<line class='grid' x1='{LEFT}' x2='{W - RIGHT}' y1='{y(t):.1f}' "
                   f"y2='{y(t):.1f}'/><text class='ytick' x='{LEFT - 6}' y='{y(t) + 4:.1f}'>"
                   f"{t:,.0f}</text>")
    step = max(1, -(-n // 12))
    for i in range(0, n, step):
        out.append(f"<text class='xtick' x='{x(i):.1f}' y='{H - BOTTOM + 16:.1f}'>"
                   f"{months[i]}</text>")
    for k, col in enumerate(frame.columns):
        pts = " ".join(f"{x(i):.1f},{v:.1f}" for i, v in enumerate(y(frame[col])))
        out.append(f"<polyline class='series' points='{pts}' "
                   f"stroke='{COLOURS[k % len(COLOURS)]}'/>")
    out += [f"<line class='guide' x1='0' x2='0' y1='{TOP}' y2='{H - BOTTOM}'/>",
            f"<rect class='hover' x='{LEFT}' y='{TOP}' width='{W - LEFT - RIGHT}' "
            f"height='{H - TOP - BOTTOM}'/></svg><div class='ichart-tip'></div></div>"]
    out.append("<p class='ichart-key'>" + " ".join(
        f"<span><i style='background:{COLOURS[k % len(COLOURS)]}'></i>"
        f"{html.escape(str(c))}</span>" for k, c in enumerate(frame.columns)) + "</p>")
    data = {"months": months, "unit": unit, "x0": x(0), "x1": x(n - 1),
            "series": [{"name": str(c), "colour": COLOURS[k % len(COLOURS)],
                        "values": [round(float(v), 1) for v in frame[c]]}
                       for k, c in enumerate(frame.columns)]}
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    out.append(f"<script type='application/json' class='ichart-data'>{payload}</script>")
    out.append("</figure>")
    return "\n".join(out)


CSS = """
.ichart { margin: 1.5em 0; } .ichart-wrap { position: relative; }
.ichart svg { width: 100%; height: auto; display: block; }
.ichart .grid { stroke: #e3e3e3; } .ichart .series { fill: none; stroke-width: 1.8; }
.ichart text { font-size: 11px; fill: #444; } .ichart .ytick { text-anchor: end; }
.ichart .xtick { text-anchor: middle; }
.ichart .guide { stroke: #555; stroke-dasharray: 3 3; visibility: hidden; }
.ichart .hover { fill: transparent; cursor: crosshair; }
.ichart-tip { position: absolute; display: none; background: rgba(255, 255, 255, 0.97);
              border: 1px solid #888; padding: 0.3em 0.6em; font-size: 0.8em;
              pointer-events: none; white-space: nowrap; z-index: 2; }
.ichart-tip i, .ichart-key i { display: inline-block; width: 0.8em; height: 0.8em;
              margin-right: 0.3em; vertical-align: middle; }
.ichart-key { font-size: 0.8em; } .ichart-key span { margin-right: 1em; }
"""

# for each chart: the month nearest the pointer, a guide line there, and every series'
# value in a tooltip (built with textContent only)
SCRIPT = """
(function () {
  document.querySelectorAll('.ichart').forEach(function (fig) {
    var data = JSON.parse(fig.querySelector('.ichart-data').textContent);
    var svg = fig.querySelector('svg'), guide = fig.querySelector('.guide');
    var tip = fig.querySelector('.ichart-tip'), wrap = fig.querySelector('.ichart-wrap');
    var n = data.months.length;
    function at(e) {
      var p = svg.createSVGPoint();
      p.x = e.clientX; p.y = e.clientY;
      var u = p.matrixTransform(svg.getScreenCTM().inverse());
      var i = n > 1 ? Math.round((u.x - data.x0) / (data.x1 - data.x0) * (n - 1)) : 0;
      return Math.max(0, Math.min(n - 1, i));
    }
    fig.querySelector('.hover').addEventListener('mousemove', function (e) {
      var i = at(e), gx = n > 1 ? data.x0 + (data.x1 - data.x0) * i / (n - 1) : data.x0;
      guide.setAttribute('x1', gx); guide.setAttribute('x2', gx);
      guide.style.visibility = 'visible';
      tip.textContent = '';
      var head = document.createElement('b');
      head.textContent = data.months[i] + ' (' + data.unit + ')';
      tip.appendChild(head);
      data.series.slice().sort(function (a, b) { return b.values[i] - a.values[i]; })
        .forEach(function (s) {
          var row = document.createElement('div'), key = document.createElement('i');
          key.style.background = s.colour;
          row.appendChild(key);
          row.appendChild(document.createTextNode(
            s.name + ': ' + Math.round(s.values[i]).toLocaleString('en')));
          tip.appendChild(row);
        });
      tip.style.display = 'block';
      var box = wrap.getBoundingClientRect();
      var left = e.clientX - box.left + 14;
      if (left + tip.offsetWidth > box.width) {
        left = e.clientX - box.left - tip.offsetWidth - 14;
      }
      tip.style.left = Math.max(0, left) + 'px';
      tip.style.top = Math.max(0, e.clientY - box.top - tip.offsetHeight / 2) + 'px';
    });
    fig.querySelector('.hover').addEventListener('mouseleave', function () {
      tip.style.display = 'none'; guide.style.visibility = 'hidden';
    });
  });
})();
"""


def interactive_charts(ts: pd.DataFrame) -> list[str]:
    """The charts of the daily series that has them (none when it has neither)."""
    charts = []
    for k, (kind, metric, title, unit) in enumerate(CHARTS):
        frame = monthly(ts, kind, metric)
        if not frame.empty:
            charts.append(chart_html(f"ichart{k}", frame, title, unit))
    if not charts:
        return []
    return [f"<style>{CSS}</style>", *charts, f"<script>{SCRIPT}</script>"]
