"""Figures of an appraisal folder (``corridor appraise``): the NPV across the
replications with its mean and 95 % interval, and a waterfall of the present values of
the benefits and costs; :func:`appraisal_figures` reads the folder and yields them."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from sim.io.folders import Folder
from sim.plots.style import NOT_SIGNIFICANT, SIGNIFICANT, new_ax
from sim.plots.types import Figures, Tables
from sim.scenario.problems import WHOLE_FILE, ConfigError, Problem

BENEFIT = "#2e7d32"
COST = "#c62828"
CASHFLOW_COLUMNS = ["year", "item", "category", "replication", "usd", "pv_usd"]


def _musd(v: float) -> str:
    return f"{v / 1e6:,.1f}m" if abs(v) < 1e9 else f"{v / 1e9:,.2f}bn"


def npv_distribution(values: np.ndarray, ci95: tuple[float, float] | None = None,
                     p_positive: float | None = None, ax=None, title: str = ""):
    """The NPV of every replication (USD; a strip of points over a histogram), the mean
    (solid line) and its 95 % interval (band); zero marked. ``p_positive`` goes into the
    title."""
    ax = new_ax(ax, (8.5, 4.0))
    v = np.asarray(values, float) / 1e6
    v = v[np.isfinite(v)]
    if len(v):
        bins = min(max(len(v) // 2, 5), 30)
        ax.hist(v, bins=bins, color=NOT_SIGNIFICANT, alpha=0.5, label="replications")
        top = ax.get_ylim()[1]
        ax.scatter(v, np.full(len(v), top * 0.04), marker="|", s=200, color="black",
                   zorder=3)
        m = float(v.mean())
        ax.axvline(m, color=SIGNIFICANT, lw=2, label=f"mean {m:,.1f}m")
        if ci95 is not None and all(math.isfinite(x) for x in ci95):
            ax.axvspan(ci95[0] / 1e6, ci95[1] / 1e6, color=SIGNIFICANT, alpha=0.15,
                       label="95 % interval of the mean")
    ax.axvline(0, color="black", lw=0.8, ls="--")
    ax.set_xlabel("NPV, million USD")
    ax.set_ylabel("replications")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # (counts: no quarter ticks)
    head = title or "NPV across replications"
    if p_positive is not None:
        head += f"; P(NPV > 0) = {p_positive:.0%} of {len(v)}"
    ax.set_title(head)
    ax.legend(fontsize=8, loc="upper right")
    return ax


def waterfall(pv: pd.Series, ax=None, title: str = ""):
    """A waterfall of present values (USD, ``pv``: item -> signed PV, benefits +, costs
    -), bar by bar from zero to the NPV (the last bar)."""
    ax = new_ax(ax, (9.5, 4.6))
    values = pv.to_numpy(float) / 1e6
    start = np.concatenate([[0.0], np.cumsum(values)[:-1]])
    colours = [BENEFIT if v >= 0 else COST for v in values]
    x = np.arange(len(values))
    ax.bar(x, values, bottom=start, color=colours, edgecolor="black", lw=0.4)
    total = float(values.sum())
    ax.bar(len(values), total, color=SIGNIFICANT, edgecolor="black", lw=0.4)
    for xi, (s, v) in enumerate(zip(start, values)):
        ax.annotate(f"{v:+,.1f}", (xi, s + v), ha="center",
                    va="bottom" if v >= 0 else "top", fontsize=7)
    ax.annotate(f"{total:+,.1f}", (len(values), total), ha="center",
                va="bottom" if total >= 0 else "top", fontsize=7, fontweight="bold")
    ax.axhline(0, color="black", lw=0.8)
    ends = np.concatenate([[0.0, total], start, start + values])
    lo, hi = float(ends.min()), float(ends.max())
    pad = 0.1 * (hi - lo or 1.0)  # room for the labels above the tallest bar, below the lowest
    ax.set_ylim(lo - pad if lo < 0 else lo, hi + pad)
    ax.set_xticks(list(x) + [len(values)])
    ax.set_xticklabels([*pv.index, "NPV"], rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("present value, million USD")
    ax.set_title(title or "Benefits and costs, discounted")
    return ax


def _cashflows(folder: Folder) -> pd.DataFrame:
    p = folder.file("cashflows.csv")
    try:
        frame = pd.read_csv(p, dtype={"replication": str})
    except (OSError, ValueError) as e:
        raise ConfigError([Problem(str(p), WHOLE_FILE, f"cannot be read ({type(e).__name__}); "
                                   "write the folder again with 'corridor appraise'")]) from None
    missing = [c for c in CASHFLOW_COLUMNS if c not in frame]
    if missing:
        raise folder.missing_columns("cashflows.csv", missing, frame.columns)
    return frame


def present_values(folder: Folder) -> pd.Series:
    """Mean PV by item, the costs of one item summed (capex, opex, residual value)."""
    cf = _cashflows(folder)
    mean = cf[cf["replication"] == "mean"]
    pv = mean.groupby("item", sort=False)["pv_usd"].sum()
    benefits = pv[[i for i in pv.index if ":" not in i]]
    costs = pv[[i for i in pv.index if ":" in i]]
    by_item = costs.groupby([i.split(": ", 1)[1] for i in costs.index], sort=False).sum()
    return pd.concat([benefits, by_item])


def appraisal_figures(folder: Folder) -> Figures:
    s = folder.json("summary.json")
    npv = s.get("npv_usd") or {}
    values = np.array([math.nan if v is None else v for v in npv.get("values", [])], float)
    names = _names(folder.manifest)
    fig, ax = plt.subplots(figsize=(8.5, 4.2))
    npv_distribution(values, tuple(npv["ci95"]) if npv.get("ci95") else None,
                     s.get("p_npv_positive"), ax, f"NPV of {names[0]} against {names[1]}")
    fig.tight_layout()
    yield "npv_distribution", fig
    fig, ax = plt.subplots(figsize=(9.5, 4.8))
    waterfall(present_values(folder), ax, f"{names[0]} against {names[1]}: present values "
              "(mean over replications)")
    fig.tight_layout()
    yield "cost_benefit_waterfall", fig


def _rate(v) -> str:
    return f"{v:.1%} a year" if isinstance(v, (int, float)) else "–"


def _names(m: dict) -> tuple[str, str]:
    return (str((m.get("scenario") or {}).get("scenario")),
            str((m.get("counterfactual") or {}).get("scenario")))


def _shown(metric: str, v) -> str:
    """A figure of merit as the report shows it."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if metric.endswith("_usd"):
        return _musd(float(v))
    if metric in ("eirr", "p_npv_positive"):
        return f"{float(v):.1%}"
    return f"{float(v):.2f}"


