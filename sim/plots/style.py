"""One look for every figure: the Agg backend, one rc style, and small helpers the plot
modules share."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.rcsetup import cycler  # noqa: E402

STYLE: dict[Any, Any] = {
         "figure.dpi": 110, "savefig.dpi": 110, "axes.grid": True, "grid.alpha": 0.3,
         "axes.spines.top": False, "axes.spines.right": False, "font.size": 9,
         "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8,
         "legend.frameon": False, "xtick.labelsize": 8, "ytick.labelsize": 8,
         "savefig.bbox": "tight", "svg.hashsalt": "corridor-sim",
         "text.parse_math": False,   # names from folders and scenarios are shown as written
         "axes.prop_cycle": cycler(color=[
             "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
             "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#e7969c"])}

# congestion and utilisation on 0..1: light orange (idle) to dark red (saturated), one hue
# family so that more is darker, and every shade visible on the map's land and on white
UTILISATION_CMAP = "corridor_congestion"
if UTILISATION_CMAP not in matplotlib.colormaps:
    from matplotlib.colors import LinearSegmentedColormap
    matplotlib.colormaps.register(LinearSegmentedColormap.from_list(
        UTILISATION_CMAP, ["#fdd49e", "#fc8d59", "#e34a33", "#b30000", "#4d0000"]))
SIGNIFICANT = "#1f4e79"   # a difference whose 95 % interval excludes zero
NOT_SIGNIFICANT = "#9a9a9a"


def new_ax(ax=None, size: tuple[float, float] = (8.5, 4.2)):
    """``ax`` itself, or the axes of a new figure of ``size`` inches."""
    if ax is None:
        _fig, ax = plt.subplots(figsize=size)
    return ax


def thousands(unit: str) -> tuple[float, str]:
    """Scale and axis unit for counts: thousands of containers or TEU, else as is."""
    if unit in ("containers", "TEU", "boxes"):
        return 1e-3, f"thousand {'boxes' if unit == 'containers' else unit}"
    return 1.0, unit


def monthly_mean_over_replications(frame: pd.DataFrame, how: str = "sum") -> pd.DataFrame:
    """A long daily frame (date, facility, value[, replication]) as months x facilities:
    per replication the monthly sum (``how="sum"``: counts) or mean (``"mean"``: levels,
    fractions), then the mean over replications."""
    f = frame.assign(month=frame["date"].dt.to_period("M").dt.to_timestamp())
    if "replication" not in f:
        f = f.assign(replication=0)
    g = f.groupby(["replication", "month", "facility"], observed=True)["value"]
    per_rep = g.sum() if how == "sum" else g.mean()
    return per_rep.groupby(level=["month", "facility"], observed=True).mean().unstack(
        "facility")


def period_band(frame: pd.DataFrame, freq: str = "W", how: str = "mean"
                ) -> dict[str, pd.DataFrame]:
    """A long daily frame (date, facility, value[, replication]) per facility and period
    (``freq``: "W" weeks, "M" months): per replication the period's mean (``how="mean"``:
    levels) or sum (``"sum"``: counts), then the mean over replications and its 95 %
    t-interval (NaN with one replication). Frames indexed by the period's first day."""
    from scipy.special import stdtrit  # Student's t quantile; lighter than scipy.stats
    f = frame.assign(period=frame["date"].dt.to_period(freq).dt.start_time)
    if "replication" not in f:
        f = f.assign(replication=0)
    g = f.groupby(["facility", "period", "replication"], observed=True)["value"]
    per_rep = g.sum() if how == "sum" else g.mean()
    by = per_rep.groupby(level=["facility", "period"], observed=True)
    out = pd.DataFrame({"mean": by.mean(), "sd": by.std(ddof=1), "n": by.count()})
    t = stdtrit(np.maximum(out["n"] - 1, 1), 0.975)
    half = np.where(out["n"] > 1, t * out["sd"] / np.sqrt(out["n"]), np.nan)
    out["low"], out["high"] = out["mean"] - half, out["mean"] + half
    return {fac: part.droplevel("facility")[["mean", "low", "high"]]
            for fac, part in out.groupby(level="facility", observed=True)}


def fmt_number(v: float) -> str:
    """A number for a label or table: thousands separated from 100 on, else 3 digits."""
    if v != v:
        return "–"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def month_labels(ax, months: list[pd.Timestamp], every: int | None = None) -> None:
    """Month tick labels (``2024-03``) on a categorical x axis, thinned to about 24."""
    n = len(months)
    step = every or max(1, int(np.ceil(n / 24)))
    ticks = list(range(0, n, step))
    ax.set_xticks(ticks)
    ax.set_xticklabels([months[i].strftime("%Y-%m") for i in ticks], rotation=90)
