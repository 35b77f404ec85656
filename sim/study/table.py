"""Many scenarios side by side: one wide table of KPIs (rows) by scenario (columns), each
cell the mean over the scenario's replications with its 95 % t-interval, read from the
result folders (never re-runs anything).

Unlike a comparison (:mod:`sim.study.compare`), the table pairs nothing: the intervals are
each scenario's own, so the folders may come from different seeds, horizons or numbers of
replications; a KPI a folder does not have is left empty there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.io.bundle import atomic_dir, dumps
from sim.io.manifest import provenance
from sim.measure.headline import COMPARE_HEADLINE, HEADLINE
from sim.measure.labels import kpi_label as label
from sim.scenario.problems import WHOLE_FILE, ConfigError, Problem, did_you_mean
from sim.study.compare import read_run

# the rows shown when no --kpi is given: the run summary's headline, then the
# comparison's (Caspian ports, Middle Corridor by port), without repeats
DEFAULT_ROWS: list[tuple[str, str]] = list(dict.fromkeys(
    [(n, s) for n, s, _label in HEADLINE] + list(COMPARE_HEADLINE)))
ROW_COLUMNS = ["kpi", "scope", "period", "unit", "label"]


@dataclass(frozen=True)
class Selection:
    """Which rows the table holds: KPI names, each with an optional scope (``name`` or
    ``name:scope``; none: :data:`DEFAULT_ROWS`), and the periods (none: every period any
    folder has)."""

    kpis: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()


def scenario_columns(manifests: Sequence[dict], folders: Sequence[Path]) -> list[str]:
    """A distinct column name per folder: its scenario's name; where two folders hold the
    same scenario (variants run with --set), the folder's name; where those are the same
    too (the same scenario run twice, e.g. before and after a change), the folder's
    parent and name; and a number if even that repeats."""
    names = [str(m.get("scenario") or f.name) for m, f in zip(manifests, folders)]
    names = [f.name if names.count(n) > 1 else n for n, f in zip(names, folders)]
    names = [f"{f.parent.name}/{f.name}" if names.count(n) > 1 else n
             for n, f in zip(names, folders)]
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if names.count(n) == 1 else f"{n} #{seen[n]}")
    return out


def wide_table(folders: Sequence[str | Path], selection: Selection = Selection()
               ) -> tuple[pd.DataFrame, dict]:
    """(table, facts): one row per (KPI, scope, period) selected, per scenario three
    columns ``<scenario> mean``, ``<scenario> ci95_low``, ``<scenario> ci95_high``; facts
    describe the scenarios. ConfigError (one line per problem) for a folder that is not a
    run folder or a selection nothing matches."""
    paths = [Path(f) for f in folders]
    problems: list[Problem] = []
    runs = []
    for p in paths:
        try:
            runs.append(read_run(p))
        except ConfigError as e:
            problems += e.problems
    if problems:
        raise ConfigError(problems)
    if len({p.resolve() for p in paths}) < len(paths):
        seen: set[Path] = set()
        for p in paths:
            if p.resolve() in seen:
                problems.append(Problem(str(p), WHOLE_FILE, "given twice (give each result "
                                        "folder once)"))
            seen.add(p.resolve())
        raise ConfigError(problems)
    manifests = [m for m, _recs in runs]
    columns = scenario_columns(manifests, paths)
    cells: dict[tuple[str, str, str], dict[str, tuple[float, float, float]]] = {}
    units: dict[str, str] = {}
    for col, (_man, recs) in zip(columns, runs):
        for r in recs:
            key = (r["name"], r["scope"], r["period"])
            units.setdefault(r["name"], r.get("unit", ""))
            ci = r.get("ci95") or [math.nan, math.nan]
            cells.setdefault(key, {})[col] = (_num(r.get("mean")), _num(ci[0]), _num(ci[1]))
    keys = _selected(cells, selection, paths)
    rows = []
    for name, scope, period in keys:
        row: list = [name, scope, period, units.get(name, ""), label(name, scope)]
        for col in columns:
            row += list(cells[(name, scope, period)].get(col, (math.nan,) * 3))
        rows.append(row)
    value_columns = [f"{c} {part}" for c in columns for part in ("mean", "ci95_low",
                                                                 "ci95_high")]
    table = pd.DataFrame(rows, columns=ROW_COLUMNS + value_columns)
    facts = {"kind": "table",
             "scenarios": [{"column": c, "folder": str(p), "scenario": m.get("scenario"),
                            "description": m.get("description"),
                            "replications": m.get("replications"), "seed": m.get("seed"),
                            "horizon": m.get("horizon"), "config_hash": m.get("config_hash")}
                           for c, p, m in zip(columns, paths, manifests)],
             "kpis": list(selection.kpis), "periods": list(selection.periods)}
    return table, facts


def _num(v) -> float:
    return math.nan if v is None else float(v)


def _selected(cells: dict, selection: Selection, paths: list[Path]
              ) -> list[tuple[str, str, str]]:
    """The (name, scope, period) keys of the selection, in its order (KPIs as asked, then
    scope, then period)."""
    names = sorted({k[0] for k in cells})
    periods = sorted({k[2] for k in cells}, key=lambda p: (p == "run", p))
    problems = []
    wanted: list[tuple[str, str | None]] = []
    for i, spec in enumerate(selection.kpis):
        name, _, scope = spec.partition(":")
        if name not in names:
            problems.append(Problem("<command line>", f"--kpi[{i}]", f"no KPI named {name!r} "
                                    f"in these folders ({did_you_mean(name, names)})"))
            continue
        scopes = sorted({k[1] for k in cells if k[0] == name})
        if scope and scope not in scopes:
            problems.append(Problem("<command line>", f"--kpi[{i}]", f"{name!r} has no scope "
                                    f"{scope!r} in these folders ({did_you_mean(scope, scopes)})"))
            continue
        wanted.append((name, scope or None))
    for i, p in enumerate(selection.periods):
        if p not in periods:
            problems.append(Problem("<command line>", f"--period[{i}]", f"no period {p!r} in "
                                    f"these folders (they have {', '.join(periods)})"))
    if problems:
        raise ConfigError(problems)
    if not wanted:
        wanted = [(n, s) for n, s in DEFAULT_ROWS]
    use_periods = list(selection.periods) or periods
    keys = []
    for name, one in wanted:
        scopes = [one] if one else sorted({k[1] for k in cells if k[0] == name})
        for sc in scopes:
            keys += [(name, sc, p) for p in use_periods if (name, sc, p) in cells]
    if not keys:
        raise ConfigError([Problem("<command line>", WHOLE_FILE, "none of the KPIs asked for "
                                   "is in these folders for these periods (see --kpi, "
                                   "--period)")])
    return list(dict.fromkeys(keys))


def formatted(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The table for reading: per scenario one column ``mean [low, high]`` (at least 3 significant
    figures), the KPI's label and unit first."""
    out = table[["label", "unit", "period"]].copy()
    for c in columns:
        out[c] = [_cell(m, lo, hi) for m, lo, hi in zip(table[f"{c} mean"],
                                                         table[f"{c} ci95_low"],
                                                         table[f"{c} ci95_high"])]
    return out


