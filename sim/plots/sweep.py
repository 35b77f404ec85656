"""Figures of a sweep folder (``corridor sweep`` + ``corridor analyze``), from its files
only (``sweep.json``, ``runs.parquet``, ``indices.csv``): a tornado (oat), mu*-sigma
(morris), S1/ST bars (sobol) or rank correlations (lhs, grid) per output, and each output
against each parameter; :func:`sweep_figures` reads the folder and yields its figure set.

Each plot function takes a DataFrame (and what it needs to label it) and an optional
``ax``, draws, and returns the ``ax``.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.io.drivers import RANKED_BY, TOP, base_scenario, top_drivers
from sim.io.folders import Folder
from sim.plots.style import new_ax
from sim.plots.types import Figures, Tables
from sim.scenario.problems import WHOLE_FILE, ConfigError, Problem

BLUE, ORANGE, GREY = "#1f77b4", "#ff7f0e", "#7f7f7f"


def _ax(ax, size=(7.5, 4.0)):
    return new_ax(ax, size)


def _label(output: str, unit: str) -> str:
    return f"{output} ({unit})" if unit else output


def _rows(indices: pd.DataFrame, output: str, index: str) -> pd.DataFrame:
    return indices[(indices.output == output) & (indices["index"] == index)]


def tornado(indices: pd.DataFrame, output: str, unit: str = "", ax=None):
    """OAT: the output with each parameter at the low and at the high end of its range,
    the others at their base values; bars sorted by swing, 95 % intervals as whiskers."""
    ax = _ax(ax)
    lo = _rows(indices, output, "y_low").set_index("parameter")
    hi = _rows(indices, output, "y_high").set_index("parameter")
    swing = _rows(indices, output, "swing").set_index("parameter")["value"].abs()
    order = swing.sort_values().index.tolist()
    base = float(_rows(indices, output, "y_base")["value"].iloc[0])
    y = np.arange(len(order))
    for k, p in enumerate(order):
        for off, frame, colour, name in ((-0.15, lo, BLUE, "parameter at low end"),
                                         (0.15, hi, ORANGE, "parameter at high end")):
            v = frame.loc[p, "value"]
            ax.barh(k + off, v - base, left=base, color=colour, alpha=0.85, height=0.3,
                    label=name if k == 0 else None)
            a, b = frame.loc[p, "ci95_low"], frame.loc[p, "ci95_high"]
            if a == a:
                ax.plot([a, b], [k + off, k + off], color="black", lw=1)
    ax.axvline(base, color=GREY, lw=1, ls="--")
    ax.set_yticks(y, order)
    ax.set_xlabel(_label(output, unit))
    ax.set_title(f"{output}: one parameter at a time\n(low and high end of each range; "
                 "whiskers: paired 95 % CI of the change)", fontsize=9)
    ax.legend(loc="lower right", fontsize=8)
    return ax


def morris(indices: pd.DataFrame, output: str, unit: str = "", ax=None):
    """Morris: mu* (mean absolute elementary effect over the parameter's whole range)
    against sigma (its spread: interactions or non-linearity), with mu*'s 95 % interval."""
    ax = _ax(ax, (6.5, 4.5))
    ms = _rows(indices, output, "mu_star").set_index("parameter")
    sd = _rows(indices, output, "sigma").set_index("parameter")["value"]
    x = ms["value"]
    ax.errorbar(x, sd.reindex(x.index), xerr=[x - ms["ci95_low"], ms["ci95_high"] - x],
                fmt="o", color=BLUE, ecolor=GREY, capsize=3)
    for p in x.index:
        ax.annotate(p, (x[p], sd[p]), textcoords="offset points", xytext=(4, 4), fontsize=8)
    top = np.nanmax(np.r_[x.to_numpy(), sd.to_numpy(), 0.0])
    ax.plot([0, top], [0, top], color=GREY, lw=0.8, ls=":")
    ax.set_xlabel(f"mu* ({unit or 'output units'} per full range)")
    ax.set_ylabel(f"sigma ({unit or 'output units'})")
    ax.set_title(f"{output}: Morris screening (dotted: sigma = mu*)")
    return ax


def sobol(indices: pd.DataFrame, output: str, unit: str = "", ax=None):
    """Sobol: first-order (S1) and total (ST) indices per parameter, bootstrap 95 % CIs."""
    ax = _ax(ax)
    s1 = _rows(indices, output, "S1").set_index("parameter")
    st = _rows(indices, output, "ST").set_index("parameter")
    order = st["value"].sort_values(ascending=False).index.tolist()
    x = np.arange(len(order))
    for off, frame, colour, name in ((-0.2, s1, BLUE, "S1 (alone)"),
                                     (0.2, st, ORANGE, "ST (with interactions)")):
        v = frame.loc[order, "value"].to_numpy()
        err = [v - frame.loc[order, "ci95_low"].to_numpy(),
               frame.loc[order, "ci95_high"].to_numpy() - v]
        ax.bar(x + off, v, width=0.4, color=colour, yerr=err, capsize=3, label=name)
    ax.set_xticks(x, order, rotation=20, ha="right")
    ax.set_ylabel("share of the output's variance (–)")
    ax.set_ylim(min(0.0, ax.get_ylim()[0]), max(1.0, ax.get_ylim()[1]))
    ax.set_title(f"{output}: Sobol indices ({_label('', unit).strip() or 'no unit'})")
    ax.legend(fontsize=8)
    return ax


def correlations(indices: pd.DataFrame, output: str, unit: str = "", ax=None):
    """LHS / grid: Spearman rank correlation of the output with each parameter (95 % CI)."""
    ax = _ax(ax)
    r = _rows(indices, output, "spearman").set_index("parameter")
    order = r["value"].abs().sort_values().index.tolist()
    v = r.loc[order, "value"].to_numpy()
    err = np.nan_to_num([v - r.loc[order, "ci95_low"].to_numpy(),
                         r.loc[order, "ci95_high"].to_numpy() - v])
    ax.barh(np.arange(len(order)), v, xerr=err, color=BLUE, capsize=3)
    ax.set_yticks(np.arange(len(order)), order)
    ax.set_xlim(-1, 1)
    ax.axvline(0, color=GREY, lw=0.8)
    ax.set_xlabel("Spearman rank correlation with the output (–)")
    ax.set_title(f"{output}: rank correlation with each parameter")
    return ax


def scatter(runs: pd.DataFrame, output: str, parameter: str, unit: str = "", ax=None,
            legend: bool = False):
    """One output against one parameter: every run (light) and each design point's mean
    over its replications (dark); whole-number parameters get whole-number ticks."""
    from matplotlib.ticker import MaxNLocator
    ax = _ax(ax, (4.0, 3.2))
    ok = runs[runs.status == "ok"]
    ax.scatter(ok[parameter], ok[output], s=6, color=GREY, alpha=0.35, label="one run")
    means = ok.groupby("point")[[parameter, output]].mean()
    ax.scatter(means[parameter], means[output], s=10, color=BLUE,
               label="design point: mean over replications")
    values = ok[parameter].to_numpy(float)
    if len(values) and np.all(np.mod(values, 1) == 0):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(parameter)
    ax.set_ylabel(_label(output, unit))
    if legend:
        ax.legend(fontsize=7, loc="best")
    return ax


INDEX_PLOT = {"oat": tornado, "morris": morris, "sobol": sobol, "lhs": correlations,
              "grid": correlations}


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text).strip("_")


