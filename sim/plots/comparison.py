"""Figures of a comparison folder (``corridor compare``): paired differences and the two
scenarios side by side over time; :func:`comparison_figures` reads the folder (and the
run folders it compared) and yields its figure set."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter

from sim.io.folders import TIMESERIES_COLUMNS, Folder, open_folder
from sim.io.rows import focused, no_pair, relevance, scope_touches, untouched
from sim.measure.headline import COMPARE_HEADLINE
from sim.measure.labels import kpi_label
from sim.plots.style import NOT_SIGNIFICANT, SIGNIFICANT, fmt_number, new_ax, period_band
from sim.plots.types import Figures, Tables
from sim.scenario.kinds import NODE_KINDS
from sim.scenario.problems import WHOLE_FILE, ConfigError, Problem


def forest_rows(table: pd.DataFrame, period: str, headline: list[tuple[str, str]],
                extra: int = 12, touched: Iterable[str] = ()) -> pd.DataFrame:
    """The rows of a comparison table a forest plot shows for ``period``: the headline
    (name, scope) pairs it has, then up to ``extra`` more whose 95 % interval excludes
    zero and that are material: first those of the elements whose inputs differ
    (``touched``), then the rest, each by relevance (relative change times significance,
    :func:`sim.study.compare.relevance`, materiality judged among all the period's rows).
    Rows without a base mean are left out."""
    t = table[(table["period"] == period) & table["base_mean"].notna()
              & (table["base_mean"] != 0)]
    key = list(zip(t["name"], t["scope"]))
    head = [k for k in headline if k in set(key)]
    chosen = t.set_index(["name", "scope"]).loc[head].reset_index() if head else t.iloc[:0]
    others = np.array([k not in set(head) for k in key], dtype=bool)  # (rows, even if none)
    rest = t[others]
    score = relevance(t)[others]
    sig = rest[(score > 0).to_numpy(dtype=bool)]  # significant and material
    ids = set(touched)
    sig = sig.assign(
        near=[not scope_touches(sc, ids) for sc in sig["scope"]],
        score=-score[score > 0].to_numpy()).sort_values(["near", "score", "name", "scope"]
                                                      ).head(extra)
    return pd.concat([chosen, sig.drop(columns=["near", "score"])], ignore_index=True)


def percent_ticks(lo: float, hi: float) -> list[float]:
    """Ticks of a symmetric-log percent axis from ``lo`` to ``hi``: 0 and ±1, 3 in each
    decade that lies within the span (evenly spaced on the log scale), so a change of 40 %
    is read against ±30 % rather than guessed beyond the last power of ten; ±1, 10,
    100 ... alone when that would crowd the axis (over 15 ticks)."""
    top = max(abs(lo), abs(hi), 1.0)
    steps = [m * 10.0 ** k for k in range(int(np.floor(np.log10(top))) + 1)
             for m in (1, 3)]
    ticks = [0.0] + [v for s in steps for v in (-s, s) if lo <= v <= hi]
    if len(ticks) > 15:
        ticks = [v for v in ticks if v == 0 or np.log10(abs(v)).is_integer()]
    if len(ticks) > 15:  # an absurd span (a base near zero): every k-th decade
        k = math.ceil((len(ticks) - 1) / 14)
        ticks = [v for v in ticks if v == 0 or round(np.log10(abs(v))) % k == 0]
    return sorted(ticks)


def forest_plot(rows: pd.DataFrame, ax=None, title: str = ""):
    """Paired differences (other - base) as a share of the base mean, with their 95 %
    intervals, one row per KPI (``rows``: name, scope, unit, base_mean, other_mean,
    diff_mean, diff_ci95_low, diff_ci95_high); dark where the interval excludes zero."""
    n = len(rows)
    ax = new_ax(ax, (9.5, 1.3 + 0.32 * max(n, 1)))
    base = rows["base_mean"].to_numpy(float)
    rel = rows["diff_mean"].to_numpy(float) / np.abs(base) * 100
    lo = rows["diff_ci95_low"].to_numpy(float) / np.abs(base) * 100
    hi = rows["diff_ci95_high"].to_numpy(float) / np.abs(base) * 100
    y = np.arange(n)[::-1]
    sig = (lo > 0) | (hi < 0)
    colours = np.where(sig, SIGNIFICANT, NOT_SIGNIFICANT)
    ax.axvline(0, color="black", lw=0.8)
    ok = np.isfinite(lo) & np.isfinite(hi)
    ax.hlines(y[ok], lo[ok], hi[ok], colors=colours[ok], lw=2)
    ax.scatter(rel, y, c=colours, s=22, zorder=3)
    labels = [kpi_label(r.name, r.scope) for r in rows.itertuples(index=False)]
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=7)
    for yi, r in zip(y, rows.itertuples(index=False)):
        ax.annotate(f"{fmt_number(r.base_mean)} → {fmt_number(r.other_mean)} {r.unit}", (1.01, yi),
                    xycoords=("axes fraction", "data"), va="center", fontsize=6.5,
                    color="#444444", annotation_clip=False)
    ax.grid(axis="y", visible=False)
    ax.set_xscale("symlog", linthresh=1.0)  # 1 % and 300 % both readable
    ax.xaxis.set_major_locator(FixedLocator(percent_ticks(*ax.get_xlim())))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:+g} %" if v else "0"))
    ax.set_xlabel("change, other − base, as % of the base mean (symmetric log scale, linear "
                  "within ±1 %; line: paired 95 % CI)")
    ax.set_title(title or "Paired differences per KPI")
    return ax



def scenario_series(frame: pd.DataFrame, ax=None, ylabel: str = "", title: str = ""):
    """Two scenarios over time: per scenario the mean and a 95 % band (``frame``: date,
    scenario, mean, low, high; NaN bounds: no band)."""
    ax = new_ax(ax)
    for name, part in frame.groupby("scenario", sort=False):
        line = ax.plot(part["date"], part["mean"], lw=1.4, marker="o", ms=2, label=name)[0]
        if part["low"].notna().any():
            ax.fill_between(part["date"], part["low"], part["high"], alpha=0.2, lw=0,
                            color=line.get_color())
    ax.set_ylabel(ylabel)
    ax.set_xlabel("month")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.legend()
    return ax


# -- the figure set, tables and facts of a comparison folder -----------------------

def comparison_table(folder: Folder) -> pd.DataFrame:
    cols = ["name", "period", "scope", "unit", "base_mean", "other_mean", "diff_mean",
            "diff_ci95_low", "diff_ci95_high", "rel_change"]
    try:
        t = pd.read_csv(folder.file("comparison.csv"), dtype={"period": str})
    except FileNotFoundError:
        raise ConfigError([Problem(str(folder.file("comparison.csv")), WHOLE_FILE,
                                   "missing (write the comparison again)")]) from None
    except (OSError, ValueError) as e:
        raise ConfigError([Problem(str(folder.file("comparison.csv")), WHOLE_FILE,
                                   f"not a readable table ({e})")]) from None
    missing = [c for c in cols if c not in t.columns]
    if missing:
        raise folder.missing_columns("comparison.csv", missing, t.columns)
    return t


def _last_year(table: pd.DataFrame) -> str:
    years = sorted(p for p in set(table["period"]) if p != "run")
    return years[-1] if years else "run"


def _view(folder: Folder, t: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The comparison's rows to show and its headline (name, scope) pairs: those of the
    focus it was written with (``corridor compare --kpi/--scope``), else all rows and
    :data:`COMPARE_HEADLINE`."""
    focus = folder.manifest.get("focus") or {}
    kpis, scopes = tuple(focus.get("kpis") or ()), tuple(focus.get("scopes") or ())
    if not (kpis or scopes):
        return t, list(COMPARE_HEADLINE)
    view = focused(t, kpis, scopes)
    return view, list(dict.fromkeys(zip(view["name"], view["scope"])))


def comparison_figures(folder: Folder) -> Figures:
    t = comparison_table(folder)
    m = folder.manifest
    view, headline = _view(folder, t)
    year = _last_year(view)
    rows = forest_rows(view, year, headline, touched=m.get("touched") or ())
    names = pair_names(m)
    ax = forest_plot(rows, title=f"{names[1]} − {names[0]}, {year}: paired "
                               f"differences ({m.get('pairs')} pairs, common random numbers)")
    yield "forest_plot", ax.figure
    yield "scenario_series", comparison_series_figure(folder, t)


def pair_names(m: dict) -> tuple[str, str]:
    b, o = m.get("base", {}), m.get("other", {})
    names = (str(b.get("scenario")), str(o.get("scenario")))
    if names[0] == names[1]:
        names = (str(b.get("folder")), str(o.get("folder")))
    return names


# (series kind, metric, monthly sum or mean, label): the vessel services', then each
# facility kind's that the kind registry says it yields
SERIES = [("service", "teu_sailed", "sum", "TEU sailed per month"),
          *[(k.section, metric, how, label) for metric, how, label in (
              ("boxes_arrived", "sum", "boxes arriving per month"),
              ("yard_teu", "mean", "TEU in the yard (monthly mean)"),
              ("queue_trains", "mean", "trains waiting (monthly mean)"))
            for k in NODE_KINDS.values() if k.section and metric in k.series]]


def _source(folder: Folder, side: str) -> Folder | None:
    """The run folder a comparison compared (as named in its manifest, or beside the
    comparison folder), if it still holds the run compared (same config hash and seed)."""
    facts = folder.manifest.get(side) or {}
    given = facts.get("folder") if isinstance(facts, dict) else None
    if not given:
        return None
    for p in (folder.path.parent / Path(given).name, Path(given)):
        if p.is_dir():
            run = open_folder(p, {"run"})
            same = (run.manifest.get("config_hash") == facts.get("config_hash")
                    and run.manifest.get("seed") == folder.manifest.get("seed"))
            return run if same else None
    return None


def comparison_series_figure(folder: Folder, table: pd.DataFrame):
    """Monthly series of both scenarios with 95 % bands over replications, for the four
    facility series that differ most; from the compared run folders' daily series (or,
    if they are gone, the yearly KPI means of the comparison, without bands)."""
    names = pair_names(folder.manifest)
    base, other = _source(folder, "base"), _source(folder, "other")
    if base is None or other is None:
        folder.notes.append("scenario series from the comparison's yearly means, without "
                            "bands: the compared run folders were not found, or have been "
                            "run again since")
        return _yearly_series_figure(table, names)
    frames = {}
    for name, src in zip(names, (base, other)):
        ts = src.parquet("timeseries.parquet", TIMESERIES_COLUMNS + ["replication"])
        frames[name] = ts[ts["metric"].isin({s[1] for s in SERIES})]
    picked = []
    for kind, metric, how, label in SERIES:
        per = {}
        for name, ts in frames.items():
            part = ts[(ts["kind"] == kind) & (ts["metric"] == metric)]
            per[name] = {f: b.rename_axis("date").reset_index()
                         for f, b in period_band(part, "M", how).items()}
        facilities = set.intersection(*(set(p.keys()) for p in per.values()))
        for fac in facilities:
            a, b = per[names[0]][fac], per[names[1]][fac]
            size = float((b["mean"] - a["mean"]).abs().sum())
            scale = float(a["mean"].abs().sum() + b["mean"].abs().sum())
            if scale > 0:
                picked.append((size / scale, scale, fac, kind, metric, label, a, b))
    picked.sort(key=lambda x: (-x[0], -x[1], x[2], x[4]))
    picked = picked[:4]
    n = max(1, len(picked))
    fig, axes = plt.subplots((n + 1) // 2, 2 if n > 1 else 1, figsize=(12, 3.6 * ((n + 1) // 2)),
                             squeeze=False)
    for ax, (_d, _s, fac, kind, metric, label, a, b) in zip(axes.flat, picked):
        frame = pd.concat([a.assign(scenario=names[0]), b.assign(scenario=names[1])])
        scenario_series(frame, ax, ylabel=label, title=f"{fac} ({kind}): {metric}")
    for ax in list(axes.flat)[len(picked):]:
        ax.set_visible(False)
    fig.suptitle(f"{names[0]} and {names[1]}: the facility series that differ most "
                 "(band: 95 % CI over replications)")
    fig.tight_layout()
    return fig


def _yearly_series_figure(table: pd.DataFrame, names: tuple[str, str]):
    keys = [k for k in COMPARE_HEADLINE
            if ((table["name"] == k[0]) & (table["scope"] == k[1])).any()][:4]
    n = max(1, len(keys))
    fig, axes = plt.subplots((n + 1) // 2, 2 if n > 1 else 1, figsize=(12, 3.6 * ((n + 1) // 2)),
                             squeeze=False)
    for ax, (name, scope) in zip(axes.flat, keys):
        t = table[(table["name"] == name) & (table["scope"] == scope)
                  & (table["period"] != "run")].sort_values("period")
        dates = pd.to_datetime(t["period"].astype(str) + "-07-01")
        frame = pd.concat([pd.DataFrame({"date": dates, "mean": t[col], "low": np.nan,
                                         "high": np.nan, "scenario": nm})
                           for col, nm in (("base_mean", names[0]), ("other_mean", names[1]))])
        scenario_series(frame, ax, ylabel=str(t["unit"].iloc[0]) if len(t) else "",
                                  title=f"{name} · {scope} (yearly mean)")
        ax.set_xlabel("year")
    for ax in list(axes.flat)[len(keys):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def comparison_tables(folder: Folder) -> Tables:
    t = comparison_table(folder)
    view, headline = _view(folder, t)
    year = _last_year(view)
    rows = forest_rows(view, year, headline, extra=30,
                       touched=folder.manifest.get("touched") or ())

    def shown(frame: pd.DataFrame) -> pd.DataFrame:
        found = frame["found_in"] if "found_in" in frame else pd.Series("both", frame.index)
        return pd.DataFrame({
            "KPI": [kpi_label(n, sc) for n, sc in zip(frame["name"], frame["scope"])],
            "code": [f"{n} · {sc}" for n, sc in zip(frame["name"], frame["scope"])],
            "period": frame["period"],
            "unit": frame["unit"], "base": frame["base_mean"].map(fmt_number),
            "other": frame["other_mean"].map(fmt_number),
            "difference [95 % CI]": [
                _no_difference(f, b, o, d) or (
                    f"{fmt_number(d)} [{fmt_number(lo)}, {fmt_number(hi)}]" if lo == lo
                    else fmt_number(d))
                for d, lo, hi, f, b, o in zip(
                    frame["diff_mean"], frame["diff_ci95_low"], frame["diff_ci95_high"],
                    found, frame["base_mean"], frame["other_mean"])],
            "relative": frame["rel_change"].map(lambda v: "–" if v != v else f"{v:+.1%}")})
    head = view[[(n, s) in set(headline) for n, s in zip(view["name"], view["scope"])]]
    head = head[head["period"] != "run"].sort_values(["name", "scope", "period"])
    same = untouched(head)  # years before a dated change, KPIs it does not reach
    head = head[~same]
    differ = pd.DataFrame(folder.manifest.get("inputs_differ") or [],
                          columns=["path", "base", "other"]).astype(str)
    n_differ = folder.manifest.get("inputs_differ_count", len(differ))
    every = "Headline KPIs, every year (other − base)" + (
        "" if not same.any() else
        f"; all {int(same.sum())} rows are identical in every replication" if head.empty
        else f"; {int(same.sum())} more rows identical in every replication are not shown")
    return [(every, shown(head)),
            (f"{year}: the headline and the largest significant changes (the elements "
             "whose inputs differ first)", shown(rows)),
            (f"Inputs that differ ({n_differ}; the first {min(n_differ, 60)})",
             differ.head(60))]



def _no_difference(found: object, base: float, other: float, diff: float = 0.0
                   ) -> str | None:
    """Why a comparison row has no difference (:func:`sim.io.rows.no_pair`), in the
    report's words (the value the other side has is in its column); None otherwise."""
    why = no_pair(found, base, other, diff)
    if why is None:
        return None
    kind, _side, lack = why
    return {"row": f"none: the {lack} has no such row",
            "value": f"none: no value in the {lack}",
            "pair": "none: no replication has both values"}[kind]


def touched_line(m: dict) -> str:
    """What a comparison's report says of the elements whose inputs differ: their ids,
    those only a dated change touches marked so; or why there are none. (A comparison
    written before dated changes were traced to their elements says so.)"""
    touched = [str(e) for e in m.get("touched") or []]
    dated = set(m.get("touched_by_timeline") or [])
    paths = [d.get("path") for d in m.get("inputs_differ") or [] if isinstance(d, dict)]
    untraced = "timeline" in paths and "touched_by_timeline" not in m
    if touched:
        ids = ", ".join(f"{e} (a dated change)" if e in dated else e for e in touched)
        return ids + ("; dated changes not traced: see inputs that differ" if untraced
                      else "")
    if not paths:
        return "none (the same inputs)"
    if untraced:
        return "none traced (dated changes: see inputs that differ)"
    return "none: global inputs only (see inputs that differ)"


def comparison_facts(folder: Folder) -> list[tuple[str, str]]:
    m = folder.manifest
    b, o = m.get("base", {}), m.get("other", {})
    h = m.get("horizon") or {}
    one_sided = [len(m.get(k) or []) for k in ("only_in_base", "only_in_other")]
    return [("base", f"{b.get('scenario')} ({b.get('folder')}, {b.get('replications')} "
                     "replication(s))"),
            ("base: what it is", b.get("description") or "–"),
            ("other", f"{o.get('scenario')} ({o.get('folder')}, {o.get('replications')} "
                      "replication(s))"),
            ("other: what it is", o.get("description") or "–"),
            ("elements whose inputs differ", touched_line(m)),
            ("KPI rows in one folder only", f"{one_sided[0]} in the base, {one_sided[1]} in "
             "the other (comparison.csv, column found_in)"),
            ("seed", f"{m.get('seed')}; {m.get('pairs')} paired replication(s)"),
            ("horizon", f"{h.get('start')} to {h.get('end')} (exclusive)"),
            ("version", f"corridor-sim {m.get('package_version')}"),
            ("command", " ".join(m.get("command") or []) or "–")]
