"""Scenario comparison from two result folders (never re-runs anything).

Replication ``r`` of two scenarios run with the same seed draws the same demand, weather
and service times wherever their elements coincide (common random numbers), so the
difference ``other_r - base_r`` removes most of the noise both share. Per KPI, period
and scope the comparison gives the mean paired difference with its 95 % t-interval, the
relative change, and for contrast the unpaired (Welch) interval that independent runs
would have given.

A KPI row one folder lacks (its scenario has no such element, or not what the KPI
measures: costs, acceptance limits ...) is kept, with that side's mean and the other's
empty (``found_in``: ``base`` or ``other``); so is a row with no replication where both
values are defined (a peak backlog where only one scenario has a closure): each side's
mean over its own defined values, no difference.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.io.bundle import atomic_dir, dumps
from sim.io.folders import no_folder
from sim.io.manifest import provenance, read_manifest
from sim.measure.stats import t_interval, welch_half_width
from sim.scenario.kind_fields import number_text
from sim.scenario.problems import WHOLE_FILE, ConfigError, Problem, did_you_mean

COLUMNS = ["name", "period", "scope", "unit", "base_mean", "other_mean", "diff_mean",
           "diff_ci95_low", "diff_ci95_high", "rel_change", "unpaired_ci95_half_width",
           "n_pairs", "found_in"]
# found_in: the folders that have the row (a row one folder lacks has no difference)
FOUND_IN = ("both", "base", "other")


def read_run(folder: str | Path) -> tuple[dict, list[dict]]:
    """The manifest and KPI records of a run folder; ConfigError with one line per
    problem if it is not one."""
    folder = Path(folder)
    shown = str(folder)
    if not folder.is_dir():
        raise ConfigError([Problem(shown, WHOLE_FILE, no_folder(
            folder, "a result folder written by 'corridor run'"))])
    out = []
    for name in ("manifest.json", "kpis.json"):
        p = folder / name
        try:
            out.append(read_manifest(p) if name == "manifest.json"
                       else json.loads(p.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ConfigError([Problem(str(p), WHOLE_FILE, "missing (not a result folder "
                                       "written by 'corridor run')")]) from None
        except (ValueError, UnicodeDecodeError) as e:
            raise ConfigError([Problem(str(p), WHOLE_FILE, f"not valid JSON ({e})")]) from None
    man, recs = out
    where = str(folder / "manifest.json")
    if not isinstance(man, dict) or man.get("kind") != "run":
        kind = man.get("kind") if isinstance(man, dict) else None
        raise ConfigError([Problem(where, "kind", f"{kind!r} is not a run folder (compare two "
                                   "folders written by 'corridor run')")])
    n = man.get("replications")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError([Problem(where, "replications", f"must be a whole number >= 1 (got "
                                   f"{n!r}); the folder is damaged")])
    kp = str(folder / "kpis.json")
    if not isinstance(recs, list) or not recs:
        raise ConfigError([Problem(kp, WHOLE_FILE, "no KPI records (a run folder's kpis.json "
                                   "lists them)")])
    for i, r in enumerate(recs):
        problem = _record_problem(r, n)
        if problem:
            raise ConfigError([Problem(kp, f"[{i}]", problem)])
    return man, recs


def _record_problem(r, n: int) -> str | None:
    """What is wrong with one KPI record of a run with ``n`` replications, if anything."""
    if not isinstance(r, dict):
        return "not a KPI record (a table with name, period, scope and values)"
    for key in ("name", "period", "scope"):
        if not isinstance(r.get(key), str):
            return f"{key}: expected a string (got {r.get(key)!r})"
    v = r.get("values")
    if not isinstance(v, list) or len(v) != n:
        got = f"{len(v)} values" if isinstance(v, list) else repr(v)
        return f"values: expected a list of {n} (one per replication; got {got})"
    if any(x is not None and (isinstance(x, bool) or not isinstance(x, (int, float)))
           for x in v):
        return "values: expected numbers or null"
    return None


def _checks(base: dict, other: dict, other_dir: Path) -> list[Problem]:
    where = str(other_dir / "manifest.json")
    problems = []
    if base.get("seed") != other.get("seed"):
        problems.append(Problem(where, "seed", f"{other.get('seed')} differs from the base's "
                                f"{base.get('seed')}; paired differences need the same seed "
                                "(run both with --seed)"))
    if base.get("horizon") != other.get("horizon"):
        problems.append(Problem(where, "horizon", f"{other.get('horizon')} differs from the "
                                f"base's {base.get('horizon')}; periods would not match"))
    if base.get("bundle_format") != other.get("bundle_format"):
        problems.append(Problem(where, "bundle_format", f"{other.get('bundle_format')} differs "
                                f"from the base's {base.get('bundle_format')}"))
    return problems


def compare(base_dir: str | Path, other_dir: str | Path) -> tuple[pd.DataFrame, dict]:
    """Paired differences other - base per KPI; (table, facts about the comparison)."""
    base_man, base_recs = read_run(base_dir)
    other_man, other_recs = read_run(other_dir)
    problems = _checks(base_man, other_man, Path(other_dir))
    if problems:
        raise ConfigError(problems)
    key = lambda r: (r["name"], r["period"], r["scope"])  # noqa: E731
    base = {key(r): r for r in base_recs}
    other = {key(r): r for r in other_recs}
    n_pairs = min(base_man.get("replications", 1), other_man.get("replications", 1))
    rows = [_row(k, base.get(k), other.get(k), n_pairs)
            for k in sorted(base.keys() | other.keys())]
    table = pd.DataFrame(rows, columns=COLUMNS)
    facts = {
        "kind": "comparison",
        "base": {"folder": str(base_dir), "scenario": base_man.get("scenario"),
                 "config_hash": base_man.get("config_hash"),
                 "replications": base_man.get("replications")},
        "other": {"folder": str(other_dir), "scenario": other_man.get("scenario"),
                  "config_hash": other_man.get("config_hash"),
                  "replications": other_man.get("replications")},
        "seed": base_man.get("seed"),
        "horizon": base_man.get("horizon"),
        "pairs": n_pairs,
        "only_in_base": [list(k) for k in sorted(base.keys() - other.keys())],
        "only_in_other": [list(k) for k in sorted(other.keys() - base.keys())],
    }
    for side, man in (("base", base_man), ("other", other_man)):
        facts[side]["description"] = (man.get("config") or {}).get("description")
    differ = input_differences(base_man.get("config") or {}, other_man.get("config") or {})
    facts["inputs_differ"] = [{"path": p, "base": b, "other": o}
                              for p, b, o in differ[:MAX_INPUTS_SHOWN]]
    facts["inputs_differ_count"] = len(differ)
    dated = dated_elements((base_man.get("config") or {}).get("timeline"),
                           (other_man.get("config") or {}).get("timeline"))
    facts["touched"] = sorted(set(touched_elements([p for p, _b, _o in differ])) | set(dated))
    facts["touched_by_timeline"] = dated
    return table, facts


def _values(rec: dict | None, n: int) -> np.ndarray:
    """A KPI record's first ``n`` values (null: NaN); all NaN for a record one folder
    lacks."""
    if rec is None:
        return np.full(n, math.nan)
    return np.array([math.nan if v is None else v for v in rec["values"][:n]], float)


def _own_mean(v: np.ndarray) -> float:
    ok = np.isfinite(v)
    return float(v[ok].mean()) if ok.any() else math.nan


def _row(key: tuple[str, str, str], b_rec: dict | None, o_rec: dict | None,
         n_pairs: int) -> tuple:
    """One row of the comparison: paired over the replications where both values are
    defined; with none such, each side's mean over its own defined values and no
    difference (a row one folder lacks, or undefined in one of them)."""
    b, o = _values(b_rec, n_pairs), _values(o_rec, n_pairs)
    ok = np.isfinite(b) & np.isfinite(o)
    d_mean, lo, hi, n = t_interval(o[ok] - b[ok])
    if n:
        b_mean, o_mean = float(b[ok].mean()), float(o[ok].mean())
    else:
        b_mean, o_mean = _own_mean(b), _own_mean(o)
    rel = d_mean / b_mean if b_mean and math.isfinite(b_mean) and n else math.nan
    found = "both" if b_rec and o_rec else "base" if b_rec else "other"
    unit = (b_rec or o_rec or {}).get("unit", "")
    return (*key, unit, b_mean, o_mean, d_mean, lo, hi, rel, welch_half_width(b[ok], o[ok]),
            n, found)


MAX_INPUTS_SHOWN = 200  # inputs that differ, listed in the comparison's manifest
# the tables of a scenario whose keys are the ids of its elements
ELEMENT_TABLES = ("nodes", "links", "services", "routes", "fleets", "wagon_pools")
MISSING = "(not set)"  # a value one side lacks


def input_differences(base: dict, other: dict) -> list[tuple[str, object, object]]:
    """The resolved inputs that differ between two scenarios' configs, as (dotted path,
    base value, other value), in path order; a value one side lacks is ``(not set)``.
    Tables are compared field by field, the timeline's dated changes one by one (each
    change one side lacks, in one line: ``2030-01-06 close=aktau, days=21``), other lists
    as a whole; the name, description and the files a scenario was read from are not
    inputs."""
    out: list[tuple[str, object, object]] = []

    def walk(a, b, path: str) -> None:
        if path == "timeline" and isinstance(a, list) and isinstance(b, list):
            one, two = [_dated(e) for e in a], [_dated(e) for e in b]
            out.extend((path, e, MISSING) for e in one if e not in two)
            out.extend((path, MISSING, e) for e in two if e not in one)
        elif isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b), key=str):
                sub = f"{path}.{k}" if path else str(k)
                if not path and k in ("name", "description", "extends", "files"):
                    continue
                walk(a.get(k, MISSING), b.get(k, MISSING), sub)
        elif a != b:
            out.append((path, a, b))
    walk(base, other, "")
    return out


def _dated(entry: object) -> object:
    """A dated change in one line: its date, then what it does (fields not set left
    out; its source too), its numbers as written (``set={'fleets.caspian.ships': 15}``,
    ``days=21``), every digit kept."""
    if not isinstance(entry, dict):
        return entry

    def text(k: str, v: object) -> str:
        if k == "set" and isinstance(v, dict):
            return "{" + ", ".join(f"{p!r}: {number_text(x)}" for p, x in v.items()) + "}"
        if isinstance(v, float):
            return number_text(v)
        return str(v)
    rest = ", ".join(f"{k}={text(k, v)}" for k, v in entry.items()
                     if v is not None and k not in ("date", "source"))
    return f"{entry.get('date')} {rest}".strip()


def touched_elements(paths: list[str]) -> list[str]:
    """The ids of the elements (nodes, links, services, routes, fleets, wagon pools, and
    flows under ``demand.flows``) whose inputs differ, from the differing inputs' paths;
    a dated change (``timeline``) is traced by :func:`dated_elements`."""
    ids = set()
    for p in paths:
        parts = p.split(".")
        if parts[:2] == ["demand", "flows"] and len(parts) > 2:
            ids.add(parts[2])
        elif parts[0] in ELEMENT_TABLES and len(parts) > 1:
            ids.add(parts[1])
    return sorted(ids)


def dated_elements(base: object, other: object) -> list[str]:
    """The ids of the elements the dated changes one timeline has and the other lacks
    touch: the facility a closure closes, the elements whose inputs a ``set`` change
    sets (as :func:`touched_elements` reads paths), the flows a ``shares`` change
    splits anew."""
    one = base if isinstance(base, list) else []
    two = other if isinstance(other, list) else []
    keys = [_dated(e) for e in one], [_dated(e) for e in two]
    lacked = [e for e in one if _dated(e) not in keys[1]] + [
        e for e in two if _dated(e) not in keys[0]]
    ids: set[str] = set()
    for e in lacked:
        if not isinstance(e, dict):
            continue
        if isinstance(e.get("close"), str):
            ids.add(e["close"])
        if isinstance(e.get("set"), dict):
            ids.update(touched_elements([str(p) for p in e["set"]]))
        if isinstance(e.get("shares"), dict):
            ids.update(str(f) for f in e["shares"])
    return sorted(ids)


def focus_problems(table: pd.DataFrame, kpis: tuple[str, ...], scopes: tuple[str, ...]
                   ) -> list[Problem]:
    """One line per KPI or scope asked for that the comparison does not have, and per
    KPI asked for that has no row of the scopes asked for (a row shown matches both: the
    summary would show nothing of it)."""
    names = set(table["name"])
    all_scopes = set(table["scope"])
    problems = []
    for i, spec in enumerate(kpis):
        name, _, scope = spec.partition(":")
        if name not in names:
            problems.append(Problem("<command line>", f"--kpi[{i}]", f"no KPI named {name!r} "
                                    f"in the comparison ({did_you_mean(name, names)})"))
        elif scope and not ((table["name"] == name) & (table["scope"] == scope)).any():
            have = set(table.loc[table["name"] == name, "scope"])
            problems.append(Problem("<command line>", f"--kpi[{i}]", f"{name!r} has no scope "
                                    f"{scope!r} ({did_you_mean(scope, have)})"))
    for i, sc in enumerate(scopes):
        if sc not in all_scopes:
            problems.append(Problem("<command line>", f"--scope[{i}]", f"no scope {sc!r} in "
                                    f"the comparison ({did_you_mean(sc, all_scopes)})"))
    if problems or not scopes:
        return problems
    asked = " or ".join(map(repr, scopes))
    for i, spec in enumerate(kpis):  # a KPI and the scopes asked for that share no row
        name, _, scope = spec.partition(":")
        if scope and scope not in scopes:
            problems.append(Problem("<command line>", f"--kpi[{i}]", f"{spec!r}: scope "
                                    f"{scope!r} is not among --scope {asked} (a row shown "
                                    "matches a --kpi and a --scope)"))
            continue
        have = set(table.loc[table["name"] == name, "scope"])
        if not scope and not have & set(scopes):
            problems.append(Problem("<command line>", f"--kpi[{i}]", f"{name!r} has no row "
                                    f"with --scope {asked} ({_scopes_of(name, have)})"))
    return problems


def _scopes_of(name: str, have: set[str]) -> str:
    """What a focus error says of the scopes a KPI has."""
    shown = sorted(have)
    if len(shown) <= 8:
        return f"the scopes of {name!r}: {', '.join(shown)}"
    return f"{name!r} has {len(shown)} scopes, e.g. {', '.join(shown[:6])}"


def write_comparison(table: pd.DataFrame, facts: dict, out: str | Path,
                     argv: list[str] | None = None) -> Path:
    """Write ``comparison.json``, ``comparison.csv`` and ``manifest.json`` atomically."""
    out = Path(out)
    records = [{**{c: row[c] for c in ("name", "period", "scope", "unit", "base_mean",
                                       "other_mean", "diff_mean", "rel_change",
                                       "unpaired_ci95_half_width", "n_pairs", "found_in")},
                "diff_ci95": (None if math.isnan(row["diff_ci95_low"])
                              else [row["diff_ci95_low"], row["diff_ci95_high"]])}
               for row in table.to_dict("records")]
    man = {**facts, "bundle_format": 1, **provenance(argv),
           "files": ["manifest.json", "comparison.json", "comparison.csv"]}
    with atomic_dir(out, kind="comparison") as tmp:
        (tmp / "comparison.json").write_text(dumps(records), encoding="utf-8")
        table.to_csv(tmp / "comparison.csv", index=False, lineterminator="\n")
        (tmp / "manifest.json").write_text(dumps(man), encoding="utf-8")
    return out
