"""Loading a scenario: TOML, the ``extends`` chain, dotted-path overrides, validation.

:func:`load_scenario` reads TOML, resolves the ``extends`` chain by deep merge, applies
overrides, validates the result against the schema (:mod:`sim.scenario.schema`) and then
runs the cross-field checks (:mod:`sim.scenario.checks`) — when the schema fails, on the
parts that validated (:mod:`sim.scenario.partial`). Every problem found is collected and
raised at once as a :class:`~sim.scenario.problems.ConfigError`.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import functools
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.scenario import checks
from sim.scenario import partial as parts
from sim.scenario.errors import _dotted, _element_of, _message, _missing_elements, _table
from sim.scenario.fleet_notes import closure_past_end_notes, timetable_fleet_notes
from sim.scenario.parents import missing_parent_hint
from sim.scenario.problems import WHOLE_FILE, ConfigError, Problem
from sim.scenario.schema import Horizon, Scenario
from sim.scenario.span import fit_timeline, warmup_problems


@dataclass
class Loaded:
    """Raw merged data plus which file set each leaf (for error attribution)."""

    data: dict
    origin: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    # with a shortened horizon: the file's number of each timeline entry kept, in order
    timeline_from: list[int] | None = None


def _read_toml(path: Path, shown: str) -> dict:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([Problem(shown, WHOLE_FILE, "file not found")]) from None
    except IsADirectoryError:
        raise ConfigError([Problem(shown, WHOLE_FILE, "is a directory, not a TOML file")]) from None
    except OSError as e:
        raise ConfigError([Problem(shown, WHOLE_FILE, f"cannot read ({e.strerror})")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError([Problem(shown, WHOLE_FILE, f"not UTF-8 text (byte 0x{raw[e.start]:02x}"
                                                    f" at offset {e.start})")]) from None
    if not text.strip():
        raise ConfigError([Problem(shown, WHOLE_FILE, "file is empty (a scenario needs at least "
                                                    "'extends' or a full network)")])
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError([Problem(shown, WHOLE_FILE, _toml_message(e))]) from None


# where tomllib puts the place of a syntax error: at the end of its message
_TOML_AT = re.compile(r"(?P<what>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|"
                      r"(?P<end>end of document))\)", re.S)


def _toml_message(e: tomllib.TOMLDecodeError) -> str:
    """A TOML syntax error as a whole-file problem, its place first and the parser's word
    after: ``invalid TOML at line 3, column 7 (expected '=' after a key ...)`` (``at the
    end of the file`` where the parser found it only there); no colon, so that the line
    reads as one of the whole file, not as a path and a message."""
    text = " ".join(str(e).split())
    m = _TOML_AT.fullmatch(text)
    if m is None:
        return f"invalid TOML ({text})"
    what = m["what"][:1].lower() + m["what"][1:]
    where = "the end of the file" if m["end"] else f"line {m['line']}, column {m['col']}"
    return f"invalid TOML at {where} ({what})"


def _leaves(d: dict, prefix: str = ""):
    for k, v in d.items():
        p = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict) and v:
            yield from _leaves(v, p)
        else:
            yield p


def _atomic(path: str, value: Any) -> bool:
    """Tables that a child replaces whole instead of merging key by key: distributions
    (switching kind must not leave the old kind's parameters), route shares and a sea's
    wind-sector shares (shares sum to 1)."""
    return isinstance(value, dict) and ("dist" in value or path.endswith(".routes")
                                        or path.endswith(".weather.sectors"))


def deep_merge(base: dict, over: dict, _prefix: str = "") -> dict:
    """Merge ``over`` into a copy of ``base``: tables merge key by key, the timeline's
    entries are appended to the parent's, anything else (numbers, strings, arrays,
    distributions, route shares) is replaced whole."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        path = f"{_prefix}.{k}" if _prefix else str(k)
        if isinstance(v, dict) and isinstance(out.get(k), dict) and not _atomic(path, v):
            out[k] = deep_merge(out[k], v, path)
        elif path == "timeline" and isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = out[k] + copy.deepcopy(v)  # a child's dated changes add to its parent's
        else:
            out[k] = copy.deepcopy(v)
    return out


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_raw(path: str | Path, _chain: tuple[Path, ...] = ()) -> Loaded:
    """Read a scenario file and its ``extends`` parents, deep-merged, with provenance."""
    path = Path(path)
    shown = _shown(path)
    real = path.resolve()
    if real in _chain:
        cycle = " -> ".join(_shown(p) for p in (*_chain, real))
        raise ConfigError([Problem(shown, "extends", f"circular extends ({cycle})")])
    data = _read_toml(path, shown)
    parent = data.pop("extends", None)
    if parent is None:
        return Loaded(data, {leaf: shown for leaf in _leaves(data)}, [shown])
    if not isinstance(parent, str) or not parent:
        raise ConfigError([Problem(shown, "extends", "must be a file name relative to this "
                                   f"file (got {parent!r})")])
    ppath = path.parent / parent
    if not ppath.is_file():
        raise ConfigError([Problem(shown, "extends", f"parent '{parent}' not found "
                                   f"({missing_parent_hint(parent, path)})")])
    base = load_raw(ppath, (*_chain, real))
    merged = deep_merge(base.data, data)
    # forget the parent's leaves that the child replaced (e.g. a switched distribution)
    kept = set(_leaves(merged))
    origin = {k: f for k, f in base.origin.items() if k in kept or k.startswith("timeline[")}
    origin.update({leaf: shown for leaf in _leaves(data)})
    # timeline entries are appended: each keeps the file that wrote it
    n_parent = len(base.data.get("timeline", [])) if isinstance(
        base.data.get("timeline"), list) else 0
    if isinstance(data.get("timeline"), list):
        if n_parent and not any(k.startswith("timeline[") for k in base.origin):
            origin.update({f"timeline[{i}]": base.origin.get("timeline", shown)
                           for i in range(n_parent)})
        origin.update({f"timeline[{n_parent + i}]": shown
                       for i in range(len(data["timeline"]))})
    return Loaded(merged, origin, [*base.files, shown])


