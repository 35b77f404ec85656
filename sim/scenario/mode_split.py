"""The split between rail and the sea that the nested logit applies to the demand.

A flow the sea competes for (``[sea_mode]``'s regions, ``route_choice.model =
"nested_logit"``) is one share of a market that rail and the sea divide. Its
``containers_per_year`` (grown by year as usual) is the rail volume **at reference
conditions**: the demand's base year, with the routes' prior transit times
(``routes.X.prior_transit_days``), the rail costs of that year (``[costs]``) and the
sea's dated times and rates, averaged over the year's days (a route not open yet,
``routes.X.open_from``, not offered on the days before). So the flow's market is

    market_f(year) = volume_f(year) / P_rail_ref_f

and on a day the rail boxes expected are ``market_f * P_rail_f(day)``, with ``P_rail``
from what the model has learned by then (:mod:`sim.engine.market`): a congested rail
route or a cheaper sea sends boxes to the sea, a Red Sea diversion brings them to rail.

The reference uses the routes' priors, the run what it learns: priors unlike what the
model delivers move the base year's rail volume off the flow's (red_sea_2024's priors,
with no unreliability where the model learns ~4 days of p95 - p50, put it ~6 % below);
calibration sets the priors to the delivered times.

``sea_mode.market_teu`` states the market in the base year (TEU, all modes, summed over
the competing flows); given, the sea's constant is the one whose implied market
``sum_f volume_f * TEU per box / P_rail_ref_f`` equals it (:func:`sea_constant`).

Since the reference conditions are the scenario's own, a counterfactual that changes the
base year's conditions (no Red Sea crisis in 2024) would imply a market of its own and
carry the same rail volume in that year. ``sea_mode.held_market`` holds the factual's
market instead: its sea constant and each flow's ``P_rail_ref``, so that the
counterfactual's rail boxes are the factual's market times its own ``P_rail``.
Pure arithmetic on the scenario; no SimPy.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from sim.scenario.leg_costs import route_cost_usd_per_feu
from sim.scenario.nested_logit import inclusive_value, utilities
from sim.scenario.path_size import PathSize
from sim.scenario.route_constants import route_constant
from sim.scenario.schema import Scenario

CONSTANT_BOUNDS = (-60.0, 60.0)  # the sea's constant is searched within these


def competing_flows(s: Scenario) -> list[str]:
    """Flows whose boxes choose between rail and the sea (none unless the nested logit
    and ``[sea_mode]`` are both on; a flow from or to no node is none, its own rule says
    so)."""
    sea = s.sea_mode
    if s.route_choice.model != "nested_logit" or sea is None:
        return []
    return [fid for fid, fl in s.demand.flows.items()
            if fl.origin in s.nodes and fl.destination in s.nodes
            and sea.competes(s.nodes[fl.origin].region, s.nodes[fl.destination].region)]


def teu_per_box(s: Scenario) -> float:
    return 1.0 + s.demand.share_40ft


def _year_days(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days)]


SeaDays = tuple[np.ndarray, np.ndarray, np.ndarray]  # the sea's days, USD/FEU, unreliability


def _sea_days(s: Scenario, days: list[dt.date]) -> SeaDays:
    """The sea's door-to-door days, rate and unreliability on each of ``days``."""
    sea = s.sea_mode
    assert sea is not None
    rates = [sea.at(d) for d in days]
    return (np.array([r.door_to_door_days for r in rates]),
            np.array([r.usd_per_feu for r in rates]),
            np.array([sea.unreliability(r) for r in rates]))


def _sea_utilities(s: Scenario, days: list[dt.date] | SeaDays, constant: float
                   ) -> np.ndarray:
    """The sea's utilities on ``days`` (or on the days whose rates :func:`_sea_days`
    gave) with ``constant``."""
    rc = s.route_choice
    assert rc.value_of_time_usd_per_teu_day is not None
    door, usd, unrel = _sea_days(s, days) if isinstance(days, list) else days
    return utilities(constant, door, usd, unrel, rc.tariff_per_kusd,
                     rc.value_of_time_usd_per_teu_day, rc.unreliability_per_day)


def prior_rail_utilities(s: Scenario, fid: str, year: int) -> np.ndarray:
    """Utilities of the flow's rail routes (in ``demand.flows.X.routes`` order) with their
    prior times and the year's costs."""
    rc = s.route_choice
    assert rc.value_of_time_usd_per_teu_day is not None  # the checks ask for it
    ids = list(s.demand.flows[fid].routes)
    routes = [s.routes[r] for r in ids]
    v = utilities(np.array([route_constant(rc.constants, fid, r) for r in ids]),
                  np.array([r.prior_transit_days or 0.0 for r in routes]),
                  np.array([route_cost_usd_per_feu(s, fid, r, year) for r in ids]),
                  np.array([r.prior_unreliability_days for r in routes]),
                  rc.tariff_per_kusd, rc.value_of_time_usd_per_teu_day,
                  rc.unreliability_per_day)
    if rc.path_size:  # every route on offer (sim.scenario.path_size)
        v = v + rc.nest_scale * PathSize(s, fid).ln_ps()
    return v


