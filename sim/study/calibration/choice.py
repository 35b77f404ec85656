"""Calibrating the nested logit to the calibrated corridor: closed forms, no simulation.

With ``route_choice.model = "nested_logit"`` the fixed route shares of the calibrated
corridor (``demand.flows.X.routes``) and its volumes by year are no longer inputs the
model follows: the boxes choose. Two fits keep the calibrated 2023-2024 fit when the
choice is switched on.

**The route constants** (:func:`fit_route_constants`). Within the rail nest
``P(r | rail) = exp(V_r / mu) / sum_s exp(V_s / mu)``, so a flow's shares fix its routes'
utilities up to one additive constant: ``V_r / mu - V_s / mu = log s_r - log s_s``. At
reference conditions (the routes' prior times, the base year's rail costs;
:func:`sim.scenario.mode_split.prior_rail_utilities`) with constant-free utilities
``V0_r`` and the calibrated shares ``s_r`` the constants are

    c_r = mu * log s_r + I0 - V0_r,    I0 = mu * log sum_r exp(V0_r / mu),

normalised so that the nest's inclusive value at reference is ``I0``, the one without
constants: the constants move a flow's boxes between its rail routes, not between rail
and the sea (rail's share against the sea stays set by the costs, the times and the
sea's constant, which ``sea_mode.market_teu`` derives). Each is the flow's own
(``"FLOW:ROUTE"``, :mod:`sim.scenario.route_constants`): flows share routes but not
shares. Every flow with two routes or more is fitted, competing with the sea or not.

**The market factors before the base year** (:func:`fit_market_factors`). A flow the
sea competes for has as volume its rail volume at reference conditions (the base year's
rates); in another year its rail boxes are ``volume(y) * P_rail(y) / P_rail_ref``. In
2023 the sea was cheaper, so ``P_rail(2023) < P_rail_ref`` and the calibrated 2023 rail
volume would not come. The calibrated volumes are kept as what was observed: each year
of the run before the base year gets the factor

    market_factor(y) = P_rail_ref / mean P_rail(y)

(``demand.flows.X.market_factor_by_year``: the candidates drawn that year are
``volume(y) * market_factor(y)``), the mean over the run's days in that year (the
warm-up's part of its year included), with the same priors, that year's rail costs and
the sea's dated rates. The rail boxes expected are then the calibrated ones, and the
market's growth between the years is what the logit implies (the rail growth observed,
over the change in rail's share), not an input. A factor does not depend on the volumes
(only, through the sea's constant, on the base year's, very weakly). Years after the base
year are not touched: there ``growth_per_year`` is the market's growth, rail's share
moving with the conditions.

**Where the fit lives.** ``python -m sim.study.calibration.choice --write SCENARIO``
rewrites, in place, the generated block that ends ``SCENARIO`` (between the lines
:data:`BEGIN` and :data:`END`; appended if absent; the rest of the file untouched): the
route constants and the market factors, fitted on the scenario without its block
(:func:`unfitted`), so the numbers do not depend on the block being there.
``scenarios/baseline.toml`` holds its own; every scenario extending it inherits them.
``python -m sim.study.calibration.choice PRIORS`` prints instead a scenario extending
``PRIORS`` (any scenario with the nested logit's stated priors) with the same block.

**A counterfactual's market** (:func:`market_of`). The reference conditions are a
scenario's own, so a counterfactual that changes the base year (no Red Sea crisis in
2024) would imply its own market and carry the factual's rail volume that year. It holds
the factual's market instead (``sea_mode.held_market``: the factual's sea constant and
reference rail shares); ``python -m sim.study.calibration.choice --held-market FACTUAL``
prints that table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import textwrap
import tomllib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from sim.io.atomic import write_text_atomic
from sim.scenario.loading import load_raw, load_scenario, validate
from sim.scenario.mode_split import (
    BaseYear,
    competing_flows,
    mean_rail_share,
    prior_rail_utilities,
    reference_rail_share,
    sea_constant,
)
from sim.scenario.nested_logit import nested_shares
from sim.scenario.route_constants import flow_key, route_constant
from sim.scenario.schema import Scenario


def _needs_nested(s: Scenario) -> None:
    rc = s.route_choice
    if rc.model != "nested_logit" or rc.value_of_time_usd_per_teu_day is None:
        raise ValueError("the choice's calibration needs route_choice.model = "
                         "'nested_logit' with a value of time")


def reference_within_shares(s: Scenario, fid: str) -> np.ndarray:
    """P(route | rail) of flow ``fid`` at reference conditions (prior times, base-year
    costs), with the scenario's constants, in ``demand.flows.X.routes`` order."""
    _needs_nested(s)
    v = prior_rail_utilities(s, fid, s.demand.base_year)
    return nested_shares(v, 0.0, s.route_choice.nest_scale).within_rail


