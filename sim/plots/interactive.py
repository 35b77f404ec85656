"""The interactive corridor map of a run folder, for its report page: inline SVG (the
basemap, the links drawn as on the static map, the nodes) and a few lines of plain
JavaScript that show a link's or a node's figures when the pointer is over it (or it has
the keyboard focus). Nothing is loaded from elsewhere: the page works offline."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.io.folders import Folder
from sim.plots.interactive_charts import interactive_charts
from sim.plots.network_map import attribution, basemap, last_year_frames, link_width
from sim.plots.style import UTILISATION_CMAP
from sim.scenario.kinds import NODE_KINDS

WIDTH = 1000.0  # the SVG's user units across
PX_PER_POINT = WIDTH / (11 * 72)  # the static map is 11 inches wide

Fmt = Callable[[float], str]


def _pct(v: float) -> str:
    return f"{100 * v:.0f} %"


def _num(v: float) -> str:
    return f"{v:,.0f}"


def _one(v: float) -> str:
    return f"{v:,.1f}"


# what the tooltip shows: (KPI name, label, format)
# a link's direction is one row: its figures joined ("{}" is where the value goes)
RAIL_DIRECTION: list[tuple[str, str, Fmt]] = [
    ("utilisation", "utilisation {}", _pct),
    ("queue_trains_mean", "· {} trains waiting for a path", _one),
    ("queue_trains_peak", "(peak {})", _num),
    ("link_trains_total", "· {} trains in all", _num)]
SEA_SERVICE: list[tuple[str, str, Fmt]] = [
    ("vessel_utilisation", "fleet utilisation (time not idle)", _pct)]
SEA_DIRECTION: list[tuple[str, str, Fmt]] = [
    ("teu_by_service", "{} TEU of the modelled boxes carried", _num),
    ("sailings_by_service", "· {} sailings", _num),
    ("vessel_fill_rate", "· they fill {} of the usable space", _pct),
    ("vessel_load_rate", "(everything aboard: {})", _pct)]
# a node shows those of its kind's KPIs (the registry's row) that are named here, in order
NODE_KPIS: list[tuple[str, str, Fmt]] = [
    ("containers_by_crossing", "boxes arriving", _num),
    ("caspian_teu", "TEU across the Caspian", _num),
    ("utilisation", "crane utilisation", _pct),
    ("queue_trains_mean", "trains waiting, mean", _one),
    ("queue_trains_peak", "trains waiting, peak", _num),
    ("border_dwell_hours_mean", "dwell of a box, hours", _one),
    ("port_dwell_hours_mean", "dwell of a box, hours", _one),
    ("port_consolidation_hours_mean", "of it waiting for the vessel or train, hours", _one),
    ("yard_utilisation", "yard utilisation", _pct),
    ("closure_hours", "hours closed", _num)]


def _value(k: pd.DataFrame, name: str, scope: str, fmt: Fmt) -> str | None:
    """The KPI's mean in ``fmt``, with its 95 % interval when the folder has one; None
    when the folder has no such KPI."""
    try:
        row = k.loc[(name, scope)]
    except KeyError:
        return None
    mean = float(row["mean"])
    if not math.isfinite(mean):
        return "–"
    lo, hi = (float(row.get("ci95_low", math.nan)), float(row.get("ci95_high", math.nan)))
    if math.isfinite(lo) and math.isfinite(hi) and fmt(lo) != fmt(hi):
        return f"{fmt(mean)} [{fmt(lo)}, {fmt(hi)}]"
    return fmt(mean)


def _rows(k: pd.DataFrame, spec, scope: str) -> list[list[str]]:
    out = []
    for name, label, fmt in spec:
        got = _value(k, name, scope, fmt)
        if got is not None:
            out.append([label, got])
    return out


def _direction(k: pd.DataFrame, spec, scope: str, name: str) -> list[list[str]]:
    """One row for a link's direction: its figures in a line (none: no row)."""
    got = [(label, _value(k, kpi, scope, fmt)) for kpi, label, fmt in spec]
    text = " ".join(label.format(v) for label, v in got if v is not None)
    return [[name, text.lstrip("· ")]] if text else []