def open_on(s: Scenario, fid: str, days: list[dt.date]) -> np.ndarray | None:
    """Which of the flow's rail routes (in ``demand.flows.X.routes`` order) exist on each
    of ``days`` (``routes.X.open_from``), shape (days, routes); None: all, every day."""
    opens = [s.routes[r].open_from for r in s.demand.flows[fid].routes]
    if all(d is None or d <= min(days) for d in opens):
        return None
    return np.array([[d is None or d <= day for d in opens] for day in days], bool)


def _offered(s: Scenario, fid: str, v_rail: np.ndarray, is_open: np.ndarray | None
             ) -> np.ndarray:
    """The rail utilities by day, -inf for a route not yet open (``is_open``, shape (days,
    routes)), with the path-size terms of the routes open that day; unchanged with every
    route open."""
    if is_open is None:
        return v_rail
    rc = s.route_choice
    if rc.path_size:  # the day's terms instead of those with every route on offer
        ps = PathSize(s, fid)
        v_rail = v_rail + rc.nest_scale * (np.array([ps.ln_ps(row) for row in is_open])
                                           - ps.ln_ps())
    return np.where(is_open, v_rail, -np.inf)


def _reference(s: Scenario, base: BaseYear | None = None
               ) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """The sea's utilities on the base year's days without its constant, each competing
    flow's rail utilities (by day where a route opens during the year: -inf before), and
    the flows' base-year volumes in TEU; ``base``: the pieces made already."""
    base = BaseYear(s) if base is None else base
    year = base.year
    v_sea0 = base.sea_utilities(0.0)
    flows = competing_flows(s)
    v_rail = {f: base.rail_utilities(f) for f in flows}
    teu = np.array([s.demand.flows[f].volume(year, year) * s.demand.scale * teu_per_box(s)
                    for f in flows])
    return v_sea0, v_rail, teu


class _RailNest:
    """A flow's rail utilities on ``n_days`` days, ``v_rail``: (routes,) or (days, routes),
    against any utilities of the sea: :meth:`share` is the mean P(rail) over the days, a
    day with no route offered (all -inf) counting 0. The rail nest's inclusive values do
    not depend on the sea, so they are computed once (the sea constant's bisection asks
    for ~60 shares of each flow: recomputing them took ~3 % of a calibrated year), and
    P(rail) from them exactly as :func:`~sim.scenario.nested_logit.nested_shares` does."""

    def __init__(self, v_rail: np.ndarray, n_days: int, mu: float):
        if not 0 < mu <= 1:
            raise ValueError(f"nest scale {mu} outside (0, 1]")
        v = np.broadcast_to(v_rail, (n_days, v_rail.shape[-1]))
        self.offered = np.isfinite(v).any(axis=-1)
        self.every_day = bool(self.offered.all())
        self.n_days = n_days
        self.iv = inclusive_value(v if self.every_day else v[self.offered], mu)

    def share(self, v_sea: np.ndarray) -> float:
        if self.every_day:
            return float(self._p_rail(v_sea).mean())
        if not self.offered.any():
            return 0.0
        return float(np.sum(self._p_rail(v_sea[self.offered]))) / self.n_days

    def _p_rail(self, v_sea: np.ndarray) -> np.ndarray:
        """P(rail) = 1 / (1 + exp(V_sea - I)), stably (as nested_shares)."""
        vs = np.broadcast_to(np.asarray(v_sea, float), self.iv.shape)
        return 0.5 * (1.0 + np.tanh((self.iv - vs) / 2.0))


class BaseYear:
    """The reference conditions of a scenario (module docstring), each piece made once
    when first asked and the same floats as made afresh: the base year's days, the sea's
    rates on them, and each competing flow's rail utilities and nest. One of them shared
    by :func:`sea_constant` and :func:`reference_rail_share` spares each share the route
    costs and the daily sea rates the constant's bisection made already (a model's build
    asks for both: ~18 % of a calibrated build's instructions were those)."""

    def __init__(self, s: Scenario):
        self.s = s
        self.year = s.demand.base_year
        self.days = _year_days(self.year)
        self._sea: SeaDays | None = None
        self._v_rail: dict[str, np.ndarray] = {}
        self._nests: dict[str, _RailNest] = {}

    def sea_utilities(self, constant: float) -> np.ndarray:
        """As ``_sea_utilities(s, days, constant)``."""
        if self._sea is None:
            self._sea = _sea_days(self.s, self.days)
        return _sea_utilities(self.s, self._sea, constant)

    def rail_utilities(self, fid: str) -> np.ndarray:
        """Flow ``fid``'s rail utilities as offered on the days (:func:`_offered`)."""
        v = self._v_rail.get(fid)
        if v is None:
            s = self.s
            v = self._v_rail[fid] = _offered(s, fid, prior_rail_utilities(s, fid, self.year),
                                             open_on(s, fid, self.days))
        return v

    def nest(self, fid: str) -> _RailNest:
        """Flow ``fid``'s rail nest over the days."""
        n = self._nests.get(fid)
        if n is None:
            n = self._nests[fid] = _RailNest(self.rail_utilities(fid), len(self.days),
                                             self.s.route_choice.nest_scale)
        return n

    def rail_share(self, fid: str, constant: float) -> float:
        """As ``mean_rail_share(s, fid, base year, constant=constant)``."""
        return self.nest(fid).share(self.sea_utilities(constant))