def parse_override(text: str) -> tuple[str, Any]:
    """``'a.b.c=value'`` -> (``'a.b.c'``, value); the value is read as TOML when it can be
    (numbers, booleans, arrays, inline tables, quoted strings), else taken as a string."""
    if "=" not in text:
        raise ValueError(f"override '{text}' must look like path.to.key=value")
    key, _, value = text.partition("=")
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ValueError(f"override '{text}' has an empty key")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return key, parsed


def apply_overrides(loaded: Loaded, overrides: dict[str, Any], origin: str) -> None:
    """Set dotted paths in place; intermediate tables are created as needed."""
    for key, value in overrides.items():
        parts = key.split(".")
        cur = loaded.data
        for i, part in enumerate(parts[:-1]):
            nxt = cur.get(part)
            if nxt is None:
                nxt = cur[part] = {}
            elif not isinstance(nxt, dict):
                raise ConfigError([Problem(origin, ".".join(parts[: i + 1]),
                                           f"is a value, not a table, so '{key}' cannot be set")])
            cur = nxt
        cur[parts[-1]] = value
        for k in [k for k in loaded.origin if k.startswith((key + ".", key + "["))]:
            del loaded.origin[k]  # what the replaced value held is gone with it
        loaded.origin[key] = origin
        if isinstance(value, dict):
            loaded.origin.update({f"{key}.{leaf}": origin for leaf in _leaves(value)})




def _file_for(path: str, loaded: Loaded, default: str) -> str:
    """The file that last set ``path`` or anything below it (overrides rank last)."""
    rank = {f: i for i, f in enumerate(loaded.files)}
    rank.update({"--set": len(rank), "overrides": len(rank) + 1})
    entry = re.match(r"timeline\[\d+\]", path)  # appended entries keep their file
    if entry and entry.group(0) in loaded.origin:
        return loaded.origin[entry.group(0)]
    p = re.sub(r"\[\d+\]", "", path)  # origins are kept per array, not per element
    while p:
        hits = [f for k, f in loaded.origin.items() if k == p or k.startswith(p + ".")]
        if hits:
            return max(hits, key=lambda f: rank.get(f, -1))
        p = p.rpartition(".")[0]
    return default


# the other input files of the project, by keys no scenario has (any of them; a sweep's
# [[parameters]] is a list, calibration's [parameters.ID] a table): what the file is and
# the command that reads it (a scenario command given one says so in one line)
OTHER_FILES = [
    (("method", "outputs"), "a sweep spec", "corridor sweep FILE --out DIR"),
    (("decisions",), "an optimisation spec", "corridor optimize FILE --out DIR"),
    (("appraisal", "items"), "an appraisal costs file",
     "corridor appraise RUN COUNTERFACTUAL --costs FILE"),
    (("targets",), "a calibration targets file", "corridor calibrate FILE"),
    (("parameters",), "a calibration parameters file",
     "corridor calibrate TARGETS --params FILE"),
]