def tooltips(links: pd.DataFrame, nodes: pd.DataFrame, kpis: pd.DataFrame,
             year: str, vessels: dict[str, str] | None = None
             ) -> tuple[list[dict], list[dict]]:
    """What hovering each link and node shows: a title and rows of (label, value), from
    the KPIs of ``year`` (mean, and its 95 % interval over replications when there is
    one). ``vessels``: a sea link's kind of vessel by its id (ferry, feeder, tanker)."""
    vessels = vessels or {}
    k = kpis[kpis["period"] == year].drop_duplicates(["name", "scope"]).set_index(
        ["name", "scope"])
    label = nodes.set_index("id")["label"]
    out_links = []
    for row in links.itertuples(index=False):
        a, b = label[row[links.columns.get_loc("from")]], label[row.to]
        rows = [[f"boxes routed in {year} (both ways)", _num(row.boxes)
                 if math.isfinite(row.boxes) else "–"]]
        if row.mode == "sea":
            rows += _rows(k, SEA_SERVICE, row.id)
            for scope, (x, y) in zip(row.scopes, ((a, b), (b, a))):
                rows += _direction(k, SEA_DIRECTION, scope, f"{x} → {y}")
        else:
            for scope in row.scopes:
                ends = scope.split(":")[-1].split(">")
                x, y = (label.get(e, e) for e in ends) if len(ends) == 2 else (a, b)
                rows += _direction(k, RAIL_DIRECTION, scope, f"{x} → {y}")
        how = ", ".join(x for x in (row.mode, vessels.get(row.id)) if x)
        out_links.append({"title": f"{a} – {b} ({how})", "rows": rows})
    out_nodes = []
    for row in nodes.itertuples(index=False):
        kind = NODE_KINDS.get(row.kind)
        # the KPIs of its kind's row, and the hours closed of a kind that may close
        own = {*kind.kpis, *(["closure_hours"] if kind.closable else [])} if kind else set()
        out_nodes.append({"title": f"{row.label} ({kind.label if kind else row.kind})",
                          "rows": _rows(k, [x for x in NODE_KPIS if x[0] in own], row.id)})
    return out_links, out_nodes


class _Projection:
    """Equirectangular, as the static map: x east, y south, a degree of longitude
    shortened by the cosine of the middle latitude."""

    def __init__(self, extent):
        self.lon0, self.lon1, self.lat0, self.lat1 = extent
        self.squeeze = math.cos(math.radians((self.lat0 + self.lat1) / 2))
        self.scale = WIDTH / ((self.lon1 - self.lon0) * self.squeeze)
        self.height = (self.lat1 - self.lat0) * self.scale

    def xy(self, lon, lat):
        return ((np.asarray(lon, float) - self.lon0) * self.squeeze * self.scale,
                (self.lat1 - np.asarray(lat, float)) * self.scale)

    def path(self, rings, closed: bool = True) -> str:
        parts = []
        for r in rings:
            a = np.asarray(r, float)
            if not ((a[:, 0].max() >= self.lon0) & (a[:, 0].min() <= self.lon1)
                    & (a[:, 1].max() >= self.lat0) & (a[:, 1].min() <= self.lat1)):
                continue  # wholly outside the map
            x, y = self.xy(a[:, 0], a[:, 1])
            pts = " ".join(f"{u:.1f},{v:.1f}" for u, v in zip(x, y))
            parts.append(f"M{pts}{'Z' if closed else ''}")
        return "".join(parts)


def _colour(u: float, idle: bool) -> str:
    import matplotlib as mpl
    if idle or not math.isfinite(u):
        return "#b8b8b8"
    return mpl.colors.to_hex(mpl.colormaps[UTILISATION_CMAP](min(max(u, 0.0), 1.0)))


