"""Figures of a calibration folder (``corridor calibrate``): the fit against the targets,
the posterior of each free parameter, and the objective over the evaluations;
:func:`calibration_figures` reads the folder and yields its figure set."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import LogFormatter, MaxNLocator

from sim.io.folders import Folder
from sim.plots.style import NOT_SIGNIFICANT, SIGNIFICANT, fmt_number, new_ax
from sim.plots.types import Figures, Tables
from sim.scenario.problems import ConfigError, Problem


def calibration_targets(report: pd.DataFrame, ax=None, title: str = ""):
    """Each target's simulated mean and 95 % interval against the published value, as a
    ratio to it; the shaded band is the published value ± 2 standard errors. ``report``:
    target, role, weight, value, sigma, unit, simulated_mean, ci95_low, ci95_high."""
    n = len(report)
    ax = new_ax(ax, (9.5, 1.4 + 0.42 * max(n, 1)))
    y = np.arange(n)[::-1]
    value = report["value"].to_numpy(float)
    scale = np.where(value != 0, np.abs(value), np.nan)
    sim = report["simulated_mean"].to_numpy(float) / scale
    lo = report["ci95_low"].to_numpy(float) / scale
    hi = report["ci95_high"].to_numpy(float) / scale
    band = 2 * report["sigma"].to_numpy(float) / scale
    ref = np.sign(value)
    for yi, c, b in zip(y, ref, band):
        if np.isfinite(b):
            ax.fill_between([c - b, c + b], yi - 0.3, yi + 0.3, color="#c7e9c0", lw=0)
    within = np.abs(sim - ref) <= band
    colours = np.where(within, SIGNIFICANT, "#b2182b")
    ok = np.isfinite(lo) & np.isfinite(hi)
    ax.hlines(y[ok], lo[ok], hi[ok], colors=colours[ok], lw=2)
    weighted = report["weight"].to_numpy(float) > 0
    ax.scatter(sim[weighted], y[weighted], c=colours[weighted], s=30, zorder=3)
    ax.scatter(sim[~weighted], y[~weighted], facecolors="white", s=30, zorder=3,
               edgecolors=colours[~weighted])
    ax.axvline(1, color="black", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{r.target} ({r.role})" for r in report.itertuples(index=False)],
                       fontsize=7.5)
    for yi, r in zip(y, report.itertuples(index=False)):
        ax.annotate(f"published {fmt_number(r.value)} · simulated {fmt_number(r.simulated_mean)} "
                    f"{r.unit}", (1.01, yi), xycoords=("axes fraction", "data"), va="center",
                    fontsize=6.5, color="#444444", annotation_clip=False)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("simulated ÷ published (green band: published ± 2 standard errors)")
    ax.set_title(title or "Calibration targets: simulated against published")
    from matplotlib.lines import Line2D
    ax.legend(handles=[
        Line2D([], [], marker="o", color=SIGNIFICANT, label="simulated mean (line: 95 % CI), "
               "within the band"),
        Line2D([], [], marker="o", color="#b2182b", label="outside the band"),
        Line2D([], [], marker="o", ls="", mfc="white", color="#555555",
               label="weight 0: shown, not fitted")],
        loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    return ax



def posterior_histogram(draws: pd.DataFrame, parameter: str, ax=None,
                        fit: float | None = None, bounds: tuple[float, float] | None = None,
                        label: str | None = None):
    """The draws of one free parameter (``draws``: a column per parameter and
    ``accepted``): accepted draws (the posterior) filled, rejected ones outlined, as a
    histogram, or as one tick per draw when there are fewer than 40; the point fit as a
    line and the parameter's bounds as the axis range when given. ``label``: the x axis
    (default the parameter's name)."""
    ax = new_ax(ax, (4.0, 3.0))
    v = draws[parameter].to_numpy(float)
    acc = draws["accepted"].to_numpy(bool)
    lo, hi = (np.nanmin(v), np.nanmax(v)) if len(v) else (0.0, 1.0)
    if bounds is not None:
        lo, hi = min(lo, bounds[0]), max(hi, bounds[1])
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    if len(v) >= 40:
        bins = np.linspace(lo, hi, 21)
        ax.hist(v[~acc], bins=bins, histtype="step", color=NOT_SIGNIFICANT, lw=1.2,
                label=f"rejected ({(~acc).sum()})")
        ax.hist(v[acc], bins=bins, color=SIGNIFICANT, alpha=0.8,
                label=f"accepted ({acc.sum()})")
        ax.set_ylabel("draws")
    else:
        ax.scatter(v[acc], np.ones(acc.sum()), marker="|", s=300, color=SIGNIFICANT,
                   label=f"accepted ({acc.sum()})")
        ax.scatter(v[~acc], np.zeros((~acc).sum()), marker="|", s=300,
                   color=NOT_SIGNIFICANT, label=f"rejected ({(~acc).sum()})")
        ax.set_yticks([0, 1])
        ax.set_yticklabels(["rejected", "accepted"])
        ax.set_ylim(-0.8, 2.2)
        ax.grid(axis="y", visible=False)
    if fit is not None:
        ax.axvline(fit, color="#b2182b", lw=1.2, label=f"point fit {fit:.4g}")
    ax.set_xlim(lo - 0.02 * (hi - lo), hi + 0.02 * (hi - lo))
    ax.set_xlabel(label or parameter)
    ax.set_title(parameter)
    ax.legend(fontsize=7, loc="upper right", ncol=3 if len(v) < 40 else 1)
    return ax


class PlainLogFormatter(LogFormatter):
    """The labels of a log axis as plain numbers (``fmt_number``: 20, 100, 1,000), the
    ticks labelled as matplotlib's own log formatter labels them."""

    def _num_to_string(self, x, vmin, vmax):
        return fmt_number(x)


def objective_trace(evaluations: pd.DataFrame, ax=None):
    """The calibration objective of every evaluation in order, and the best so far
    (``evaluations``: objective, one row per evaluation in the order run)."""
    ax = new_ax(ax)
    obj = evaluations["objective"].to_numpy(float)
    x = np.arange(1, len(obj) + 1)
    ax.scatter(x, obj, s=12, color=NOT_SIGNIFICANT, label="evaluation")
    best = np.fmin.accumulate(np.where(np.isfinite(obj), obj, np.inf)) if len(obj) else obj
    ax.step(x, np.where(np.isfinite(best), best, np.nan), where="post", color=SIGNIFICANT,
            lw=1.5, label="best so far")
    if len(obj) and (obj[np.isfinite(obj)] > 0).all():
        ax.set_yscale("log")
        # plain numbers: the style shows text as written (text.parse_math off), so the
        # default labels of a log axis would read '$\mathdefault{10^{2}}$'
        ax.yaxis.set_major_formatter(PlainLogFormatter(labelOnlyBase=False))
        ax.yaxis.set_minor_formatter(PlainLogFormatter(labelOnlyBase=False,
                                                       minor_thresholds=(1, 0.4)))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("evaluation (in the order run; ABC draws follow the fit)")
    ax.set_ylabel("objective: weighted sum of squared z-scores")
    ax.set_title("Calibration objective over the evaluations")
    ax.legend()
    return ax


# -- the figure set, tables and facts of a calibration folder ----------------------

def calibration_report(folder: Folder) -> tuple[dict, pd.DataFrame]:
    rep = folder.json("report.json")
    where = str(folder.file("report.json"))
    try:
        frame = pd.DataFrame([{
            "target": t["target"], "role": t.get("role", ""), "weight": float(t["weight"]),
            "value": float(t["value"]), "sigma": float(t["sigma"]), "unit": t["unit"],
            "simulated_mean": float("nan") if t["simulated_mean"] is None
            else float(t["simulated_mean"]),
            "ci95_low": float("nan") if not t.get("ci95") or t["ci95"][0] is None
            else float(t["ci95"][0]),
            "ci95_high": float("nan") if not t.get("ci95") or t["ci95"][1] is None
            else float(t["ci95"][1]),
            "z": float("nan") if t.get("z") is None else float(t["z"])}
            for t in rep["targets"]])
        params = dict(rep["parameters"])
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise ConfigError([Problem(where, "targets", f"not a calibration report "
                                   f"({type(e).__name__}: {e})")]) from None
    return params, frame


def calibration_figures(folder: Folder) -> Figures:
    params, report = calibration_report(folder)
    yield "calibration_targets", calibration_targets(report).figure
    if folder.has("posterior.parquet"):
        post = folder.parquet("posterior.parquet")
        if "accepted" not in post.columns:
            raise folder.missing_columns("posterior.parquet", ["accepted"], post.columns)
        names = [c for c in post.columns if c not in ("objective", "accepted")]
        bounds = folder.manifest.get("parameters", {})
        cols = min(3, max(1, len(names)))
        rows_ = math.ceil(len(names) / cols)
        fig, axes = plt.subplots(rows_, cols, figsize=(4.2 * cols, 3.2 * rows_),
                                 squeeze=False)
        paths = (folder.json("posterior.json").get("paths", {})
                 if folder.has("posterior.json") else {})
        for ax, p in zip(axes.flat, names):
            b = bounds.get(p)
            where = paths.get(p) or (b or {}).get("paths") or []
            where = [where] if isinstance(where, str) else list(where)
            label = (where[0] + (f" (and {len(where) - 1} more)" if len(where) > 1 else "")
                     if where else p)
            posterior_histogram(post, p, ax, fit=params.get(p), bounds=(
                (b["low"], b["high"]) if isinstance(b, dict) and "low" in b else None),
                label=label)
        for ax in list(axes.flat)[len(names):]:
            ax.set_visible(False)
        fig.suptitle(f"Posterior of each free parameter: rejection ABC, {len(post)} draws, "
                     f"{int(post['accepted'].sum())} accepted"
                     + (" (axis: the parameter's bounds)" if bounds else ""))
        fig.tight_layout()
        yield "calibration_posterior", fig
    else:
        folder.notes.append("no posterior figure: the folder has no posterior.parquet (run "
                            "'corridor calibrate ... --abc N' to draw one)")
    if folder.has("evaluations.jsonl"):
        ev = pd.DataFrame([{"objective": float(r.get("objective", math.nan))}
                           for r in folder.jsonl("evaluations.jsonl")])
        yield "calibration_objective", objective_trace(ev).figure


def calibration_tables(folder: Folder) -> Tables:
    params, report = calibration_report(folder)
    targets = pd.DataFrame({
        "target": report["target"], "role": report["role"], "weight": report["weight"],
        "published ± 2 SE": [f"{fmt_number(v)} ± {fmt_number(2 * s)}" for v, s in
                      zip(report["value"], report["sigma"])],
        "simulated [95 % CI]": [
            f"{fmt_number(m)} [{fmt_number(lo)}, {fmt_number(hi)}]" for m, lo, hi in
            zip(report["simulated_mean"], report["ci95_low"], report["ci95_high"])],
        "unit": report["unit"], "z": report["z"].map(lambda v: f"{v:+.2f}")})
    bounds = folder.manifest.get("parameters", {})
    post = folder.parquet("posterior.parquet") if folder.has("posterior.parquet") else None
    rows = []
    for p, v in params.items():
        b = bounds.get(p) or {}
        kept = post.loc[post["accepted"], p] if post is not None and p in post else None
        rows.append({"parameter": p, "fit": f"{v:.4g}",
                     "bounds": f"{b['low']:.4g} .. {b['high']:.4g}" if "low" in b else "–",
                     "accepted ABC draws": "–" if kept is None or kept.empty else
                     f"{kept.min():.4g} .. {kept.max():.4g} ({len(kept)})"})
    return [("Targets: published against simulated", targets),
            ("Free parameters", pd.DataFrame(rows))]


def calibration_facts(folder: Folder) -> list[tuple[str, str]]:
    m = folder.manifest
    if not m:
        return [("manifest", "none (a folder written before calibration folders had one)")]
    return [("base scenario", str(m.get("base_scenario"))),
            ("seed", f"{m.get('seed')} ({m.get('replications')} replication(s) per "
                     "evaluation)"),
            *_fit_facts(folder),
            ("version", f"corridor-sim {m.get('package_version')}, commit "
                        f"{m.get('git_commit')}"),
            ("command", " ".join(m.get("command") or []) or "–")]


def _fit_facts(folder: Folder) -> list[tuple[str, str]]:
    """The fit's objective and whether it converged, and the ABC draws kept (what the
    command printed; the files of an older folder may lack some of it)."""
    facts = []
    rep = folder.json("report.json") if folder.has("report.json") else {}
    if isinstance(rep, dict) and isinstance(rep.get("objective"), (int, float)):
        status = {True: "; converged", False: "; stopped at the budget before converging"
                  }.get(bool(rep["converged"]), "") if "converged" in rep else ""
        facts.append(("objective", f"{rep['objective']:.4g} (the weighted sum of squared "
                                   f"z-scores) after {rep.get('evaluations')} "
                                   f"evaluations{status}"))
    post = folder.json("posterior.json") if folder.has("posterior.json") else {}
    if isinstance(post, dict) and {"accepted", "draws", "threshold"} <= set(post):
        facts.append(("ABC", f"{post['accepted']} of {post['draws']} draws kept (objective "
                             f"within the 95 % threshold {post['threshold']:.3g})"
                             + (f", drawn within ±{post['box']:g} of each parameter's range "
                                "around the fit" if isinstance(post.get("box"), (int, float))
                                else "")))
        facts.append(("ABC threshold", _threshold_fact(post)))
    return facts


def _threshold_fact(post: dict) -> str:
    """What the ABC threshold allows for: the published errors, and the simulation's
    noise in the mean of the replications (each target's allowance s² / (R SE²)); a
    folder written before the allowance says so."""
    published, noise = post.get("threshold_published_errors"), post.get("noise")
    if not isinstance(published, (int, float)):
        return ("the published standard errors alone (written before the threshold "
                "allowed for the simulation's noise)")
    if not isinstance(noise, dict) or not isinstance(noise.get("targets"), dict):
        return (f"{published:.3g} from the published standard errors alone (one "
                "replication per evaluation gives no estimate of the simulation's noise)")
    shares = {t: v.get("allowance") for t, v in noise["targets"].items()
              if isinstance(v, dict)}
    per = ", ".join(f"{t} {a:.2f}" for t, a in shares.items()
                    if isinstance(a, (int, float)) and a >= 0.005)
    rest = "; the others below 0.005" if len(per.split(", ")) < len(shares) else ""
    return (f"{published:.3g} from the published standard errors, raised "
            f"{post['threshold'] / published - 1:.0%} for the simulation's noise in the mean "
            f"of {noise.get('replications')} replications: each target's weight times "
            f"1 + s² / (R SE²), s its sd between replications pooled over the draws"
            + (f" (s² / (R SE²): {per}{rest})" if per else ""))