RUN_COLUMNS = ["point", "replication", "status"]
INDEX_COLUMNS = ["output", "parameter", "index", "value", "ci95_low", "ci95_high"]


def _indices(folder: Folder) -> pd.DataFrame:
    p = folder.file("indices.csv")
    try:
        t = pd.read_csv(p)
    except FileNotFoundError:
        raise ConfigError([Problem(str(p), WHOLE_FILE, "missing (run 'corridor analyze "
                                   f"{folder.path}' first)")]) from None
    except (OSError, ValueError) as e:
        raise ConfigError([Problem(str(p), WHOLE_FILE, f"unreadable ({type(e).__name__}); run "
                                   f"'corridor analyze {folder.path}' again")]) from None
    missing = [c for c in INDEX_COLUMNS if c not in t.columns]
    if missing:
        raise folder.missing_columns("indices.csv", missing, t.columns,
                                     f"run 'corridor analyze {folder.path}' again")
    return t


def sweep_figures(folder: Folder) -> Figures:
    """Per output: its index chart and a panel of scatters against every parameter."""
    man = folder.manifest
    method = man["method"]
    if method not in INDEX_PLOT:
        raise ConfigError([Problem(str(folder.file("sweep.json")), "method", f"'{method}' is "
                                   f"not a sweep method (allowed: {', '.join(INDEX_PLOT)})")])
    params = [p["name"] for p in man["parameters"]]
    outputs = man["outputs"]
    runs = folder.parquet("runs.parquet", RUN_COLUMNS + params + [o["column"] for o in outputs])
    indices = _indices(folder)
    varied = None
    if method == "oat":
        varied = folder.parquet("design.parquet", ["point", "varied"]).sort_values(
            "point")["varied"].to_numpy()
    for o in outputs:
        col, unit = o["column"], o.get("unit", "")
        fig, ax = plt.subplots(figsize=(8.5, 1.2 + 0.45 * max(3, len(params))))
        INDEX_PLOT[method](indices, col, unit, ax=ax)
        fig.tight_layout()
        yield f"{method}_{_slug(col)}", fig
        cols = min(3, len(params))
        rows = math.ceil(len(params) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.9 * rows), squeeze=False)
        for k, p in enumerate(params):
            # oat: the runs that move this parameter, and the base point
            mine = runs if varied is None else runs[runs["point"].isin(
                np.flatnonzero((varied == p) | (varied == "")))]
            scatter(mine, col, p, unit, ax=axes[k // cols][k % cols], legend=k == 0)
            if k % cols:
                axes[k // cols][k % cols].set_ylabel("")
        for k in range(len(params), rows * cols):
            axes[k // cols][k % cols].set_visible(False)
        fig.suptitle(f"{col} against each parameter ({method} design, "
                     f"{man['replications']} replication(s) per point)")
        fig.tight_layout()
        yield f"scatter_{_slug(col)}", fig


def sweep_tables(folder: Folder) -> Tables:
    """What matters most, with the inputs' sources; then the indices of every output
    (without the per-replication ranges)."""
    t = _indices(folder)
    keep = [c for c in ("parameter", "index", "value", "ci95_low", "ci95_high", "rep_low",
                        "rep_high") if c in t.columns]
    return [*drivers_tables(folder), *[
        (f"{out}: {folder.manifest['method']} indices", rows[keep].reset_index(drop=True))
        for out, rows in t.groupby("output", sort=False)]]


def drivers_tables(folder: Folder) -> Tables:
    """The sweep's top drivers per output and where those inputs come from
    (:mod:`sim.io.drivers`); nothing for a method that ranks none."""
    man = folder.manifest
    if man.get("method") not in RANKED_BY:
        return []
    base = base_scenario(man)
    on = f"on {base}" if base is not None else "on a Python model"
    return [(f"What matters most: the top {TOP} drivers of each output ({man['method']} "
             f"{RANKED_BY[man['method']]}, sweep {folder.path} {on}) and their inputs' "
             "sources", top_drivers(man, _indices(folder)))]


def sweep_facts(folder: Folder) -> list[tuple[str, str]]:
    man = folder.manifest
    st = man.get("status") or {}
    return [("spec", str(man.get("spec_path"))), ("method", man["method"]),
            ("design points", f"{man['points']:,}"),
            ("replications per point", str(man["replications"])),
            ("runs", f"{st.get('done', '?')} of {man['runs']:,} done, "
                     f"{st.get('failed', '?')} failed"),
            ("seed", str(man["seed"])), ("parameters", ", ".join(
                f"{p['name']} [{p['low']:g}, {p['high']:g}]" for p in man["parameters"])),
            ("outputs", ", ".join(o["column"] for o in man["outputs"])),
            ("version", str(man.get("package_version")))]