def fit_route_constants(s: Scenario) -> dict[str, float]:
    """Each multi-route flow's own route constants (``"FLOW:ROUTE"`` keys) that make
    P(route | rail) at reference conditions its calibrated route shares (module
    docstring: closed form, the nest's inclusive value left as without constants).

    Raises ValueError for a route with share 0 (no finite constant gives it)."""
    _needs_nested(s)
    rc, mu = s.route_choice, s.route_choice.nest_scale
    out: dict[str, float] = {}
    for fid, flow in s.demand.flows.items():
        if len(flow.routes) < 2:
            continue
        ids = list(flow.routes)
        share = np.array([flow.routes[r] for r in ids])
        if (share <= 0).any():
            zero = ", ".join(r for r, x in zip(ids, share) if x <= 0)
            raise ValueError(f"demand.flows.{fid}.routes: a share of 0 ({zero}) has no "
                             "finite constant; drop the route from the flow")
        given = np.array([route_constant(rc.constants, fid, r) for r in ids])
        v0 = prior_rail_utilities(s, fid, s.demand.base_year) - given
        m = (v0 / mu).max()
        i0 = mu * (m + np.log(np.exp(v0 / mu - m).sum()))
        c = mu * np.log(share / share.sum()) + i0 - v0
        out.update({flow_key(fid, r): float(x) for r, x in zip(ids, c)})
    return out


def with_constants(s: Scenario, constants: dict[str, float]) -> Scenario:
    """The scenario with these route constants added to (and winning over) its own."""
    rc = s.route_choice.model_copy(update={"constants": {**s.route_choice.constants,
                                                         **constants}})
    return s.model_copy(update={"route_choice": rc})


def run_days_by_year(s: Scenario) -> dict[int, list[dt.date]]:
    """The run's days (the warm-up's included) by calendar year."""
    first = s.horizon.start - dt.timedelta(days=s.horizon.warmup_days)
    out: dict[int, list[dt.date]] = {}
    for i in range((s.horizon.end - first).days):
        day = first + dt.timedelta(days=i)
        out.setdefault(day.year, []).append(day)
    return out


def fit_market_factors(s: Scenario) -> dict[str, dict[int, float]]:
    """For each flow the sea competes for, its market factor in each year of the run before
    the base year, ``P_rail_ref / mean P_rail(year)``: the flow's volume that year times
    it is its candidates at reference conditions, so that the rail boxes expected that
    year are the flow's volume (module docstring). Independent of the scenario's own
    factors (the base year has none)."""
    _needs_nested(s)
    reference = BaseYear(s)  # the reference pieces, made once
    c = sea_constant(s, reference)
    base = s.demand.base_year
    years = {y: d for y, d in run_days_by_year(s).items() if y < base}
    out: dict[str, dict[int, float]] = {}
    for fid in competing_flows(s):
        ref = reference_rail_share(s, fid, c, reference)
        out[fid] = {y: ref / mean_rail_share(s, fid, y, days, c)
                    for y, days in sorted(years.items())}
    return out


def market_of(s: Scenario) -> tuple[float, dict[str, float]]:
    """The market of scenario ``s`` as a counterfactual holds it: its sea constant and
    each competing flow's reference rail share."""
    _needs_nested(s)
    base = BaseYear(s)  # the reference pieces, made once
    c = sea_constant(s, base)
    return c, {fid: reference_rail_share(s, fid, c, base) for fid in competing_flows(s)}


