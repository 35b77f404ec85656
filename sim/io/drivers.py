"""What a sensitivity sweep found to matter most, with where those inputs come from.

A sweep folder (``corridor sweep``, analysed by ``corridor analyze``) ranks its parameters
per output by its method's main index: the swing between the ends of the range (``oat``),
the total Sobol index ``ST`` (``sobol``), ``mu_star`` (``morris``) or the Spearman rank
correlation (``lhs``, ``grid``); the largest in absolute value first. Each of the top
parameters is looked up in the sweep's base scenario and the files it extends (the file
that sets it last, a child before its parent) and labelled by its citation there, as
``corridor sources`` labels it: sourced, fitted, assumption, unverified (GK-unverified)
or uncited (:mod:`sim.scenario.citations`).

The sweep's own report shows the table; ``corridor report RUN --sweep SWEEP`` shows it in a
run's report when the sweep's base is the run's scenario or one that scenario extends
(:func:`check_sweep_base`). Reads result files only, like the figures.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd

from sim.scenario.citations import chain, cited_values
from sim.scenario.problems import ConfigError, Problem

# the index a method ranks its parameters by
RANKED_BY = {"oat": "swing", "sobol": "ST", "morris": "mu_star", "lhs": "spearman",
             "grid": "spearman"}
TOP = 3
COLUMNS = ["output", "rank", "parameter", "index", "value [95 % CI]", "input", "source",
           "citation"]


def base_scenario(manifest: dict) -> Path | None:
    """The base scenario file of a sweep (its spec's ``scenario``, next to the spec), or
    None for a sweep of a Python model."""
    scenario = (manifest.get("spec") or {}).get("scenario")
    if not scenario:
        return None
    return Path(os.path.normpath(Path(manifest.get("spec_path", "")).parent / scenario))


def top_drivers(manifest: dict, indices: pd.DataFrame, top: int = TOP) -> pd.DataFrame:
    """Per output of the sweep, its ``top`` parameters by the method's main index, each
    with its interval and the source of the input it varies (see the module's doc)."""
    index = RANKED_BY.get(manifest.get("method", ""), "")
    base = base_scenario(manifest)
    files = chain(base) if base is not None else []
    cited = [(f, cited_values(f)) for f in files]
    fixed = set((manifest.get("spec") or {}).get("set") or {})
    params = {p["name"]: p for p in manifest.get("parameters", [])}
    rows = []
    for output in [o["column"] for o in manifest.get("outputs", [])]:
        mine = indices[(indices.output == output) & (indices["index"] == index)
                       & indices["value"].notna()]
        mine = mine.reindex(mine["value"].abs().sort_values(ascending=False).index)
        for rank, (_, r) in enumerate(mine.head(top).iterrows(), 1):
            # a Sobol or Morris group: every parameter of the group
            members = [p for p in params.values() if p["name"] == r.parameter
                       or p.get("group") == r.parameter]
            paths = [path for p in members for path in p.get("paths", [])]
            kinds, citation = _sources(paths, cited, fixed, base)
            rows.append((output, rank, r.parameter, index,
                         _interval(r.value, r.ci95_low, r.ci95_high), ", ".join(paths),
                         kinds, citation))
    return pd.DataFrame(rows, columns=COLUMNS)


def _sources(paths: list[str], cited: list, fixed: set[str],
             base: Path | None) -> tuple[str, str]:
    """(the kinds of citation of ``paths``, the first one's citation with its file and
    line) in the base scenario's chain of files."""
    if base is None:
        return "– (a Python model, no scenario)", ""
    if not cited:
        return "– (the base scenario file is not at hand)", str(base)
    kinds, citations = [], []
    for path in paths:
        kind, where = "uncited", "not set in the scenario's files (the schema's default)"
        if path in fixed:
            kind, where = "set by the sweep's spec", "its 'set'"
        else:
            hit = next(((f, c) for f, rows in cited for c in rows
                        if path == c.path or path.startswith(c.path + ".")), None)
            if hit:
                f, c = hit
                text = c.citation if len(c.citation) <= 140 else c.citation[:139] + "…"
                kind, where = c.kind, f"{f.name}:{c.line}: {text or '(no citation)'}"
        if kind not in kinds:
            kinds.append(kind)
        citations.append(where)
    return " / ".join(kinds), citations[0] if citations else ""


def _interval(value: float, low: float, high: float) -> str:
    """``value [low, high]``, in a precision that suits its size."""
    def fmt(v: float) -> str:
        return f"{v:+,.0f}" if abs(value) >= 100 else f"{v:+.3g}"
    if isinstance(low, float) and math.isnan(low):
        return fmt(value)
    return f"{fmt(value)} [{fmt(low)}, {fmt(high)}]"


def check_sweep_base(sweep_dir: str | Path, sweep_manifest: dict,
                     scenario_path: str | None) -> None:
    """A run's report may show a sweep whose base is the run's scenario or one it extends;
    ConfigError (on ``--sweep``) otherwise."""
    shown = str(sweep_dir)
    base = base_scenario(sweep_manifest)
    if base is None:
        raise ConfigError([Problem(shown, "--sweep", "the sweep varies a Python model, not "
                                   "a scenario: it says nothing of this run's inputs")])
    if not scenario_path or not Path(scenario_path).is_file():
        raise ConfigError([Problem(shown, "--sweep", f"the run's scenario file "
                                   f"'{scenario_path}' is not at hand, so the sweep's base "
                                   "cannot be checked against it")])
    runs = chain(scenario_path)
    if not base.is_file() or base.resolve() not in {f.resolve() for f in runs}:
        names = " -> ".join(str(f) for f in runs)
        raise ConfigError([Problem(shown, "--sweep", f"its base scenario '{base}' is not "
                                   f"the run's scenario nor one it extends ({names}); give "
                                   "a sweep of one of those")])


__all__ = ["COLUMNS", "RANKED_BY", "TOP", "base_scenario", "check_sweep_base", "top_drivers"]
