"""The corridor map: nodes at their longitude and latitude over the land, lakes and country
borders of Natural Earth (``data/basemap.json``, shipped with the package; see
``data/README.md``), rail and sea links drawn with a width by the boxes routed over them and
a colour by their congestion."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Collection
from importlib import resources

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.io.folders import Folder
from sim.plots.style import UTILISATION_CMAP, new_ax
from sim.scenario.kinds import NODE_KINDS, kinds_where
from sim.scenario.problems import WHOLE_FILE, ConfigError, Problem
from sim.scenario.span import period_label

WATER, WATER_EDGE, LAND, BORDER = "#d4e6f1", "#8fb3cc", "#f4f1ea", "#b9a8b5"
MAX_WIDTH = 7.0  # points, the busiest link


@functools.lru_cache(maxsize=1)
def basemap() -> dict:
    """The basemap shipped with the package (Natural Earth 1:50m, clipped to the corridor):
    ``land`` (outer rings of land), ``lakes`` (``name``, ``ring``: the water drawn over the
    land, the Caspian among it), ``borders`` (lines between countries), ``extent`` (lon min,
    lon max, lat min, lat max), ``attribution``; vertices are ``[lon, lat]``."""
    text = resources.files("sim.plots").joinpath("data", "basemap.json").read_text(
        encoding="utf-8")
    return json.loads(text)


def attribution() -> str:
    """The line that credits the basemap on a figure or a page."""
    return f"Basemap: {basemap()['attribution']}"


def _draw_basemap(ax) -> None:
    from matplotlib.collections import LineCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    def compound(rings) -> MPath:
        return MPath.make_compound_path(*[MPath(np.asarray(r + r[:1], float), closed=True)
                                          for r in rings])
    data = basemap()
    ax.set_facecolor(WATER)
    ax.add_patch(PathPatch(compound(data["land"]), facecolor=LAND, edgecolor=WATER_EDGE,
                           lw=0.5, zorder=0.5))
    ax.add_patch(PathPatch(compound([lake["ring"] for lake in data["lakes"]]),
                           facecolor=WATER, edgecolor=WATER_EDGE, lw=0.5, zorder=0.6))
    ax.add_collection(LineCollection([np.asarray(b, float) for b in data["borders"]],
                                     colors=BORDER, linewidths=0.7, zorder=0.7))


def link_width(boxes: np.ndarray, biggest: float) -> np.ndarray:
    """Line width in points for links carrying ``boxes`` (0.6 pt for none)."""
    scale = MAX_WIDTH / biggest if biggest > 0 else 0.0
    return 0.6 + np.nan_to_num(np.asarray(boxes, float)) * scale


def corridor_map(links: pd.DataFrame, nodes: pd.DataFrame, ax=None,
                 extent: tuple[float, float, float, float] | None = None,
                 biggest: float | None = None, labels: bool = True, legend: bool = True,
                 skip_labels: tuple[float, float, float, float] | None = None,
                 credit: bool = True):
    """Draw the corridor on ``ax`` (equirectangular, lon/lat degrees).

    ``links``: one row per rail link or sea link with ``lon0, lat0, lon1, lat1``, ``mode``
    ('rail' or 'sea'), ``boxes`` (per year, both directions) and ``utilisation`` (0..1;
    NaN: not known). ``nodes``: ``lon, lat, kind, label``. ``extent``: (lon min, lon max,
    lat min, lat max), default the nodes' with a margin. ``biggest``: the boxes drawn at
    the widest line (default the largest in ``links``), so that two maps share a scale.
    ``skip_labels``: a box (as ``extent``) whose nodes are not named (a detail map names
    them). ``legend``: the width and symbol key and the colour bar on this map.
    ``credit``: the basemap's attribution in the map's corner.
    """
    import matplotlib as mpl
    from matplotlib.collections import LineCollection

    if extent is None:
        extent = (nodes["lon"].min() - 4, nodes["lon"].max() + 4,
                  nodes["lat"].min() - 3, nodes["lat"].max() + 3)
    lon0, lon1, lat0, lat1 = extent
    ax = new_ax(ax, (11, 11 * (lat1 - lat0) / (lon1 - lon0) / math.cos(
        math.radians((lat0 + lat1) / 2)) + 1))
    _draw_basemap(ax)
    cmap = mpl.colormaps[UTILISATION_CMAP]
    norm = mpl.colors.Normalize(0.0, 1.0)
    biggest = float(links["boxes"].max()) if biggest is None else biggest
    order = links.sort_values("boxes", na_position="first")
    for mode, dash, cap in (("rail", "solid", "round"), ("sea", (0, (3, 1.5)), "butt")):
        part = order[order["mode"] == mode]
        if part.empty:
            continue
        segs = np.stack([part[["lon0", "lat0"]].to_numpy(float),
                         part[["lon1", "lat1"]].to_numpy(float)], axis=1)
        idle = ~(part["boxes"].fillna(0).to_numpy() > 0)
        util = part["utilisation"].to_numpy(float)
        colours = [(0.72, 0.72, 0.72, 1.0) if i or not np.isfinite(u) else cmap(norm(u))
                   for i, u in zip(idle, util)]
        ax.add_collection(LineCollection(
            list(segs), linewidths=link_width(part["boxes"].to_numpy(float), biggest),
            colors=colours, linestyles=dash, capstyle=cap, zorder=2))
    for kind in NODE_KINDS.values():  # each kind with its symbol (registry order)
        n = nodes[nodes["kind"] == kind.name]
        sym = kind.symbol
        ax.scatter(n["lon"], n["lat"], marker=sym.marker, s=sym.size, c=sym.colour, zorder=3,
                   edgecolors="white", linewidths=0.5)
    if labels:
        _labels(ax, nodes, extent, skip_labels)
    if credit:
        ax.text(0.997, 0.004, attribution(), transform=ax.transAxes, fontsize=6,
                ha="right", va="bottom", color="#666666", zorder=5)
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(1 / math.cos(math.radians((lat0 + lat1) / 2)))
    ax.set_xlabel("longitude (° E)")
    ax.set_ylabel("latitude (° N)")
    ax.grid(alpha=0.25, lw=0.5)
    if legend:
        map_legend(ax, biggest, own_axes=False, kinds=set(nodes["kind"]))
    return ax


def _within(nodes: pd.DataFrame, box) -> pd.Series:
    lon0, lon1, lat0, lat1 = box
    return ((nodes["lon"] > lon0) & (nodes["lon"] < lon1) & (nodes["lat"] > lat0)
            & (nodes["lat"] < lat1))


def _labels(ax, nodes: pd.DataFrame, extent, skip=None) -> None:
    """Nodes named where their kind's symbol has a label size (crossings, ports,
    terminals); a label that would fall on an earlier one (within a few per cent of the
    map's span) goes below its point instead of above."""
    lon0, lon1, lat0, lat1 = extent
    near_lon, near_lat = 0.06 * (lon1 - lon0), 0.03 * (lat1 - lat0)
    placed: list[tuple[float, float]] = []
    inside = nodes[_within(nodes, extent) & ~(_within(nodes, skip) if skip else False)]
    for row in inside.sort_values(["kind", "lon"]).itertuples(index=False):
        kind = NODE_KINDS.get(row.kind)
        if kind is None or not kind.symbol.label_size:
            continue
        sym = kind.symbol
        crowded = any(abs(row.lon - x) < near_lon and abs(row.lat - y) < near_lat
                      for x, y in placed)
        dy = -9 if crowded else 5
        ax.annotate(row.label, (row.lon, row.lat), xytext=(3, dy), textcoords="offset points",
                    fontsize=sym.label_size, va="top" if crowded else "bottom", zorder=4,
                    style=sym.label_style, color=sym.label_colour)
        placed.append((row.lon, row.lat + (-1 if crowded else 1) * near_lat / 2))


def map_legend(ax, biggest: float, own_axes: bool = True,
               kinds: Collection[str] | None = None) -> None:
    """The map's key: line widths (boxes per year), rail and sea links, node kinds (those
    in ``kinds``, the map's; default all), and the colour bar of congestion.
    ``own_axes``: ``ax`` is an empty panel for the key (else the key goes in the map's
    corner and the colour bar beside it)."""
    import matplotlib as mpl
    from matplotlib.lines import Line2D
    keys = [k for k in _round_keys(biggest) if k > 0]
    handles = [Line2D([], [], color="#555555", lw=float(link_width(np.array([k]), biggest)[0]),
                      label=f"{k:,.0f} boxes") for k in keys]
    handles += [Line2D([], [], color="#555555", lw=1.5, label="rail link"),
                Line2D([], [], color="#555555", lw=1.5, ls=(0, (3, 1.5)), label="sea link"),
                Line2D([], [], color=(0.72, 0.72, 0.72), lw=0.8, label="no boxes routed")]
    handles += [Line2D([], [], marker=k.symbol.marker, ls="", color=k.symbol.colour,
                       label=k.label) for k in NODE_KINDS.values()
                if kinds is None or k.name in kinds]
    sm = mpl.cm.ScalarMappable(norm=mpl.colors.Normalize(0.0, 1.0),
                               cmap=mpl.colormaps[UTILISATION_CMAP])
    label = ("congestion: utilisation (rail: trains / paths offered, busier direction; "
             "sea: vessel time not idle)")
    if own_axes:
        ax.axis("off")
        ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False,
                  title="width: boxes routed over the link in the period\n"
                  "(both directions)",
                  title_fontsize=8, alignment="left")
        cax = ax.inset_axes([0.05, 0.08, 0.85, 0.05])
        ax.figure.colorbar(sm, cax=cax, orientation="horizontal").set_label(
            label.replace(" (", "\n("), fontsize=8)
    else:
        ax.legend(handles=handles, loc="lower left", fontsize=7, frameon=True,
                  framealpha=0.85, ncol=2)
        ax.figure.colorbar(sm, ax=ax, orientation="horizontal", shrink=0.6, fraction=0.05,
                           pad=0.14, label=label)


