"""Figures of one run folder. Each plot function takes a frame read from the folder (the
KPI table, the daily series or the container records) and an optional ``ax``, draws on it
and returns it; :func:`run_figures` reads the folder and yields its figure set."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.io.folders import TIMESERIES_COLUMNS, Folder
from sim.measure.headline import HEADLINE
from sim.plots.network_map import corridor_map_figure
from sim.plots.style import (
    UTILISATION_CMAP,
    month_labels,
    monthly_mean_over_replications,
    new_ax,
    period_band,
    thousands,
)
from sim.plots.types import Figures, Tables
from sim.scenario.citations import chain_counts
from sim.scenario.kinds import NODE_KINDS
from sim.scenario.span import is_whole_year


def yearly_by_scope(kpis: pd.DataFrame, name: str, ax=None, what: str = "",
                    scopes: list[str] | None = None):
    """One KPI per scope and reported year as grouped horizontal bars, with the 95 %
    interval over replications as whiskers (none with one replication). ``kpis`` is a
    run's KPI table (name, period, scope, unit, mean, ci95_low, ci95_high)."""
    k = kpis[(kpis["name"] == name) & (kpis["period"] != "run")]
    if scopes is not None:
        k = k[k["scope"].isin(scopes)]
    years = sorted(k["period"].unique())
    unit = k["unit"].iloc[0] if len(k) else ""
    scale, unit_label = thousands(unit)
    last = k[k["period"] == years[-1]] if years else k
    order = list(last.sort_values("mean", ascending=True)["scope"])
    order += sorted(set(k["scope"]) - set(order))
    if len(years) > 3:
        return _yearly_lines(k, years, order[::-1], scale, unit_label, ax, what or name)
    ax = new_ax(ax, (8.5, 1.2 + 0.18 * len(order) * max(1, len(years))))
    height = 0.8 / max(1, len(years))
    y0 = np.arange(len(order))
    for j, year in enumerate(years):
        rows = k[k["period"] == year].set_index("scope").reindex(order)
        mean = rows["mean"].to_numpy(float) * scale
        lo = rows["ci95_low"].to_numpy(float) * scale
        hi = rows["ci95_high"].to_numpy(float) * scale
        err = np.vstack([mean - lo, hi - mean])
        has_ci = np.isfinite(err).all(axis=0)
        ax.barh(y0 + (j - (len(years) - 1) / 2) * height, np.nan_to_num(mean), height=height,
                label=year, xerr=np.where(has_ci, err, 0) if has_ci.any() else None,
                error_kw={"lw": 0.8, "capsize": 1.5})
    ax.set_yticks(y0)
    ax.set_yticklabels(order)
    ax.set_xlabel(per_period(years, unit_label) + (" (mean, 95 % CI)" if
                                                   k["ci95_low"].notna().any() else ""))
    ax.set_ylabel("")
    ax.grid(axis="y", visible=False)
    whole = all(is_whole_year(y) for y in years)
    ax.set_title(f"{what or name}, by {'year' if whole else 'period'}")
    if years:
        ax.legend(title="year" if whole else "period", loc="lower right")
    return ax


def per_period(periods: list[str], unit_label: str) -> str:
    """The axis label of counts by period: "per year" only when every period is a whole
    calendar year; a year run in part ("2024 Jan–Mar") counts what fell in that part."""
    if all(is_whole_year(p) for p in periods):
        return f"{unit_label} per year"
    return f"{unit_label} in the period (a part of a year is not scaled to a year)"