def _marker(sym, x: float, y: float, tip: str, title: str) -> str:
    """A node's symbol as the static map draws its kind (square, triangle, diamond or
    dot), focusable, with its tooltip's key and a title."""
    r = math.sqrt(sym.size) * 0.8 if sym is not None else 2.0
    colour = sym.colour if sym is not None else "#777777"
    marker = sym.marker if sym is not None else "."
    if marker == "s":
        pts = [(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)]
    elif marker == "^":
        pts = [(x, y - 1.2 * r), (x + r, y + 0.8 * r), (x - r, y + 0.8 * r)]
    elif marker == "D":
        pts = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
    else:
        pts = []
    shape = (f"<polygon points='{' '.join(f'{u:.1f},{v:.1f}' for u, v in pts)}'" if pts
             else f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{r / 2 if marker == '.' else r:.1f}'")
    end = "</polygon>" if pts else "</circle>"
    return (f"{shape} class='node' fill='{colour}' data-tip='{tip}' tabindex='0'>"
            f"<title>{html.escape(title)}</title>{end}")


def map_svg(links: pd.DataFrame, nodes: pd.DataFrame, link_tips: list[dict],
            node_tips: list[dict]) -> str:
    """The SVG element of the map (no XML prolog: inline in HTML)."""
    extent = (nodes["lon"].min() - 4, nodes["lon"].max() + 4,
              nodes["lat"].min() - 3, nodes["lat"].max() + 3)
    pr = _Projection(extent)
    data = basemap()
    out = [f"<svg id='cmap' viewBox='0 0 {WIDTH:.0f} {pr.height:.0f}' role='img' "
           "aria-label='corridor map'>",
           f"<rect class='sea' width='{WIDTH:.0f}' height='{pr.height:.0f}'/>",
           f"<path class='land' d='{pr.path(data['land'])}'/>",
           f"<path class='lake' d='{pr.path([x['ring'] for x in data['lakes']])}'/>",
           f"<path class='border' d='{pr.path(data['borders'], closed=False)}'/>"]
    biggest = float(links["boxes"].max()) if len(links) else 0.0
    widths = link_width(links["boxes"].to_numpy(float), biggest) * PX_PER_POINT
    x0, y0 = pr.xy(links["lon0"], links["lat0"])
    x1, y1 = pr.xy(links["lon1"], links["lat1"])
    order = np.argsort(links["boxes"].fillna(0).to_numpy(), kind="stable")
    for i in order:
        row = links.iloc[i]
        idle = not (row["boxes"] > 0)
        dash = " stroke-dasharray='6 3'" if row["mode"] == "sea" else ""
        ends = f"x1='{x0[i]:.1f}' y1='{y0[i]:.1f}' x2='{x1[i]:.1f}' y2='{y1[i]:.1f}'"
        out.append(f"<line class='link' {ends} stroke='{_colour(row['utilisation'], idle)}' "
                   f"stroke-width='{widths[i]:.2f}'{dash}/>")
        out.append(f"<line class='hit' {ends} stroke-width='{max(widths[i] + 6, 10):.1f}' "
                   f"data-tip='l{i}' tabindex='0'><title>"
                   f"{html.escape(link_tips[i]['title'])}</title></line>")
    nx, ny = pr.xy(nodes["lon"], nodes["lat"])
    names: list[str] = []
    placed: list[tuple[float, float, float, float]] = []
    for j in np.lexsort((nodes["lon"].to_numpy(), nodes["kind"].to_numpy())):
        row = nodes.iloc[j]
        kind = NODE_KINDS.get(row["kind"])
        sym = kind.symbol if kind else None
        out.append(_marker(sym, nx[j], ny[j], f"n{j}", node_tips[j]["title"]))
        if sym is None or not sym.label_size:
            continue
        # named as on the static map, above the node, else below, else beside it; not where
        # all three would fall on a name already placed (the tooltip names it)
        name = str(row["label"])
        width = 6.3 * len(name)  # about, at 11 px
        left = nx[j] > WIDTH - 120  # near the right edge: the name ends at the node
        x = nx[j] - 6 - width if left else nx[j] + 6
        for dy in (-6, 16, 4):
            box = (x, ny[j] + dy - 10, x + width, ny[j] + dy + 1)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                       for b in placed):
                placed.append(box)
                style = " font-style='italic'" if sym.label_style == "italic" else ""
                names.append(f"<text x='{x:.1f}' y='{ny[j] + dy:.1f}'{style}>"
                             f"{html.escape(name)}</text>")
                break
    out += names
    out.append("</svg>")
    return "\n".join(out)


CSS = """
#cmap-wrap { position: relative; max-width: 100%; }
#cmap { width: 100%; height: auto; display: block; border: 1px solid #ccc; }
#cmap .sea, #cmap .lake { fill: #d4e6f1; } #cmap .land { fill: #f4f1ea; }
#cmap .land, #cmap .lake { stroke: #8fb3cc; stroke-width: 0.6; fill-rule: evenodd; }
#cmap .border { fill: none; stroke: #b9a8b5; stroke-width: 0.8; }
#cmap .link { stroke-linecap: round; pointer-events: none; }
#cmap .hit { stroke: transparent; cursor: pointer; }
#cmap .hit:hover, #cmap .hit:focus { stroke: rgba(30, 30, 30, 0.25); outline: none; }
#cmap .node { stroke: white; stroke-width: 1; cursor: pointer; }
#cmap text { font-size: 11px; fill: #222; pointer-events: none; paint-order: stroke;
             stroke: rgba(255, 255, 255, 0.8); stroke-width: 3px; }
#cmap-tip { position: absolute; display: none; background: rgba(255, 255, 255, 0.97);
            border: 1px solid #888; padding: 0.4em 0.6em; font-size: 0.8em;
            pointer-events: none; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.25);
            min-width: 18em; max-width: 38em; z-index: 2; }
#cmap-tip table { margin: 0.2em 0 0; font-size: 1em; } #cmap-tip td { border: none;
            padding: 0.05em 0.3em; text-align: left; } #cmap-tip b { display: block; }
#cmap-tip td:first-child { white-space: nowrap; }
.cmap-key { font-size: 0.8em; color: #555; }
.cmap-bar { display: inline-block; width: 12em; height: 0.8em; vertical-align: middle;
            border: 1px solid #aaa; }
"""