def _round_keys(biggest: float) -> list[float]:
    """Three round numbers up to ``biggest`` for the width legend."""
    if not biggest > 0:
        return []
    top = 10 ** math.floor(math.log10(biggest))
    top = max(m * top for m in (1, 2, 5) if m * top <= biggest)
    return [top / 4, top / 2, top]


# -- the map of a run folder ---------------------------------------------------------

def map_frames(network: dict, kpis: pd.DataFrame, ts: pd.DataFrame, year: str,
               file: str = "network.json") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The map's links (ends, mode, boxes routed in ``year`` both ways, utilisation: the
    busier direction's for rail, the fleet's for sea) and nodes (kind, label);
    ``year``: the KPIs' period, a year or the part of one the horizon covers
    (``"2024 Jan–Mar"``)."""
    bad = _network_problem(network)
    if bad:
        raise ConfigError([Problem(file, bad[0], f"{bad[1]}; run the scenario again")])
    nodes = pd.DataFrame([{"id": nid, "kind": n["kind"], "lon": float(n["lon"]),
                           "lat": float(n["lat"]), "label": _short_name(nid, n)}
                          for nid, n in network["nodes"].items()])
    links = pd.DataFrame([{"id": x["id"], "from": x["from"], "to": x["to"],
                           "mode": x["mode"], "scopes": x["scopes"]}
                          for x in network["links"]])
    pos = nodes.set_index("id")[["lon", "lat"]]
    for i, end in ((i, end) for i in range(len(links)) for end in ("from", "to")):
        if links[end].iat[i] not in pos.index:
            raise ConfigError([Problem(file, f"links[{i}].{end}",
                                       f"unknown node {links[end].iat[i]!r}; run the "
                                       "scenario again")])
    links[["lon0", "lat0"]] = pos.loc[links["from"]].to_numpy()
    links[["lon1", "lat1"]] = pos.loc[links["to"]].to_numpy()
    routed = ts[(ts["metric"] == "boxes_routed")
                & (ts["date"].dt.year == int(str(year).split(" ")[0]))]
    reps = routed["replication"].nunique() if "replication" in routed else 1
    per_scope = routed.groupby("facility", observed=True)["value"].sum() / max(reps, 1)
    links["boxes"] = [sum(float(per_scope.get(s, 0.0)) for s in sc) for sc in links["scopes"]]
    k = kpis[kpis["period"] == year]
    util = k[k["name"] == "utilisation"].set_index("scope")["mean"]
    fleet = k[k["name"] == "vessel_utilisation"].set_index("scope")["mean"]

    def congestion(row) -> float:
        if row["mode"] == "sea":
            return float(fleet.get(row["id"], math.nan))
        got = [float(util[s]) for s in row["scopes"] if s in util.index]
        got = [g for g in got if g == g]
        return max(got) if got else math.nan
    links["utilisation"] = links.apply(congestion, axis=1)
    return links, nodes


NODE_FIELDS = ("kind", "lon", "lat")                      # what the map reads of a node
LINK_FIELDS = ("id", "from", "to", "mode", "scopes")      # and of a link


def _network_problem(network) -> tuple[str, str] | None:
    """Where a network.json (:func:`sim.io.bundle.network_record`) is not what the map
    reads, if anywhere: (the dotted path, ``nodes.gate.lon`` or ``links[3].from``, and
    what is wrong there)."""
    if not isinstance(network, dict):
        return WHOLE_FILE, "not a network record (expected a JSON object of nodes and links)"
    nodes, links = network.get("nodes"), network.get("links")
    if not isinstance(nodes, dict):
        return "nodes", "missing" if nodes is None else "expected a table of nodes by id"
    if not isinstance(links, list):
        return "links", "missing" if links is None else "expected a list of links"
    for where, rec, need, what in (
            *((f"nodes.{nid}", n, NODE_FIELDS, "node") for nid, n in nodes.items()),
            *((f"links[{i}]", x, LINK_FIELDS, "link") for i, x in enumerate(links))):
        if not isinstance(rec, dict):
            return where, f"not a {what} record (expected a table of {_and(need)})"
        lacking = [k for k in need if k not in rec]
        if lacking:
            return f"{where}.{lacking[0]}", f"missing (a {what} has {_and(need)})"
    for nid, n in nodes.items():
        for key in ("lon", "lat"):
            try:
                float(n[key])
            except (TypeError, ValueError):
                return f"nodes.{nid}.{key}", f"expected a number (got {n[key]!r})"
    for i, x in enumerate(links):
        if not isinstance(x["scopes"], list) or not all(isinstance(c, str)
                                                        for c in x["scopes"]):
            return f"links[{i}].scopes", f"expected a list of names (got {x['scopes']!r})"
    return None


def _and(names) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1]


def _short_name(nid: str, node: dict) -> str:
    name = str(node.get("name") or nid).split(" (")[0]
    return name if len(name) <= 22 else nid.replace("_", " ").title()


def last_year_frames(folder: Folder, kpis: pd.DataFrame, ts: pd.DataFrame
                     ) -> tuple[dict, str, str, pd.DataFrame, pd.DataFrame]:
    """What a map of a run folder's last reported year draws: the folder's network, the
    period's label, the KPIs' period key of that year (the year, or its part: "2024
    Jan–Mar") and the links and nodes with their figures (:func:`map_frames`)."""
    network = folder.json("network.json")
    h = folder.manifest["horizon"]
    last = pd.Timestamp(h["end"]) - pd.Timedelta(days=1)
    year = str(last.year)
    first = max(pd.Timestamp(h["start"]), pd.Timestamp(f"{year}-01-01"))
    period = period_label(first.date(), (last + pd.Timedelta(days=1)).date())
    key = next((p for p in sorted(set(kpis["period"])) if str(p).split(" ")[0] == year),
               year)
    links, nodes = map_frames(network, kpis, ts, key, str(folder.file("network.json")))
    return network, period, key, links, nodes


def corridor_map_figure(folder: Folder, kpis: pd.DataFrame, ts: pd.DataFrame):
    """The corridor map of the last reported year, with a detail panel around the sea
    links' ports when there are any."""
    from matplotlib.patches import Rectangle
    _network, period, _key, links, nodes = last_year_frames(folder, kpis, ts)
    biggest = float(links["boxes"].max()) if len(links) else 0.0
    ports = nodes[nodes["kind"].isin([k.name for k in kinds_where(lambda k: k.berths_vessels)])]
    title = (f"{folder.manifest.get('scenario', '')}: boxes routed over each link in {period} "
             "(width) and its utilisation (colour)")
    if ports.empty:
        ax = corridor_map(links, nodes, biggest=biggest)
        ax.set_title(title)
        return ax.figure
    fig = plt.figure(figsize=(13, 10))
    gs = fig.add_gridspec(2, 2, height_ratios=[1.0, 1.1], width_ratios=[1.7, 1])
    main, detail, key = fig.add_subplot(gs[0, :]), fig.add_subplot(gs[1, 0]), \
        fig.add_subplot(gs[1, 1])
    box = (ports["lon"].min() - 3, ports["lon"].max() + 3, ports["lat"].min() - 3,
           ports["lat"].max() + 3)
    corridor_map(links, nodes, main, biggest=biggest, legend=False, skip_labels=box)
    main.add_patch(Rectangle((box[0], box[2]), box[1] - box[0], box[3] - box[2], fill=False,
                             ec="#555555", lw=0.8, ls=":", zorder=5))
    main.set_title(title)
    corridor_map(links, nodes, detail, extent=box, biggest=biggest, legend=False,
                 credit=False)
    detail.set_title("Detail: the sea links and their ports")
    map_legend(key, biggest, kinds=set(nodes["kind"]))
    return fig