def render_held_market(factual: Path) -> str:
    """The ``[sea_mode.held_market]`` table holding the market of ``factual``."""
    c, shares = market_of(load_scenario(factual))
    lines = [f"# written by `python -m sim.study.calibration.choice --held-market "
             f"{factual.as_posix()}`",
             "[sea_mode.held_market]", f"constant = {_number(c)}", "rail_shares = { " + ", ".join(
                 f"{fid} = {_number(p)}" for fid, p in shares.items()) + " }",
             f'source = "the market of {factual.name} (its sea constant and reference rail '
             'shares), held"']
    return "\n".join(lines) + "\n"


def _number(x: float) -> str:
    return f"{x:.10g}"


class Fit(NamedTuple):
    """The choice's fit on a scenario: each flow's route constants (``"FLOW:ROUTE"``), the
    market factors by flow and year, and the sea's constant they imply."""

    constants: dict[str, float]
    factors: dict[str, dict[int, float]]
    sea_constant: float


def fit(s: Scenario) -> Fit:
    """Both fits on scenario ``s`` (module docstring)."""
    constants = fit_route_constants(s)
    fitted = with_constants(s, constants)
    return Fit(constants, fit_market_factors(fitted), sea_constant(fitted))


COMMAND = "python -m sim.study.calibration.choice"
BEGIN = f"# --- BEGIN generated by `{COMMAND}"  # ... --write FILE`: do not edit ---
END = "# --- END generated ---"


def split_block(text: str, shown: str) -> tuple[str, str | None]:
    """The text before a scenario file's generated block, and the block (its BEGIN to its
    END line, None if the file has none). Raises ValueError for a block without its END
    line, a second block, or text after the END line (the block ends the file)."""
    lines = text.splitlines(keepends=True)
    begins = [i for i, line in enumerate(lines) if line.startswith(BEGIN)]
    if not begins:
        return text, None
    if len(begins) > 1:
        raise ValueError(f"{shown}: {len(begins)} generated blocks (lines "
                         f"{', '.join(str(i + 1) for i in begins)}); keep the last one")
    first = begins[0]
    ends = [i for i in range(first, len(lines)) if lines[i].rstrip() == END]
    if not ends:
        raise ValueError(f"{shown}: the generated block of line {first + 1} has no "
                         f"'{END}' line")
    last = ends[0]
    if any(line.strip() for line in lines[last + 1:]):
        raise ValueError(f"{shown}: text after the generated block (line {last + 2}); the "
                         "block must end the file")
    return "".join(lines[:first]), "".join(lines[first:last + 1])


def _drop(data: dict, block: dict) -> None:
    """Remove from ``data`` every leaf that ``block`` sets."""
    for key, value in block.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            _drop(data[key], value)
        else:
            data.pop(key, None)


def unfitted(path: Path) -> Scenario:
    """The scenario of ``path`` (its ``extends`` chain included) without the fields its
    generated block sets: what the fit is made on."""
    shown = path.as_posix()
    loaded = load_raw(path)
    _, block = split_block(path.read_text(encoding="utf-8"), shown)
    if block is not None:
        _drop(loaded.data, tomllib.loads(block))
    return validate(loaded, shown)