def appraisal_tables(folder: Folder) -> Tables:
    s = folder.json("summary.json")
    rows = []
    for k, e in s.items():
        if isinstance(e, dict) and "mean" in e:
            ci = e.get("ci95") or [None, None]
            rows.append({"figure": k, "mean": _shown(k, e["mean"]),
                         "95 % CI": f"[{_shown(k, ci[0])}, {_shown(k, ci[1])}]",
                         "replications": e.get("n")})
    npv = s.get("npv_usd") or {}
    if npv.get("unpaired_ci95_half_width") is not None:
        rows.append({"figure": "npv_usd: 95 % half-width paired (CRN) / unpaired",
                     "mean": "–", "95 % CI": f"±{_shown('_usd', npv.get('ci95_half_width'))}"
                     f" / ±{_shown('_usd', npv['unpaired_ci95_half_width'])}",
                     "replications": npv.get("n")})
    rows.append({"figure": "p_npv_positive", "mean": _shown("p_npv_positive",
                                                            s.get("p_npv_positive")),
                 "95 % CI": "–", "replications": s.get("replications")})
    pv = present_values(folder)
    cf = _cashflows(folder)
    mean = cf[cf["replication"] == "mean"].pivot_table(index="year", columns="item",
                                                       values="usd", sort=False)
    shown = (mean / 1e6).round(2).reset_index()
    return [("Figures of merit (mean and 95 % interval over replications; USD)",
             pd.DataFrame(rows)),
            ("Present value by item (mean)", pd.DataFrame(
                {"item": pv.index, "PV, USD": [_musd(v) for v in pv.to_numpy(float)]})),
            ("Cash flows by year, million USD (mean over replications; costs negative)",
             shown)]


def appraisal_facts(folder: Folder) -> list[tuple[str, str]]:
    m = folder.manifest
    c = m.get("costs") or {}
    a = c.get("appraisal") or {}
    d = a.get("discount") or {}
    names = _names(m)
    last = (a.get("first_year") or 0) + (a.get("period_years") or 0) - 1
    return [("scenario", f"{names[0]} ({(m.get('scenario') or {}).get('folder')})"),
            ("counterfactual", f"{names[1]} ({(m.get('counterfactual') or {}).get('folder')})"),
            ("seed", f"{m.get('seed')}; {m.get('pairs')} paired replication(s)"),
            ("costs file", str(m.get("costs_file"))),
            ("period", f"{a.get('first_year')}-{last}, "
                       f"discounted at {_rate(d.get('rate'))} to {a.get('base_year')}, prices of "
                       f"{a.get('price_year')}"),
            ("notes", "; ".join(m.get("notes") or []) or "–"),
            ("version", f"corridor-sim {m.get('package_version')}"),
            ("command", " ".join(m.get("command") or []) or "–")]
