"""Result folders read back for figures and reports: what kind a folder is (from its
manifest), and its files as frames, every problem a one-line :class:`ConfigError`
(``error: FILE: field: what is wrong (what to do)``), so that a bad folder never gives a
traceback or half a figure set.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim import __version__
from sim.io.manifest import read_manifest
from sim.scenario.problems import WHOLE_FILE, ConfigError, Problem, did_you_mean

BUNDLE_FORMATS = (1,)  # result-folder formats this version reads
SWEEP_FORMATS = (1,)   # sweep-folder formats (sweep.json)
MAKER = {"run": "corridor run", "comparison": "corridor compare",  # the command of a kind
         "calibration": "corridor calibrate", "sweep": "corridor sweep",
         "appraisal": "corridor appraise", "optimization": "corridor optimize"}
MAKERS = ", ".join(f"'{c}'" for c in list(MAKER.values())[:-1]) + f" or '{MAKER['optimization']}'"
SHOWN_COLUMNS = 12  # the columns a file has, named in a missing-column message
TIMESERIES_COLUMNS = ["date", "facility", "kind", "metric", "value"]


@dataclass
class Folder:
    """A result folder: its path, kind and manifest ({} for a calibration folder written
    before calibration folders had one), and notes for the user (figures left out)."""

    path: Path
    kind: str
    manifest: dict
    notes: list[str] = field(default_factory=list)

    def file(self, name: str) -> Path:
        return self.path / name

    def has(self, name: str) -> bool:
        return (self.path / name).is_file()

    def missing_columns(self, name: str, missing, have, remedy: str = "") -> ConfigError:
        """The problem of file ``name`` of the folder without the ``missing`` columns a
        reader needs, one of the whole file: ``missing columns 'a', 'b' (it has x, y, z);
        REMEDY``; by default the remedy is to write the folder again, with this version
        of the command that makes its kind."""
        have = [str(c) for c in have]
        has = ", ".join(have[:SHOWN_COLUMNS]) or "none"
        if len(have) > SHOWN_COLUMNS:
            has += f", ... ({len(have)} in all)"
        noun = "column" if len(missing) == 1 else "columns"
        remedy = remedy or (f"written by another version of '{MAKER.get(self.kind, 'corridor')}'"
                            "? write the folder again")
        return _problem(self.path / name, WHOLE_FILE, f"missing {noun} "
                        f"{', '.join(map(repr, missing))} (it has {has}); {remedy}")

    def json(self, name: str):
        """A JSON file of the folder."""
        p = self.path / name
        try:
            return json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise _problem(p, WHOLE_FILE, f"missing (a {self.kind} folder has it; write the "
                           "folder again)") from None
        except (OSError, ValueError) as e:
            raise _problem(p, WHOLE_FILE, f"not valid JSON ({_short(e)}); write the folder "
                           "again") from None

    def jsonl(self, name: str) -> list[dict]:
        """A JSON-lines file; a last line cut short (an interrupted writer) is skipped."""
        p = self.path / name
        try:
            lines = p.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise _problem(p, WHOLE_FILE, f"cannot be read ({_short(e)})") from None
        out = []
        for i, line in enumerate(lines):
            try:
                out.append(json.loads(line))
            except ValueError:
                if i < len(lines) - 1:
                    raise _problem(p, f"line {i + 1}", "not valid JSON; write the folder "
                                   "again") from None
        return out

    def parquet(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """A Parquet file (the named columns, all of which it must have)."""
        import pyarrow.parquet as pq
        p = self.path / name
        if not p.is_file():
            raise _problem(p, WHOLE_FILE, f"missing (a {self.kind} folder has it; write the "
                           "folder again)")
        try:
            have = pq.ParquetFile(p).schema_arrow.names
        except (OSError, ValueError) as e:
            raise _problem(p, WHOLE_FILE, f"not a readable Parquet file, truncated or damaged "
                           f"({_short(e)}); write the folder again") from None
        missing = [c for c in columns or [] if c not in have]
        if missing:
            raise self.missing_columns(name, missing, have)
        try:
            return pd.read_parquet(p, columns=columns)
        except (OSError, ValueError) as e:
            raise _problem(p, WHOLE_FILE, f"not a readable Parquet file, truncated or damaged "
                           f"({_short(e)}); write the folder again") from None

    def columns(self, name: str) -> list[str]:
        """The column names of a Parquet file of the folder ([] if it cannot be read:
        :meth:`parquet` then says why)."""
        import pyarrow.parquet as pq
        try:
            return list(pq.ParquetFile(self.path / name).schema_arrow.names)
        except (OSError, ValueError):
            return []

    def kpis(self) -> pd.DataFrame:
        """A run folder's KPI table from kpis.json: name, period, scope, unit, mean,
        ci95_low, ci95_high, values."""
        recs = self.json("kpis.json")
        p = self.path / "kpis.json"
        if not isinstance(recs, list):
            raise _problem(p, WHOLE_FILE, "expected a list of KPI records")
        for i, r in enumerate(recs):
            bad = _kpi_record_problem(r)
            if bad:
                raise _problem(p, f"[{i}]{bad[0]}", f"{bad[1]}; write the folder again")
        return pd.DataFrame({
            "name": [r["name"] for r in recs], "period": [r["period"] for r in recs],
            "scope": [r["scope"] for r in recs], "unit": [r.get("unit", "") for r in recs],
            "mean": [_num(r["mean"]) for r in recs],
            "ci95_low": [_num((r.get("ci95") or [None, None])[0]) for r in recs],
            "ci95_high": [_num((r.get("ci95") or [None, None])[1]) for r in recs],
            "values": [r.get("values") for r in recs]})


KPI_FIELDS = "name, period, scope and mean"  # what every KPI record of kpis.json has


def _kpi_record_problem(r) -> tuple[str, str] | None:
    """What is wrong with one record of kpis.json, if anything: (the path below the
    record, ``""`` for the record itself, and the message)."""
    if not isinstance(r, dict):
        return "", f"not a KPI record (expected a table with {KPI_FIELDS}; got {_brief(r)})"
    for key in ("name", "period", "scope", "mean"):
        if key not in r:
            return f".{key}", f"missing (a KPI record has {KPI_FIELDS})"
    if not _is_number(r["mean"]):
        return ".mean", f"expected a number or null (got {_brief(r['mean'])})"
    ci = r.get("ci95")
    if ci and not (isinstance(ci, list) and len(ci) == 2 and all(map(_is_number, ci))):
        return ".ci95", f"expected [low, high] or null (got {_brief(ci)})"
    return None


def _is_number(x) -> bool:
    """``x`` is null or reads as a number (what :func:`_num` takes)."""
    try:
        _num(x)
    except (TypeError, ValueError):
        return False
    return True


def _brief(x) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def _num(x) -> float:
    return float("nan") if x is None else float(x)


def _short(e: BaseException) -> str:
    """An exception's message on one line, briefly."""
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _problem(file, path: str, message: str) -> ConfigError:
    return ConfigError([Problem(str(file), path, message)])


