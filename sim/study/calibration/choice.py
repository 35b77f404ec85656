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

**The volumes before the base year** (:func:`volumes_before_base_year`). A flow the sea
competes for has as volume its rail volume at reference conditions (the base year's
rates); in another year its rail boxes are ``volume(y) * P_rail(y) / P_rail_ref``. In
2023 the sea was cheaper, so ``P_rail(2023) < P_rail_ref`` and the calibrated 2023 rail
volume would not come. The calibrated volumes are kept as what was observed: each year
of the run before the base year gets

    volume'(y) = volume(y) * P_rail_ref / mean P_rail(y),

the mean over the run's days in that year (the warm-up's part of its year included), with
the same priors, that year's rail costs and the sea's dated rates. The rail boxes
expected are then the calibrated ones, and the market's growth between the years is
what the logit implies (the rail growth observed, over the change in rail's share), not
an input. Years after the base year are not touched: there ``growth_per_year`` is the
market's growth, rail's share moving with the conditions.

``python -m sim.study.calibration.choice PRIORS`` prints the scenario that extends
``PRIORS`` (a scenario with the nested logit's stated priors) with both fits; its output
belongs beside ``PRIORS`` (``calibration/choice.toml``).

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
from pathlib import Path

import numpy as np

from sim.scenario.loading import load_scenario
from sim.scenario.mode_split import (
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


def volumes_before_base_year(s: Scenario) -> dict[str, dict[int, float]]:
    """For each flow the sea competes for, its volume (boxes per year, before
    ``demand.scale``) in each year of the run before the base year, scaled by
    ``P_rail_ref / mean P_rail(year)`` so that the rail boxes expected that year are the
    calibrated ones (module docstring)."""
    _needs_nested(s)
    c = sea_constant(s)
    base = s.demand.base_year
    years = {y: d for y, d in run_days_by_year(s).items() if y < base}
    out: dict[str, dict[int, float]] = {}
    for fid in competing_flows(s):
        ref = reference_rail_share(s, fid, c)
        flow = s.demand.flows[fid]
        out[fid] = {y: flow.volume(y, base) * ref / mean_rail_share(s, fid, y, days, c)
                    for y, days in sorted(years.items())}
    return out


def market_of(s: Scenario) -> tuple[float, dict[str, float]]:
    """The market of scenario ``s`` as a counterfactual holds it: its sea constant and
    each competing flow's reference rail share."""
    _needs_nested(s)
    c = sea_constant(s)
    return c, {fid: reference_rail_share(s, fid, c) for fid in competing_flows(s)}


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


DESCRIPTION = ("The calibrated corridor with shippers choosing: the nested logit of rail "
               "against the sea with route constants fitted to the calibrated route shares "
               "and the sea's constant derived from the stated market.")


def render(priors: Path, name: str = "choice", description: str = DESCRIPTION) -> str:
    """The text of the calibrated choice scenario extending ``priors`` (a path; the text
    names it relative to its own folder, where the output belongs), named ``name``."""
    s = load_scenario(priors)
    constants = fit_route_constants(s)
    fitted = with_constants(s, constants)
    volumes = volumes_before_base_year(fitted)
    c = sea_constant(fitted)
    lines = [
        f"# Written by `python -m sim.study.calibration.choice {priors.as_posix()}"
        + (f" --name {name}`" if name != "choice" else "`") + ": do not edit",
        "# by hand; run it again after a change to the priors or to the calibrated corridor",
        "# (tests/test_choice_calibration.py checks that this file is current).",
        "#",
        "# The nested logit fitted to the calibrated corridor (sim/study/calibration/choice.py):",
        "# each flow's route constants reproduce its calibrated route shares within the rail",
        "# nest at reference conditions (the routes' prior times, the base year's costs),",
        "# normalised so that the nest's inclusive value is the one without constants (they",
        "# move boxes between a flow's rail routes, not between rail and the sea); the flows",
        "# the sea competes for keep their calibrated volumes before the base year (each",
        "# scaled by P_rail_ref / mean P_rail of that year, so the rail boxes expected are",
        "# the calibrated ones; the market's growth is what the logit implies).",
        f"# The sea's constant, derived from sea_mode.market_teu: {c:.6f}.",
        "# Sources: the priors file's (route shares and volumes as the calibrated corridor",
        "# fitted them to corridor-facts §1.1-§1.5; the market, value of time and cost",
        "# coefficient from corridor-facts-economics §3-§5 and docs/sources-economics.md §7).",
        f'extends = "{priors.name}"',
        f'name = "{name}"',
        *_description(DESCRIPTION if name == "choice" else description),
        "",
        "[route_choice.constants]",
    ]
    for fid in s.demand.flows:
        keys = [k for k in constants if k.startswith(flow_key(fid, ""))]
        if keys:
            shares = s.demand.flows[fid].routes
            lines.append(f"# {fid}: " + ", ".join(
                f"{k.split(':', 1)[1]} {shares[k.split(':', 1)[1]]:g}" for k in keys))
            lines += [f'"{k}" = {_number(constants[k])}' for k in keys]
    for fid, by_year in volumes.items():
        if not by_year:  # (a run starting in the base year: nothing before it)
            continue
        flow = s.demand.flows[fid]
        base = s.demand.base_year
        lines += ["", f"[demand.flows.{fid}.containers_by_year]"]
        lines += [f"{y} = {v:.1f}    # calibrated {flow.volume(y, base):.1f} x "
                  f"{v / flow.volume(y, base):.6f}" for y, v in by_year.items()]
    return "\n".join(lines) + "\n"


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
    """Print the calibrated choice scenario (see the module docstring); exit code."""
    p = argparse.ArgumentParser(prog="python -m sim.study.calibration.choice",
                                description=__doc__.splitlines()[0])
    p.add_argument("scenario", type=Path, help="a scenario with the nested logit's priors "
                   "(calibration/choice_priors.toml; the output belongs beside it), or with "
                   "--held-market the factual whose market a counterfactual holds")
    p.add_argument("--held-market", action="store_true", help="print the scenario's market "
                   "as a [sea_mode.held_market] table for a counterfactual")
    p.add_argument("--name", default="choice", help="the written scenario's name (a "
                   "choice scenario beside another base: its priors file extends that base)")
    p.add_argument("--description", default=DESCRIPTION, help="its description")
    args = p.parse_args(argv)
    sys.stdout.write(render_held_market(args.scenario) if args.held_market
                     else render(args.scenario, args.name, args.description))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