def _rail_share(v_rail: np.ndarray, v_sea: np.ndarray, mu: float) -> float:
    """Mean P(rail) over the days of ``v_sea``; ``v_rail``: (routes,) or (days, routes),
    a day with no route offered (all -inf) counting 0."""
    return _RailNest(v_rail, len(v_sea), mu).share(v_sea)


def reference_rail_share(s: Scenario, fid: str, constant: float | None = None,
                         base: BaseYear | None = None) -> float:
    """P(rail) of flow ``fid`` at reference conditions (module docstring), averaged over
    the days of the demand's base year; ``constant``: the sea's (default: as resolved by
    :func:`sea_constant`). With ``sea_mode.held_market``: the share held there.
    ``base``: the reference pieces made already (the same share)."""
    held = s.sea_mode.held_market if s.sea_mode is not None else None
    if held is not None:
        return held.rail_shares[fid]
    if base is None:
        return mean_rail_share(s, fid, s.demand.base_year, constant=constant)
    return base.rail_share(fid, sea_constant(s, base) if constant is None else constant)


def mean_rail_share(s: Scenario, fid: str, year: int, days: list[dt.date] | None = None,
                    constant: float | None = None) -> float:
    """P(rail) of flow ``fid`` with the routes' prior times and ``year``'s rail costs,
    against the sea's dated rates, averaged over ``days`` (default: every day of
    ``year``; a route counts from its ``open_from``); ``constant``: the sea's (default:
    as resolved by :func:`sea_constant`)."""
    c = sea_constant(s) if constant is None else constant
    days = _year_days(year) if days is None else days
    v_rail = _offered(s, fid, prior_rail_utilities(s, fid, year), open_on(s, fid, days))
    return _rail_share(v_rail, _sea_utilities(s, days, c), s.route_choice.nest_scale)


def implied_market_teu(s: Scenario, constant: float | None = None,
                       base: BaseYear | None = None) -> float:
    """The base year's market (TEU, all modes) of the competing flows that the volumes and
    the reference shares imply; ``base``: the reference pieces made already (the same
    market)."""
    base = BaseYear(s) if base is None else base
    if s.sea_mode is not None and s.sea_mode.held_market is not None:
        shares = s.sea_mode.held_market.rail_shares
        _, _, teu = _reference(s, base)
        return float(sum(t / shares[f] for f, t in zip(competing_flows(s), teu)))
    c = sea_constant(s, base) if constant is None else constant
    v_sea0, _, teu = _reference(s, base)
    return _implied(s, v_sea0, [base.nest(f) for f in competing_flows(s)], teu, c)


def _implied(s: Scenario, v_sea0: np.ndarray, v_rail: dict[str, np.ndarray] | list[_RailNest],
             teu: np.ndarray, c: float) -> float:
    """The implied market at the sea's constant ``c``; ``v_rail``: the flows' rail
    utilities, or their rail nests (made once for many constants)."""
    mu = s.route_choice.nest_scale
    nests = (v_rail if isinstance(v_rail, list)
             else [_RailNest(v, len(v_sea0), mu) for v in v_rail.values()])
    shares = [n.share(v_sea0 + c) for n in nests]
    if min(shares, default=1.0) <= 0.0:  # rail's share underflows: no finite market
        return float("inf")
    return float(sum(t / p for t, p in zip(teu, shares)))


def sea_constant(s: Scenario, base: BaseYear | None = None) -> float:
    """The sea's constant: ``sea_mode.constant``, or, with ``sea_mode.market_teu``, the one
    whose implied market equals it (bisection: the implied market rises with the
    constant). Raises ValueError if no constant within :data:`CONSTANT_BOUNDS` gives it.
    ``base``: the reference pieces, made here where not made already (the same
    constant)."""
    sea = s.sea_mode
    if sea is None:
        return 0.0
    if sea.held_market is not None:
        return sea.held_market.constant
    if sea.market_teu is None or not competing_flows(s):
        return sea.constant
    base = BaseYear(s) if base is None else base
    v_sea0, _, teu = _reference(s, base)
    nests = [base.nest(f) for f in competing_flows(s)]
    parts = (v_sea0, nests, teu)
    lo, hi = CONSTANT_BOUNDS
    at_lo, at_hi = _implied(s, *parts, lo), _implied(s, *parts, hi)
    if not at_lo <= sea.market_teu <= at_hi:
        raise ValueError(f"no sea constant within {CONSTANT_BOUNDS} makes the implied market "
                         f"{sea.market_teu:,.0f} TEU (it spans {at_lo:,.0f} to {at_hi:,.0f})")
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if _implied(s, *parts, mid) < sea.market_teu:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