def _yearly_lines(k: pd.DataFrame, years: list[str], order: list[str], scale: float,
                  unit_label: str, ax, what: str):
    """Many years: one line per scope over the years, whiskers for the 95 % interval."""
    ax = new_ax(ax, (8.5, 5.0))
    x = np.arange(len(years))  # (whole years and parts of years alike, in order)
    for scope in order:
        rows = k[k["scope"] == scope].set_index("period").reindex(years)
        mean = rows["mean"].to_numpy(float) * scale
        err = np.vstack([mean - rows["ci95_low"].to_numpy(float) * scale,
                         rows["ci95_high"].to_numpy(float) * scale - mean])
        ax.errorbar(x, mean, yerr=np.where(np.isfinite(err), err, 0), marker="o", ms=3,
                    lw=1.3, capsize=2, label=scope)
    ax.set_xticks(x)
    ax.set_xticklabels(years)
    whole = all(is_whole_year(y) for y in years)
    ax.set_xlabel("year" if whole else "period")
    ax.set_ylabel(per_period(years, unit_label) + (" (mean, 95 % CI)" if
                                                   k["ci95_low"].notna().any() else ""))
    ax.set_ylim(bottom=0)
    ax.set_title(f"{what}, by {'year' if whole else 'period'}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def throughput_by_route(kpis: pd.DataFrame, ax=None):
    """Boxes leaving their origin on each route, per year."""
    return yearly_by_scope(kpis, "containers_by_route", ax,
                           "Boxes leaving their origin on each route")


def throughput_by_crossing(kpis: pd.DataFrame, ax=None):
    """Boxes arriving at each border crossing, per year."""
    return yearly_by_scope(kpis, "containers_by_crossing", ax,
                           "Boxes arriving at each border crossing (both directions)")


def monthly_totals(timeseries: pd.DataFrame, kind: str, metric: str, ax=None,
                   ylabel: str = "", title: str = "", thousand: bool = True):
    """A daily count (``kind``, ``metric`` of the daily series) summed per month and
    facility, mean over replications; one line per facility, largest first (those zero
    throughout are named under the legend instead)."""
    ax = new_ax(ax)
    ts = timeseries[(timeseries["kind"] == kind) & (timeseries["metric"] == metric)]
    monthly = monthly_mean_over_replications(ts, "sum").fillna(0.0)
    totals = monthly.sum().sort_values(ascending=False)
    order = [f for f in totals.index if totals[f] > 0]
    scale = 1e-3 if thousand else 1.0
    for fac in order:
        ax.plot(monthly.index, monthly[fac] * scale, marker="o", ms=2.5, lw=1.4, label=fac)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("month")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    _legend_below(ax, len(order), [f for f in totals.index if f not in order],
                  "zero throughout")
    return ax


def _legend_below(ax, n: int, left_out: list[str], why: str) -> None:
    """The legend under the axes, and the series left out named beneath it."""
    if n:
        ax.legend(ncol=min(n, 5), loc="upper center", bbox_to_anchor=(0.5, -0.18))
    if left_out:
        rows = -(-n // 5)
        ax.annotate(f"not shown ({why}): {', '.join(left_out)}", (0.5, -0.24 - 0.07 * rows),
                    xycoords="axes fraction", ha="center", va="top", fontsize=7,
                    color="#555555", annotation_clip=False)


def monthly_boxes_by_crossing(timeseries: pd.DataFrame, ax=None):
    """Boxes arriving at each border crossing per month (mean over replications)."""
    return monthly_totals(timeseries, "crossing", "boxes_arrived", ax,
                          "boxes arriving per month (thousands)",
                          "Boxes arriving at each border crossing (both directions), by month")


def monthly_teu_by_service(timeseries: pd.DataFrame, ax=None):
    """TEU sailed per month by each vessel service and direction (mean over
    replications): the Caspian storm season shows here."""
    return monthly_totals(timeseries, "service", "teu_sailed", ax,
                          "TEU sailed per month (thousands)",
                          "TEU sailed by each vessel service and direction, by month")


def transit_time_by_route(containers: pd.DataFrame, end: pd.Timestamp, ax=None):
    """Transit time per route, origin terminal to destination terminal: a box per route
    for the boxes delivered (whiskers 5th-95th percentile) and, beside it, one for the
    boxes still in transit at ``end`` (the end of the run), whose time so far is a lower
    bound of theirs. ``containers``: one row per box (route, created, delivered; NaT:
    not delivered), boxes created in the reported horizon."""
    c = containers[containers["route"].notna()]
    routes = sorted(c["route"].astype(str).unique())
    ax = new_ax(ax, (8.5, 1.4 + 0.42 * max(1, len(routes))))
    days_done = (c["delivered"] - c["created"]).dt.total_seconds().to_numpy() / 86400
    days_open = (end - c["created"]).dt.total_seconds().to_numpy() / 86400
    route = c["route"].astype(str).to_numpy()
    done = np.isfinite(days_done)
    reps = _replications(c)
    stats_done, stats_open, labels = [], [], []
    for i, r in enumerate(routes):
        m = route == r
        d, o = days_done[m & done], days_open[m & ~done]
        labels.append(f"{r}\n{len(d) / reps:,.0f} delivered, {len(o) / reps:,.0f} in transit"
                      + (" (per replication)" if reps > 1 else ""))
        stats_done.append(_box_stats(d, i + 0.18))
        stats_open.append(_box_stats(o, i - 0.18))
    import matplotlib
    # horizontal boxes: 'orientation' from Matplotlib 3.10 on, 'vert' before it
    kw = {"widths": 0.3, "showfliers": False, "patch_artist": True,
          **({"orientation": "horizontal"} if matplotlib.__version_info__ >= (3, 10)
             else {"vert": False})}
    got = [s for s in stats_done if s is not None]
    if got:
        ax.bxp(got, positions=[s["pos"] for s in got], **kw,
               boxprops={"facecolor": "#9ecae1", "edgecolor": "#08519c"},
               medianprops={"color": "#08519c"})
    got = [s for s in stats_open if s is not None]
    if got:
        ax.bxp(got, positions=[s["pos"] for s in got], **kw,
               boxprops={"facecolor": "#fdd0a2", "edgecolor": "#a63603", "hatch": "///"},
               medianprops={"color": "#a63603"})
    ax.set_yticks(np.arange(len(routes)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_ylim(-0.6, len(routes) - 0.4)
    ax.set_xlim(left=0)
    ax.set_xlabel("days since arrival at the origin terminal (box: quartiles and median; "
                  "whiskers: 5th-95th percentile)")
    ax.grid(axis="y", visible=False)
    from matplotlib.patches import Patch
    ax.legend(handles=[Patch(facecolor="#9ecae1", edgecolor="#08519c",
                             label="delivered: transit time"),
                       Patch(facecolor="#fdd0a2", edgecolor="#a63603", hatch="///",
                             label="still in transit at the end: time so far")],
              loc="lower right")
    ax.set_title("Transit time by route, origin terminal to destination terminal")
    return ax


def _box_stats(values: np.ndarray, pos: float) -> dict | None:
    if not len(values):
        return None
    p5, q1, med, q3, p95 = np.percentile(values, [5, 25, 50, 75, 95])
    return {"med": med, "q1": q1, "q3": q3, "whislo": p5, "whishi": p95, "pos": pos,
            "fliers": []}


def transit_time_summary_by_route(kpis: pd.DataFrame, ax=None):
    """Without container records: per route and year the mean and 95th-percentile
    transit time of the boxes delivered (KPIs ``transit_time_days_mean`` and ``_p95``);
    the boxes still in transit at the end, by corridor, are counted in the title."""
    k = kpis[kpis["period"] != "run"]
    routes_ = set(k.loc[k["name"] == "containers_by_route", "scope"])
    mean = k[(k["name"] == "transit_time_days_mean") & k["scope"].isin(routes_)]
    p95 = k[(k["name"] == "transit_time_days_p95") & k["scope"].isin(routes_)]
    routes = sorted(set(mean["scope"]))
    years = sorted(mean["period"].unique())
    if len(years) > 3:  # the first and the last: the change over the horizon
        years = [years[0], years[-1]]
    ax = new_ax(ax, (8.5, 1.4 + 0.3 * max(1, len(routes)) * max(1, len(years)) ** 0.5))
    step = 0.7 / max(1, len(years))
    for j, year in enumerate(years):
        m = mean[mean["period"] == year].set_index("scope").reindex(routes)["mean"]
        p = p95[p95["period"] == year].set_index("scope").reindex(routes)["mean"]
        y = np.arange(len(routes)) + (j - (len(years) - 1) / 2) * step
        line = ax.plot(m.to_numpy(float), y, "o", ms=4, label=f"{year}: mean")[0]
        ax.plot(p.to_numpy(float), y, "|", ms=9, mew=2, color=line.get_color(),
                label=f"{year}: 95th percentile")
        ax.hlines(y, m.to_numpy(float), p.to_numpy(float), color=line.get_color(), lw=0.8)
    ax.set_yticks(np.arange(len(routes)))
    ax.set_yticklabels(routes)
    ax.set_xlim(left=0)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("transit time, origin terminal to destination terminal (days), boxes "
                  "delivered in the year")
    open_ = kpis[(kpis["name"] == "containers_in_transit_at_end") & (kpis["period"] == "run")]
    open_ = open_.groupby("scope")["mean"].max() if len(open_) else pd.Series(dtype=float)
    parts = ", ".join(f"{s} {v:,.0f}" for s, v in open_.items() if v)
    ax.set_title(f"Transit time by route (mean and 95th percentile), {' and '.join(years)}"
                 + (f"\nstill in transit at the end, by corridor: {parts}" if parts else ""))
    if years:
        ax.legend(ncol=2, loc="lower right")
    return ax


def transit_time_by_corridor(containers: pd.DataFrame, end: pd.Timestamp | None = None,
                             ax=None):
    """Distribution of transit time, origin terminal to destination terminal, per
    corridor, as a share of all its boxes: solid, the boxes delivered; dashed, the time so
    far of the boxes still in transit at ``end`` (a lower bound of theirs). Times beyond
    the 99th percentile of the delivered boxes fall in the last bin (marked), so that
    every box is counted."""
    ax = new_ax(ax)
    c = containers
    days = ((c["delivered"] - c["created"]).dt.total_seconds() / 86400).to_numpy()
    so_far = (((end - c["created"]).dt.total_seconds() / 86400).to_numpy()
              if end is not None else np.full(len(c), np.nan))
    corridor = c["corridor"] if "corridor" in c else c["route"].astype(str)
    corridor = corridor.to_numpy()
    top = float(np.nanpercentile(days, 99)) if np.isfinite(days).any() else 10.0
    top = max(1.0, np.ceil(top))
    bins = np.arange(0, top + 1.0, 0.5)
    reps = _replications(c)
    for name in sorted({x for x in corridor if isinstance(x, str)}):
        m = corridor == name
        total = int(m.sum())
        done = days[m][np.isfinite(days[m])]
        pending = so_far[m][~np.isfinite(days[m])]
        if len(done):
            w = np.full(len(done), 2.0 / total)          # share of all boxes per day
            line = ax.hist(np.clip(done, 0, top), bins=bins, weights=w, histtype="step",
                           lw=1.4, label=f"{name}: {len(done) / reps:,.0f} delivered")[2][0]
            colour = line.get_edgecolor()
        else:
            colour = None
        if len(pending) and np.isfinite(pending).any():
            ax.hist(np.clip(pending[np.isfinite(pending)], 0, top), bins=bins,
                    weights=np.full(np.isfinite(pending).sum(), 2.0 / total),
                    histtype="step", lw=1.0, ls="--", color=colour,
                    label=f"{name}: {len(pending) / reps:,.0f} still in transit (time so far)")
    ax.axvline(top, color="#999999", lw=0.8, ls=":")
    ax.annotate(f"≥ {top:g} d", (top, 1), xycoords=("data", "axes fraction"), ha="right",
                va="top", fontsize=7, color="#666666")
    ax.set_xlabel("transit time (days)")
    ax.set_ylabel("share of the corridor's boxes per day")
    ax.set_title("Transit time, origin terminal to destination terminal, by corridor"
                 + (" (counts per replication)" if reps > 1 else ""))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    return ax


def _replications(frame: pd.DataFrame) -> int:
    return int(frame["replication"].nunique()) if "replication" in frame else 1


def levels_over_time(timeseries: pd.DataFrame, metric: str, kind: str, ax=None,
                     ylabel: str = "", title: str = "", floor: float = 0.02):
    """A daily level (a time average: trains waiting, TEU in the yard) per facility of one
    ``kind`` as weekly means, mean over replications with its 95 % band (none with one
    replication); facilities whose mean stays below ``floor`` of the largest one's are
    named under the legend instead of drawn."""
    ax = new_ax(ax)
    ts = timeseries[(timeseries["kind"] == kind) & (timeseries["metric"] == metric)]
    bands = period_band(ts, "W", "mean")
    level = {f: float(b["mean"].mean()) for f, b in bands.items()}
    top = max(level.values(), default=0.0)
    order = sorted((f for f in bands if level[f] > floor * top and level[f] > 0),
                   key=lambda f: -level[f])
    for fac in order:
        b = bands[fac]
        line = ax.plot(b.index, b["mean"], lw=1.3, label=fac)
        if b["low"].notna().any():
            ax.fill_between(b.index, b["low"], b["high"], color=line[0].get_color(),
                            alpha=0.2, lw=0)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("week")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    _legend_below(ax, len(order), sorted(set(bands) - set(order)),
                  f"mean below {floor:.0%} of the largest")
    return ax


def queue_by_facility(timeseries: pd.DataFrame, ax=None):
    """Trains waiting at each border crossing for a track, yard space or a crane."""
    return levels_over_time(timeseries, "queue_trains", "crossing", ax,
                            "trains waiting (weekly mean)",
                            "Trains queueing at each border crossing, over time "
                            "(band: 95 % CI over replications)")


def yard_by_facility(timeseries: pd.DataFrame, ax=None, kind: str = "crossing"):
    """TEU in the yard of each facility of one kind, named by its series' ``kind``
    column (the registry row's ``section``: ``"crossing"``, ``"port"``, ...)."""
    where = next(k.label for k in NODE_KINDS.values() if k.section == kind)
    return levels_over_time(timeseries, "yard_teu", kind, ax,
                            "TEU in the yard (weekly mean)",
                            f"Yard occupancy at each {where}, over time (band: 95 % CI "
                            "over replications)")


# (series kind, metric, what is used): the facilities' rows from the kind registry, in its
# order (cranes, then yards), then the vessel services'
UTILISATION_ROWS = [
    *[(k.section, metric, what) for metric, what in (("crane_utilisation", "cranes"),
                                                      ("yard_utilisation", "yard"))
      for k in NODE_KINDS.values() if k.section and metric in k.series],
    ("service", "vessel_utilisation", "vessels")]


def utilisation_heatmap(timeseries: pd.DataFrame, ax=None):
    """Utilisation per facility and month (monthly mean of the daily values, mean over
    replications): crossings' cranes busy, ports' and crossings' yards filled, vessel
    services' fleet time not idle waiting for a load. Rows the folder's series lack are
    left out."""
    rows, labels = [], []
    for kind, metric, what in UTILISATION_ROWS:
        ts = timeseries[(timeseries["kind"] == kind) & (timeseries["metric"] == metric)]
        if ts.empty:
            continue
        monthly = monthly_mean_over_replications(ts, "mean")
        for fac in sorted(monthly.columns):
            rows.append(monthly[fac])
            labels.append(f"{fac} ({what})")
    table = pd.concat(rows, axis=1) if rows else pd.DataFrame()
    months = list(table.index)
    ax = new_ax(ax, (min(14.0, max(6.0, 2.5 + 0.22 * len(months))),
                     1.4 + 0.3 * max(1, len(labels))))
    values = table.to_numpy(float).T if rows else np.zeros((0, 0))
    im = ax.imshow(values, aspect="auto", cmap=UTILISATION_CMAP, vmin=0.0, vmax=1.0,
                   interpolation="nearest")
    ax.set_yticks(np.arange(len(labels)))
    ax.set_yticklabels(labels)
    month_labels(ax, months)
    ax.grid(False)
    if values.size and values.size <= 400:
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                r, g, b, _a = im.cmap(im.norm(v))
                dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.55
                ax.text(j, i, f"{v:.2f}"[1:] if 0 <= v < 1 else f"{v:.1f}", ha="center",
                        va="center", fontsize=6, color="white" if dark else "black")
    ax.figure.colorbar(im, ax=ax, label="utilisation (fraction of capacity)", shrink=0.9)
    ax.set_xlabel("month")
    ax.set_title("Utilisation by facility and month (cranes busy, yards filled, vessels not "
                 "idle)")
    return ax


# -- the figure set, tables and facts of a run folder ------------------------------

def run_figures(folder: Folder) -> Figures:
    man = folder.manifest
    kpis = folder.kpis()
    ts = folder.parquet("timeseries.parquet", TIMESERIES_COLUMNS + (
        ["replication"] if "replication" in _columns(folder, "timeseries.parquet") else []))
    yield "throughput_by_route", throughput_by_route(kpis).figure
    yield "throughput_by_crossing", throughput_by_crossing(kpis).figure
    yield "monthly_boxes_by_crossing", monthly_boxes_by_crossing(ts).figure
    if (ts["kind"] == "service").any():
        yield "monthly_teu_by_service", monthly_teu_by_service(ts).figure
    if folder.has("containers.parquet"):
        cfg = man.get("config", {})
        start = pd.Timestamp(man["horizon"]["start"])
        end = pd.Timestamp(man["horizon"]["end"])
        have_rep = "replication" in folder.columns("containers.parquet")
        cont = folder.parquet("containers.parquet", ["route", "created", "delivered"]
                              + (["replication"] if have_rep else []))
        cont = cont[cont["created"] >= start]  # boxes created in the reported horizon
        yield "transit_time_by_route", transit_time_by_route(cont, end).figure
        corridors = {r: v.get("corridor") for r, v in cfg.get("routes", {}).items()}
        cont = cont.assign(corridor=cont["route"].astype(str).map(corridors))
        yield "transit_time_by_corridor", transit_time_by_corridor(cont, end).figure
    else:
        folder.notes.append("transit times from the KPIs (mean and 95th percentile): the "
                            "folder has no containers.parquet for the distributions; run "
                            "without --no-containers to get them")
        yield "transit_time_by_route", transit_time_summary_by_route(kpis).figure
    yield "queue_by_facility", queue_by_facility(ts).figure
    kinds = [k.section for k in NODE_KINDS.values()  # the kinds with a yard, in registry order
             if k.section is not None and "yard_teu" in k.series
             and (ts["kind"] == k.section).any()]
    fig, axes = plt.subplots(len(kinds), 1, figsize=(8.5, 4.5 * len(kinds)), squeeze=False)
    for ax, kind in zip(axes.flat, kinds):
        yard_by_facility(ts, ax, kind)
    fig.subplots_adjust(hspace=0.75)
    yield "yard_by_facility", fig
    yield "utilisation_heatmap", utilisation_heatmap(ts).figure
    if folder.has("network.json") and (ts["metric"] == "boxes_routed").any():
        yield "corridor_map", corridor_map_figure(folder, kpis, ts)
    else:
        folder.notes.append("no corridor map: the folder predates network.json and the "
                            "boxes routed per link; run the scenario again to get it")


def _columns(folder: Folder, name: str) -> list[str]:
    import pyarrow.parquet as pq
    try:
        return pq.ParquetFile(folder.file(name)).schema_arrow.names
    except (OSError, ValueError):
        return []  # reported by Folder.parquet


def run_tables(folder: Folder) -> Tables:
    k = folder.kpis()
    years = sorted(p for p in set(k["period"]) if p != "run")
    rows = []
    for name, scope, label in HEADLINE:
        m = k[(k["name"] == name) & (k["scope"] == scope)].set_index("period")
        if m.empty:
            continue
        rows.append({"KPI": label, "unit": m["unit"].iloc[0],
                     **{y: _cell(m.loc[y]) if y in m.index else "–" for y in years}})
    full = k[k["period"] != "run"].copy()
    full["mean [95 % CI]"] = [_cell(r) for _, r in full.iterrows()]
    full = full.pivot_table(index=["name", "scope", "unit"], columns="period",
                            values="mean [95 % CI]", aggfunc="first").reset_index()
    return [("Headline KPIs (mean over replications, 95 % CI)", pd.DataFrame(rows)),
            ("Every KPI by " + ("year" if all(is_whole_year(y) for y in years)
                                else "period (a part of a year: what fell in it)"), full)]


def _cell(r) -> str:
    m, lo, hi = r["mean"], r["ci95_low"], r["ci95_high"]
    if m != m:
        return "–"
    fmt = (lambda v: f"{v:,.0f}") if abs(m) >= 100 else (lambda v: f"{v:.3g}")
    return fmt(m) + (f" [{fmt(lo)}, {fmt(hi)}]" if lo == lo else "")


def run_facts(folder: Folder) -> list[tuple[str, str]]:
    m = folder.manifest
    h = m.get("horizon", {})
    return [("scenario", f"{m.get('scenario')} ({m.get('scenario_path') or 'no file'})"),
            ("seed", f"{m.get('seed')} ({m.get('replications')} replication(s))"),
            ("horizon", f"{h.get('start')} to {h.get('end')} (exclusive), warm-up "
                        f"{h.get('warmup_days')} days"),
            ("config hash", str(m.get("config_hash"))),
            ("version", f"corridor-sim {m.get('package_version')}, commit "
                        f"{m.get('git_commit')}"),
            ("command", " ".join(m.get("command") or []) or "–"),
            ("wall time", f"{m.get('wall_time_s')} s"),
            ("inputs", _inputs_cited(m.get("scenario_path")))]


def _inputs_cited(path: str | None) -> str:
    """How the values of the run's scenario file and its parents are cited (``corridor
    sources``), if the file is still where the run read it."""
    if not path or not Path(path).is_file():
        return "– (the scenario file is not at hand)"
    n, c = chain_counts(path)
    return (f"{sum(c.values()):,} values in {n} file(s): {c['sourced']} sourced, "
            f"{c['fitted']} fitted, {c['assumption']} assumptions, {c['unverified']} "
            f"GK-unverified, {c['uncited']} uncited ('corridor sources FILE' lists them)")