def other_file(data: dict) -> tuple[str, str] | None:
    """What a file that is not a scenario is (by the keys no scenario has) and the command
    that reads it; None for a scenario, good or bad."""
    if "extends" in data or "nodes" in data or "demand" in data:
        return None
    sweep = isinstance(data.get("parameters"), list)
    for keys, what, command in OTHER_FILES:
        if sweep or any(k in data for k in keys):
            return what, command
    return None


# a type error's example as a file writes it, "; write e.g. key = value" (a value from
# --set is given its example on the command line instead)
_SET_EXAMPLE = re.compile(r"; write e\.g\. [A-Za-z0-9_]+ = (.+)$")


def _as_set(message: str, path: str) -> str:
    """A type error's example for a value given by ``--set PATH=VALUE``: in that form."""
    m = _SET_EXAMPLE.search(message)
    if m is None:
        return message
    given = f"{path}={m[1]}"
    return message[:m.start()] + "; give e.g. --set " + (f"'{given}'" if " " in given
                                                          else given)


def validate(loaded: Loaded, shown: str) -> Scenario:
    """Schema validation, then the cross-field checks (on the valid parts only, if the
    schema fails); raises ConfigError with all problems, the schema's first (or one
    problem: the file is another kind of input, :func:`other_file`)."""
    other = other_file(loaded.data)
    if other is not None:
        raise ConfigError([Problem(shown, WHOLE_FILE, f"this is {other[0]}, not a scenario "
                                   f"(use '{other[1]}')")])
    try:
        scenario = Scenario.model_validate(loaded.data)
    except ValidationError as e:
        problems = []
        seen = set()
        errors = e.errors()
        incomplete = {el: fields for el, fields in _missing_elements(errors, loaded.data).items()
                      if _created_later(el, loaded)}
        for (table, eid, kind), fields in incomplete.items():
            path = ".".join((*table, eid))
            others = [k for k in _table(loaded.data, table) if k != eid]
            close = difflib.get_close_matches(eid, others, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else "a new " + kind + " needs them"
            problems.append(Problem(_file_for(path, loaded, shown), path,
                                    f"unknown {kind}, or a new one missing required fields "
                                    f"{', '.join(fields)} ({hint})"))
        for err in errors:
            loc = tuple(err["loc"])
            if _element_of(loc) in incomplete:
                continue  # reported once above
            path = _dotted(loc, loaded.data)
            msg = _message(err, loc, loaded.data)
            if (path, msg) in seen:
                continue
            seen.add((path, msg))
            where = _file_for(path, loaded, shown)
            if where == "--set":  # the example as the command line takes it
                msg = _as_set(msg, path)
            problems.append(Problem(where, path, msg))
        raise ConfigError(problems + _sound_parts(loaded, errors, problems, shown)) from None
    problems = [Problem(_file_for(path, loaded, shown), path, msg)
                for path, msg in checks.run_all(scenario)]
    if problems:
        raise ConfigError(problems)
    return scenario


# the tables whose elements a consistency rule can do without (sim.scenario.partial); a
# rule run again without some is trusted on the dated changes only, judged one by one (a
# rule over the network may find something missing that was only left out)
_TABLES = ("nodes", "links", "routes", "services", "fleets", "seas", "wagon_pools",
           "demand.flows", "timeline")


def _sound_parts(loaded: Loaded, errors: list, found: list[Problem], shown: str
                 ) -> list[Problem]:
    """The cross-field checks of the parts of a scenario that validated, in the pass that
    found the structure errors ``found``: none about a field already reported, or below
    it."""
    out = _consistency(Scenario, loaded.data, errors, checks.RULES, _TABLES, found,
                       joins=("links", "services"), local=("timeline",))
    return [Problem(_file_for(path, loaded, shown), path, msg) for path, msg in out]


def _consistency(model: type[BaseModel], data: Any, errors: list, rules: Sequence,
                 tables: Sequence[str], found: Sequence[Problem], **how: Any
                 ) -> list[tuple[str, str]]:
    """(path, message) of each problem ``rules`` find on the parts of ``data`` that
    validated against ``model`` (:func:`sim.scenario.partial.run_rules`, ``how``: its
    options), once each; none about a field already in ``found`` or below one."""
    if not rules:
        return []
    try:
        partial = parts.partial(model, data, [tuple(err["loc"]) for err in errors])
        return list(dict.fromkeys((path, msg) for path, msg in
                                  parts.run_rules(rules, partial, tables, **how)
                                  if not _below(path, found)))
    except Exception:  # noqa: BLE001 - never a traceback for a file known to be wrong:
        return []      # its schema's lines stand alone, as they did before


def _created_later(element: tuple, loaded: Loaded) -> bool:
    """True when no leaf of the element comes from the first file of the extends chain:
    it was created by a child file or an override (often by mistyping an id)."""
    table, eid, _kind = element
    prefix = ".".join((*table, eid)) + "."
    return all(f != loaded.files[0] for k, f in loaded.origin.items() if k.startswith(prefix))


DataRule = Callable[[Any, str], list[Problem]]


def read_data_file(path: str | Path, model: type[BaseModel], rules: Sequence[DataRule] = (),
                   tables: Sequence[str] = ()):
    """Read a TOML input file other than a scenario (calibration targets, parameters, sweep
    specs) and validate it against ``model``; ConfigError with one line per problem.

    ``rules`` are the file's consistency checks ``(model, shown) -> problems``: when the
    file fails its schema they run too, on the parts that validated
    (:mod:`sim.scenario.partial`; ``tables``: the dotted fields whose entries a rule can
    do without), so that both kinds of problem come in one pass."""
    shown = _shown(Path(path))
    try:
        if Path(path).is_file() and not Path(path).read_bytes().strip():
            raise ConfigError([Problem(shown, WHOLE_FILE, "file is empty")])
    except OSError:
        pass  # _read_toml says why
    data = _read_toml(Path(path), shown)
    try:
        return model.model_validate(data), shown
    except ValidationError as e:
        problems, seen = [], set()
        for err in e.errors():
            loc = tuple(err["loc"])
            line = (_dotted(loc, data), _message(err, loc, data, model))
            if line not in seen:
                seen.add(line)
                problems.append(Problem(shown, *line))
        as_pairs = [functools.partial(_as_pairs, rule, shown) for rule in rules]
        problems += [Problem(shown, path, msg) for path, msg in
                     _consistency(model, data, e.errors(), as_pairs, tables, problems)]
        raise ConfigError(problems) from None


def _as_pairs(rule: DataRule, shown: str, model: Any) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in rule(model, shown)]


