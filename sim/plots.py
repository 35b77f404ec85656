"""Figures from result files. Each function takes a DataFrame read from a result folder
and an optional matplotlib ``ax``, draws on it and returns it; nothing here imports the
simulation layer or re-runs anything.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

STYLE = {"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False,
         "axes.spines.right": False, "font.size": 9}


def _ax(ax):
    if ax is None:
        _fig, ax = plt.subplots(figsize=(8.5, 4.2))
    return ax


def monthly_boxes_by_crossing(timeseries: pd.DataFrame, ax=None):
    """Boxes arriving at each border crossing per month (mean over replications)."""
    ax = _ax(ax)
    ts = timeseries[(timeseries.kind == "crossing") & (timeseries.metric == "boxes_arrived")]
    reps = ts["replication"].nunique() if "replication" in ts else 1
    monthly = (ts.assign(month=ts["date"].dt.to_period("M").dt.to_timestamp())
               .groupby(["month", "facility"], observed=True)["value"].sum().div(reps)
               .unstack("facility").fillna(0.0))
    order = monthly.sum().sort_values(ascending=False).index
    for fac in order:
        ax.plot(monthly.index, monthly[fac] / 1000, marker="o", ms=2.5, lw=1.4, label=fac)
    ax.set_ylabel("boxes arriving per month (thousands)")
    ax.set_xlabel("month")
    ax.set_title("Boxes arriving at each border crossing (both directions), by month")
    if len(order):
        ax.legend(ncol=len(order), fontsize=8, loc="upper center",
                  bbox_to_anchor=(0.5, -0.18), frameon=False)
    return ax


def transit_time_by_corridor(containers: pd.DataFrame, ax=None):
    """Distribution of transit time, origin terminal to destination terminal, of the boxes
    in ``containers`` that were delivered, per corridor; the legend also counts those
    still in transit at the end of the run."""
    ax = _ax(ax)
    c = containers
    days = (c["delivered"] - c["created"]).dt.total_seconds() / 86400
    corridor = c["corridor"] if "corridor" in c else c["route"].astype(str)
    top = np.nanpercentile(days.to_numpy(), 99.9) if days.notna().any() else 10.0
    bins = np.arange(0, top + 1.0, 0.5)
    for name in sorted(corridor.dropna().unique()):
        m = corridor == name
        done = days[m].dropna()
        pending = int(m.sum() - len(done))
        if len(done):
            ax.hist(done, bins=bins, histtype="step", lw=1.4, density=True,
                    label=f"{name}: {len(done):,} delivered, {pending:,} in transit at end")
    ax.set_xlabel("transit time (days)")
    ax.set_ylabel("share of delivered boxes per day")
    ax.set_title("Transit time, origin terminal to destination terminal, by corridor")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, frameon=False)
    return ax


def save_run_figures(folder, out, fmt: str = "png") -> list[str]:
    """The figure set of a run folder, written into ``out`` (created)."""
    from pathlib import Path
    folder, out = Path(folder), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with plt.rc_context(STYLE):
        ts = pd.read_parquet(folder / "timeseries.parquet")
        ax = monthly_boxes_by_crossing(ts)
        ax.figure.savefig(out / f"monthly_boxes_by_crossing.{fmt}", bbox_inches="tight")
        plt.close(ax.figure)
        written.append(f"monthly_boxes_by_crossing.{fmt}")
        if (folder / "containers.parquet").exists():
            import json
            cfg = json.loads((folder / "manifest.json").read_text())["config"]
            cont = pd.read_parquet(folder / "containers.parquet",
                                   columns=["route", "created", "delivered"])
            # boxes created in the reported horizon (warm-up excluded)
            cont = cont[cont["created"] >= pd.Timestamp(cfg["horizon"]["start"])]
            cont["corridor"] = cont["route"].map(
                {r: v["corridor"] for r, v in cfg["routes"].items()}).astype("object")
            ax = transit_time_by_corridor(cont)
            ax.figure.savefig(out / f"transit_time_by_corridor.{fmt}", bbox_inches="tight")
            plt.close(ax.figure)
            written.append(f"transit_time_by_corridor.{fmt}")
    return written
