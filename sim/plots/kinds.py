"""What each kind of result folder turns into: its figure set, its report tables and its
facts, in one registry (:data:`KINDS`), and the figure set written atomically.

A figure set is a generator of (file stem, drawn figure) pairs: ``corridor plot`` saves
them, ``corridor report`` embeds them. To teach the tools a new kind of folder, add a
:class:`Kind` to :data:`KINDS` under the manifest's ``kind``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt

from sim.io.atomic import folder_replacing
from sim.io.folders import Folder, open_folder
from sim.plots.appraisal import appraisal_facts, appraisal_figures, appraisal_tables
from sim.plots.calibration import calibration_facts, calibration_figures, calibration_tables
from sim.plots.comparison import comparison_facts, comparison_figures, comparison_tables, pair_names
from sim.plots.optimize import optimize_facts, optimize_figures, optimize_tables
from sim.plots.run import run_facts, run_figures, run_tables
from sim.plots.style import STYLE
from sim.plots.sweep import sweep_facts, sweep_figures, sweep_tables
from sim.plots.types import Figures, Tables
from sim.scenario.problems import ConfigError, Problem


@dataclass(frozen=True)
class Kind:
    """How one kind of result folder is drawn and reported."""

    figures: Callable[[Folder], Figures]
    tables: Callable[[Folder], Tables]
    facts: Callable[[Folder], list[tuple[str, str]]]
    title: Callable[[Folder], str]
    needs: tuple[str, ...] = ()     # manifest keys the figures read


KINDS: dict[str, Kind] = {
    "run": Kind(run_figures, run_tables, run_facts,
                lambda f: f"Run: {f.manifest.get('scenario')}", ("scenario", "horizon")),
    "comparison": Kind(comparison_figures, comparison_tables, comparison_facts,
                       lambda f: "Comparison: {1} against {0}".format(
                           *pair_names(f.manifest))),
    "calibration": Kind(calibration_figures, calibration_tables, calibration_facts,
                        lambda f: "Calibration of " + Path(
                            f.manifest.get("base_scenario") or f.path.name).stem),
    "sweep": Kind(sweep_figures, sweep_tables, sweep_facts,
                  lambda f: f"Sensitivity sweep: {Path(f.manifest.get('spec_path', '')).stem}"
                            f" ({f.manifest.get('method')})",
                  ("method", "parameters", "outputs", "replications", "points", "runs",
                   "seed")),
    "appraisal": Kind(appraisal_figures, appraisal_tables, appraisal_facts,
                      lambda f: "Appraisal: {} against {}".format(
                          (f.manifest.get("scenario") or {}).get("scenario"),
                          (f.manifest.get("counterfactual") or {}).get("scenario")),
                      ("scenario", "counterfactual", "costs")),
    "optimization": Kind(optimize_figures, optimize_tables, optimize_facts,
                         lambda f: "Optimisation: "
                                   f"{Path(f.manifest.get('spec_path', '')).stem} "
                                   f"({f.manifest.get('mode')})",
                         ("mode", "objective", "constraints", "budget", "replications")),
}


def read_folder(path: str | Path) -> Folder:
    """The result folder at ``path``, if it is of a kind in :data:`KINDS`."""
    return open_folder(path, KINDS)


def draw(folder: Folder) -> Figures:
    """The folder's figures, drawn in the package style, one at a time."""
    with plt.rc_context(STYLE):
        yield from KINDS[folder.kind].figures(folder)


def save_figure_set(folder: Folder, out: str | Path, fmt: str = "png") -> list[Path]:
    """Draw the folder's figure set into ``out`` as ``fmt`` files, atomically: drawn into
    a temporary folder beside it that replaces ``out`` (a folder of figure files, or new)
    only when every figure is written, so a failure leaves no partial set."""
    out = Path(out)
    why = _not_a_figure_folder(out)
    if why:
        raise ConfigError([Problem(str(out), "--out", why)])
    names = []
    try:
        with folder_replacing(out) as tmp, closing(draw(folder)) as figures:
            for name, fig in figures:
                try:
                    fig.savefig(tmp / f"{name}.{fmt}", format=fmt, metadata=_metadata(fmt))
                finally:
                    plt.close(fig)
                names.append(f"{name}.{fmt}")
    except BaseException:
        plt.close("all")
        raise
    return [out / n for n in names]


def _metadata(fmt: str) -> dict:
    """No creation date in the files: the same folder draws the same bytes."""
    return {"png": {"Software": None}, "svg": {"Date": None},
            "pdf": {"CreationDate": None}}[fmt]


FIGURE_SUFFIXES = {".png", ".svg", ".pdf"}


def _not_a_figure_folder(out: Path) -> str | None:
    """Why ``out`` may not be replaced by a figure set (None: it may)."""
    if not out.exists():
        return None
    if not out.is_dir():
        return "exists and is not a folder (choose another --out)"
    other = sorted(p.name for p in out.iterdir()
                   if not (p.is_file() and p.suffix in FIGURE_SUFFIXES))
    if other:
        return (f"holds files other than figures ({', '.join(other[:3])}"
                + (", ..." if len(other) > 3 else "") + "); choose another --out")
    return None
