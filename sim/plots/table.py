"""The figure of a table folder (``corridor table``): for one period, each KPI row a panel
of the scenarios' means with their 95 % intervals."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.plots.style import SIGNIFICANT, fmt_number

MAX_PANELS = 12


def table_period(table: pd.DataFrame) -> str:
    """The period the figure shows: the last year the table holds (its run totals when it
    holds no year)."""
    years = [p for p in table["period"].unique() if p != "run"]
    return max(years) if years else "run"


def table_figure(table: pd.DataFrame, facts: dict, folder: Path) -> Path:
    """Draw ``table_<period>.png`` into ``folder``: up to :data:`MAX_PANELS` KPI rows of
    the figure's period (:func:`table_period`), a horizontal bar per scenario with its
    95 % interval; returns the file."""
    period = table_period(table)
    rows = table[table["period"] == period].head(MAX_PANELS)
    columns = [s["column"] for s in facts["scenarios"]]
    n = max(len(rows), 1)
    ncol = 2 if n > 1 else 1
    nrow = math.ceil(n / ncol)
    height = 0.9 + 0.28 * len(columns)
    fig, axes = plt.subplots(nrow, ncol, figsize=(11, 0.6 + height * nrow), squeeze=False)
    y = np.arange(len(columns))[::-1]
    for ax, r in zip(axes.flat, rows.to_dict("records")):
        mean = np.array([r[f"{c} mean"] for c in columns], float)
        lo = np.array([r[f"{c} ci95_low"] for c in columns], float)
        hi = np.array([r[f"{c} ci95_high"] for c in columns], float)
        ok = np.isfinite(mean)
        ax.barh(y[ok], mean[ok], color=SIGNIFICANT, alpha=0.75, height=0.6)
        band = ok & np.isfinite(lo) & np.isfinite(hi)
        ax.errorbar(mean[band], y[band], xerr=[mean[band] - lo[band], hi[band] - mean[band]],
                    fmt="none", ecolor="black", elinewidth=1, capsize=2)
        right = np.where(band, np.fmax(hi, mean), mean)  # the label right of the interval
        for yi, m, x in zip(y[ok], mean[ok], right[ok]):
            ax.annotate(fmt_number(m), (x, yi), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=6.5)
        ax.set_yticks(y)
        ax.set_yticklabels(columns, fontsize=7)
        unit = f" ({r['unit']})" if r["unit"] and f"({r['unit']})" not in r["label"] else ""
        ax.set_title(f"{r['label']}{unit}", fontsize=8, loc="left")
        ax.tick_params(axis="x", labelsize=7)
        ax.margins(x=0.15)
    for ax in list(axes.flat)[len(rows):]:
        ax.set_visible(False)
    label = "the whole run" if period == "run" else period
    fig.suptitle(f"{len(columns)} scenarios side by side, {label}: mean and 95 % interval "
                 "over replications", fontsize=9)
    fig.tight_layout()
    out = folder / f"table_{period}.png"
    fig.savefig(out, dpi=130)
    plt.close(fig)
    return out


__all__ = ["table_figure", "table_period"]