# a key of a dated change's set (its path a dotted string, as in
# timeline[0].set.nodes.gate.crossing.cranes)
_SET_KEY = re.compile(r"timeline\[\d+\]\.set\.")


def _below(path: str, found: Sequence[Problem]) -> bool:
    """``path`` is a field already reported in ``found``, or lies below one; the
    schema's problem with the value of a dated change's key does not hide what is wrong
    with the key itself (a misspelt field at the same path)."""
    return any((path == p.path or path.startswith((p.path + ".", p.path + "[")))
               and not _SET_KEY.match(p.path) for p in found)


def fit_span(loaded: Loaded, start: dt.date, end: dt.date, shown: str,
             origin: str = "--horizon") -> list[Problem]:
    """Give ``loaded`` the horizon ``start`` to ``end`` (excluded), its years covered in
    part labelled as such (``horizon.label_partial_years``), and fit its dated
    changes to it (:func:`sim.scenario.span.fit_timeline`): one warning per change
    dropped or moved, naming the file that wrote it and its index in the merged
    timeline; the changes kept keep their files. ``origin``: what gave the horizon
    (``--horizon``, or a study spec's file)."""
    apply_overrides(loaded, {"horizon.start": start, "horizon.end": end,
                             "horizon.label_partial_years": True}, origin)
    entries = loaded.data.get("timeline")
    if not isinstance(entries, list):
        return []  # none, or not a list (the schema says so)
    horizon = loaded.data.get("horizon", {})
    warmup = horizon.get("warmup_days", Horizon.model_fields["warmup_days"].default) \
        if isinstance(horizon, dict) else None
    if not isinstance(warmup, int) or isinstance(warmup, bool) or warmup < 0:
        return []  # the schema says what is wrong with it
    fitted = fit_timeline(entries, start - dt.timedelta(days=warmup), end)
    notes = [Problem(_file_for(f"timeline[{i}]", loaded, shown), f"timeline[{i}].date", msg)
             for i, msg in fitted.notes]
    files = {i: _file_for(f"timeline[{i}]", loaded, shown) for i in fitted.kept_from}
    loaded.data["timeline"] = fitted.entries
    for k in [k for k in loaded.origin if re.match(r"timeline\[\d+\]", k)]:
        del loaded.origin[k]
    loaded.origin.update({f"timeline[{k}]": files[i] for k, i in enumerate(fitted.kept_from)})
    loaded.timeline_from = list(fitted.kept_from)
    return notes