# shows the tooltip of the element under the pointer (or with the focus); built with
# textContent only, so no figure is read as markup
SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById('cmap-data').textContent);
  var wrap = document.getElementById('cmap-wrap');
  var tip = document.getElementById('cmap-tip');
  function item(el) {
    var t = el && el.getAttribute && el.getAttribute('data-tip');
    if (!t) return null;
    return (t.charAt(0) === 'l' ? data.links : data.nodes)[Number(t.slice(1))];
  }
  function place(x, y) {
    var box = wrap.getBoundingClientRect();
    var left = x - box.left + 14, top = y - box.top + 14;
    if (left + tip.offsetWidth > box.width) {
      left = Math.max(0, x - box.left - tip.offsetWidth - 14);
    }
    if (top + tip.offsetHeight > box.height) {
      top = Math.max(0, y - box.top - tip.offsetHeight - 14);
    }
    tip.style.left = left + 'px'; tip.style.top = top + 'px';
  }
  function show(el, x, y) {
    var it = item(el);
    if (!it) return;
    tip.textContent = '';
    var head = document.createElement('b');
    head.textContent = it.title;
    tip.appendChild(head);
    var table = document.createElement('table');
    it.rows.forEach(function (r) {
      var tr = table.insertRow();
      tr.insertCell().textContent = r[0];
      tr.insertCell().textContent = r[1];
    });
    tip.appendChild(table);
    tip.style.display = 'block';
    place(x, y);
  }
  var svg = document.getElementById('cmap');
  svg.addEventListener('mouseover', function (e) { show(e.target, e.clientX, e.clientY); });
  svg.addEventListener('mousemove', function (e) {
    if (item(e.target)) place(e.clientX, e.clientY);
  });
  svg.addEventListener('mouseout', function () { tip.style.display = 'none'; });
  svg.addEventListener('focusin', function (e) {
    var r = e.target.getBoundingClientRect();
    show(e.target, r.left + r.width / 2, r.top + r.height / 2);
  });
  svg.addEventListener('focusout', function () { tip.style.display = 'none'; });
})();
"""


def interactive_map(folder: Folder, kpis: pd.DataFrame, ts: pd.DataFrame) -> str:
    """The HTML of the interactive map of a run folder's last reported year."""
    import matplotlib as mpl
    network, period, key, links, nodes = last_year_frames(folder, kpis, ts)
    vessels = {x["id"]: str(x["vessels"]) for x in network["links"] if x.get("vessels")}
    link_tips, node_tips = tooltips(links, nodes, kpis, key, vessels)
    payload = json.dumps({"links": link_tips, "nodes": node_tips}, ensure_ascii=False)
    payload = payload.replace("</", "<\\/")
    cmap = mpl.colormaps[UTILISATION_CMAP]
    stops = ", ".join(mpl.colors.to_hex(cmap(v)) for v in np.linspace(0, 1, 6))
    biggest = float(links["boxes"].max()) if len(links) else 0.0
    return "\n".join([
        f"<style>{CSS}</style>",
        f"<p class='cmap-key'>Boxes routed over each link in {html.escape(period)} (width; "
        f"the busiest {biggest:,.0f}) and its utilisation (colour: "
        f"<span class='cmap-bar' style='background: linear-gradient(to right, {stops})'>"
        "</span> 0 to 100 %; grey: no boxes; dashed: sea). Point at a link or a node "
        "(or move to it with the Tab key) for its figures.</p>",
        "<div id='cmap-wrap'>", map_svg(links, nodes, link_tips, node_tips),
        "<div id='cmap-tip' role='tooltip'></div></div>",
        f"<p class='cmap-key'>{html.escape(attribution())}.</p>",
        f"<script type='application/json' id='cmap-data'>{payload}</script>",
        f"<script>{SCRIPT}</script>"])


def interactive_section(folder: Folder) -> list[str]:
    """The report's interactive sections (the map, then the monthly charts): for run
    folders; none for other kinds."""
    if folder.kind != "run":
        return []
    kpis, ts = folder.kpis(), folder.parquet("timeseries.parquet")
    charts = interactive_charts(ts)
    return ["<h2 id='interactive-map'>Interactive map</h2>",
            interactive_map(folder, kpis, ts),
            *(["<h2 id='interactive-charts'>Interactive charts</h2>", *charts] if charts
              else [])]