def no_folder(path: Path, wanted: str) -> str:
    """Why ``path`` is no folder: missing (with the nearest folder beside it, a mistyped
    name) or not a folder; ``wanted``: what to give instead."""
    if path.exists():
        return f"not a folder (give {wanted})"
    parent = path.parent
    names = [p.name for p in parent.iterdir() if p.is_dir()] if parent.is_dir() else []
    close = difflib.get_close_matches(path.name, names, n=1, cutoff=0.6)
    if close:
        return f"no such folder (did you mean '{parent / close[0]}'?)"
    return f"no such folder (give {wanted})"


def open_folder(path: str | Path, kinds) -> Folder:
    """The result folder at ``path``, of one of ``kinds`` (the kinds that can be drawn);
    ConfigError if it is not one."""
    path = Path(path)
    if not path.is_dir():
        raise _problem(path, WHOLE_FILE, no_folder(path, f"a result folder written by {MAKERS}"))
    man_path = path / "manifest.json"
    if not man_path.exists() and (path / "sweep.json").is_file():
        man_path = path / "sweep.json"           # a sweep folder's manifest
    if not man_path.exists():
        if (path / "report.json").is_file() and (path / "evaluations.jsonl").is_file():
            return Folder(path, "calibration", {})  # written before calibration manifests
        raise _problem(path, "manifest.json", f"not a result folder (no manifest.json; make "
                       f"one with {MAKERS})")
    try:
        man = read_manifest(man_path)
    except (OSError, ValueError) as e:
        raise _problem(man_path, WHOLE_FILE, f"unreadable manifest ({_short(e)})") from None
    if not isinstance(man, dict):
        raise _problem(man_path, WHOLE_FILE, "unreadable manifest (expected a JSON object)")
    kind = man.get("kind")
    if kind not in kinds:
        allowed = ", ".join(f"'{k}'" for k in sorted(kinds))
        hint = did_you_mean(kind, kinds) if isinstance(kind, str) else ""
        why = ("is missing" if kind is None else
               f"{kind!r} folders cannot be drawn by this version")
        raise _problem(man_path, "kind", f"{why} (allowed: {allowed}"
                       + (f"; {hint}" if hint.startswith("did you") else "") + ")")
    needs = getattr(kinds[kind], "needs", ()) if isinstance(kinds, dict) else ()
    missing = [k for k in needs if k not in man]
    if missing:
        raise _problem(man_path, missing[0], "missing (a "
                       f"{kind} manifest has it; written by another version? write the "
                       "folder again)")
    key, formats = (("sweep_format", SWEEP_FORMATS) if man_path.name == "sweep.json"
                    else ("bundle_format", BUNDLE_FORMATS))
    fmt = man.get(key)
    if fmt not in formats:
        wrote = man.get("package_version")
        raise _problem(man_path, key, f"{fmt!r} is not a format corridor-sim "
                       f"{__version__} reads (it reads {', '.join(map(str, formats))}"
                       + (f"; the folder was written by version {wrote}" if wrote else "")
                       + "): write the folder again with this version")
    return Folder(path, str(kind), man)