def validate_span(loaded: Loaded, shown: str,
                  horizon: tuple[dt.date, dt.date] | None = None,
                  notes: list[Problem] | None = None, origin: str = "--horizon") -> Scenario:
    """:func:`validate` ``loaded`` (changed in place), fitted first to ``horizon`` (start,
    end) when one is given (:func:`fit_span`; ``origin``: what gave it), each problem of a
    timeline entry under the number its own file gives it, not its place in the timeline
    the chain of files makes. What :func:`load_scenario` does after its overrides, and the
    studies with their base (the spec's ``set`` and ``horizon``) and each run's inputs.

    ``notes``: a list that receives the warnings (a change the horizon dropped or moved,
    a warm-up shorter than the longest expected transit, ships added to a timetable
    service that keeps its timetable already); not looked for when None.
    """
    firsts = _firsts(loaded)  # (before the horizon drops any)
    found = fit_span(loaded, *horizon, shown, origin) if horizon is not None else []
    try:
        scenario = validate(loaded, shown)
    except ConfigError as e:  # name the timeline's entries as the files number them
        raise ConfigError([_local(_renumbered(p, loaded), firsts)
                           for p in e.problems]) from None
    if notes is not None:
        later = [_renumbered(Problem(_file_for(p, loaded, shown), p, msg), loaded)
                 for p, msg in [*warmup_problems(scenario), *timetable_fleet_notes(scenario),
                                *closure_past_end_notes(scenario)]]
        notes += [_local(p, firsts) for p in found + later]
    return scenario


def _firsts(loaded: Loaded) -> dict[str, int]:
    """Each file's first entry in the timeline its chain of files makes (a file's entries
    follow one another: each file appends its own)."""
    out: dict[str, int] = {}
    for key, f in loaded.origin.items():
        m = re.fullmatch(r"timeline\[(\d+)\]", key)
        if m:
            out[f] = min(out.get(f, int(m.group(1))), int(m.group(1)))
    return out


def _local(p: Problem, firsts: dict[str, int]) -> Problem:
    """A problem of a timeline entry under the number its own file gives it
    (``timeline[0]`` for a child's first entry, however many its parents have)."""
    m = re.match(r"timeline\[(\d+)\]", p.path)
    first = firsts.get(p.file)
    if m is None or first is None or int(m.group(1)) < first:
        return p
    return Problem(p.file, f"timeline[{int(m.group(1)) - first}]" + p.path[m.end():],
                   p.message)


def _renumbered(p: Problem, loaded: Loaded) -> Problem:
    """A problem of a timeline entry kept by :func:`fit_span`, under the entry's number
    before the others were dropped (the number the warnings use)."""
    kept = loaded.timeline_from
    m = re.match(r"timeline\[(\d+)\]", p.path)
    if kept is None or m is None or int(m.group(1)) >= len(kept):
        return p
    path = f"timeline[{kept[int(m.group(1))]}]" + p.path[m.end():]
    return Problem(p.file, path, p.message)


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None,
                  set_args: list[str] | None = None,
                  horizon: tuple[dt.date, dt.date] | None = None,
                  notes: list[Problem] | None = None) -> Scenario:
    """Load, inherit, override and validate a scenario file.

    Parameters
    ----------
    path : the scenario TOML file.
    overrides : ``{"dotted.path": value}`` applied after inheritance.
    set_args : ``["dotted.path=value", ...]`` as given to ``corridor run --set``.
    horizon : (start, end) to run instead of the file's horizon (``--horizon``), its
        dated changes fitted to it (:func:`fit_span`).
    notes : a list that receives the warnings (a change the horizon dropped or moved,
        a warm-up shorter than the longest expected transit, ships added to a timetable
        service that keeps its timetable already), which do not stop a run.
    """
    shown = _shown(Path(path))
    loaded = load_raw(path)
    if len(loaded.files) > 1 and loaded.origin.get("name") != loaded.files[-1]:
        # a child that does not name itself is named after its file, so that its results
        # never land in (and replace) its parent's folder
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(path).stem) or "scenario"
        loaded.data["name"] = stem
        loaded.origin["name"] = loaded.files[-1]
    if set_args:
        parsed = {}
        bad = []
        for s in set_args:
            try:
                k, v = parse_override(s)
                parsed[k] = v
            except ValueError as e:
                bad.append(Problem("--set", s.partition("=")[0] or WHOLE_FILE, str(e)))
        if bad:
            raise ConfigError(bad)
        apply_overrides(loaded, parsed, "--set")
    if overrides:
        apply_overrides(loaded, dict(overrides), "overrides")
    return validate_span(loaded, shown, horizon, notes)


def resolved_dict(scenario: Scenario) -> dict:
    """The fully resolved scenario as plain JSON-able data (for manifests and hashing)."""
    return scenario.model_dump(mode="json", by_alias=True)