def render_block(s: Scenario, f: Fit, command: str) -> str:
    """The generated block (its BEGIN and END lines included) of fit ``f`` on ``s``,
    written by ``command``."""
    lines = [
        f"# --- BEGIN generated by `{command}`: do not edit ---",
        "# Run it again after a change to the choice's priors, the routes' priors or costs,",
        "# the sea or the route shares (tests/test_choice_calibration.py checks it is current).",
        "# The nested logit fitted to this scenario without this block",
        "# (sim/study/calibration/choice.py): each flow's route constants reproduce its route",
        "# shares (demand.flows.X.routes) within the rail nest at reference conditions (the",
        "# routes' prior times, the base year's costs), normalised so that the nest's",
        "# inclusive value is the one without constants (they move boxes between a flow's",
        "# rail routes, not between rail and the sea); each flow the sea competes for gets,",
        "# in each year of the run before the base year, the market factor P_rail_ref / mean",
        "# P_rail of that year, so that the rail boxes expected are its volume (the market's",
        "# growth is what the logit implies).",
        f"# The sea's constant, derived from sea_mode.market_teu: {f.sea_constant:.6f}.",
        "[route_choice.constants]",
    ]
    for fid, flow in s.demand.flows.items():
        keys = [k for k in f.constants if k.startswith(flow_key(fid, ""))]
        if keys:
            lines.append(f"# {fid}: " + ", ".join(
                f"{k.split(':', 1)[1]} {flow.routes[k.split(':', 1)[1]]:g}" for k in keys))
            lines += [f'"{k}" = {_number(f.constants[k])}' for k in keys]
    for fid, by_year in f.factors.items():
        if by_year:  # (a run starting in the base year has no year before it)
            lines += ["", f"[demand.flows.{fid}.market_factor_by_year]"]
            lines += [f"{y} = {_number(x)}" for y, x in by_year.items()]
    return "\n".join([*lines, END]) + "\n"


def write_block(path: Path) -> None:
    """Rewrite the generated block at the end of scenario file ``path`` (append it if
    absent) with the fit on the scenario without it; the rest of the file is kept byte for
    byte. Atomic: a reader sees the old file or the new one."""
    shown = path.as_posix()
    text = path.read_text(encoding="utf-8")
    head, block = split_block(text, shown)
    if block is None:
        head = head.rstrip("\n") + "\n\n"
    s = unfitted(path)
    write_text_atomic(path, head + render_block(s, fit(s), f"{COMMAND} --write {shown}"))


DESCRIPTION = ("The scenario with shippers choosing: the nested logit of rail against the "
               "sea with route constants fitted to its route shares and the sea's constant "
               "derived from the stated market.")


def render(priors: Path, name: str = "choice", description: str = DESCRIPTION) -> str:
    """The text of a scenario extending ``priors`` (a path; the text names it relative to
    its own folder, where the output belongs), named ``name``, with the fit on it."""
    s = unfitted(priors)
    command = f"{COMMAND} {priors.as_posix()}" + (f" --name {name}" if name != "choice"
                                                   else "")
    lines = [f"# Written by `{command}`: a scenario extending",
             f"# {priors.name} with the choice fitted to it (see the block below).",
             f'extends = "{priors.name}"', f'name = "{name}"', *_description(description), ""]
    return "\n".join(lines) + "\n" + render_block(s, fit(s), command)


def _description(text: str) -> list[str]:
    """A TOML multi-line description, wrapped with line continuations."""
    parts = textwrap.wrap(text, 86)
    if len(parts) == 1:
        return [f'description = """{parts[0]}"""']
    out = [f'description = """{parts[0]} \\']
    out += [f"{p} \\" for p in parts[1:-1]]
    out.append(f'{parts[-1]}"""')
    return out


def main(argv: list[str] | None = None) -> int:
    """Write or print the choice's fit (see the module docstring); exit code."""
    p = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    p.add_argument("scenario", type=Path, help="a scenario with the nested logit's priors "
                   "(its generated block, if any, is left out of the fit), or with "
                   "--held-market the factual whose market a counterfactual holds")
    p.add_argument("--write", action="store_true", help="rewrite the scenario's generated "
                   "block in place (scenarios/baseline.toml) instead of printing a scenario "
                   "that extends it")
    p.add_argument("--held-market", action="store_true", help="print the scenario's market "
                   "as a [sea_mode.held_market] table for a counterfactual")
    p.add_argument("--name", default="choice", help="the printed scenario's name")
    p.add_argument("--description", default=DESCRIPTION, help="its description")
    args = p.parse_args(argv)
    if args.write:
        write_block(args.scenario)
    else:
        sys.stdout.write(render_held_market(args.scenario) if args.held_market
                         else render(args.scenario, args.name, args.description))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