def _cell(mean: float, lo: float, hi: float) -> str:
    if not math.isfinite(mean):
        return ""
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo == hi:
        return _g(mean)
    return f"{_g(mean)} [{_g(lo)}, {_g(hi)}]"


def _g(v: float) -> str:
    """At least three significant figures (large numbers whole, not rounded to three),
    thousands separated, no exponent."""
    if v == 0:
        return "0"
    digits = max(0, 2 - int(math.floor(math.log10(abs(v)))))
    return f"{round(v, digits):,.{digits}f}"


def write_table(table: pd.DataFrame, facts: dict, out: str | Path,
                argv: list[str] | None = None, figure=None) -> Path:
    """Write ``table.csv`` (numbers), ``table.xlsx`` (a sheet of numbers, a sheet to read
    and the scenarios), ``manifest.json`` and, given ``figure(table, facts, folder)``, the
    figures, atomically."""
    out = Path(out)
    columns = [s["column"] for s in facts["scenarios"]]
    man = {**facts, "bundle_format": 1, **provenance(argv),
           "files": ["manifest.json", "table.csv", "table.xlsx"]}
    with atomic_dir(out, kind="table") as tmp:
        table.to_csv(tmp / "table.csv", index=False, lineterminator="\n")
        with pd.ExcelWriter(tmp / "table.xlsx", engine="openpyxl") as xl:
            formatted(table, columns).to_excel(xl, sheet_name="summary", index=False)
            table.to_excel(xl, sheet_name="numbers", index=False)
            pd.DataFrame(facts["scenarios"]).astype(str).to_excel(xl, sheet_name="scenarios",
                                                                  index=False)
            for sheet in xl.sheets.values():  # readable widths
                for col in sheet.columns:
                    width = max(len(str(c.value or "")) for c in col[:200])
                    sheet.column_dimensions[col[0].column_letter].width = min(width + 2, 60)
        if figure is not None:
            (tmp / "figures").mkdir()
            figure(table, facts, tmp / "figures")
        (tmp / "manifest.json").write_text(dumps(man), encoding="utf-8")
    return out


__all__ = ["DEFAULT_ROWS", "Selection", "formatted", "scenario_columns",
           "wide_table", "write_table"]
